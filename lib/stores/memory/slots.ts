import type { Owner } from './scopes.js';

/**
 * What an entry written with windows or a load duration keeps besides its slot: the end of its
 * freshness (the slot's `expiresAt` is then the end of its last window, when it is freed).
 */
export interface SlotWindows {
  /** End of freshness (`Date.now()` clock). */
  readonly freshUntil: number;
  /** The stale window after `freshUntil`, ms. */
  readonly staleMs: number;
  /** The grace window after the stale one, ms. */
  readonly graceMs: number;
  /** How long the value's load took, when recorded. */
  readonly loadMs: number | undefined;
}

/** "No slot": the end of a list, or an empty one. */
export const NO_SLOT = -1;

const INITIAL_CAPACITY = 16;
/** Slot numbers live in Int32Arrays. */
const MAX_CAPACITY = 2 ** 31 - 1;

/**
 * The entries of a memory store as parallel arrays indexed by slot number (a struct of arrays,
 * as in lru-cache), with the recency order as a doubly linked list of slot numbers.
 *
 * Why not one object per entry: on 64-bit Node an object costs a 24-byte header plus 8 bytes per
 * field and its expiry a 16-byte boxed double, about 90 bytes per entry for bookkeeping; here it
 * is 40 (id, value, owner: 8 each; expiry 8; two 4-byte links). Links being integers in typed
 * arrays also spares the garbage collector the pointer writes of a linked list of objects.
 *
 * Capacity grows by doubling up to the store's bound; freed slots are reused (a free list
 * threaded through `newer`). A freed slot's references are cleared at once.
 */
export class SlotTable {
  /** Id of each slot's entry within its namespace. */
  ids!: Array<string | undefined>;
  /** Value of each slot's entry, by reference. */
  values!: unknown[];
  /** Namespace (and tags) of each slot's entry. */
  owners!: Array<Owner | undefined>;
  /**
   * When each slot's entry is freed (`Date.now()` clock), `Infinity` = never: its TTL's end, or
   * for an entry with {@link windows}, the end of its last window.
   */
  expiresAt!: Float64Array;
  /**
   * The windows of the slots whose entries have them, by slot. A map rather than one more
   * parallel array: most stores have none, and then an entry pays nothing for them.
   */
  readonly windows = new Map<number, SlotWindows>();
  /** Entries held. */
  size = 0;
  /** Most recently used slot. */
  newest = NO_SLOT;
  /** Least recently used slot: the next to evict. */
  oldest = NO_SLOT;

  readonly #maxSlots: number;
  #newer!: Int32Array;
  #older!: Int32Array;
  /** Slots handed out at least once; those below are either held or on the free list. */
  #used = 0;
  #free = NO_SLOT;
  /** Next slot the sweep inspects; walks oldest to newest, then wraps. */
  #cursor = NO_SLOT;

  /** @param maxSlots - the store's bound: capacity never grows past it */
  constructor(maxSlots: number) {
    this.#maxSlots = Math.min(maxSlots, MAX_CAPACITY);
    this.#allocate(Math.min(this.#maxSlots, INITIAL_CAPACITY));
  }

  /** The slot used less recently than `slot` was, or {@link NO_SLOT}. */
  newerThan(slot: number): number {
    return this.#newer[slot] as number;
  }

  /**
   * A free slot filled with an entry and linked as the most recently used. The caller keeps the
   * table within its bound (evicting first when full).
   */
  add(id: string, value: unknown, owner: Owner, expiresAt: number): number {
    let slot = this.#free;
    if (slot !== NO_SLOT) {
      this.#free = this.#newer[slot] as number;
    } else {
      slot = this.#used++;
      if (slot === this.expiresAt.length) this.#grow();
    }
    this.ids[slot] = id;
    this.values[slot] = value;
    this.owners[slot] = owner;
    this.expiresAt[slot] = expiresAt;
    this.#linkNewest(slot);
    this.size++;
    return slot;
  }

  /** Make `slot` the most recently used. */
  touch(slot: number): void {
    if (slot === this.newest) return;
    this.#unlink(slot);
    this.#linkNewest(slot);
  }

  /** Empty `slot` (dropping its references) and put it on the free list. */
  remove(slot: number): void {
    this.#unlink(slot);
    this.ids[slot] = undefined;
    this.values[slot] = undefined;
    this.owners[slot] = undefined;
    if (this.windows.size !== 0) this.windows.delete(slot);
    this.#newer[slot] = this.#free;
    this.#free = slot;
    this.size--;
  }

  /** The slot the sweep inspects next (advancing the cursor, wrapping at the newest end). */
  nextToSweep(): number {
    const slot = this.#cursor === NO_SLOT ? this.oldest : this.#cursor;
    if (slot !== NO_SLOT) this.#cursor = this.#newer[slot] as number;
    return slot;
  }

  /**
   * Empty every slot and give the memory back, down to the initial capacity (or none, for a
   * closed store). Fresh arrays rather than emptied ones: the old ones, long-lived by then, would
   * make every later write of a young value an old-to-new pointer the garbage collector tracks.
   */
  clear(capacity = INITIAL_CAPACITY): void {
    this.#allocate(Math.min(this.#maxSlots, capacity));
    this.windows.clear();
    this.size = 0;
    this.#used = 0;
    this.#free = this.newest = this.oldest = this.#cursor = NO_SLOT;
  }

  /** Fresh, empty arrays of `capacity` slots. */
  #allocate(capacity: number): void {
    // Every array is sized like the typed ones (not grown by appending, which leaves up to half
    // of a large backing store unused): at the bound, no slack at all.
    this.ids = new Array<string | undefined>(capacity);
    this.values = new Array<unknown>(capacity);
    this.owners = new Array<Owner | undefined>(capacity);
    this.expiresAt = new Float64Array(capacity);
    this.#newer = new Int32Array(capacity);
    this.#older = new Int32Array(capacity);
  }

  #linkNewest(slot: number): void {
    const newest = this.newest;
    this.#older[slot] = newest;
    this.#newer[slot] = NO_SLOT;
    if (newest === NO_SLOT) this.oldest = slot;
    else this.#newer[newest] = slot;
    this.newest = slot;
  }

  #unlink(slot: number): void {
    const newer = this.#newer[slot] as number;
    const older = this.#older[slot] as number;
    if (slot === this.#cursor) this.#cursor = newer;
    if (newer === NO_SLOT) this.newest = older;
    else this.#older[newer] = older;
    if (older === NO_SLOT) this.oldest = newer;
    else this.#newer[older] = newer;
  }

  #grow(): void {
    const capacity = Math.min(this.#maxSlots, Math.max(INITIAL_CAPACITY, this.expiresAt.length * 2));
    this.ids = grownArray(this.ids, capacity);
    this.values = grownArray(this.values, capacity);
    this.owners = grownArray(this.owners, capacity);
    this.expiresAt = grown(this.expiresAt, new Float64Array(capacity));
    this.#newer = grown(this.#newer, new Int32Array(capacity));
    this.#older = grown(this.#older, new Int32Array(capacity));
  }
}

function grownArray<T>(from: readonly T[], capacity: number): T[] {
  const to = new Array<T>(capacity);
  for (let i = 0; i < from.length; i++) to[i] = from[i] as T;
  return to;
}

function grown<T extends Float64Array | Int32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
