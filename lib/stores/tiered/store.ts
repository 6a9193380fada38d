/**
 * The tiered {@link Store}: an in-process L1 (a memory store) in front of a shared L2 (a Redis
 * store), the L1s of every process kept coherent by the invalidation bus (see `../tiered.ts`).
 */
import { randomBytes } from 'node:crypto';
import { CacheClosedError, InvalidTtlError } from '../../core/errors.js';
import type { MemoryStore } from '../memory.js';
import { busChannel } from '../redis/layout.js';
import type { RedisStore, RedisStoredEntry } from '../redis/store.js';
import {
  joinKey,
  type EntryKey,
  type LoadCoordinator,
  type MaybePromise,
  type Store,
  type StoredEntry,
  type StoreHealth,
  type StoreEvictionListener,
  type StoreNotice,
  type StoreSetOptions,
  type StoreWrite,
  type ValueSharing,
} from '../store.js';
import type { BusState } from './bus-state.js';
import { InvalidationBus } from './bus.js';
import type { Invalidation } from './message.js';
import type { ResolvedTieredStoreOptions } from './options.js';
import { PromotionGuard } from './promotion-guard.js';

/**
 * What L1 holds for an entry and what `get` answers: the value (in the form the owning Cache
 * shares), its real expiry and windows (L1 keeps it no longer than its last window, nor than
 * `l1Ttl`), the tier that answered, and when it entered L1 (for the outage bound,
 * `outageStaleness`). One object per L1 entry, handed out as is on every hit: a hit allocates
 * nothing in this store.
 */
class TieredEntry implements StoredEntry {
  constructor(
    readonly value: unknown,
    readonly expiresAt: number,
    readonly tier: 'l1' | 'l2',
    readonly staleMs: number | undefined,
    readonly graceMs: number | undefined,
    readonly loadMs: number | undefined,
    /** `Date.now()` when the entry entered L1 (or was read from L2). */
    readonly keptAt: number = Date.now(),
  ) {}

  /** The same entry as answered by another tier, entering it now. */
  from(tier: 'l1' | 'l2'): TieredEntry {
    return new TieredEntry(this.value, this.expiresAt, tier, this.staleMs, this.graceMs, this.loadMs);
  }

  /** When the entry's last window ends. */
  get lastsUntil(): number {
    return this.expiresAt + (this.staleMs ?? 0) + (this.graceMs ?? 0);
  }
}

/** Counters of a {@link TieredStore}, for monitoring and tests. */
export interface TieredStoreStats {
  /** Entries held in L1, stale ones not reclaimed yet included. */
  readonly l1Entries: number;
  /** Reads that went to L2 (L1 misses, and L1 entries past `outageStaleness` while the bus is not up). */
  readonly l2Reads: number;
  /** L1 answers given while the bus was not up (each within `outageStaleness`, see `TieredStoreOptions`). */
  readonly outageHits: number;
  /** Writes L2 did not take whose L1 copy was kept (L2 unreachable: see `TieredStore.set`). */
  readonly keptDespiteL2: number;
  /** L2 reads that found an entry. */
  readonly l2Hits: number;
  /** Entries read from L2 and kept in L1. */
  readonly promotions: number;
  /** State of the invalidation bus (while it is not `up`, L1 is served within `outageStaleness` only). */
  readonly bus: BusState;
  /** Invalidation messages received from other processes. */
  readonly busReceived: number;
  /** Messages on the channel that could not be read (each cleared L1). */
  readonly busUnreadable: number;
  /** Invalidation messages published. */
  readonly busPublished: number;
  /** PUBLISH attempts that failed (they are retried). */
  readonly busPublishFailures: number;
  /** Invalidations given up after their retries failed. */
  readonly busAbandoned: number;
  /** Times the bus went down after having been up (each time L1 was cleared on its return). */
  readonly busLosses: number;
  /** `true` while invalidations that could not be published wait for a retry. */
  readonly busRetrying: boolean;
}

const identity = (value: unknown): unknown => value;

