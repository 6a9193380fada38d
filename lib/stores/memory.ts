/**
 * The in-process store: bounded, frequency-aware by default (W-TinyLFU, see `memory/tinylfu.ts`;
 * `policy: 'lru'` for plain LRU), answering every call synchronously, so a cache hit does no
 * promise work.
 *
 * Layout: each namespace's live scope maps ids to slots of a {@link SlotTable} (parallel arrays
 * plus recency lists of slot numbers). A hit is two map lookups (the namespace's, on a string
 * whose hash V8 keeps, then the id's), a few integer writes and one small `{ value, expiresAt }`
 * answer. Dead entries (past their last window, namespace
 * cleared, tag invalidated) are never returned and are freed without a timer: on access, by a
 * two-step sweep on every `set`, by eviction, or by {@link MemoryStore.purgeExpired}. An entry in
 * its stale or grace window is live: it counts against the bound until its last window ends. Hits and
 * writes read a clock cached for about a millisecond (see `memory/clock.ts`), so TTLs are
 * honoured to about a millisecond.
 *
 * Evictions (see {@link Store.onEvict}): while its Cache listens, the store reports each entry it
 * drops on its own, after the operation that dropped it (never in the middle of one):
 * - `capacity`: pushed out by `maxEntries` or `maxSize`, the policy's choice (W-TinyLFU's
 *   rejected candidates included);
 * - `expired` / `idle`: found dead on a lookup, by the sweep of writes, by
 *   {@link MemoryStore.purgeExpired}, or when the policy or a write meets it (past its last window,
 *   or not read for `timeToIdle`; whichever came first);
 * - `invalidated`: its namespace or a tag was invalidated. Those drops are lazy, so the entry is
 *   reported when it is reclaimed (as for `expired`), not at invalidation time; `clear()` drops
 *   eagerly and reports every entry it held at once;
 * - `replaced`: a write of the same key (including one refused as too large) took its place.
 *
 * An entry already dead (expired, idle, invalidated) when the policy or a write meets it is
 * reported with the cause that killed it. `delete` and `expire` by the application are not
 * evictions.
 */
import { brandPrototype, MEMORY_STORE_BRAND } from '../core/brands.js';
import { CacheClosedError, InvalidOptionError, InvalidTtlError } from '../core/errors.js';
import { type MemoryStoreOptions, type MemoryStorePolicy, resolveMemoryStoreOptions } from './memory/options.js';
import { coarseNow } from './memory/clock.js';
import { NamespaceRegistry, NamespaceScope, TagRegistry, TaggedOwner, type Owner } from './memory/scopes.js';
import { hashString, newHashSeed } from './memory/sketch.js';
import { NO_SLOT, SlotTable } from './memory/slots.js';
import { TINYLFU_LISTS, WINDOW, WTinyLfu } from './memory/tinylfu.js';
import {
  invalidWindow,
  joinKey,
  type EntryKey,
  type EvictionCause,
  type Store,
  type StoredEntry,
  type StoreEviction,
  type StoreEvictionListener,
  type StoreHealth,
  type StoreNotice,
  type StoreSetOptions,
  type StoreWrite,
  type TooLargeNotice,
  type ValueSharing,
} from './store.js';

export { DEFAULT_MAX_ENTRIES, DEFAULT_POLICY, type MemoryStoreOptions, type MemoryStorePolicy } from './memory/options.js';

/** The bound W-TinyLFU starts with in a store bounded by size alone (it follows the entries held). */
const SIZE_ONLY_START = 256;

/**
 * A store bounded by size alone holds as many entries as their sizes allow: size its W-TinyLFU
 * policy for the `held` entries, growing by steps of a quarter while the store fills, and
 * shrinking when a write that had to evict for size leaves a fifth fewer than it is sized for.
 */
function fitToHeld(tinylfu: WTinyLfu, held: number, evicted: boolean): void {
  const maximum = tinylfu.maximum;
  if (held > maximum) tinylfu.resize(Math.max(held, Math.ceil(maximum * 1.25)));
  else if (evicted && held < maximum * 0.8) tinylfu.resize(held);
}

