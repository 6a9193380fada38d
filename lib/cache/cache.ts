import { memoryStore } from '../stores/memory.js';
import { brandPrototype, CACHE_BRAND } from '../core/brands.js';
import { joinKey, namespaceOf, splitKey, type Store, type StoredEntry, type StoreEviction, type StoreHealth } from '../stores/store.js';
import { CacheClosedError, InvalidOptionError } from '../core/errors.js';
import { rejectUnknownOptions } from '../core/option-checks.js';
import { CacheCore } from './cache-core.js';
import type { CacheEventListener, CacheEventName } from './events.js';
import { CopyOnRead, ownedProtectorFor, protectorFor, readStored, type Immutability } from './immutability.js';
import { load } from './load/load.js';
import { policyOf, validateTags, type GetOrSetOptions, type LoadPolicy } from './load/policy.js';
import { FRESHNESS_OPTION_NAMES, parseFreshness, type FreshnessOptions } from './load/freshness.js';
import { put, writeOptions } from './load/store-result.js';
import type { CacheStats } from './stats.js';
import { trace, traced, tracing, type CacheTraceContext } from './tracing.js';
import { parseDuration, type Duration } from '../core/durations.js';

/**
 * Options of {@link createCache}. The freshness options ({@link FreshnessOptions}: stale and
 * grace windows, timeouts, early refresh) given here are the defaults of every call; a method's
 * or call's own option replaces the default of that option.
 */
export interface CacheOptions extends FreshnessOptions {
  /** Where entries live. Default: `memoryStore()` (bounded LRU, 10,000 entries). */
  readonly store?: Store;
  /** TTL of entries whose writer gives none. Default `'5m'`. */
  readonly ttl?: Duration;
  /**
   * `false` (default): a failing or slow store never breaks a call; the loader runs uncached and
   * a `backend-error` event reports it. `true`: store errors reject the call with `BackendError`.
   */
  readonly required?: boolean;
  /**
   * How values handed to callers are protected from mutation by other callers (of one flight,
   * or of one in-memory entry). Default `'freeze'`.
   */
  readonly immutability?: Immutability;
  /** A name for logs and health output. Default: the store's name. */
  readonly name?: string;
}

/** Options of {@link Cache.set}. */
export interface SetOptions {
  /** Time to live; default: the cache's `ttl`. `0` stores nothing. */
  readonly ttl?: Duration;
  /** Tags for {@link Cache.invalidateTags}. */
  readonly tags?: readonly string[];
}

export type { GetOrSetOptions };

/** Result of {@link Cache.health}. */
export interface CacheHealth {
  /** `true` when the store answered its probe. */
  readonly ok: boolean;
  /** The cache's name. */
  readonly cache: string;
  /** The store's own report. */
  readonly store: StoreHealth;
  /** Loads in flight right now. */
  readonly inFlight: number;
}

const OPTION_NAMES: readonly string[] = ['store', 'ttl', 'required', 'immutability', 'name', ...FRESHNESS_OPTION_NAMES];
const IMMUTABILITY_MODES: ReadonlySet<string> = new Set(['freeze', 'clone', 'none']);
const NO_ARGS: readonly unknown[] = Object.freeze([]);
/** The cache's `ttl` when left out (`undefined` only: `null` is an error, not a default). */
const DEFAULT_TTL_MS = 300_000;

/**
 * A cache: one store plus every policy (single-flight, TTL, tags, immutability, events, stats,
 * backend-error handling). Make one with {@link createCache}; decorators reach it through
 * `registerCache`. The load path lives in `./load/`; what it shares with these methods is the
 * cache's `CacheCore`.
 */
export class Cache {
  static {
    brandPrototype(this.prototype, CACHE_BRAND);
  }

  /** Name used in logs and health output. */
  readonly name: string;
  /** The store this cache writes to. */
  readonly store: Store;
  /**
   * What the load path shares with these methods. Internal, and left out of the published
   * declarations (no private member there), so that the `Cache` types of the ESM and CommonJS
   * builds are interchangeable, as their objects are.
   *
   * @internal
   */
  readonly core: CacheCore;