/** The tiered {@link Store}. Create it with `tieredStore`. */
export class TieredStore implements Store {
  /** Name for logs and health output. */
  readonly name: string;
  /** Always `true`: an L1 hit hands out the very value kept in L1. */
  readonly sharesReferences = true;
  /** The in-process tier. */
  readonly l1: MemoryStore;
  /** The shared tier. */
  readonly l2: RedisStore;
  /** The pub/sub channel of the invalidation bus (derived from the L2 prefix and database). */
  readonly channel: string;
  /** Longest stay of an entry in L1, in ms (`Infinity`: its TTL). */
  readonly l1TtlMs: number;
  /** Maximum staleness of an L1 answer while the bus is not up, in ms (`0`: L1 not served then). */
  readonly outageStalenessMs: number;

  /** Mirror of `bus.state === 'up'`, read by every `get`. */
  #busUp = false;
  /** `Date.now()` when the bus last went down after being up (0 before). */
  #downSince = 0;
  /**
   * Set when an L2 read failed, cleared when an L2 operation succeeds: L2 is unreachable from
   * here, so dropping the L1 copy of a write L2 did not take would gain no coherence (the next
   * read of L2 fails too) and only make the next call load again.
   */
  #l2Failing = false;
  #closed = false;
  #closing: Promise<void> | undefined;
  #protect: (value: unknown) => unknown = identity;
  #plain: (stored: unknown) => unknown = identity;
  readonly #bus: InvalidationBus;
  readonly #guard = new PromotionGuard();
  /** L2 operations not settled yet; `close` waits for them so their invalidations go out. */
  readonly #inFlight = new Set<Promise<unknown>>();
  #l2Reads = 0;
  #l2Hits = 0;
  #promotions = 0;
  #outageHits = 0;
  #keptDespiteL2 = 0;

