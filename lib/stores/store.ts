/**
 * The driver interface every store implements. The Cache owns every policy (single-flight, TTL
 * parsing, events, timeouts, stats); a store only keeps entries.
 *
 * An entry is addressed by a namespace and an id, given apart: the decorators produce them apart
 * (`'ProductService.getProduct'` and the encoded arguments), so an in-process store can key its
 * maps by the id alone and never builds, hashes or keeps the joined string. The joined form
 * {@link joinKey} (`namespace:id`) is what the Cache's own methods, events and shared backends
 * use. Namespaces never contain `:`; `''` is the namespace of a key without one.
 *
 * Methods may answer synchronously (the memory store does, which keeps a cache hit free of
 * promise work) or with a promise (Redis). Callers must accept both.
 */

/** A value or a promise of it. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * What a store holds for one key.
 *
 * An entry written with windows ({@link StoreSetOptions.staleMs}, {@link StoreSetOptions.graceMs})
 * lives on past `expiresAt`: fresh until `expiresAt`, then stale for `staleMs`, then in grace for
 * `graceMs`, then gone. A store returns it from `get` until the end of its last window, with the
 * windows it was written with, and the Cache decides what each window means. An entry without
 * windows is returned only while `expiresAt` is ahead. An entry that was deleted or invalidated
 * (by id, namespace, tag or `clear`) is never returned, whatever its windows.
 */
export interface StoredEntry {
  /** The value as it was set (the memory store returns the same reference). */
  readonly value: unknown;
  /** End of freshness, in milliseconds since the epoch (`Date.now()` clock); `Infinity` = never. */
  readonly expiresAt: number;
  /** The stale window the entry was written with (ms after `expiresAt`); absent = 0. */
  readonly staleMs?: number | undefined;
  /** The grace window the entry was written with (ms after the stale window); absent = 0. */
  readonly graceMs?: number | undefined;
  /** How long the load that produced the value took, in ms, when the writer recorded it. */
  readonly loadMs?: number | undefined;
  /** Which tier answered, for stores of several tiers (`'l1'`, `'l2'`); absent for one tier. */
  readonly tier?: string | undefined;
}

/** Options of one write. */
export interface StoreSetOptions {
  /** Time to live in milliseconds: `> 0`, may be fractional or `Infinity`. */
  readonly ttlMs: number;
  /** Tags the entry belongs to; `invalidateTags` drops every entry carrying one of them. */
  readonly tags?: readonly string[] | undefined;
  /**
   * Keep the entry this many ms after its TTL as stale (`>= 0`, finite). The store holds it
   * physically for `ttlMs + staleMs + graceMs` (one write: one `SET ... PX` in Redis) and returns
   * the windows with it, so that every process reading it sees the same windows.
   */
  readonly staleMs?: number | undefined;
  /** Keep the entry this many ms after its stale window, for grace (`>= 0`, finite). */
  readonly graceMs?: number | undefined;
  /** How long the value's load took, in ms, kept with the entry (for early refresh). */
  readonly loadMs?: number | undefined;
  /**
   * The lease under which the value was loaded (from {@link LoadCoordinator.claim}): the write is
   * made only if the lease is still held and nothing superseded the load since the claim (a
   * delete or put of the entry, an invalidation of its namespace, of one of its tags or of
   * everything, in any process); either way the lease ends and waiting processes are told.
   * `set` then resolves `false` when the write was fenced off (nothing was written).
   */
  readonly lease?: LoadLease | undefined;
}

/**
 * What {@link LoadCoordinator.claim} answers:
 * - `lead`: this caller now holds the entry's lease: it loads, then writes with `lease` in
 *   {@link StoreSetOptions} (or calls {@link LoadLease.release} when it stores nothing);
 * - `fresh`: a fresh entry is there already (another process just wrote it): read it;
 * - `wait`: another process holds the lease (for `retryInMs` more at most, unless extended):
 *   wait with {@link LoadCoordinator.waitForRelease}, then read the entry or claim again.
 */
export type LoadClaim =
  | {
      /** This caller leads the load. */
      readonly outcome: 'lead';
      /** The lease it holds: pass it to the write, or release it. */
      readonly lease: LoadLease;
    }
  | {
      /** A fresh entry is there already: read it. */
      readonly outcome: 'fresh';
    }
  | {
      /** Another process holds the lease: wait for its release. */
      readonly outcome: 'wait';
      /** How long, in ms, the other process's lease may still last (unless extended). */
      readonly retryInMs: number;
    };

/** A held lease on one entry's load (see {@link LoadCoordinator}). */
export interface LoadLease {
  /** Extend the lease by its duration from now; resolves `false` when it is no longer held. */
  extend(): Promise<boolean>;
  /** Give the lease up without writing, telling waiting processes. Never rejects; idempotent. */
  release(): Promise<void>;
}

