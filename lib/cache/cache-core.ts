import { joinKey, type LoadCoordinator, type Store, type StoredEntry } from '../stores/store.js';
import { BackendError, CacheflightError } from '../core/errors.js';
import { warnBackendFailure } from './backend-warning.js';
import { CacheEvents, type StoreOperation } from './events.js';
import { FlightTable } from './load/flights.js';
import { mergeFreshness, type Freshness, type FreshnessParts } from './load/freshness.js';
import type { LoadPolicy } from './load/policy.js';
import type { Flight } from './load/flight.js';
import { readStored, type Immutability } from './immutability.js';
import { StatsCounters } from './stats.js';
import type { CacheTraceContext, ReadOutcome } from './tracing.js';

/** What a {@link CacheCore} is made of: the Cache's validated options, resolved. */
export interface CacheCoreParts {
  readonly name: string;
  readonly store: Store;
  readonly defaultTtlMs: number;
  readonly required: boolean;
  readonly immutability: Immutability;
  readonly protect: (value: unknown) => unknown;
  readonly protectOwned: (value: unknown) => unknown;
  readonly freshness: FreshnessParts | undefined;
}

/**
 * The state one Cache shares between its own methods and its load path (`lib/cache/load/`):
 * the store, the flights in the air, the invalidation fence, events and counters, and the
 * store-error guard. Nothing here is public API.
 */
export class CacheCore {
  readonly name: string;
  readonly store: Store;
  /** The store's load coordination across processes, when it has one (read once). */
  readonly coordinator: LoadCoordinator | undefined;
  readonly defaultTtlMs: number;
  readonly required: boolean;
  readonly immutability: Immutability;
  /**
   * Protects a value the application may still hold (a loader's result, a value given to `set`)
   * before it is shared, in this cache's immutability mode; never changes it.
   */
  readonly protect: (value: unknown) => unknown;
  /** Protects a value no one else holds (one just decoded from the store). */
  readonly protectOwned: (value: unknown) => unknown;
  readonly events = new CacheEvents();
  readonly counters = new StatsCounters();
  readonly flights = new FlightTable();
  /** Tag -> sequence number of its last invalidation; kept only while loads are in flight. */
  readonly tagInvalidatedAt = new Map<string, number>();
  /** The cache's defaults of the freshness options (`createCache`), when it has any. */
  readonly freshness: FreshnessParts | undefined;
  /** {@link freshness} with the built-in defaults applied: the policy of a call without its own. */
  readonly defaultFreshness: Freshness | undefined;
  private readonly mergedFreshness = new WeakMap<LoadPolicy, Freshness>();
  /**
   * Keys (joined) whose load failed while an old value was kept, with the time (`Date.now()`)
   * before which their loader is not called again (`graceBackoff`).
   */
  readonly backoffUntil = new Map<string, number>();
  /** Key (joined) -> the `Date.now()` millisecond of its last early-refresh draw. */
  private readonly earlyDraws = new Map<string, number>();
  /**
   * The trace context of the traced call being run synchronously right now (see `tracing.ts`),
   * so that the counting below also records the call's outcome; flights keep their starter's.
   */
  trace: CacheTraceContext | undefined = undefined;
  /** The invalidation sequence: flights record it when they start, invalidations advance it. */
  seq = 0;
  closed = false;
  /** A store error was reported (to a `backend-error` listener or as the process warning). */
  private backendReported = false;
  /**
   * Whether the last load ran its loader at once because the store answered a miss
   * synchronously (or the cache is closed); see `Cache.lastLoadMissed`.
   */
  lastLoadMissed = false;

  constructor(parts: CacheCoreParts) {
    this.name = parts.name;
    this.store = parts.store;
    this.coordinator = parts.store.coordinator;
    this.defaultTtlMs = parts.defaultTtlMs;
    this.required = parts.required;
    this.immutability = parts.immutability;
    this.protect = parts.protect;
    this.protectOwned = parts.protectOwned;
    this.freshness = parts.freshness;
    this.defaultFreshness = mergeFreshness(undefined, parts.freshness);
  }

  /** The freshness policy of a call under `policy` (`undefined`: none at any level). */
  freshnessFor(policy: LoadPolicy): Freshness | undefined {
    const own = policy.freshness;
    if (own === undefined) return this.defaultFreshness;
    // A method's policy lives as long as its class: merge it with the defaults once.
    let merged = this.mergedFreshness.get(policy);
    if (merged === undefined) {
      merged = mergeFreshness(own, this.freshness) as Freshness;
      this.mergedFreshness.set(policy, merged);
    }
    return merged;
  }

  /** Count a fresh hit and emit its event. */
  countHit(namespace: string, id: string, entry: StoredEntry): void {
    this.counters.hits++;
    if (this.trace !== undefined) this.traceOutcome('hit', entry.tier);
    if (this.events.listening.hit) this.events.emit('hit', entry.tier === undefined ? { key: joinKey(namespace, id) } : { key: joinKey(namespace, id), tier: entry.tier });
  }

  /** Count a caller answered at once from the stale window, and emit its event. */
  countStale(namespace: string, id: string, entry: StoredEntry): void {
    this.counters.stale++;
    if (this.trace !== undefined) this.traceOutcome('stale', entry.tier);
    if (this.events.listening.stale) this.events.emit('stale', { key: joinKey(namespace, id), tier: entry.tier });
  }

