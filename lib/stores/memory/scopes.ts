/**
 * Invalidation state shared by many entries: a namespace, or a tag. Every entry of a namespace
 * (or carrying a tag) points at the same object, so flipping `dead` invalidates all of them in
 * O(1); a dead scope is forgotten and later writes start a fresh one.
 */

/** The state of one tag. */
export class Scope {
  /** The tag (the key of the registry's map). */
  readonly name: string;
  /** Entries held that point here; the scope leaves the registry when this drops to zero. */
  refs: number;
  /** Set by `invalidateTags`: every entry pointing here is stale. */
  dead: boolean;

  /** @param name - the tag */
  constructor(name: string) {
    this.name = name;
    this.refs = 0;
    this.dead = false;
  }
}

/**
 * The state of one namespace, which also indexes its entries: id -> slot. A lookup goes through
 * the live scope of its namespace, so an entry of a cleared namespace is unreachable at once
 * (its slot is reclaimed later), and the ids need no namespace prefix.
 */
export class NamespaceScope {
  /** The namespace. */
  readonly name: string;
  /** Slot of each entry of this namespace, by id. */
  readonly slots: Map<string, number>;
  /** Set by `deleteNamespace`: every entry of this scope is stale. */
  dead: boolean;

  /** @param name - the namespace */
  constructor(name: string) {
    this.name = name;
    this.slots = new Map();
    this.dead = false;
  }

  /** As the owner of an untagged entry: whether the entry is invalidated. */
  isDead(): boolean {
    return this.dead;
  }

  /** As the owner of an untagged entry: the entry's namespace, this one. */
  namespaceScope(): NamespaceScope {
    return this;
  }

  /** As the owner of an untagged entry: no tags. */
  heldTags(): readonly Scope[] | undefined {
    return undefined;
  }
}

/** What a tagged entry belongs to; an untagged entry's owner is its {@link NamespaceScope} alone. */
export class TaggedOwner {
  /**
   * @param namespace - the entry's namespace
   * @param tags - the entry's tags, each held once
   */
  constructor(
    readonly namespace: NamespaceScope,
    readonly tags: readonly Scope[],
  ) {}

  /** Whether the entry is invalidated (its namespace cleared, or one of its tags). */
  isDead(): boolean {
    return this.namespace.dead || anyDead(this.tags);
  }

  /** The entry's namespace. */
  namespaceScope(): NamespaceScope {
    return this.namespace;
  }

  /** The entry's tags, each held once. */
  heldTags(): readonly Scope[] | undefined {
    return this.tags;
  }
}

/**
 * Who an entry belongs to: its namespace, or its namespace and tags. Both kinds answer the same
 * three methods, so the store never tests which kind it holds (an `instanceof` per inspected
 * entry showed in profiles of every write's sweep).
 */
export type Owner = NamespaceScope | TaggedOwner;

/** Whether one of `scopes` was invalidated. */
function anyDead(scopes: readonly Scope[]): boolean {
  for (let i = 0; i < scopes.length; i++) if (scopes[i]?.dead === true) return true;
  return false;
}

/**
 * The live scope of each name (namespace or tag). Killing a name marks its scope dead (every
 * entry pointing at it is stale at once) and forgets it, so later writes start a fresh one.
 */
abstract class LiveScopes<S extends { readonly name: string; dead: boolean }> {
  protected readonly scopes = new Map<string, S>();

  /** Names tracked. */
  get size(): number {
    return this.scopes.size;
  }

  /** Invalidate every entry of `name` in O(1): its scope dies and is forgotten. */
  kill(name: string): void {
    const scope = this.scopes.get(name);
    if (scope === undefined) return;
    scope.dead = true;
    this.scopes.delete(name);
  }

  /** Forget every name (the store dropped every entry). */
  clear(): void {
    this.scopes.clear();
  }
}

/** The live namespaces of a store: each is in the map while it holds entries. */
export class NamespaceRegistry extends LiveScopes<NamespaceScope> {
  /** The live scope of `name`, or `undefined` when it holds nothing. */
  find(name: string): NamespaceScope | undefined {
    return this.scopes.get(name);
  }

  /** The live scope of `name`, created on first use. */
  acquire(name: string): NamespaceScope {
    let scope = this.scopes.get(name);
    if (scope === undefined) {
      scope = new NamespaceScope(name);
      this.scopes.set(name, scope);
    }
    return scope;
  }

  /** After an entry of `scope` left its index: forget a live scope that holds nothing. */
  releaseIfEmpty(scope: NamespaceScope): void {
    if (scope.slots.size === 0 && !scope.dead) this.scopes.delete(scope.name);
  }
}

/**
 * The live {@link Scope} of each tag, reference-counted so the map only holds tags that held
 * entries still carry: it cannot outgrow the entries.
 */
export class TagRegistry extends LiveScopes<Scope> {
  /**
   * The live scopes of `names`, each with one more reference, a repeated name once; `undefined`
   * when there are none, so an untagged entry carries nothing.
   */
  acquireAll(names: readonly string[] | undefined): readonly Scope[] | undefined {
    if (names === undefined || names.length === 0) return undefined;
    const scopes: Scope[] = [];
    for (const name of names) {
      let scope = this.scopes.get(name);
      // A repeated tag is held once, so each reference has exactly one release.
      if (scope !== undefined && scopes.includes(scope)) continue;
      if (scope === undefined) {
        scope = new Scope(name);
        this.scopes.set(name, scope);
      }
      scope.refs++;
      scopes.push(scope);
    }
    return scopes;
  }

  /** Drop one reference of each; a live scope nothing points at leaves the map. */
  releaseAll(scopes: readonly Scope[]): void {
    for (const scope of scopes) if (--scope.refs === 0 && !scope.dead) this.scopes.delete(scope.name);
  }
}
