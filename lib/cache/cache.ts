import { memoryStore } from '../stores/memory.js';
import { brandPrototype, CACHE_BRAND } from '../core/brands.js';
import { joinKey, splitKey, type Store, type StoredEntry, type StoreHealth } from '../stores/store.js';
import { BackendError, CacheClosedError, CacheflightError, InvalidOptionError, InvalidTtlError } from '../core/errors.js';
import { rejectUnknownOptions } from '../core/option-checks.js';
import { warnBackendFailure } from './backend-warning.js';
import { CacheEvents, type CacheEventListener, type CacheEventName, type StoreOperation } from './events.js';
import { Flight } from './flight.js';
import { FlightTable } from './flights.js';
import { CopyOnRead, ownedProtectorFor, protectorFor, readStored, type Immutability } from './immutability.js';
import { policyOf, validateTags, type LoadPolicy, type StorePolicyOptions } from './policy.js';
import { StatsCounters, type CacheStats } from './stats.js';
import { parseDuration, type Duration } from '../core/durations.js';

/** Options of {@link createCache}. */
export interface CacheOptions {
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

/** Options of {@link Cache.getOrSet}: TTL, tags and `unless` may depend on the loaded value. */
export type GetOrSetOptions<T> = StorePolicyOptions<T>;

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

const OPTION_NAMES: readonly string[] = ['store', 'ttl', 'required', 'immutability', 'name'];
const IMMUTABILITY_MODES: ReadonlySet<string> = new Set(['freeze', 'clone', 'none']);
const NO_ARGS: readonly unknown[] = Object.freeze([]);
/** The cache's `ttl` when left out (`undefined` only: `null` is an error, not a default). */
const DEFAULT_TTL_MS = 300_000;

/**
 * A cache: one store plus every policy (single-flight, TTL, tags, immutability, events, stats,
 * backend-error handling). Make one with {@link createCache}; decorators reach it through
 * `registerCache`.
 */
export class Cache {
  static {
    brandPrototype(this.prototype, CACHE_BRAND);
  }

  /** Name used in logs and health output. */
  readonly name: string;
  /** The store this cache writes to. */
  readonly store: Store;
  private readonly defaultTtlMs: number;
  private readonly required: boolean;
  private readonly immutability: Immutability;
  /**
   * Protects a value the application may still hold (a loader's result, a value given to `set`)
   * before it is shared, in this cache's immutability mode; never changes it.
   */
  private readonly protect: (value: unknown) => unknown;
  /** Protects a value no one else holds (one just decoded from the store). */
  private readonly protectOwned: (value: unknown) => unknown;
  private readonly events = new CacheEvents();
  private readonly counters = new StatsCounters();
  private readonly flights = new FlightTable();
  /** Tag -> sequence number of its last invalidation; kept only while loads are in flight. */
  private readonly tagInvalidatedAt = new Map<string, number>();
  private seq = 0;
  private closed = false;
  /** A store error was reported (to a `backend-error` listener or as the process warning). */
  private backendReported = false;
  /**
   * Whether the last {@link load} ran its loader at once because the store answered a miss
   * synchronously (or the cache is closed). The decorator then skips its repeated-arguments
   * bookkeeping: a key just missed is rarely the one before it, and telling the two apart costs
   * a string comparison on every miss.
   *
   * @internal
   */
  lastLoadMissed = false;

  /** Use {@link createCache}; the constructor takes already validated options. */
  constructor(options: CacheOptions = {}) {
    validateCacheOptions(options);
    this.store = options.store ?? memoryStore();
    this.name = options.name ?? this.store.name;
    this.defaultTtlMs = options.ttl === undefined ? DEFAULT_TTL_MS : parseDuration(options.ttl, 'createCache ttl');
    this.required = options.required ?? false;
    this.immutability = options.immutability ?? 'freeze';
    const mode = this.immutability;
    this.protect = protectorFor(mode);
    this.protectOwned = ownedProtectorFor(mode);
    this.store.bindValues?.({
      protect: this.protectOwned,
      plain: (stored) => (stored instanceof CopyOnRead ? stored.snapshot : stored),
    });
    this.store.onNotice?.((notice) => {
      this.counters.decodeErrors++;
      this.events.emit('decode-error', { key: notice.key, error: notice.error });
    });
  }