/** Options of one {@link LoadCoordinator.claim}. */
export interface ClaimOptions {
  /** The lease's duration in ms; the holder extends it while its load runs. */
  readonly leaseMs: number;
  /** Lead even when a fresh entry is there (`getOrSet`'s `forceFresh`). */
  readonly forceFresh?: boolean | undefined;
}

/**
 * Coordination of loads across processes, offered by stores whose backend every process shares
 * (Redis, tiered): one process at a time loads a key, the others wait for its write and read
 * it. Optional: a store without it gets process-local single-flight only.
 */
export interface LoadCoordinator {
  /**
   * Ask to lead the load of entry `id` of `namespace`. Rejects when the backend cannot be
   * reached: the caller then loads on its own (process-local single-flight).
   */
  claim(namespace: string, id: string, options: ClaimOptions): Promise<LoadClaim>;
  /**
   * Resolve once another process's lease on the entry ends (its value was written, or the lease
   * was released) as far as this process hears of it, or after `timeoutMs`, whichever is first:
   * `true` when told, `false` on timeout. Never rejects. A store whose notice carries the entry
   * the other process wrote may answer that entry instead of `true`: the waiter then answers
   * from it without reading the store (it must be the entry as the store's `get` would have
   * answered it right then).
   */
  waitForRelease(namespace: string, id: string, timeoutMs: number): Promise<boolean | StoredEntry>;
}

/** The address of one entry: `[namespace, id]`. */
export type EntryKey = readonly [namespace: string, id: string];

/** One entry of a {@link Store.setMany} call. */
export interface StoreWrite extends StoreSetOptions {
  /** The entry's namespace (no `:`). */
  readonly namespace: string;
  /** The entry's id within its namespace. */
  readonly id: string;
  /** The value to keep. */
  readonly value: unknown;
}

/** Result of a health probe. */
export interface StoreHealth {
  /** `true` when the store answered correctly within its bound. */
  readonly ok: boolean;
  /** The store's name, for logs (never contains credentials). */
  readonly store: string;
  /** Round-trip time of the probe in milliseconds, when it answered. */
  readonly latencyMs?: number;
  /** Why it is not ok (never contains credentials). */
  readonly error?: string;
  /** Store-specific details (entry counts, connection state...). */
  readonly details?: Readonly<Record<string, string | number | boolean>>;
}

/**
 * Something a store noticed that is not an operation's failure: an undecodable payload, or a value
 * too large to keep.
 */
export type StoreNotice = DecodeErrorNotice | TooLargeNotice;

/** A stored payload could not be decoded and was treated as a miss. */
export interface DecodeErrorNotice {
  /** `decode-error`: a stored payload could not be decoded and was treated as a miss. */
  readonly type: 'decode-error';
  /** The key concerned, joined (`namespace:id`). */
  readonly key: string;
  /** The underlying error. */
  readonly error: Error;
}

/**
 * A value was not kept because it is larger than the store allows for one entry (the memory
 * store's `maxEntrySize`, or its `maxSize`); what the key held before is dropped, as by any write.
 */
export interface TooLargeNotice {
  /** `too-large`: the value was not kept. */
  readonly type: 'too-large';
  /** The key concerned, joined (`namespace:id`). */
  readonly key: string;
  /** The value's size, as the store measured it. */
  readonly size: number;
  /** The largest size the store keeps for one entry. */
  readonly limit: number;
  /** The same, as an error for logs (so that every notice carries one). */
  readonly error: Error;
}

/**
 * Why a store dropped an entry on its own (not deleted by the application):
 * - `capacity`: the store's bound (entries or total size) pushed it out, chosen by its policy
 *   (for W-TinyLFU also a candidate its admission filter turned away);
 * - `expired`: past the end of its last window (TTL, then stale and grace windows);
 * - `idle`: not read for the store's time-to-idle;
 * - `invalidated`: its namespace, one of its tags or the whole store was invalidated;
 * - `replaced`: a write of the same key took its place.
 */
export type EvictionCause = 'capacity' | 'expired' | 'idle' | 'invalidated' | 'replaced';

/** One entry a store dropped on its own (see {@link Store.onEvict}). */
export interface StoreEviction {
  /** The entry's key, joined (`namespace:id`). */
  readonly key: string;
  /** Why it was dropped. */
  readonly cause: EvictionCause;
  /** Which tier dropped it, for stores of several tiers (`'l1'`); absent for one tier. */
  readonly tier?: string | undefined;
}

/** What a store calls with each entry it drops on its own (see {@link Store.onEvict}). */
export type StoreEvictionListener = (eviction: StoreEviction) => void;