  /** Count a caller answered with a value kept for grace, and emit its event. */
  countGraced(namespace: string, id: string, entry: StoredEntry, reason: 'load-failed' | 'timeout' | 'backoff'): void {
    this.counters.graced++;
    if (this.trace !== undefined) this.traceOutcome('graced', entry.tier);
    if (this.events.listening.graced) this.events.emit('graced', { key: joinKey(namespace, id), reason, tier: entry.tier });
  }

  /** Whether `key`'s loader backs off after a failure (see {@link backoffUntil}). */
  backingOff(key: string, now: number): boolean {
    if (this.backoffUntil.size === 0) return false;
    const until = this.backoffUntil.get(key);
    if (until === undefined) return false;
    if (until > now) return true;
    this.backoffUntil.delete(key);
    return false;
  }

  /** Back `key`'s loader off for `ms`. Expired marks are dropped when the map grows. */
  backOff(key: string, ms: number): void {
    if (ms <= 0) return;
    const now = Date.now();
    if (this.backoffUntil.size >= 1024) for (const [other, until] of this.backoffUntil) if (until <= now) this.backoffUntil.delete(other);
    this.backoffUntil.set(key, now + ms);
  }

  /**
   * Whether an early-refresh draw of `key` is due at `now` (`Date.now()`): one per millisecond
   * per key. The marks are forgotten wholesale past 4096 keys (a lost mark only allows one more
   * draw).
   */
  earlyDrawDue(key: string, now: number): boolean {
    const marks = this.earlyDraws;
    if (marks.get(key) === now) return false;
    if (marks.size >= 4096) marks.clear();
    marks.set(key, now);
    return true;
  }

  /** A write or removal of `key` ends its backoff. */
  endBackoff(key: string): void {
    if (this.backoffUntil.size !== 0) this.backoffUntil.delete(key);
  }

  /** Turns the form callers share into what one caller receives (copies what must be copied). */
  reveal(shared: unknown): unknown {
    return readStored(shared, this.immutability);
  }

  /** Count a read and emit its event. */
  countRead(namespace: string, id: string, entry: StoredEntry | undefined): void {
    if (entry === undefined) {
      this.countMiss(namespace, id);
    } else {
      this.countHit(namespace, id, entry);
    }
  }

  /** Count a miss and emit its event. */
  countMiss(namespace: string, id: string): void {
    this.counters.misses++;
    if (this.trace !== undefined) this.traceOutcome('miss', undefined);
    if (this.events.listening.miss) this.events.emit('miss', { key: joinKey(namespace, id) });
  }

  /** Count a call that joined a load in flight (here, or in another process) and emit its event. */
  countJoined(namespace: string, id: string, distributed: boolean): void {
    this.counters.joined++;
    if (this.trace !== undefined) this.traceOutcome('joined', undefined);
    if (this.events.listening.joined) this.events.emit('joined', distributed ? { key: joinKey(namespace, id), distributed } : { key: joinKey(namespace, id) });
  }

  /** Record the outcome of the traced call being run (the last decision wins: a miss answered from grace is `graced`). */
  private traceOutcome(outcome: ReadOutcome, tier: string | undefined): void {
    const trace = this.trace as CacheTraceContext;
    trace.outcome = outcome;
    trace.tier = tier;
  }

  /** Count a failed loader run and emit its event; `background`: a refresh no caller waited for. */
  loadFailed(namespace: string, id: string, error: unknown, background = false): void {
    this.counters.loadErrors++;
    if (this.events.listening['load-error']) this.events.emit('load-error', { key: joinKey(namespace, id), error, background });
  }

  /** A flight's write landed (or none was made): it leaves the table. */
  endFlight(namespace: string, id: string, flight: Flight): void {
    this.flights.end(namespace, id, flight);
    if (this.flights.size === 0 && this.tagInvalidatedAt.size !== 0) this.tagInvalidatedAt.clear();
  }

  /**
   * Run a store operation; a failure becomes a `backend-error` event and `fallback`, or a
   * `BackendError` when the cache is `required`.
   */
  async guard<T>(operation: StoreOperation, key: string | undefined, run: () => T | Promise<T>, fallback: T): Promise<T> {
    try {
      return await run();
    } catch (cause) {
      const error = this.reportBackendError(operation, key, cause);
      if (!this.required) return fallback;
      if (cause instanceof CacheflightError) throw cause;
      throw new BackendError(`Store '${this.store.name}' failed during ${operation}${key === undefined ? '' : ` of '${key}'`}: ${error.message}`, cause);
    }
  }

  /** Count a store failure and report it (a `backend-error` event, or once the process warning). */
  reportBackendError(operation: StoreOperation, key: string | undefined, cause: unknown): Error {
    this.counters.backendErrors++;
    const error = cause instanceof Error ? cause : new Error(String(cause));
    if (this.events.listening['backend-error']) {
      this.backendReported = true;
      this.events.emit('backend-error', { operation, key, error });
    } else if (!this.backendReported && !this.required) {
      this.backendReported = true; // once: a down store fails every call
      warnBackendFailure(this.name, operation, key, error);
    }
    return error;
  }
}