  /** Use {@link createCache}; the constructor takes already validated options. */
  constructor(options: CacheOptions = {}) {
    validateCacheOptions(options);
    this.store = options.store ?? memoryStore();
    this.name = options.name ?? this.store.name;
    const immutability = options.immutability ?? 'freeze';
    const protectOwned = ownedProtectorFor(immutability);
    const core = new CacheCore({
      name: this.name,
      store: this.store,
      defaultTtlMs: options.ttl === undefined ? DEFAULT_TTL_MS : parseDuration(options.ttl, 'createCache ttl'),
      required: options.required ?? false,
      immutability,
      protect: protectorFor(immutability),
      protectOwned,
      freshness: parseFreshness(options, 'createCache'),
    });
    this.core = core;
    this.store.bindValues?.({
      protect: protectOwned,
      plain: (stored) => (stored instanceof CopyOnRead ? stored.snapshot : stored),
    });
    this.store.onNotice?.((notice) => {
      if (notice.type === 'too-large') {
        if (core.events.listening['store-skipped']) core.events.emit('store-skipped', { key: notice.key, reason: 'too-large', size: notice.size, limit: notice.limit });
        return;
      }
      core.counters.decodeErrors++;
      core.events.emit('decode-error', { key: notice.key, error: notice.error });
    });
    const store = this.store;
    if (store.onEvict !== undefined) {
      // The store is asked to report drops only while someone listens: otherwise its eviction
      // path checks one field and does nothing more.
      const onEvict = (eviction: StoreEviction): void => {
        core.counters.evictions++;
        core.events.emit('evict', eviction.tier === undefined ? { key: eviction.key, cause: eviction.cause } : { key: eviction.key, cause: eviction.cause, tier: eviction.tier });
      };
      core.events.onListening = (event, listening) => {
        if (event === 'evict') store.onEvict?.(listening ? onEvict : undefined);
      };
    }
  }

  /**
   * Whether the last {@link load} ran its loader at once because the store answered a miss
   * synchronously (or the cache is closed). The decorator then skips its repeated-arguments
   * bookkeeping: a key just missed is rarely the one before it, and telling the two apart costs
   * a string comparison on every miss.
   *
   * @internal
   */
  get lastLoadMissed(): boolean {
    return this.core.lastLoadMissed;
  }

  /**
   * The fresh value at `key`, or `undefined` when absent or past its TTL (an entry in its stale or
   * grace window answers only `getOrSet` and decorated methods); a stored `undefined` also reads
   * as `undefined`.
   */
  get<T>(key: string): Promise<T | undefined> {
    if (!traced(tracing.get)) return this.untracedGet<T>(key);
    const context: CacheTraceContext = { cache: this.name, operation: 'get', namespace: namespaceOf(key), key };
    return trace(tracing.get, context, async () => {
      const value = await this.untracedGet<T>(key, context);
      return value;
    });
  }

  /** @internal get without tracing. */
  async untracedGet<T>(key: string, context?: CacheTraceContext): Promise<T | undefined> {
    const entry = await this.readEntry(key, 'get');
    if (context !== undefined) {
      context.outcome = entry === undefined ? 'miss' : 'hit';
      context.tier = entry?.tier;
    }
    return entry === undefined ? undefined : (readStored(entry.value, this.core.immutability) as T);
  }

  /** Several values in one store round trip, in the order of `keys`. */
  async getMany<T>(keys: readonly string[]): Promise<Array<T | undefined>> {
    keys.forEach((key) => assertKey(key, 'getMany'));
    this.assertOpen('getMany');
    const core = this.core;
    const entries = await core.guard('getMany', undefined, () => this.store.getMany(keys.map(splitKey)), [] as Array<StoredEntry | undefined>);
    const now = Date.now();
    return keys.map((key, i) => {
      const found = entries[i];
      const entry = found !== undefined && found.expiresAt > now ? found : undefined;
      const [namespace, id] = splitKey(key);
      core.countRead(namespace, id, entry);
      return entry === undefined ? undefined : (readStored(entry.value, core.immutability) as T);
    });
  }

  /** Store `value` at `key`. A load of `key` in flight will not overwrite it. */
  set(key: string, value: unknown, options?: SetOptions): Promise<void> {
    if (!traced(tracing.set)) return this.untracedSet(key, value, options);
    return trace(tracing.set, { cache: this.name, operation: 'set', namespace: namespaceOf(key), key }, () => this.untracedSet(key, value, options));
  }