  /** The value at `key`, or `undefined` when absent (a stored `undefined` also reads as `undefined`). */
  async get<T>(key: string): Promise<T | undefined> {
    const entry = await this.readEntry(key, 'get');
    return entry === undefined ? undefined : (readStored(entry.value, this.immutability) as T);
  }

  /** Several values in one store round trip, in the order of `keys`. */
  async getMany<T>(keys: readonly string[]): Promise<Array<T | undefined>> {
    keys.forEach((key) => assertKey(key, 'getMany'));
    this.assertOpen('getMany');
    const entries = await this.guard('getMany', undefined, () => this.store.getMany(keys.map(splitKey)), [] as Array<StoredEntry | undefined>);
    return keys.map((key, i) => {
      const entry = entries[i];
      const [namespace, id] = splitKey(key);
      this.countRead(namespace, id, entry);
      return entry === undefined ? undefined : (readStored(entry.value, this.immutability) as T);
    });
  }

  /** Store `value` at `key`. A load of `key` in flight will not overwrite it. */
  async set(key: string, value: unknown, options?: SetOptions): Promise<void> {
    assertKey(key, 'set');
    this.assertOpen('set');
    const ttlMs = options?.ttl === undefined ? this.defaultTtlMs : parseDuration(options.ttl, `set('${key}') ttl`);
    const tags = options?.tags === undefined ? undefined : validateTags(options.tags, `set('${key}') tags`);
    const [namespace, id] = splitKey(key);
    this.flights.supersede(namespace, id);
    if (ttlMs === 0) {
      await this.guard('delete', key, () => this.store.delete(namespace, id), false);
      return;
    }
    const stored = this.store.sharesReferences ? this.protect(value) : value;
    await this.guard('set', key, () => this.store.set(namespace, id, stored, { ttlMs, tags }), undefined);
  }

  /** Remove `key`; `true` when it held a live entry. A load of `key` in flight will not store its result. */
  async del(key: string): Promise<boolean> {
    assertKey(key, 'del');
    this.assertOpen('del');
    const [namespace, id] = splitKey(key);
    this.flights.supersede(namespace, id);
    return this.guard('delete', key, () => this.store.delete(namespace, id), false);
  }

  /** Remove several keys in one store round trip; answers how many live entries were removed. */
  async delMany(keys: readonly string[]): Promise<number> {
    keys.forEach((key) => assertKey(key, 'delMany'));
    this.assertOpen('delMany');
    const split = keys.map(splitKey);
    for (const [namespace, id] of split) this.flights.supersede(namespace, id);
    return this.guard('deleteMany', undefined, () => this.store.deleteMany(split), 0);
  }

