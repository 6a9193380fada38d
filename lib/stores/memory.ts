/**
 * The in-process store: a bounded LRU map that answers every call synchronously, so a cache hit
 * does no promise work.
 *
 * Layout: a `Map` from key to node plus a doubly linked recency list through the nodes. A hit is
 * one map lookup and a few pointer writes, and returns the node itself (it is the
 * {@link StoredEntry}). Stale entries (expired, namespace cleared, tag invalidated) are never
 * returned and are freed without a timer: on access, by a two-step sweep on every `set`, by
 * eviction, or by {@link MemoryStore.purgeExpired}. Hits and writes read a clock cached for about
 * a millisecond (see `memory/clock.ts`), so TTLs are honoured to about a millisecond.
 */
import { CacheClosedError, InvalidTtlError } from '../cache/errors.js';
import { type MemoryStoreOptions, resolveMemoryStoreOptions } from './memory/options.js';
import { coarseNow } from './memory/clock.js';
import { RecencyList } from './memory/list.js';
import { MemoryNode, anyDead, isStale } from './memory/node.js';
import { ScopeRegistry } from './memory/scopes.js';
import { type Store, type StoredEntry, type StoreHealth, type StoreSetOptions, type StoreWrite } from './store.js';

export { DEFAULT_MAX_ENTRIES, type MemoryStoreOptions } from './memory/options.js';

/**
 * Nodes the sweep inspects per `set`. Two per write outpaces the at most one node a write adds,
 * so the cursor laps the whole list and every stale entry is reclaimed within O(size) writes.
 */
const SWEEP_STEPS = 2;

/** Counters of a {@link MemoryStore}, for monitoring and tests. */
export interface MemoryStoreStats {
  /** Entries held, stale ones not yet reclaimed included (same as {@link MemoryStore.size}). */
  readonly entries: number;
  /** The bound. */
  readonly maxEntries: number;
  /** Namespace states tracked: at most one per namespace with held entries. */
  readonly namespaces: number;
  /** Tag states tracked: at most one per tag carried by held entries. */
  readonly tags: number;
  /** Entries pushed out by the bound since creation. */
  readonly evictions: number;
  /** Stale entries freed by the sweep or {@link MemoryStore.purgeExpired} since creation. */
  readonly reclaimed: number;
}

/** The in-process {@link Store}. Create it with {@link memoryStore}. */
export class MemoryStore implements Store {
  /** Name for logs and health output. */
  readonly name: string;
  /** Always `true`: `get` returns the very object given to `set`. */
  readonly sharesReferences = true;
  /** Most entries held at once. */
  readonly maxEntries: number;

  readonly #entries = new Map<string, MemoryNode>();
  readonly #list = new RecencyList();
  readonly #namespaces = new ScopeRegistry();
  readonly #tags = new ScopeRegistry();
  #closed = false;
  #evictions = 0;
  #reclaimed = 0;

  /**
   * @param options - see {@link MemoryStoreOptions}
   * @throws InvalidOptionError when an option is unknown or invalid
   */
  constructor(options?: MemoryStoreOptions) {
    const resolved = resolveMemoryStoreOptions(options);
    this.name = resolved.name;
    this.maxEntries = resolved.maxEntries;
  }

  /** Entries held, including stale ones not reclaimed yet. Never above {@link maxEntries}. */
  get size(): number {
    return this.#entries.size;
  }

  /** Current counters; the namespace/tag counts show the scope maps do not grow unbounded. */
  get stats(): MemoryStoreStats {
    return {
      entries: this.#entries.size,
      maxEntries: this.maxEntries,
      namespaces: this.#namespaces.size,
      tags: this.#tags.size,
      evictions: this.#evictions,
      reclaimed: this.#reclaimed,
    };
  }