  /** @internal set without tracing. */
  async untracedSet(key: string, value: unknown, options?: SetOptions): Promise<void> {
    assertKey(key, 'set');
    this.assertOpen('set');
    const core = this.core;
    const ttlMs = options?.ttl === undefined ? core.defaultTtlMs : parseDuration(options.ttl, `set('${key}') ttl`);
    const tags = options?.tags === undefined ? undefined : validateTags(options.tags, `set('${key}') tags`);
    const [namespace, id] = splitKey(key);
    core.flights.supersede(namespace, id);
    if (ttlMs === 0) {
      await core.guard('delete', key, () => this.store.delete(namespace, id), false);
      if (core.events.listening.delete) core.events.emit('delete', { key });
      return;
    }
    const stored = this.store.sharesReferences ? core.protect(value) : value;
    core.endBackoff(key);
    // The cache's default windows apply to values set directly too.
    const write = writeOptions(core.defaultFreshness, ttlMs, tags);
    const written = await core.guard('set', key, async () => {
      await this.store.set(namespace, id, stored, write);
      return true;
    }, false);
    if (written && core.events.listening.set) core.events.emit('set', { key });
  }

  /**
   * Make `key` stale now: its freshness ends at once while it stays for its stale and grace
   * windows, so the next read refreshes it (answering the old value meanwhile, as the windows
   * say). An entry without windows is removed. A load of `key` in flight will not store its
   * result. `true` when a live entry was there.
   */
  expire(key: string): Promise<boolean> {
    if (!traced(tracing.delete)) return this.untracedExpire(key);
    return trace(tracing.delete, { cache: this.name, operation: 'expire', namespace: namespaceOf(key), key }, () => this.untracedExpire(key));
  }

  /** @internal expire without tracing. */
  async untracedExpire(key: string): Promise<boolean> {
    assertKey(key, 'expire');
    this.assertOpen('expire');
    const [namespace, id] = splitKey(key);
    const core = this.core;
    core.flights.supersede(namespace, id);
    core.endBackoff(key);
    const store = this.store;
    return core.guard('expire', key, () => (store.expire === undefined ? store.delete(namespace, id) : store.expire(namespace, id)), false);
  }

  /** Remove `key`; `true` when it held a live entry. A load of `key` in flight will not store its result. */
  del(key: string): Promise<boolean> {
    if (!traced(tracing.delete)) return this.untracedDel(key);
    return trace(tracing.delete, { cache: this.name, operation: 'del', namespace: namespaceOf(key), key }, () => this.untracedDel(key));
  }

  /** @internal del without tracing. */
  async untracedDel(key: string): Promise<boolean> {
    assertKey(key, 'del');
    this.assertOpen('del');
    const [namespace, id] = splitKey(key);
    this.core.flights.supersede(namespace, id);
    this.core.endBackoff(key);
    const outcome = await this.core.guard('delete', key, async () => ({ existed: await this.store.delete(namespace, id) }), undefined);
    if (outcome !== undefined && this.core.events.listening.delete) this.core.events.emit('delete', { key });
    return outcome?.existed ?? false;
  }

  /** Remove several keys in one store round trip; answers how many live entries were removed. */
  delMany(keys: readonly string[]): Promise<number> {
    if (!traced(tracing.delete)) return this.untracedDelMany(keys);
    return trace(tracing.delete, { cache: this.name, operation: 'delMany' }, () => this.untracedDelMany(keys));
  }

  /** @internal delMany without tracing. */
  async untracedDelMany(keys: readonly string[]): Promise<number> {
    keys.forEach((key) => assertKey(key, 'delMany'));
    this.assertOpen('delMany');
    const split = keys.map(splitKey);
    for (const [namespace, id] of split) this.core.flights.supersede(namespace, id);
    const removed = await this.core.guard<number | undefined>('deleteMany', undefined, () => this.store.deleteMany(split), undefined);
    if (removed !== undefined && this.core.events.listening.delete) for (const key of new Set(keys)) this.core.events.emit('delete', { key });
    return removed ?? 0;
  }

  /**
   * Remaining fresh time of `key` in ms (`Infinity` when it never expires), or `undefined` when
   * absent or past its TTL.
   */
  async ttl(key: string): Promise<number | undefined> {
    const entry = await this.readEntry(key, 'ttl', false);
    if (entry === undefined) return undefined;
    return entry.expiresAt - Date.now();
  }

