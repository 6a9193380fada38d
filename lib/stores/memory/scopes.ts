import { Scope } from './node.js';

/**
 * The live {@link Scope} of each namespace (or each tag), reference-counted so the map only holds
 * names that held entries still point at: it cannot outgrow the entries.
 */
export class ScopeRegistry {
  readonly #scopes = new Map<string, Scope>();
  /** The scope {@link acquireNamespaceOf} used last: consecutive writes mostly share a namespace. */
  #last: Scope | undefined;

  /** Names tracked: each has at least one held entry pointing at its live scope. */
  get size(): number {
    return this.#scopes.size;
  }

  /**
   * The live scope of `name`, created on first use, with one more reference.
   *
   * @param name - a namespace or tag
   */
  acquire(name: string): Scope {
    let scope = this.#scopes.get(name);
    if (scope === undefined) {
      scope = new Scope(name);
      this.#scopes.set(name, scope);
    }
    scope.refs++;
    return scope;
  }

  /**
   * {@link acquire} of the namespace of a `namespace:id` key, without slicing the key when it is
   * in the same namespace as the previous call.
   *
   * @param key - a store key
   */
  acquireNamespaceOf(key: string): Scope {
    const last = this.#last;
    // Reusable while entries still hold it (at zero refs it left the map). A namespace has no
    // ':', so a key starting with `name:` is in it.
    if (last !== undefined && last.refs > 0 && !last.dead) {
      const length = last.name.length;
      if (key.charCodeAt(length) === 58 /* ':' */ && key.startsWith(last.name)) {
        last.refs++;
        return last;
      }
    }
    const colon = key.indexOf(':');
    const scope = this.acquire(colon === -1 ? '' : key.slice(0, colon));
    this.#last = scope;
    return scope;
  }

  /**
   * {@link acquire} for each name, a repeated name once; `undefined` when there are none, so an
   * untagged entry carries nothing.
   *
   * @param names - tags of one write
   */
  acquireAll(names: readonly string[] | undefined): readonly Scope[] | undefined {
    if (names === undefined || names.length === 0) return undefined;
    const scopes: Scope[] = [];
    for (const name of names) {
      const known = this.#scopes.get(name);
      // A repeated tag is held once, so each reference has exactly one release.
      if (known !== undefined && scopes.includes(known)) continue;
      scopes.push(this.acquire(name));
    }
    return scopes;
  }

  /**
   * Drop one reference; a live scope nothing points at leaves the map (dead ones already left).
   *
   * @param scope - a scope returned by {@link acquire}
   */
  release(scope: Scope): void {
    if (--scope.refs === 0 && !scope.dead) this.#scopes.delete(scope.name);
  }

  /**
   * Invalidate every entry pointing at the live scope of `name`, in O(1): mark it dead and forget
   * it, so the next write starts a fresh scope.
   *
   * @param name - a namespace or tag
   */
  kill(name: string): void {
    const scope = this.#scopes.get(name);
    if (scope === undefined) return;
    scope.dead = true;
    this.#scopes.delete(name);
  }

  /** Forget every scope (the store dropped every entry). */
  clear(): void {
    this.#scopes.clear();
  }
}