  /**
   * The live entry at `key` (the held node itself, no copy), refreshed as most recently used.
   *
   * @throws CacheClosedError after {@link close}
   */
  get(key: string): StoredEntry | undefined {
    if (this.#closed) throw this.#closedError('get');
    const node = this.#entries.get(key);
    if (node === undefined) return undefined;
    // Infinity skips the clock read; untagged entries skip the tag loop.
    if (
      node.namespace.dead ||
      (node.expiresAt !== Infinity && node.expiresAt <= coarseNow()) ||
      (node.tags !== undefined && anyDead(node.tags))
    ) {
      this.#remove(node);
      return undefined;
    }
    this.#list.touch(node);
    return node;
  }

  /** {@link get} for each key, in order. */
  getMany(keys: readonly string[]): Array<StoredEntry | undefined> {
    return keys.map((key) => this.get(key));
  }

  /**
   * Store `value` by reference at `key` as the most recently used entry, evicting the least
   * recently used one past the bound.
   *
   * @throws InvalidTtlError when `options.ttlMs` is not a number `> 0`
   * @throws CacheClosedError after {@link close}
   */
  set(key: string, value: unknown, options: StoreSetOptions): void {
    if (this.#closed) throw this.#closedError('set');
    checkTtl(key, options.ttlMs);
    this.#write(key, value, options);
  }

  /**
   * Several {@link set}s. Every TTL is checked before the first write, so a bad one writes nothing.
   *
   * @throws InvalidTtlError when one of the TTLs is not a number `> 0`
   */
  setMany(writes: readonly StoreWrite[]): void {
    if (this.#closed) throw this.#closedError('setMany');
    for (const write of writes) checkTtl(write.key, write.ttlMs);
    for (const write of writes) this.#write(write.key, write.value, write);
  }

  /** Remove `key`; `true` only when a live (not expired, not invalidated) entry was there. */
  delete(key: string): boolean {
    if (this.#closed) throw this.#closedError('delete');
    const node = this.#entries.get(key);
    if (node === undefined) return false;
    const live = !isStale(node, Date.now());
    this.#remove(node);
    return live;
  }

  /** {@link delete} for each key; answers how many live entries were removed. */
  deleteMany(keys: readonly string[]): number {
    let removed = 0;
    for (const key of keys) if (this.delete(key)) removed++;
    return removed;
  }

  /** Invalidate every entry of `namespace` in O(1); their memory is reclaimed lazily. */
  deleteNamespace(namespace: string): void {
    if (this.#closed) throw this.#closedError('deleteNamespace');
    this.#namespaces.kill(namespace);
  }

  /** Invalidate every entry carrying one of `tags`, O(1) per tag; memory is reclaimed lazily. */
  invalidateTags(tags: readonly string[]): void {
    if (this.#closed) throw this.#closedError('invalidateTags');
    for (const tag of tags) this.#tags.kill(tag);
  }

  /** Drop every entry now. */
  clear(): void {
    if (this.#closed) throw this.#closedError('clear');
    this.#dropAll();
  }

  /**
   * Free every stale entry now (expired, or of a cleared namespace or invalidated tag). Not
   * needed for correctness: stale entries are never returned and the sweep frees them over time.
   *
   * @returns how many entries were freed
   */
  purgeExpired(): number {
    if (this.#closed) return 0;
    const now = Date.now();
    let freed = 0;
    for (let node = this.#list.oldest; node !== undefined; ) {
      const next = node.newer;
      if (isStale(node, now)) {
        this.#remove(node);
        freed++;
      }
      node = next;
    }
    this.#reclaimed += freed;
    return freed;
  }

  /** Always answers at once: `ok` until {@link close}, with entry counts in `details`. */
  async health(): Promise<StoreHealth> {
    const details = { entries: this.#entries.size, maxEntries: this.maxEntries };
    if (this.#closed) return { ok: false, store: this.name, error: 'the store is closed', details };
    return { ok: true, store: this.name, latencyMs: 0, details };
  }

  /** Free every entry; later calls other than `health`, `close` and `purgeExpired` throw. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#dropAll();
  }

  #write(key: string, value: unknown, options: StoreSetOptions): void {
    const now = coarseNow();
    // Sweep before inserting: a freed stale slot can spare a live entry from eviction.
    for (let step = 0; step < SWEEP_STEPS; step++) {
      const node = this.#list.nextToSweep();
      if (node === undefined) break;
      if (isStale(node, now)) {
        this.#remove(node);
        this.#reclaimed++;
      }
    }
    const previous = this.#entries.get(key);
    if (previous !== undefined) {
      // Its map slot is overwritten below; only the list link and the scope refs go.
      this.#list.unlink(previous);
      this.#release(previous);
    }
    const namespace = this.#namespaces.acquireNamespaceOf(key);
    const node = new MemoryNode(key, value, now + options.ttlMs, namespace, this.#tags.acquireAll(options.tags));
    this.#entries.set(key, node);
    this.#list.push(node);
    const oldest = this.#list.oldest;
    if (this.#entries.size > this.maxEntries && oldest !== undefined) {
      this.#remove(oldest);
      this.#evictions++;
    }
  }

  /** Unlink, unmap and release a held node. */
  #remove(node: MemoryNode): void {
    this.#list.unlink(node);
    this.#entries.delete(node.key);
    this.#release(node);
  }

  #release(node: MemoryNode): void {
    this.#namespaces.release(node.namespace);
    if (node.tags !== undefined) for (const scope of node.tags) this.#tags.release(scope);
  }

  #dropAll(): void {
    this.#list.clear();
    this.#entries.clear();
    this.#namespaces.clear();
    this.#tags.clear();
  }

  #closedError(operation: string): CacheClosedError {
    return new CacheClosedError(`memory store "${this.name}" is closed; ${operation}() is not possible. Create a new store.`);
  }
}

/**
 * Create an in-process, bounded LRU store.
 *
 * @param options - see {@link MemoryStoreOptions}; defaults: `maxEntries` 10_000, `name` `'memory'`
 * @throws InvalidOptionError when an option is unknown or invalid
 *
 * @example
 * ```ts
 * registerCache(createCache({ store: memoryStore({ maxEntries: 10_000 }), ttl: '5m' }));
 * ```
 */
export function memoryStore(options?: MemoryStoreOptions): MemoryStore {
  return new MemoryStore(options);
}

function checkTtl(key: string, ttlMs: unknown): void {
  if (typeof ttlMs !== 'number' || !(ttlMs > 0)) {
    throw new InvalidTtlError(
      `memory store set of "${key}": ttlMs is ${String(ttlMs)}; give a number of milliseconds > 0 (fractions and Infinity allowed).`,
    );
  }
}