  /**
   * The value at `key`, or the loader's value, stored and returned. Concurrent calls for one
   * key run the loader once and all get its value or its rejection; a rejection is never stored.
   */
  getOrSet<T>(key: string, loader: () => T | Promise<T>, options?: GetOrSetOptions<T>): Promise<T> {
    assertKey(key, 'getOrSet');
    if (typeof loader !== 'function') throw new InvalidOptionError(`getOrSet('${key}') needs a loader function as its second argument.`);
    const [namespace, id] = splitKey(key);
    return this.load(namespace, id, policyOf(options, `getOrSet('${key}')`), undefined, loader, NO_ARGS) as Promise<T>;
  }

  /** Drop every entry carrying any of `tags`. Loads in flight that carry one will not store. */
  invalidateTags(tags: string | readonly string[]): Promise<void> {
    if (!traced(tracing.invalidate)) return this.untracedInvalidateTags(tags);
    return trace(tracing.invalidate, { cache: this.name, operation: 'invalidateTags', tags: typeof tags === 'string' ? [tags] : tags }, () => this.untracedInvalidateTags(tags));
  }

  /** @internal invalidateTags without tracing. */
  async untracedInvalidateTags(tags: string | readonly string[]): Promise<void> {
    const list = validateTags(typeof tags === 'string' ? [tags] : tags, 'invalidateTags');
    this.assertOpen('invalidateTags');
    if (list.length === 0) return;
    const core = this.core;
    if (core.flights.size !== 0) {
      const seq = ++core.seq;
      for (const tag of list) core.tagInvalidatedAt.set(tag, seq);
      core.flights.supersedeWriting();
    }
    const done = await core.guard('invalidateTags', undefined, async () => {
      await this.store.invalidateTags(list);
      return true;
    }, false);
    if (done && core.events.listening.invalidate) core.events.emit('invalidate', { tags: list });
  }

  /** Drop every entry of `namespace` (e.g. `'ProductService.getProduct'`), in O(1) store work. */
  clearNamespace(namespace: string): Promise<void> {
    if (!traced(tracing.invalidate)) return this.untracedClearNamespace(namespace);
    return trace(tracing.invalidate, { cache: this.name, operation: 'clearNamespace', namespace }, () => this.untracedClearNamespace(namespace));
  }

  /** @internal clearNamespace without tracing. */
  async untracedClearNamespace(namespace: string): Promise<void> {
    if (typeof namespace !== 'string' || namespace.includes(':')) {
      throw new InvalidOptionError(`clearNamespace needs a namespace string without ':'; got ${JSON.stringify(namespace)}.`);
    }
    this.assertOpen('clearNamespace');
    this.core.flights.supersedeNamespace(namespace);
    const done = await this.core.guard('deleteNamespace', undefined, async () => {
      await this.store.deleteNamespace(namespace);
      return true;
    }, false);
    if (done && this.core.events.listening.clear) this.core.events.emit('clear', { namespace });
  }

  /** Drop every entry. Loads in flight will not store their results. */
  clear(): Promise<void> {
    if (!traced(tracing.invalidate)) return this.untracedClear();
    return trace(tracing.invalidate, { cache: this.name, operation: 'clear' }, () => this.untracedClear());
  }

  /** @internal clear without tracing. */
  async untracedClear(): Promise<void> {
    this.assertOpen('clear');
    this.core.flights.supersedeAll();
    this.core.backoffUntil.clear();
    const done = await this.core.guard('clear', undefined, async () => {
      await this.store.clear();
      return true;
    }, false);
    if (done && this.core.events.listening.clear) this.core.events.emit('clear', {});
  }

  /** Probe the store; never throws. */
  async health(): Promise<CacheHealth> {
    let store: StoreHealth;
    try {
      store = await this.store.health();
    } catch (error) {
      store = { ok: false, store: this.store.name, error: error instanceof Error ? error.message : String(error) };
    }
    return { ok: store.ok && !this.core.closed, cache: this.name, store, inFlight: this.core.flights.size };
  }

  /** Counters since creation. */
  stats(): CacheStats {
    return this.core.counters.snapshot();
  }