/** The driver interface: memory, Redis and tiered stores implement it. */
export interface Store {
  /** A name for logs and health output; never contains credentials. */
  readonly name: string;
  /**
   * `true` when `get` hands back the very object given to `set` (in-process stores). The Cache
   * then protects stored values against mutation by callers.
   */
  readonly sharesReferences: boolean;
  /** The entry `id` of `namespace`, or `undefined` when absent, expired or invalidated. */
  get(namespace: string, id: string): MaybePromise<StoredEntry | undefined>;
  /** Several entries in one round trip, in the order of `keys`. */
  getMany(keys: readonly EntryKey[]): MaybePromise<Array<StoredEntry | undefined>>;
  /**
   * Store `value` as entry `id` of `namespace`, replacing what was there. Answers `false` only
   * for a write under a {@link StoreSetOptions.lease} that was fenced off (nothing written).
   */
  set(namespace: string, id: string, value: unknown, options: StoreSetOptions): MaybePromise<void | boolean>;
  /** Several writes in one round trip. */
  setMany(writes: readonly StoreWrite[]): MaybePromise<void>;
  /** Remove entry `id` of `namespace`; `true` when a live entry was there. */
  delete(namespace: string, id: string): MaybePromise<boolean>;
  /** Remove several entries in one round trip; answers how many live entries were removed. */
  deleteMany(keys: readonly EntryKey[]): MaybePromise<number>;
  /**
   * Make entry `id` of `namespace` stale now: its freshness ends at once (`expiresAt` becomes
   * now) while its stale and grace windows start again from now, as if its TTL had just run out;
   * an entry already past its TTL keeps its windows as they are, and an entry without windows is
   * removed. `true` when a live entry was there. Optional: the Cache
   * deletes the entry when a store lacks it.
   */
  expire?(namespace: string, id: string): MaybePromise<boolean>;
  /** Drop every entry of `namespace` (O(1) work, no scan of the keyspace). */
  deleteNamespace(namespace: string): MaybePromise<void>;
  /** Drop every entry carrying any of `tags` (O(1) work per tag). */
  invalidateTags(tags: readonly string[]): MaybePromise<void>;
  /** Drop every entry this store holds (under its prefix, for shared backends). */
  clear(): MaybePromise<void>;
  /** Probe the backend, answering within a bound. */
  health(): Promise<StoreHealth>;
  /** Release connections and timers. Idempotent. */
  close(): Promise<void>;
  /**
   * Load coordination across processes (distributed single-flight), when the store's backend is
   * shared by every process. Optional: the Cache uses process-local single-flight without it.
   */
  readonly coordinator?: LoadCoordinator | undefined;
  /** Called once by the Cache that owns this store, to receive {@link StoreNotice}s. */
  onNotice?(listener: (notice: StoreNotice) => void): void;
  /**
   * Called by the Cache that owns this store with a listener when its first `evict` listener
   * subscribes, and with `undefined` when its last one leaves: while set, the store calls it
   * synchronously with each entry it drops on its own ({@link StoreEviction}); while unset, it
   * does no work for it (one field check on its eviction path). A later call replaces the
   * listener. Optional: a store that cannot tell (Redis evicts by itself) lacks it or never calls.
   */
  onEvict?(listener: StoreEvictionListener | undefined): void;
  /**
   * Called once by the Cache that owns this store, with how it shares values (its immutability
   * mode). Only a store that shares references and also hands out values it did not receive
   * through `set` needs it: a tiered store protects an L2 read before keeping it in its L1, and
   * unwraps what `set` gave it before serializing it to L2.
   */
  bindValues?(values: ValueSharing): void;
}

/** How the owning Cache shares values (see {@link Store.bindValues}). */
export interface ValueSharing {
  /**
   * The form to keep in an in-process tier and hand to `get`'s callers, from a value no one else
   * holds (one just decoded from a shared tier): it may be frozen in place.
   */
  protect(value: unknown): unknown;
  /** The plain value to serialize, from the form `set` was given. */
  plain(stored: unknown): unknown;
}

/**
 * The first of a write's `staleMs`, `graceMs` and `loadMs` that is given but not a finite number
 * of ms >= 0, as `[name, value]`; a store rejects such a write with `InvalidTtlError`.
 */
export function invalidWindow(options: StoreSetOptions): readonly [name: string, value: unknown] | undefined {
  for (const name of ['staleMs', 'graceMs', 'loadMs'] as const) {
    const ms: unknown = options[name];
    if (ms !== undefined && (typeof ms !== 'number' || !(ms >= 0) || ms === Infinity)) return [name, ms];
  }
  return undefined;
}

/** The namespace of a joined `namespace:id` key (`''` when the key has no `:`). */
export function namespaceOf(key: string): string {
  const colon = key.indexOf(':');
  return colon === -1 ? '' : key.slice(0, colon);
}

/**
 * The joined form of an entry's address: `namespace:id`, or the bare id in namespace `''`.
 * {@link splitKey} inverts it.
 */
export function joinKey(namespace: string, id: string): string {
  return namespace === '' ? id : namespace + ':' + id;
}

/** The `[namespace, id]` of a joined key: split at the first `:` (none: namespace `''`). */
export function splitKey(key: string): EntryKey {
  const colon = key.indexOf(':');
  return colon === -1 ? ['', key] : [key.slice(0, colon), key.slice(colon + 1)];
}
