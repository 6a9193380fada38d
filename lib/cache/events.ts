import type { EvictionCause } from '../stores/store.js';

/** What a store operation was doing when it failed. */
export type StoreOperation =
  | 'get'
  | 'getMany'
  | 'set'
  | 'setMany'
  | 'delete'
  | 'deleteMany'
  | 'expire'
  | 'deleteNamespace'
  | 'invalidateTags'
  | 'clear'
  | 'claim'
  | 'health';

/** The events a {@link Cache} emits, with the payload each listener receives. */
export interface CacheEventMap extends CacheWriteEventMap {
  /** A read found a fresh entry. `tier`: which tier of a tiered store answered. */
  hit: {
    /** The entry's Store key (`namespace:id`). */
    readonly key: string;
    /** Which tier of a tiered store answered (`'l1'`, `'l2'`); absent for other stores. */
    readonly tier?: string | undefined;
  };
  /**
   * A read found an entry past its TTL, in its stale window: the caller got it at once and a
   * background refresh runs (or already ran, or backs off after a failure).
   */
  stale: {
    /** The entry's Store key (`namespace:id`). */
    readonly key: string;
    /** Which tier of a tiered store answered (`'l1'`, `'l2'`); absent for other stores. */
    readonly tier?: string | undefined;
  };
  /**
   * A caller got a value kept for grace instead of waiting or failing: its load failed, timed
   * out, or backs off after a failure (`graceBackoff`).
   */
  graced: {
    /** The entry's Store key (`namespace:id`). */
    readonly key: string;
    /** Why the kept value answered: the load failed, timed out, or backs off after a failure. */
    readonly reason: 'load-failed' | 'timeout' | 'backoff';
    /** Which tier of a tiered store answered (`'l1'`, `'l2'`); absent for other stores. */
    readonly tier?: string | undefined;
  };
  /** A background refresh started: of a stale entry, or early (`earlyRefresh`). */
  refresh: {
    /** The entry's Store key (`namespace:id`). */
    readonly key: string;
    /** `stale`: the entry is past its TTL; `early`: an early refresh (`earlyRefresh`). */
    readonly reason: 'stale' | 'early';
  };
  /** A caller stopped waiting for a load (`softTimeout`, `hardTimeout`); the load goes on. */
  timeout: {
    /** The entry's Store key (`namespace:id`). */
    readonly key: string;
    /** Which timeout ran out: `softTimeout` or `hardTimeout`. */
    readonly kind: 'soft' | 'hard';
    /** After how long, in ms, the caller stopped waiting. */
    readonly afterMs: number;
  };
  /** A read found nothing; a load follows (for `getOrSet` and decorated methods). */
  miss: {
    /** The entry's Store key (`namespace:id`). */
    readonly key: string;
  };
  /**
   * A call joined a load (or store read) of the same key already in flight instead of reading
   * or loading itself; it gets that load's value or rejection. Counted by `stats().joined`.
   * `distributed`: the load ran in another process (distributed single-flight), and the caller
   * got the value it wrote.
   */
  joined: {
    /** The entry's Store key (`namespace:id`). */
    readonly key: string;
    /** `true` when the load ran in another process (distributed single-flight). */
    readonly distributed?: boolean | undefined;
  };
  /** A loader (the decorated method) resolved. */
  load: {
    /** The entry's Store key (`namespace:id`). */
    readonly key: string;
    /** How long the loader took, in ms. */
    readonly durationMs: number;
  };
  /**
   * A loader rejected; nothing was stored. Callers waiting for it got the rejection, or a value
   * kept for grace. `background`: a refresh no caller waited for (the entry stays).
   */
  'load-error': {
    /** The entry's Store key (`namespace:id`). */
    readonly key: string;
    /** What the loader rejected with. */
    readonly error: unknown;
    /** `true` for a refresh no caller waited for (the entry stays). */
    readonly background: boolean;
  };
  /** The store failed or timed out; the call went on without the cache (unless `required`). */
  'backend-error': {
    /** What the store was doing. */
    readonly operation: StoreOperation;
    /** The Store key concerned, when the operation was about one entry. */
    readonly key: string | undefined;
    /** The store's error. */
    readonly error: Error;
  };
  /** A stored payload could not be decoded; it was treated as a miss and will be rewritten. */
  'decode-error': {
    /** The entry's Store key (`namespace:id`). */
    readonly key: string;
    /** The decoding error. */
    readonly error: Error;
  };
  /**
   * A result was not stored: `unless` declined it, its TTL is 0, an eviction raced its load (in
   * this process or another), the `ttl` function gave an invalid TTL, an async `unless` or
   * tags function rejected (`error` says why), or the store refused a value larger than it keeps
   * for one entry (`too-large`: the memory store's `maxEntrySize` or `maxSize`; `size` and
   * `limit` say by how much). The caller still got the value.
   */
  'store-skipped': {
    /** The entry's Store key (`namespace:id`). */
    readonly key: string;
    /** Why the result was not stored. */
    readonly reason: 'unless' | 'ttl-zero' | 'invalidated-during-load' | 'invalid-ttl' | 'callback-failed' | 'too-large';
    /** What went wrong, for `invalid-ttl` and `callback-failed`. */
    readonly error?: Error | undefined;
    /** For `too-large`: the value's size, as the store's `sizeOf` measured it. */
    readonly size?: number | undefined;
    /** For `too-large`: the largest size the store keeps for one entry. */
    readonly limit?: number | undefined;
  };
}