/**
 * Slots the sweep inspects per `set`. Two per write outpaces the at most one entry a write adds,
 * so the cursor laps the whole list and every dead entry is reclaimed within O(size) writes.
 */
const SWEEP_STEPS = 2;

/** Counters of a {@link MemoryStore}, for monitoring and tests. */
export interface MemoryStoreStats {
  /** Entries held, dead ones not yet reclaimed included (same as {@link MemoryStore.size}). */
  readonly entries: number;
  /** The entry bound; `Infinity` when `maxSize` alone bounds the store. */
  readonly maxEntries: number;
  /** Namespace states tracked: at most one per namespace with held entries. */
  readonly namespaces: number;
  /** Tag states tracked: at most one per tag carried by held entries. */
  readonly tags: number;
  /** Entries pushed out by the bound since creation. */
  readonly evictions: number;
  /** Dead entries freed by the sweep or {@link MemoryStore.purgeExpired} since creation. */
  readonly reclaimed: number;
  /** Total size of the values held, by `sizeOf` (0 without a size bound). */
  readonly totalSize: number;
  /** The size bound (`maxSize`); `Infinity` when none. */
  readonly maxSize: number;
  /** Values refused as larger than `maxEntrySize` (or `maxSize`) since creation. */
  readonly tooLarge: number;
}

/** Internals a test may fix; not exported from the package, and not needed otherwise. */
export interface MemoryStoreInternals {
  /** The seed of the key hashes, instead of a random one. */
  readonly hashSeed?: number;
}

/** The in-process {@link Store}. Create it with {@link memoryStore}. */
export class MemoryStore implements Store {
  static {
    // Recognised by tieredStore across the package's ESM and CommonJS builds (see brands.ts).
    brandPrototype(this.prototype, MEMORY_STORE_BRAND);
  }

  /** Name for logs and health output. */
  readonly name: string;
  /** Always `true`: `get` returns the very object given to `set`. */
  readonly sharesReferences = true;
  /** Most entries held at once; `Infinity` when `maxSize` alone bounds the store. */
  readonly maxEntries: number;
  /** Which entry leaves when the store is full (see {@link MemoryStoreOptions.policy}). */
  readonly policy: MemoryStorePolicy;
  /** {@link MemoryStoreOptions.timeToIdle} in ms; `0` when entries do not expire for idleness. */
  readonly timeToIdleMs: number;
  /** The bound on the total size of values (see {@link MemoryStoreOptions.maxSize}); `Infinity` = none. */
  readonly maxSize: number;
  /** The largest value kept, the lower of `maxEntrySize` and `maxSize`; `Infinity` = none. */
  readonly maxEntrySize: number;

  readonly #slots: SlotTable;
  readonly #namespaces = new NamespaceRegistry();
  readonly #tags = new TagRegistry();
  /** The W-TinyLFU state, or `undefined` under `policy: 'lru'`. */
  readonly #tinylfu: WTinyLfu | undefined;
  /** Seed of the key hashes (W-TinyLFU). */
  readonly #hashSeed: number;
  /** The last namespace written and its hash (the seed of its ids' hashes): most writes repeat it. */
  #hashedNamespace: string | undefined;
  #namespaceHash = 0;
  readonly #sizeOf: ((value: unknown, key: string) => number) | undefined;
  /** The plain form of a stored value, for `sizeOf` (see {@link bindValues}). */
  #plain: ((stored: unknown) => unknown) | undefined;
  #closed = false;
  #evictions = 0;
  #reclaimed = 0;
  #tooLarge = 0;
  #totalSize = 0;
  /** Where drops are reported, while the owning Cache listens (see {@link Store.onEvict}). */
  #evictListener: StoreEvictionListener | undefined;
  /** Drops of the operation under way, reported at its end. */
  #pendingEvictions: StoreEviction[] = [];
  readonly #noticeListeners: Array<(notice: StoreNotice) => void> = [];
  #pendingNotices: TooLargeNotice[] = [];