  /**
   * @param options - validated options (see `tieredStore`)
   * @hideconstructor
   */
  constructor(options: ResolvedTieredStoreOptions) {
    this.name = options.name;
    this.l1 = options.l1;
    this.l2 = options.l2;
    this.l1TtlMs = options.l1TtlMs;
    this.outageStalenessMs = options.outageStalenessMs;
    const pubSub = options.l2.pubSub;
    this.channel = busChannel(options.l2.prefix, pubSub.database);
    this.#bus = new InvalidationBus(pubSub, this.channel, randomBytes(9).toString('base64url'), options.heartbeatMs, {
      up: () => {
        // Messages were missed while the bus was down: nothing in L1 can be trusted.
        this.l1.clear();
        this.#guard.all();
        this.#busUp = true;
      },
      down: () => {
        // From now on L1 answers within outageStaleness of this moment (or of an entry's arrival).
        this.#downSince = Date.now();
        this.#busUp = false;
      },
      message: (invalidation) => this.#apply(invalidation),
    });
  }

  #coordinator: LoadCoordinator | undefined;

  /**
   * Load coordination across processes: L2's (a lease per entry in Redis, see
   * `RedisStore.coordinator`). An entry that a leader's notice carries to this process is
   * protected and promoted into L1 like one read from L2 (unless an invalidation of it arrived
   * during the wait).
   */
  get coordinator(): LoadCoordinator {
    if (this.#coordinator !== undefined) return this.#coordinator;
    const l2 = this.l2.coordinator;
    return (this.#coordinator = {
      claim: (namespace, id, options) => l2.claim(namespace, id, options),
      waitForRelease: (namespace, id, timeoutMs) => {
        const start = this.#guard.begin();
        return l2.waitForRelease(namespace, id, timeoutMs).then((told) => {
          try {
            if (typeof told === 'boolean') return told;
            // Closed meanwhile: nothing goes into L1; the waiter's read then learns it is closed.
            if (this.#closed) return true;
            // L2's notices decode entries with its reader: a RedisStoredEntry, tags included.
            return this.#promote(namespace, id, told as RedisStoredEntry, start);
          } finally {
            this.#guard.end();
          }
        });
      },
    });
  }

  /** Counters since creation. */
  get stats(): TieredStoreStats {
    const bus = this.#bus.stats;
    return {
      l1Entries: this.l1.size,
      l2Reads: this.#l2Reads,
      l2Hits: this.#l2Hits,
      promotions: this.#promotions,
      outageHits: this.#outageHits,
      keptDespiteL2: this.#keptDespiteL2,
      bus: bus.state,
      busReceived: bus.received,
      busUnreadable: bus.unreadable,
      busPublished: bus.published,
      busPublishFailures: bus.publishFailures,
      busAbandoned: bus.abandoned,
      busLosses: bus.losses,
      busRetrying: bus.retrying,
    };
  }

  /** Called by the owning Cache: how to protect values read from L2, and unwrap values written to it. */
  bindValues(values: ValueSharing): void {
    this.#protect = values.protect;
    this.#plain = values.plain;
    // L1 measures (sizeOf) the application's value, not this store's entry around it.
    this.l1.bindValues({ protect: values.protect, plain: (stored) => values.plain(stored instanceof TieredEntry ? stored.value : stored) });
  }

  /**
   * Called by the owning Cache: L2's notices (undecodable payloads) are passed on. L1's values
   * too large for it (its `maxEntrySize`) are not: they are still stored, in L2 (L1's
   * `stats.tooLarge` counts them).
   */
  onNotice(listener: (notice: StoreNotice) => void): void {
    this.l2.onNotice(listener);
  }

  /**
   * Called by the owning Cache while it listens to `evict`: L1's drops are passed on with
   * `tier: 'l1'` (L1 copies dropped because another process wrote or invalidated the key, heard
   * on the bus, are deletes and not reported). L2, Redis, evicts by itself and reports nothing.
   */
  onEvict(listener: StoreEvictionListener | undefined): void {
    this.l1.onEvict(listener === undefined ? undefined : (eviction) => listener({ key: eviction.key, cause: eviction.cause, tier: 'l1' }));
  }

  // --- reads --------------------------------------------------------------------------------

  /**
   * An L1 hit answers at once (no promise); otherwise L2 is read and a hit promoted into L1.
   * While the bus is not up, an L1 entry answers only within `outageStaleness` of when this
   * process last knew it current; L1 is always looked up before L2, so a down Redis costs such a
   * hit nothing.
   */
  get(namespace: string, id: string): MaybePromise<StoredEntry | undefined> {
    if (this.#busUp) {
      const hit = this.l1.get(namespace, id);
      if (hit !== undefined) return hit.value as TieredEntry;
    } else if (!this.#closed && this.outageStalenessMs > 0) {
      const hit = this.l1.get(namespace, id);
      if (hit !== undefined && this.#servable(hit.value as TieredEntry, Date.now())) {
        this.#outageHits++;
        return hit.value as TieredEntry;
      }
    }
    return this.#readThrough(namespace, id);
  }

  /**
   * While the bus is not up: may L1 answer `entry`? Only while less than `outageStaleness` has
   * passed since the later of its arrival in L1 and the bus going down, i.e. since this process
   * last knew it current.
   */
  #servable(entry: TieredEntry, now: number): boolean {
    return now - Math.max(entry.keptAt, this.#downSince) < this.outageStalenessMs;
  }

  /** How long an entry entering L1 now may stay: `lifetimeMs` capped by `l1Ttl`, and by `outageStaleness` while the bus is not up. */
  #l1StayMs(lifetimeMs: number): number {
    const ttlMs = Math.min(lifetimeMs, this.l1TtlMs);
    return this.#busUp ? ttlMs : Math.min(ttlMs, this.outageStalenessMs);
  }

  #readThrough(namespace: string, id: string): Promise<StoredEntry | undefined> {
    if (this.#closed) return Promise.reject(this.#closedError('get'));
    this.#bus.start();
    this.#l2Reads++;
    const read = this.l2.get(namespace, id); // no reply nor invalidation can arrive before the mark below
    const start = this.#guard.begin();
    return read.then(
      (entry) => {
        this.#l2Failing = false;
        try {
          return entry === undefined ? undefined : this.#promote(namespace, id, entry, start);
        } finally {
          this.#guard.end();
        }
      },
      (error: unknown) => {
        this.#l2Failing = true;
        this.#guard.end();
        throw error;
      },
    );
  }

  /** L1 hits at once; the misses in one L2 `getMany`. */
  getMany(keys: readonly EntryKey[]): MaybePromise<Array<StoredEntry | undefined>> {
    if (this.#closed) return Promise.reject(this.#closedError('getMany'));
    const out = new Array<StoredEntry | undefined>(keys.length);
    const misses: number[] = [];
    const outage = !this.#busUp && this.outageStalenessMs > 0;
    const now = outage ? Date.now() : 0;
    for (let i = 0; i < keys.length; i++) {
      const [namespace, id] = keys[i] as EntryKey;
      const hit = this.#busUp || outage ? this.l1.get(namespace, id) : undefined;
      if (hit !== undefined && (!outage || this.#servable(hit.value as TieredEntry, now))) {
        if (outage) this.#outageHits++;
        out[i] = hit.value as TieredEntry;
      } else misses.push(i);
    }
    if (misses.length === 0) return out;
    this.#bus.start();
    this.#l2Reads += misses.length;
    const read = this.l2.getMany(misses.map((i) => keys[i] as EntryKey));
    const start = this.#guard.begin();
    return read.then(
      (entries) => {
        this.#l2Failing = false;
        try {
          for (let j = 0; j < misses.length; j++) {
            const entry = entries[j];
            const i = misses[j] as number;
            const [namespace, id] = keys[i] as EntryKey;
            out[i] = entry === undefined ? undefined : this.#promote(namespace, id, entry, start);
          }
          return out;
        } finally {
          this.#guard.end();
        }
      },
      (error: unknown) => {
        this.#l2Failing = true;
        this.#guard.end();
        throw error;
      },
    );
  }

  /**
   * An entry read from L2: protected once, kept in L1 with its remaining TTL when that is safe
   * (nothing invalidated it since the read began; while the bus is not up, for `outageStaleness`
   * at most: the read was current when served, and L1 is cleared when the bus is back).
   */
  #promote(namespace: string, id: string, read: RedisStoredEntry, start: number): TieredEntry {
    this.#l2Hits++;
    const entry = new TieredEntry(this.#protect(read.value), read.expiresAt, 'l2', read.staleMs, read.graceMs, read.loadMs);
    if (this.#guard.allows(start, namespace, id, read.tags)) {
      const ttlMs = this.#l1StayMs(entry.lastsUntil - Date.now());
      if (ttlMs > 0) {
        this.l1.set(namespace, id, entry.from('l1'), { ttlMs, tags: read.tags.length === 0 ? undefined : read.tags });
        this.#promotions++;
      }
    }
    return entry;
  }

  // --- writes -------------------------------------------------------------------------------

  /**
   * Write L1 and L2; the promise is L2's. Once L2 settled, the other processes are told to drop
   * their copy. While the bus is not up, the L1 copy stays at most `outageStaleness`.
   *
   * If L2 fails: while the bus is up and L2 can still be read, this process's L1 copy is dropped
   * (it then reads what the other processes read). During an outage (bus not up, or L2 reads
   * failing too) the copy is kept, for `outageStaleness` at most: dropping it would only make
   * every later call load again, since L2 cannot answer it either.
   *
   * A write under a lease that was fenced off (answered `false`) drops its L1 copy always: L2
   * holds what superseded it.
   */
  set(namespace: string, id: string, value: unknown, options: StoreSetOptions): Promise<void | boolean> {
    if (this.#closed) return Promise.reject(this.#closedError('set'));
    const invalid = this.#checkTtl(namespace, id, options.ttlMs);
    if (invalid !== undefined) return Promise.reject(invalid);
    this.#bus.start();
    const kept = this.#keep(namespace, id, value, options);
    let written = this.l2.set(namespace, id, this.#plain(value), options);
    if (options.lease !== undefined) {
      written = written.then((stored) => {
        if (stored === false && kept !== undefined && this.l1.get(namespace, id)?.value === kept) this.l1.delete(namespace, id);
        return stored;
      });
    }
    return this.#shared(
      written,
      () => this.#bus.keys([[namespace, id]]),
      () => this.#unkeep(namespace, id, kept, options.tags),
    );
  }

  /** Several {@link set}s: one L2 round trip, one invalidation message. Every TTL is checked first. */
  setMany(writes: readonly StoreWrite[]): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closedError('setMany'));
    for (const write of writes) {
      const invalid = this.#checkTtl(write.namespace, write.id, write.ttlMs);
      if (invalid !== undefined) return Promise.reject(invalid);
    }
    if (writes.length === 0) return Promise.resolve();
    this.#bus.start();
    const kept = writes.map((write) => this.#keep(write.namespace, write.id, write.value, write));
    const plain = writes.map((write) => ({ ...write, value: this.#plain(write.value) }));
    return this.#shared(
      this.l2.setMany(plain),
      () => this.#bus.keys(writes.map((write) => [write.namespace, write.id])),
      () => writes.forEach((write, i) => this.#unkeep(write.namespace, write.id, kept[i], write.tags)),
    );
  }

  /** Keep a written value in L1 (while the bus is not up, for `outageStaleness` at most: L1 is cleared on its return). */
  #keep(namespace: string, id: string, value: unknown, options: StoreSetOptions): TieredEntry | undefined {
    this.#guard.key(namespace, id);
    const lifetime = options.ttlMs + (options.staleMs ?? 0) + (options.graceMs ?? 0);
    const ttlMs = this.#l1StayMs(lifetime);
    if (!(ttlMs > 0)) {
      this.l1.delete(namespace, id);
      return undefined;
    }
    const now = Date.now();
    const entry = new TieredEntry(value, now + options.ttlMs, 'l1', options.staleMs, options.graceMs, options.loadMs, now);
    this.l1.set(namespace, id, entry, { ttlMs, tags: options.tags });
    return entry;
  }

  /**
   * L2 did not take a write: while the bus is up and L2 can be read, drop the L1 copy it left
   * (unless a later write replaced it). Otherwise (an outage) keep it, for `outageStaleness` at
   * most from now.
   */
  #unkeep(namespace: string, id: string, kept: TieredEntry | undefined, tags: readonly string[] | undefined): void {
    if (kept === undefined || this.#closed) return;
    const held = this.l1.get(namespace, id);
    if (held?.value !== kept) return;
    if (this.#busUp && !this.#l2Failing) {
      this.l1.delete(namespace, id);
      return;
    }
    this.#keptDespiteL2++;
    if (this.#busUp) {
      // Kept while the bus hears invalidations, but L2 holds another value: no longer than outageStaleness.
      const ttlMs = Math.min(kept.lastsUntil - Date.now(), this.l1TtlMs, this.outageStalenessMs);
      if (ttlMs > 0) this.l1.set(namespace, id, kept, { ttlMs, tags });
      else this.l1.delete(namespace, id);
    }
  }

  #checkTtl(namespace: string, id: string, ttlMs: unknown): InvalidTtlError | undefined {
    if (typeof ttlMs === 'number' && ttlMs > 0) return undefined;
    return new InvalidTtlError(
      `tiered store "${this.name}" set of "${joinKey(namespace, id)}": ttlMs is ${String(ttlMs)}; give a number of milliseconds > 0 (fractions and Infinity allowed).`,
    );
  }

  // --- invalidations ------------------------------------------------------------------------

  /** Drop from both tiers; answers whether L2 held a live entry. */
  delete(namespace: string, id: string): Promise<boolean> {
    if (this.#closed) return Promise.reject(this.#closedError('delete'));
    this.#bus.start();
    this.l1.delete(namespace, id);
    this.#guard.key(namespace, id);
    return this.#shared(this.l2.delete(namespace, id), () => this.#bus.keys([[namespace, id]]));
  }

  /**
   * Make the entry stale now in L2 (see {@link Store.expire}), and drop the L1 copies (this
   * process's at once, the others' through the bus): the next read of any process sees the
   * stale entry from L2. Answers whether L2 held a live entry.
   */
  expire(namespace: string, id: string): Promise<boolean> {
    if (this.#closed) return Promise.reject(this.#closedError('expire'));
    this.#bus.start();
    this.l1.delete(namespace, id);
    this.#guard.key(namespace, id);
    return this.#shared(this.l2.expire(namespace, id), () => this.#bus.keys([[namespace, id]]));
  }

  /** Drop several entries from both tiers; answers how many live entries L2 held. */
  deleteMany(keys: readonly EntryKey[]): Promise<number> {
    if (this.#closed) return Promise.reject(this.#closedError('deleteMany'));
    if (keys.length === 0) return Promise.resolve(0);
    this.#bus.start();
    for (const [namespace, id] of keys) {
      this.l1.delete(namespace, id);
      this.#guard.key(namespace, id);
    }
    return this.#shared(this.l2.deleteMany(keys), () => this.#bus.keys(keys));
  }

  /** Drop a namespace from both tiers (O(1) in each). */
  deleteNamespace(namespace: string): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closedError('deleteNamespace'));
    this.#bus.start();
    this.l1.deleteNamespace(namespace);
    this.#guard.namespace(namespace);
    return this.#shared(this.l2.deleteNamespace(namespace), () => this.#bus.namespace(namespace));
  }

  /** Drop the entries carrying one of `tags` from both tiers (L1 copies promoted from L2 carry their tags too). */
  invalidateTags(tags: readonly string[]): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closedError('invalidateTags'));
    if (tags.length === 0) return Promise.resolve();
    this.#bus.start();
    this.l1.invalidateTags(tags);
    this.#guard.tags(tags);
    return this.#shared(this.l2.invalidateTags(tags), () => this.#bus.tags(tags));
  }

  /** Drop everything from both tiers, and from every other process's L1. */
  clear(): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closedError('clear'));
    this.#bus.start();
    this.l1.clear();
    this.#guard.all();
    return this.#shared(this.l2.clear(), () => this.#bus.all());
  }

  /**
   * Track an L2 operation: once it settles (either way: a timed-out write may still have landed),
   * publish its invalidation; on failure run `failed` first.
   */
  #shared<T>(operation: Promise<T>, publish: () => void, failed?: () => void): Promise<T> {
    const tracked = operation.then(
      (result) => {
        this.#l2Failing = false;
        publish();
        return result;
      },
      (error: unknown) => {
        failed?.();
        publish();
        throw error;
      },
    );
    this.#inFlight.add(tracked);
    const forget = (): void => {
      this.#inFlight.delete(tracked);
    };
    tracked.then(forget, forget);
    return tracked;
  }

  /** Another process invalidated something: drop it from L1. */
  #apply(invalidation: Invalidation): void {
    if (this.#closed) return;
    if (invalidation.all) {
      this.l1.clear();
      this.#guard.all();
      return;
    }
    for (const namespace of invalidation.namespaces) {
      this.l1.deleteNamespace(namespace);
      this.#guard.namespace(namespace);
    }
    if (invalidation.tags.length > 0) {
      this.l1.invalidateTags(invalidation.tags);
      this.#guard.tags(invalidation.tags);
    }
    for (const [namespace, id] of invalidation.keys) {
      this.l1.delete(namespace, id);
      this.#guard.key(namespace, id);
    }
  }

  // --- health and lifecycle -----------------------------------------------------------------

  /** `ok` when L2 answers (L1 and the bus are reported in `details`). */
  async health(): Promise<StoreHealth> {
    if (!this.#closed) this.#bus.start();
    const l2 = await this.l2.health();
    const details: Record<string, string | number | boolean> = {
      l1Entries: this.l1.size,
      l1MaxEntries: this.l1.maxEntries,
      bus: this.#bus.state,
      channel: this.channel,
    };
    const busError = this.#bus.state === 'up' ? undefined : this.#bus.lastError;
    if (busError !== undefined) details['busLastError'] = busError;
    for (const [key, value] of Object.entries(l2.details ?? {})) details[`l2${key[0]?.toUpperCase() ?? ''}${key.slice(1)}`] = value;
    if (this.#closed) return { ok: false, store: this.name, error: 'the store is closed', details };
    return {
      ok: l2.ok,
      store: this.name,
      ...(l2.latencyMs !== undefined ? { latencyMs: l2.latencyMs } : {}),
      ...(l2.error !== undefined ? { error: l2.error } : {}),
      details,
    };
  }

  /**
   * Wait for the L2 operations in flight (so that their invalidations are published), then close
   * the bus, L1 and L2. Later operations reject with `CacheClosedError`. Idempotent.
   */
  close(): Promise<void> {
    return (this.#closing ??= this.#close());
  }

  async #close(): Promise<void> {
    this.#closed = true;
    this.#busUp = false;
    await Promise.allSettled([...this.#inFlight]);
    await this.#bus.close();
    await this.l1.close();
    await this.l2.close();
  }

  #closedError(operation: string): CacheClosedError {
    return new CacheClosedError(`tiered store "${this.name}" is closed; ${operation}() is not possible. Create a new store.`);
  }
}