  /** Subscribe to an event; returns a function that unsubscribes. */
  on<E extends CacheEventName>(event: E, listener: CacheEventListener<E>): () => void {
    return this.core.events.on(event, listener);
  }

  /** Unsubscribe a listener added with {@link Cache.on}. */
  off<E extends CacheEventName>(event: E, listener: CacheEventListener<E>): void {
    this.core.events.off(event, listener);
  }

  /**
   * Close the store. Afterwards direct operations reject with `CacheClosedError`, while decorated
   * methods and `getOrSet` still answer by running their loader uncached. Idempotent.
   */
  async close(): Promise<void> {
    if (this.core.closed) return;
    this.core.closed = true;
    await this.store.close();
  }

  /**
   * The single-flight read-through used by `getOrSet` and the decorators.
   *
   * @internal
   */
  load(namespace: string, id: string, policy: LoadPolicy, thisArg: unknown, fn: Function, args: readonly unknown[]): Promise<unknown> {
    if (!traced(tracing.get)) return load(this.core, namespace, id, policy, thisArg, fn, args);
    const core = this.core;
    const context: CacheTraceContext = { cache: this.name, operation: 'getOrSet', namespace, key: joinKey(namespace, id) };
    return trace(tracing.get, context, () => {
      // The synchronous part of the load records the call's outcome in `context`; flights keep it for the rest.
      const previous = core.trace;
      core.trace = context;
      try {
        return load(core, namespace, id, policy, thisArg, fn, args);
      } finally {
        core.trace = previous;
      }
    });
  }

  /**
   * Store a computed result as `key`'s entry under `policy` (used by `@CachePut`); the value is
   * returned as callers should see it.
   *
   * @internal
   */
  put(key: string, policy: LoadPolicy, value: unknown, args: readonly unknown[]): Promise<unknown> {
    if (!traced(tracing.set)) return put(this.core, key, policy, value, args);
    return trace(tracing.set, { cache: this.name, operation: 'put', namespace: namespaceOf(key), key }, () => put(this.core, key, policy, value, args));
  }

  /** @internal */
  async readEntry(key: string, operation: string, count = true): Promise<StoredEntry | undefined> {
    assertKey(key, operation);
    this.assertOpen(operation);
    const [namespace, id] = splitKey(key);
    const found = await this.core.guard('get', key, () => this.store.get(namespace, id), undefined);
    // Entries in their stale or grace windows are for the load path only.
    const entry = found !== undefined && found.expiresAt > Date.now() ? found : undefined;
    if (count) this.core.countRead(namespace, id, entry);
    return entry;
  }

  /** @internal */
  assertOpen(operation: string): void {
    if (this.core.closed) throw new CacheClosedError(`Cache '${this.name}' is closed; ${operation} needs an open cache (create a new one with createCache).`);
  }
}

/**
 * Create a cache. Options are validated here: a bad TTL or an unknown option throws at once.
 *
 * @example
 * registerCache(createCache({ store: memoryStore({ maxEntries: 10_000 }), ttl: '5m' }));
 */
export function createCache(options: CacheOptions = {}): Cache {
  return new Cache(options);
}

function validateCacheOptions(options: CacheOptions): void {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('createCache takes an options object, e.g. createCache({ ttl: "5m" }).');
  rejectUnknownOptions('createCache', options, OPTION_NAMES);
  const { store, required, immutability, name } = options;
  if (store !== undefined && (typeof store !== 'object' || store === null || typeof store.get !== 'function' || typeof store.set !== 'function')) {
    throw new InvalidOptionError('createCache store must be a Store, e.g. memoryStore() or redisStore({ url }).');
  }
  if (required !== undefined && typeof required !== 'boolean') throw new InvalidOptionError(`createCache required must be true or false, not ${String(required)}.`);
  if (immutability !== undefined && !IMMUTABILITY_MODES.has(immutability)) {
    throw new InvalidOptionError(`createCache immutability must be 'freeze', 'clone' or 'none', not ${JSON.stringify(immutability)}.`);
  }
  if (name !== undefined && (typeof name !== 'string' || name.length === 0)) throw new InvalidOptionError('createCache name must be a non-empty string.');
}

function assertKey(key: unknown, operation: string): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new InvalidOptionError(`${operation} needs a non-empty string key, e.g. 'user:42'; got ${typeof key === 'string' ? "''" : typeof key}.`);
  }
}