  /** Remaining time to live of `key` in ms (`Infinity` when it never expires), or `undefined`. */
  async ttl(key: string): Promise<number | undefined> {
    const entry = await this.readEntry(key, 'ttl', false);
    if (entry === undefined) return undefined;
    return Math.max(0, entry.expiresAt - Date.now());
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
  async invalidateTags(tags: string | readonly string[]): Promise<void> {
    const list = validateTags(typeof tags === 'string' ? [tags] : tags, 'invalidateTags');
    this.assertOpen('invalidateTags');
    if (list.length === 0) return;
    if (this.flights.size !== 0) {
      const seq = ++this.seq;
      for (const tag of list) this.tagInvalidatedAt.set(tag, seq);
    }
    await this.guard('invalidateTags', undefined, () => this.store.invalidateTags(list), undefined);
  }

  /** Drop every entry of `namespace` (e.g. `'ProductService.getProduct'`), in O(1) store work. */
  async clearNamespace(namespace: string): Promise<void> {
    if (typeof namespace !== 'string' || namespace.includes(':')) {
      throw new InvalidOptionError(`clearNamespace needs a namespace string without ':'; got ${JSON.stringify(namespace)}.`);
    }
    this.assertOpen('clearNamespace');
    this.flights.supersedeNamespace(namespace);
    await this.guard('deleteNamespace', undefined, () => this.store.deleteNamespace(namespace), undefined);
  }

  /** Drop every entry. Loads in flight will not store their results. */
  async clear(): Promise<void> {
    this.assertOpen('clear');
    this.flights.supersedeAll();
    await this.guard('clear', undefined, () => this.store.clear(), undefined);
  }

  /** Probe the store; never throws. */
  async health(): Promise<CacheHealth> {
    let store: StoreHealth;
    try {
      store = await this.store.health();
    } catch (error) {
      store = { ok: false, store: this.store.name, error: error instanceof Error ? error.message : String(error) };
    }
    return { ok: store.ok && !this.closed, cache: this.name, store, inFlight: this.flights.size };
  }

  /** Counters since creation. */
  stats(): CacheStats {
    return this.counters.snapshot();
  }

  /** Subscribe to an event; returns a function that unsubscribes. */
  on<E extends CacheEventName>(event: E, listener: CacheEventListener<E>): () => void {
    return this.events.on(event, listener);
  }

  /** Unsubscribe a listener added with {@link Cache.on}. */
  off<E extends CacheEventName>(event: E, listener: CacheEventListener<E>): void {
    this.events.off(event, listener);
  }

  /**
   * Close the store. Afterwards direct operations reject with `CacheClosedError`, while decorated
   * methods and `getOrSet` still answer by running their loader uncached. Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.store.close();
  }

  /**
   * The single-flight read-through used by `getOrSet` and the decorators.
   *
   * @internal
   */
  load(namespace: string, id: string, policy: LoadPolicy, thisArg: unknown, fn: Function, args: readonly unknown[]): Promise<unknown> {
    if (this.flights.size !== 0) {
      const flight = this.flights.get(namespace, id);
      if (flight !== undefined) {
        this.lastLoadMissed = false;
        this.counters.joined++;
        flight.joiners++;
        if (this.events.listening.joined) this.events.emit('joined', { key: joinKey(namespace, id) });
        return this.immutability === 'none' ? flight.promise : flight.promise.then(() => this.reveal(flight.shared));
      }
    }
    if (this.closed) {
      const result = this.runLoader(namespace, id, thisArg, fn, args);
      this.lastLoadMissed = true;
      return result;
    }
    let found: StoredEntry | undefined | Promise<StoredEntry | undefined>;
    try {
      found = this.store.get(namespace, id);
    } catch (error) {
      found = Promise.reject(error);
    }
    if (found === undefined || found instanceof Promise) {
      const flight = new Flight(++this.seq);
      this.flights.add(namespace, id, flight);
      flight.promise =
        found === undefined
          ? this.loadAndStore(flight, namespace, id, policy, thisArg, fn, args)
          : this.readThenLoad(flight, namespace, id, policy, thisArg, fn, args, found);
      // Set after the loader started: it may have run other loads meanwhile.
      this.lastLoadMissed = found === undefined;
      return flight.promise;
    }
    this.lastLoadMissed = false;
    this.counters.hits++;
    if (this.events.listening.hit) this.events.emit('hit', { key: joinKey(namespace, id) });
    return Promise.resolve(readStored(found.value, this.immutability));
  }

  /**
   * Store a computed result as `key`'s entry under `policy` (used by `@CachePut`); the value is
   * returned as callers should see it.
   *
   * @internal
   */
  async put(key: string, policy: LoadPolicy, value: unknown, args: readonly unknown[]): Promise<unknown> {
    if (this.closed) return value;
    const [namespace, id] = splitKey(key);
    this.flights.supersede(namespace, id);
    const flight = new Flight(++this.seq);
    this.storeResult(flight, namespace, id, policy, value, args);
    if (flight.write !== undefined) await flight.write;
    // The method's own result, untouched: what the cache keeps is a protected copy.
    return value;
  }

  /**
   * A flight whose store read is pending (stores answering with promises): the read, then a load
   * when it found nothing.
   */
  private async readThenLoad(
    flight: Flight,
    namespace: string,
    id: string,
    policy: LoadPolicy,
    thisArg: unknown,
    fn: Function,
    args: readonly unknown[],
    pendingGet: Promise<StoredEntry | undefined>,
  ): Promise<unknown> {
    let entry: StoredEntry | undefined;
    try {
      entry = await this.guard('get', joinKey(namespace, id), () => pendingGet, undefined);
    } catch (error) {
      this.endFlight(namespace, id, flight);
      throw error;
    }
    if (entry === undefined) return this.loadAndStore(flight, namespace, id, policy, thisArg, fn, args);
    this.countRead(namespace, id, entry);
    this.endFlight(namespace, id, flight);
    // A decoded value read for one caller is its own; callers joined on the read share it, so
    // then it is protected like a loaded one. (No one can join after endFlight.)
    if (!this.store.sharesReferences && flight.joiners === 0) return entry.value;
    flight.shared = this.store.sharesReferences ? entry.value : this.protectOwned(entry.value);
    return this.reveal(flight.shared);
  }

  /**
   * A miss: run the loader, store its result. Settles with the method's own result for the
   * initiating caller, while `flight.shared` keeps the protected form (a frozen copy, or a
   * copy-on-read box) from which each joined caller gets its own view. Promise reactions rather than an async function:
   * this is the miss path, and a suspended async function costs more to keep and resume.
   */
  private loadAndStore(
    flight: Flight,
    namespace: string,
    id: string,
    policy: LoadPolicy,
    thisArg: unknown,
    fn: Function,
    args: readonly unknown[],
  ): Promise<unknown> {
    this.counters.misses++;
    if (this.events.listening.miss) this.events.emit('miss', { key: joinKey(namespace, id) });
    this.counters.loads++;
    const started = this.events.listening.load ? performance.now() : 0;
    let loading: unknown;
    try {
      loading = fn.apply(thisArg, args);
    } catch (error) {
      return Promise.reject(this.loadRejected(flight, namespace, id, error));
    }
    return Promise.resolve(loading).then(
      (value) => this.loaded(flight, namespace, id, policy, args, value, started),
      (error: unknown) => {
        throw this.loadRejected(flight, namespace, id, error);
      },
    );
  }

  /**
   * The loader of `flight` answered `value`: store it, and answer `value` itself to the initiating
   * caller (it may be the application's own state: the cache keeps a protected copy instead).
   */
  private loaded(flight: Flight, namespace: string, id: string, policy: LoadPolicy, args: readonly unknown[], value: unknown, started: number): unknown {
    if (started !== 0) this.events.emit('load', { key: joinKey(namespace, id), durationMs: performance.now() - started });
    let shared: unknown;
    try {
      shared = this.storeResult(flight, namespace, id, policy, value, args);
    } catch (error) {
      this.endFlight(namespace, id, flight);
      throw error;
    }
    flight.shared = shared;
    const write = flight.write;
    if (write === undefined) {
      this.endFlight(namespace, id, flight);
      return value;
    }
    if (this.required) {
      // Required stores surface write errors, so the caller waits for the write.
      return write.then(
        () => {
          this.endFlight(namespace, id, flight);
          return value;
        },
        (error: unknown) => {
          this.endFlight(namespace, id, flight);
          throw error;
        },
      );
    }
    // The caller gets its value now; the flight stays joinable until the write lands, so that
    // callers arriving meanwhile do not read a key that is not written yet and load again.
    void write.then(() => this.endFlight(namespace, id, flight));
    return value;
  }

  /** The loader of `flight` failed: report it, end the flight; answers the error to pass on. */
  private loadRejected(flight: Flight, namespace: string, id: string, error: unknown): unknown {
    this.loadFailed(namespace, id, error);
    this.endFlight(namespace, id, flight);
    return error;
  }

  /** A load without the cache (after `close()`): counted and reported like any load. */
  private async runLoader(namespace: string, id: string, thisArg: unknown, fn: Function, args: readonly unknown[]): Promise<unknown> {
    this.counters.loads++;
    const started = this.events.listening.load ? performance.now() : 0;
    try {
      const value: unknown = await fn.apply(thisArg, args);
      if (started !== 0) this.events.emit('load', { key: joinKey(namespace, id), durationMs: performance.now() - started });
      return value;
    } catch (error) {
      this.loadFailed(namespace, id, error);
      throw error;
    }
  }

  /** Turns the form callers share into what one caller receives (copies what must be copied). */
  private reveal(shared: unknown): unknown {
    return readStored(shared, this.immutability);
  }

  private loadFailed(namespace: string, id: string, error: unknown): void {
    this.counters.loadErrors++;
    if (this.events.listening['load-error']) this.events.emit('load-error', { key: joinKey(namespace, id), error });
  }

  /**
   * Protect a loaded value, decide whether and how it is stored, and start the write (never
   * waiting for it; a write still pending is left in `flight.write`). Answers the form the
   * flight's callers share.
   */
  private storeResult(
    flight: Flight,
    namespace: string,
    id: string,
    policy: LoadPolicy,
    value: unknown,
    args: readonly unknown[],
  ): unknown {
    const shared = this.protect(value);
    if (flight.superseded) return this.skipStore(namespace, id, shared, 'invalidated-during-load');
    if (policy.unless !== undefined && policy.unless(value, args)) return this.skipStore(namespace, id, shared, 'unless');
    let ttlMs = policy.ttlMs ?? this.defaultTtlMs;
    if (policy.ttlOf !== undefined) {
      try {
        ttlMs = parseDuration(policy.ttlOf(value, args), `ttl function of ${policy.label}`);
      } catch (error) {
        if (!(error instanceof InvalidTtlError)) throw error;
        if (this.events.listening['backend-error']) this.events.emit('backend-error', { operation: 'set', key: joinKey(namespace, id), error });
        return this.skipStore(namespace, id, shared, 'invalid-ttl');
      }
    }
    if (ttlMs === 0) return this.skipStore(namespace, id, shared, 'ttl-zero');
    const tags = this.tagsOf(policy, value, args);
    if (tags !== undefined && this.tagInvalidatedAt.size !== 0) {
      for (const tag of tags) {
        if ((this.tagInvalidatedAt.get(tag) ?? -1) > flight.startSeq) return this.skipStore(namespace, id, shared, 'invalidated-during-load');
      }
    }
    // In-process stores keep the shared form; serializing stores get the plain value.
    const stored = this.store.sharesReferences ? shared : value;
    let written: void | Promise<void>;
    try {
      written = this.store.set(namespace, id, stored, { ttlMs, tags });
    } catch (error) {
      written = Promise.reject(error);
    }
    if (written instanceof Promise) flight.write = this.guard('set', joinKey(namespace, id), () => written, undefined);
    return shared;
  }

  private tagsOf(policy: LoadPolicy, value: unknown, args: readonly unknown[]): readonly string[] | undefined {
    const fromArgs = policy.tagsOf?.(args);
    const fromResult = policy.resultTagsOf?.(value, args);
    if (fromResult === undefined) return fromArgs === undefined ? undefined : validateTags(fromArgs, `tags of ${policy.label}`);
    const all = fromArgs === undefined ? fromResult : [...fromArgs, ...fromResult];
    return validateTags(all, `tags of ${policy.label}`);
  }

  private skipStore(namespace: string, id: string, shared: unknown, reason: 'unless' | 'ttl-zero' | 'invalidated-during-load' | 'invalid-ttl') {
    if (this.events.listening['store-skipped']) this.events.emit('store-skipped', { key: joinKey(namespace, id), reason });
    return shared;
  }

  /** A flight's write landed (or none was made): it leaves the table. */
  private endFlight(namespace: string, id: string, flight: Flight): void {
    this.flights.end(namespace, id, flight);
    if (this.flights.size === 0 && this.tagInvalidatedAt.size !== 0) this.tagInvalidatedAt.clear();
  }

  private async readEntry(key: string, operation: string, count = true): Promise<StoredEntry | undefined> {
    assertKey(key, operation);
    this.assertOpen(operation);
    const [namespace, id] = splitKey(key);
    const entry = await this.guard('get', key, () => this.store.get(namespace, id), undefined);
    if (count) this.countRead(namespace, id, entry);
    return entry;
  }

  private countRead(namespace: string, id: string, entry: StoredEntry | undefined): void {
    if (entry === undefined) {
      this.counters.misses++;
      if (this.events.listening.miss) this.events.emit('miss', { key: joinKey(namespace, id) });
    } else {
      this.counters.hits++;
      if (this.events.listening.hit) this.events.emit('hit', { key: joinKey(namespace, id) });
    }
  }

  /**
   * Run a store operation; a failure becomes a `backend-error` event and `fallback`, or a
   * `BackendError` when the cache is `required`.
   */
  private async guard<T>(operation: StoreOperation, key: string | undefined, run: () => T | Promise<T>, fallback: T): Promise<T> {
    try {
      return await run();
    } catch (cause) {
      this.counters.backendErrors++;
      const error = cause instanceof Error ? cause : new Error(String(cause));
      if (this.events.listening['backend-error']) {
        this.backendReported = true;
        this.events.emit('backend-error', { operation, key, error });
      } else if (!this.backendReported && !this.required) {
        this.backendReported = true; // once: a down store fails every call
        warnBackendFailure(this.name, operation, key, error);
      }
      if (!this.required) return fallback;
      if (cause instanceof CacheflightError) throw cause;
      throw new BackendError(`Store '${this.store.name}' failed during ${operation}${key === undefined ? '' : ` of '${key}'`}: ${error.message}`, cause);
    }
  }

  private assertOpen(operation: string): void {
    if (this.closed) throw new CacheClosedError(`Cache '${this.name}' is closed; ${operation} needs an open cache (create a new one with createCache).`);
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
