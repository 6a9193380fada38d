import type { StoredEntry } from '../store.js';

/**
 * Shared invalidation state of one namespace or one tag. Every entry of the namespace (or
 * carrying the tag) points at the same object, so flipping `dead` invalidates all of them in
 * O(1). A dead scope is replaced by a fresh one for later writes.
 */
export class Scope {
  /** The namespace or tag name (the key of the store's scope map). */
  readonly name: string;
  /** Entries held that point here; the scope leaves the map when this drops to zero. */
  refs: number;
  /** Set by `deleteNamespace` / `invalidateTags`: every entry pointing here is stale. */
  dead: boolean;

  /** @param name - the namespace or tag */
  constructor(name: string) {
    this.name = name;
    this.refs = 0;
    this.dead = false;
  }
}

/**
 * One held entry, linked into the store's recency list. `get` hands the node itself out as its
 * {@link StoredEntry}: no wrapper per hit. `value` and `expiresAt` never change after creation
 * (an overwrite makes a new node), so an entry handed out stays a faithful snapshot.
 */
export class MemoryNode implements StoredEntry {
  /** The `namespace:id` key. */
  readonly key: string;
  /** The value, by reference. */
  readonly value: unknown;
  /** Absolute expiry (`Date.now()` clock), `Infinity` = never. */
  readonly expiresAt: number;
  /** State of the key's namespace. */
  readonly namespace: Scope;
  /** States of the entry's tags; `undefined` when untagged so a hit pays nothing for tags. */
  readonly tags: readonly Scope[] | undefined;
  /** Neighbour towards the most recently used end. */
  newer: MemoryNode | undefined;
  /** Neighbour towards the least recently used end. */
  older: MemoryNode | undefined;

  /**
   * @param key - the `namespace:id` key
   * @param value - the value, kept by reference
   * @param expiresAt - absolute expiry in ms since the epoch
   * @param namespace - the namespace's current state
   * @param tags - the tags' current states, or `undefined`
   */
  constructor(key: string, value: unknown, expiresAt: number, namespace: Scope, tags: readonly Scope[] | undefined) {
    // Every field assigned in one fixed order keeps a single hidden class for all nodes.
    this.key = key;
    this.value = value;
    this.expiresAt = expiresAt;
    this.namespace = namespace;
    this.tags = tags;
    this.newer = undefined;
    this.older = undefined;
  }
}

/**
 * Whether `node` must no longer be returned: expired at `now`, its namespace cleared, or one of
 * its tags invalidated.
 *
 * @param node - the entry
 * @param now - current `Date.now()`
 */
export function isStale(node: MemoryNode, now: number): boolean {
  return node.namespace.dead || node.expiresAt <= now || (node.tags !== undefined && anyDead(node.tags));
}

/**
 * Whether one of `scopes` was invalidated.
 *
 * @param scopes - the tag states of an entry
 */
export function anyDead(scopes: readonly Scope[]): boolean {
  for (let i = 0; i < scopes.length; i++) if (scopes[i]?.dead === true) return true;
  return false;
}