  /**
   * @param options - see {@link MemoryStoreOptions}
   * @param internals - for tests only (see {@link MemoryStoreInternals})
   * @throws InvalidOptionError when an option is unknown or invalid
   */
  constructor(options?: MemoryStoreOptions, internals?: MemoryStoreInternals) {
    const resolved = resolveMemoryStoreOptions(options);
    this.name = resolved.name;
    this.maxEntries = resolved.maxEntries;
    this.policy = resolved.policy;
    this.timeToIdleMs = resolved.timeToIdleMs;
    this.maxSize = resolved.maxSize;
    this.maxEntrySize = resolved.maxEntrySize;
    this.#sizeOf = resolved.sizeOf;
    this.#hashSeed = internals?.hashSeed ?? newHashSeed();
    const extras = { accessedAt: this.timeToIdleMs !== 0, sizes: this.#sizeOf !== undefined };
    if (this.policy === 'lru') {
      this.#slots = new SlotTable(this.maxEntries, 1, extras);
      this.#tinylfu = undefined;
    } else {
      this.#slots = new SlotTable(this.maxEntries, TINYLFU_LISTS, extras);
      // Bounded by size alone, the policy is sized for the entries held, as they come and go.
      this.#tinylfu = new WTinyLfu(this.#slots, this.maxEntries === Infinity ? SIZE_ONLY_START : this.maxEntries, this.#hashSeed);
    }
  }

  /**
   * The seed of this store's key hashes, drawn per store from a per-process random value.
   *
   * @internal
   */
  get hashSeed(): number {
    return this.#hashSeed;
  }

  /**
   * The W-TinyLFU state (window bound, sketch), `undefined` under `policy: 'lru'`.
   *
   * @internal
   */
  get tinylfu(): WTinyLfu | undefined {
    return this.#tinylfu;
  }

  /** Entries held, including dead ones not reclaimed yet. Never above {@link maxEntries}. */
  get size(): number {
    return this.#slots.size;
  }

  /** Current counters; the namespace/tag counts show the scope maps do not grow unbounded. */
  get stats(): MemoryStoreStats {
    return {
      entries: this.#slots.size,
      maxEntries: this.maxEntries,
      namespaces: this.#namespaces.size,
      tags: this.#tags.size,
      evictions: this.#evictions,
      reclaimed: this.#reclaimed,
      totalSize: this.#totalSize,
      maxSize: this.maxSize,
      tooLarge: this.#tooLarge,
    };
  }

  /**
   * The live entry `id` of `namespace` (its value by reference), refreshed as most recently used
   * (and, under W-TinyLFU, counted).
   *
   * @throws CacheClosedError after {@link close}
   */
  get(namespace: string, id: string): StoredEntry | undefined {
    if (this.#closed) throw this.#closedError('get');
    const scope = this.#namespaces.find(namespace);
    if (scope === undefined) return this.#miss();
    const slot = scope.slots.get(id);
    if (slot === undefined) return this.#miss();
    const slots = this.#slots;
    const expiresAt = slots.expiresAt[slot] as number;
    // Infinity skips the clock read; an untagged entry's owner is its (live) namespace itself.
    const owner = slots.owners[slot];
    if ((expiresAt !== Infinity && expiresAt <= coarseNow()) || (owner !== scope && (owner as Owner).isDead())) {
      this.#reclaim(slot, coarseNow());
      return this.#missAfterDrop();
    }
    // Without a time-to-idle, one field check.
    const idleMs = this.timeToIdleMs;
    if (idleMs !== 0) {
      const now = coarseNow();
      if ((slots.accessedAt[slot] as number) + idleMs <= now) {
        this.#reclaim(slot, now);
        return this.#missAfterDrop();
      }
      slots.accessedAt[slot] = now;
    }
    const tinylfu = this.#tinylfu;
    if (tinylfu === undefined) slots.touch(slot);
    else tinylfu.onHit(slot);
    // Entries with windows are rare: a store without any pays one size check.
    const windows = slots.windows.size === 0 ? undefined : slots.windows.get(slot);
    if (windows === undefined) return { value: slots.values[slot], expiresAt };
    return { value: slots.values[slot], expiresAt: windows.freshUntil, staleMs: windows.staleMs, graceMs: windows.graceMs, loadMs: windows.loadMs };
  }

  /** {@link get} for each key, in order. */
  getMany(keys: readonly EntryKey[]): Array<StoredEntry | undefined> {
    return keys.map(([namespace, id]) => this.get(namespace, id));
  }

  /**
   * Store `value` by reference as entry `id` of `namespace`, the most recently used one,
   * evicting an entry past the bound (see {@link MemoryStoreOptions.policy}).
   *
   * @throws InvalidTtlError when `options.ttlMs` is not a number `> 0`
   * @throws CacheClosedError after {@link close}
   */
  set(namespace: string, id: string, value: unknown, options: StoreSetOptions): void {
    if (this.#closed) throw this.#closedError('set');
    checkWrite(namespace, id, options);
    this.#write(namespace, id, value, options, this.#sizeOf === undefined ? 0 : this.#measure(namespace, id, value));
    this.#report();
  }

  /**
   * Several {@link set}s. Every TTL is checked before the first write, so a bad one writes nothing.
   *
   * @throws InvalidTtlError when one of the TTLs is not a number `> 0`
   */
  setMany(writes: readonly StoreWrite[]): void {
    if (this.#closed) throw this.#closedError('setMany');
    for (const write of writes) checkWrite(write.namespace, write.id, write);
    const sizes = this.#sizeOf === undefined ? undefined : writes.map((write) => this.#measure(write.namespace, write.id, write.value));
    writes.forEach((write, index) => this.#write(write.namespace, write.id, write.value, write, sizes === undefined ? 0 : (sizes[index] as number)));
    this.#report();
  }

  /** Remove entry `id` of `namespace`; `true` only when a live (not expired, not invalidated) entry was there. */
  delete(namespace: string, id: string): boolean {
    if (this.#closed) throw this.#closedError('delete');
    const slot = this.#namespaces.find(namespace)?.slots.get(id);
    if (slot === undefined) return false;
    const live = !this.#isDead(slot, Date.now());
    this.#remove(slot);
    return live;
  }

  /** {@link delete} for each key; answers how many live entries were removed. */
  deleteMany(keys: readonly EntryKey[]): number {
    let removed = 0;
    for (const [namespace, id] of keys) if (this.delete(namespace, id)) removed++;
    return removed;
  }

  /**
   * Make entry `id` of `namespace` stale now, its stale and grace windows starting again from now
   * (see {@link Store.expire}); an entry past its TTL stays as it is, one without windows is removed.
   * `true` when a live entry was there.
   */
  expire(namespace: string, id: string): boolean {
    if (this.#closed) throw this.#closedError('expire');
    const slot = this.#namespaces.find(namespace)?.slots.get(id);
    if (slot === undefined) return false;
    const now = coarseNow();
    if (this.#isDead(slot, now)) {
      this.#reclaim(slot, now);
      this.#report();
      return false;
    }
    const slots = this.#slots;
    const windows = slots.windows.get(slot);
    if (windows === undefined || windows.staleMs + windows.graceMs === 0) {
      this.#remove(slot);
      return true;
    }
    if (windows.freshUntil > now) {
      slots.windows.set(slot, { ...windows, freshUntil: now });
      slots.expiresAt[slot] = now + windows.staleMs + windows.graceMs;
    }
    return true;
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

  /** Drop every entry now (each reported as `invalidated`, or the cause of its death, while listened to). */
  clear(): void {
    if (this.#closed) throw this.#closedError('clear');
    if (this.#evictListener !== undefined) {
      const now = Date.now();
      for (let list = 0; list < this.#slots.lengths.length; list++) {
        for (let slot = this.#slots.oldest(list); slot !== NO_SLOT; slot = this.#slots.newerThan(slot)) this.#queue(slot, this.#deadCause(slot, now) ?? 'invalidated');
      }
    }
    this.#totalSize = 0;
    this.#slots.clear();
    this.#tinylfu?.clear();
    this.#namespaces.clear();
    this.#tags.clear();
    this.#report();
  }

  /**
   * Free every dead entry now (expired, or of a cleared namespace or invalidated tag). Not
   * needed for correctness: dead entries are never returned and the sweep frees them over time.
   *
   * @returns how many entries were freed
   */
  purgeExpired(): number {
    if (this.#closed) return 0;
    const now = Date.now();
    let freed = 0;
    for (let list = 0; list < this.#slots.lengths.length; list++) {
      for (let slot = this.#slots.oldest(list); slot !== NO_SLOT; ) {
        const next = this.#slots.newerThan(slot);
        if (this.#isDead(slot, now)) {
          this.#reclaim(slot, now);
          freed++;
        }
        slot = next;
      }
    }
    this.#reclaimed += freed;
    this.#report();
    return freed;
  }

  /** Always answers at once: `ok` until {@link close}, with entry counts in `details`. */
  async health(): Promise<StoreHealth> {
    const details = { entries: this.#slots.size, maxEntries: this.maxEntries };
    if (this.#closed) return { ok: false, store: this.name, error: 'the store is closed', details };
    return { ok: true, store: this.name, latencyMs: 0, details };
  }

  /** Free every entry; later calls other than `health`, `close` and `purgeExpired` throw. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#totalSize = 0;
    this.#pendingEvictions = [];
    this.#pendingNotices = [];
    this.#slots.clear(0);
    this.#tinylfu?.clear(0);
    this.#namespaces.clear();
    this.#tags.clear();
  }

  /**
   * Called by the owning Cache to receive {@link StoreNotice}s: here, values refused as too large
   * (`too-large`, see {@link MemoryStoreOptions.maxEntrySize}).
   */
  onNotice(listener: (notice: StoreNotice) => void): void {
    this.#noticeListeners.push(listener);
  }

  /**
   * Report each entry dropped on its own to `listener` from now on, or stop (`undefined`); see
   * {@link Store.onEvict} and the module comment for the causes. Reports are made synchronously,
   * after the operation that dropped the entries.
   */
  onEvict(listener: StoreEvictionListener | undefined): void {
    this.#evictListener = listener;
  }

  /**
   * Called by the owning Cache (or tiered store) with how it shares values: `sizeOf` is given the
   * plain value (not the Cache's copy-on-read box, nor a tiered store's entry around it).
   */
  bindValues(values: ValueSharing): void {
    this.#plain = values.plain;
  }

  /** The size of a value about to be written, checked. */
  #measure(namespace: string, id: string, value: unknown): number {
    const key = joinKey(namespace, id);
    const plain = this.#plain;
    const size: unknown = (this.#sizeOf as (value: unknown, key: string) => number)(plain === undefined ? value : plain(value), key);
    if (typeof size !== 'number' || !(size >= 0) || size === Infinity) {
      throw new InvalidOptionError(`memory store "${this.name}": sizeOf answered ${String(size)} for "${key}"; it must answer a finite number >= 0.`);
    }
    return size;
  }

  #write(namespace: string, id: string, value: unknown, options: StoreSetOptions, size: number): void {
    const slots = this.#slots;
    const now = coarseNow();
    // Sweep before inserting: a freed dead slot can spare a live entry from eviction.
    this.#sweep(now);
    let scope = this.#namespaces.find(namespace);
    const previous = scope?.slots.get(id);
    const previousCause = previous === undefined ? undefined : this.#deadCause(previous, now);
    // An overwrite of a live entry: for the policy, a request the store held.
    const held = previous !== undefined && previousCause === undefined;
    if (previous !== undefined) {
      if (this.#evictListener !== undefined) this.#queue(previous, previousCause ?? 'replaced');
      this.#remove(previous);
    }
    if (size > this.maxEntrySize) {
      // Refused: what the key held is gone all the same (a later read must not answer it).
      this.#tooLarge++;
      if (this.#noticeListeners.length !== 0) {
        const key = joinKey(namespace, id);
        const error = new RangeError(`memory store "${this.name}" did not keep "${key}": its size ${size} is above ${this.maxEntrySize}`);
        this.#pendingNotices.push({ type: 'too-large', key, size, limit: this.maxEntrySize, error });
      }
      return;
    }
    const tinylfu = this.#tinylfu;
    let hash = 0;
    if (tinylfu !== undefined) {
      // Namespace and id both: the same id in two namespaces is two keys.
      if (namespace !== this.#hashedNamespace) {
        this.#hashedNamespace = namespace;
        this.#namespaceHash = hashString(namespace, this.#hashSeed);
      }
      hash = hashString(id, this.#namespaceHash);
      tinylfu.onWrite(hash, held);
    }
    if (slots.size >= this.maxEntries) this.#evictOne(now);
    let evictedForSize = false;
    while (size !== 0 && this.#totalSize + size > this.maxSize && slots.size !== 0) {
      this.#evictOne(now);
      evictedForSize = true;
    }
    if (tinylfu !== undefined && this.maxEntries === Infinity) fitToHeld(tinylfu, slots.size + 1, evictedForSize);
    // The removals may have emptied (and so forgotten) the namespace.
    if (scope === undefined || scope.slots.size === 0) scope = this.#namespaces.acquire(namespace);
    const tags = this.#tags.acquireAll(options.tags);
    const owner: Owner = tags === undefined ? scope : new TaggedOwner(scope, tags);
    const freshUntil = now + options.ttlMs;
    const staleMs = options.staleMs ?? 0;
    const graceMs = options.graceMs ?? 0;
    const slot = slots.add(id, value, owner, freshUntil + staleMs + graceMs, WINDOW, hash);
    if (this.timeToIdleMs !== 0) slots.accessedAt[slot] = now;
    if (this.#sizeOf !== undefined) {
      slots.sizes[slot] = size;
      this.#totalSize += size;
    }
    tinylfu?.afterAdd();
    if (staleMs !== 0 || graceMs !== 0 || options.loadMs !== undefined) slots.windows.set(slot, { freshUntil, staleMs, graceMs, loadMs: options.loadMs });
    scope.slots.set(id, slot);
  }

  /** Inspect the next {@link SWEEP_STEPS} slots of the sweep; free the dead ones. */
  #sweep(now: number): void {
    const slots = this.#slots;
    for (let step = 0; step < SWEEP_STEPS; step++) {
      const slot = slots.nextToSweep();
      if (slot === NO_SLOT) return;
      if (this.#isDead(slot, now)) {
        this.#reclaim(slot, now);
        this.#reclaimed++;
      }
    }
  }

  /** Free the slot the policy picks, for the bound. */
  #evictOne(now: number): void {
    const slot = this.#tinylfu === undefined ? this.#slots.oldest() : this.#tinylfu.victim();
    if (this.#evictListener !== undefined) this.#queue(slot, this.#deadCause(slot, now) ?? 'capacity');
    this.#remove(slot);
    this.#evictions++;
  }

  /** Free a dead slot, reporting why it died. */
  #reclaim(slot: number, now: number): void {
    if (this.#evictListener !== undefined) this.#queue(slot, this.#deadCause(slot, now) ?? 'expired');
    this.#remove(slot);
  }

  /** Why a held slot's entry is dead (invalidated first, then whichever of TTL and idleness ended first), or `undefined` when live. */
  #deadCause(slot: number, now: number): EvictionCause | undefined {
    const slots = this.#slots;
    if ((slots.owners[slot] as Owner).isDead()) return 'invalidated';
    const expiresAt = slots.expiresAt[slot] as number;
    const idleAt = this.timeToIdleMs === 0 ? Infinity : (slots.accessedAt[slot] as number) + this.timeToIdleMs;
    if (idleAt <= now && idleAt < expiresAt) return 'idle';
    return expiresAt <= now ? 'expired' : undefined;
  }

  /** Remember a drop, to report at the end of the operation (the slot is still held). */
  #queue(slot: number, cause: EvictionCause): void {
    const slots = this.#slots;
    const key = joinKey((slots.owners[slot] as Owner).namespaceScope().name, slots.ids[slot] as string);
    this.#pendingEvictions.push({ key, cause });
  }

  /** Report the drops and notices of the operation that ends. */
  #report(): void {
    if (this.#pendingEvictions.length !== 0) {
      const evictions = this.#pendingEvictions;
      this.#pendingEvictions = [];
      for (const eviction of evictions) this.#evictListener?.(eviction);
    }
    if (this.#pendingNotices.length !== 0) {
      const notices = this.#pendingNotices;
      this.#pendingNotices = [];
      for (const notice of notices) for (const listener of this.#noticeListeners) listener(notice);
    }
  }

  /** A lookup that dropped a dead entry found nothing live. */
  #missAfterDrop(): undefined {
    this.#report();
    return this.#miss();
  }

  /** A lookup found nothing live: W-TinyLFU's window sizing counts it. */
  #miss(): undefined {
    this.#tinylfu?.onMiss();
    return undefined;
  }

  #isDead(slot: number, now: number): boolean {
    const slots = this.#slots;
    return (
      (slots.expiresAt[slot] as number) <= now ||
      (slots.owners[slot] as Owner).isDead() ||
      (this.timeToIdleMs !== 0 && (slots.accessedAt[slot] as number) + this.timeToIdleMs <= now)
    );
  }

  /** Unindex, release and free a held slot. */
  #remove(slot: number): void {
    const slots = this.#slots;
    const owner = slots.owners[slot] as Owner;
    const scope = owner.namespaceScope();
    scope.slots.delete(slots.ids[slot] as string);
    const tags = owner.heldTags();
    if (tags !== undefined) this.#tags.releaseAll(tags);
    if (this.#sizeOf !== undefined) this.#totalSize -= slots.sizes[slot] as number;
    slots.remove(slot);
    this.#namespaces.releaseIfEmpty(scope);
  }

  #closedError(operation: string): CacheClosedError {
    return new CacheClosedError(`memory store "${this.name}" is closed; ${operation}() is not possible. Create a new store.`);
  }
}

/**
 * Create an in-process, bounded store (W-TinyLFU eviction by default, or LRU).
 *
 * @param options - see {@link MemoryStoreOptions}; defaults: `maxEntries` 10_000, `name` `'memory'`, `policy` `'tinylfu'`,
 *   no `timeToIdle`, no `maxSize` / `maxEntrySize`
 * @throws InvalidOptionError when an option is unknown or invalid
 * @throws InvalidTtlError when `timeToIdle` is not a duration `> 0`
 *
 * @example
 * ```ts
 * registerCache(createCache({ store: memoryStore({ maxEntries: 10_000 }), ttl: '5m' }));
 * ```
 */
export function memoryStore(options?: MemoryStoreOptions): MemoryStore {
  return new MemoryStore(options);
}

function checkWrite(namespace: string, id: string, options: StoreSetOptions): void {
  checkTtl(namespace, id, options.ttlMs);
  const invalid = invalidWindow(options);
  if (invalid !== undefined) {
    throw new InvalidTtlError(`memory store set of "${joinKey(namespace, id)}": ${invalid[0]} is ${String(invalid[1])}; give a finite number of milliseconds >= 0, or leave it out.`);
  }
}

function checkTtl(namespace: string, id: string, ttlMs: unknown): void {
  if (typeof ttlMs !== 'number' || !(ttlMs > 0)) {
    throw new InvalidTtlError(
      `memory store set of "${joinKey(namespace, id)}": ttlMs is ${String(ttlMs)}; give a number of milliseconds > 0 (fractions and Infinity allowed).`,
    );
  }
}