/** The events of writes and removals, beside the read and load events above. */
export interface CacheWriteEventMap {
  /** A value was written to the store: by `set`, by `@CachePut`, or as a load's result. */
  set: {
    /** The key written (`namespace:id`). */
    readonly key: string;
  };
  /** An entry was removed by `del`, `delMany` or `@CacheEvict` (or `set` with a TTL of 0). */
  delete: {
    /** The key removed (`namespace:id`). */
    readonly key: string;
  };
  /** The entries carrying one of `tags` were invalidated. */
  invalidate: {
    /** The tags invalidated. */
    readonly tags: readonly string[];
  };
  /** Every entry of `namespace` was dropped (`clearNamespace`), or every entry (`clear`: no namespace). */
  clear: {
    /** The namespace cleared; absent for `clear()`. */
    readonly namespace?: string | undefined;
  };
  /**
   * The store dropped an entry on its own, for `cause` (see {@link EvictionCause}): its bound
   * (`capacity`), its TTL and windows (`expired`), its time-to-idle (`idle`), an invalidation of
   * its namespace, a tag or everything (`invalidated`, when the store reclaims it), or a write of
   * the same key (`replaced`). Only stores that can tell report it (the memory store, and a
   * tiered store's L1 with `tier: 'l1'`; not Redis, which evicts by itself). Counted by
   * `stats().evictions`. A delete by the application is not an eviction (see `delete`).
   */
  evict: {
    /** The entry's Store key (`namespace:id`). */
    readonly key: string;
    /** Why the store dropped it. */
    readonly cause: EvictionCause;
    /** Which tier of a tiered store dropped it (`'l1'`); absent for other stores. */
    readonly tier?: string | undefined;
  };
}

/** Name of a cache event. */
export type CacheEventName = keyof CacheEventMap;

/** A listener of one cache event. */
export type CacheEventListener<E extends CacheEventName> = (payload: CacheEventMap[E]) => void;

type ListenerTable = { [E in CacheEventName]?: Array<CacheEventListener<E>> };

/**
 * A minimal typed emitter. An event without listeners costs one property read
 * (`listening.miss`), which keeps emitting on the hit and miss paths free. A listener that
 * throws does not break the cache call.
 */
export class CacheEvents {
  private readonly table: ListenerTable = {};
  /**
   * Whether each event has listeners: check before building a payload. One object of a fixed
   * shape, read with constant names: a lookup by a variable name would be a keyed read that
   * sees every event name, the slowest kind.
   */
  readonly listening: { [E in CacheEventName]: boolean } = {
    hit: false,
    stale: false,
    graced: false,
    refresh: false,
    timeout: false,
    miss: false,
    joined: false,
    load: false,
    'load-error': false,
    'backend-error': false,
    'decode-error': false,
    'store-skipped': false,
    set: false,
    delete: false,
    invalidate: false,
    clear: false,
    evict: false,
  };

  /**
   * Called with `true` when `event` gets its first listener and with `false` when its last one
   * leaves (the Cache subscribes its store's evictions only while `evict` has listeners).
   */
  onListening: ((event: CacheEventName, listening: boolean) => void) | undefined;

  /** Subscribe; returns a function that unsubscribes. */
  on<E extends CacheEventName>(event: E, listener: CacheEventListener<E>): () => void {
    const list = (this.table[event] ??= []) as Array<CacheEventListener<E>>;
    list.push(listener);
    if (!this.listening[event]) {
      this.listening[event] = true;
      this.onListening?.(event, true);
    }
    return () => this.off(event, listener);
  }

  /** Unsubscribe a listener added with {@link CacheEvents.on}. */
  off<E extends CacheEventName>(event: E, listener: CacheEventListener<E>): void {
    const list = this.table[event] as Array<CacheEventListener<E>> | undefined;
    if (!list) return;
    const index = list.indexOf(listener);
    if (index !== -1) list.splice(index, 1);
    if (list.length === 0) {
      delete this.table[event];
      if (this.listening[event]) {
        this.listening[event] = false;
        this.onListening?.(event, false);
      }
    }
  }

  /** Call every listener of `event`; listener errors are reported on the process, not thrown. */
  emit<E extends CacheEventName>(event: E, payload: CacheEventMap[E]): void {
    const list = this.table[event] as Array<CacheEventListener<E>> | undefined;
    if (list === undefined) return;
    for (const listener of list.slice()) {
      try {
        listener(payload);
      } catch (error) {
        process.emitWarning(`A cacheflight '${event}' listener threw: ${String(error)}`, { code: 'CACHEFLIGHT_LISTENER' });
      }
    }
  }
}
