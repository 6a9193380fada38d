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
 * as in lru-cache), with the recency orders as doubly linked lists of slot numbers.
 *
 * Why not one object per entry: on 64-bit Node an object costs a 24-byte header plus 8 bytes per
 * field and its expiry a 16-byte boxed double, about 90 bytes per entry for bookkeeping; here it
 * is 40 (id, value, owner: 8 each; expiry 8; two 4-byte links). Links being integers in typed
 * arrays also spares the garbage collector the pointer writes of a linked list of objects.
 *
 * The table hosts one recency list (the LRU policy) or several (W-TinyLFU: window, probation,
 * protected), each from its oldest slot to its newest; a slot is on exactly one of them. With
 * several lists it also keeps each slot's list number (1 byte) and its key's hash (4 bytes, for
 * the frequency sketch).
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
  /** The hash of each slot's key, kept with several lists only (empty otherwise). */
  hashes!: Int32Array;
  /** The list each slot is on, kept with several lists only (empty otherwise). */
  listOf!: Uint8Array;
  /**
   * When each slot's entry was last written or read (`Date.now()` clock), kept only for a store
   * with a time-to-idle (empty otherwise: a store without one pays nothing for it).
   */
  accessedAt!: Float64Array;
  /** The size of each slot's value, kept only for a store with a size bound (empty otherwise). */
  sizes!: Float64Array;
  /**
   * The windows of the slots whose entries have them, by slot. A map rather than one more
   * parallel array: most stores have none, and then an entry pays nothing for them.
   */
  readonly windows = new Map<number, SlotWindows>();
  /** Entries held. */
  size = 0;
  /** Slots on each list. */
  readonly lengths: Int32Array;

  readonly #maxSlots: number;
  readonly #lists: number;
  readonly #tracksAccess: boolean;
  readonly #tracksSize: boolean;
  /** Capacity, in slots. */
  #capacity = 0;
  #newer!: Int32Array;
  #older!: Int32Array;
  /** Newest slot of each list. */
  readonly #newest: Int32Array;
  /** Oldest slot of each list: the next to evict from it. */
  readonly #oldest: Int32Array;
  /** Slots handed out at least once; those below are either held or on the free list. */
  #used = 0;
  #free = NO_SLOT;
  /** Next slot the sweep inspects; walks each list oldest to newest, then the next list. */
  #cursor = NO_SLOT;
  #cursorList = 0;
  /** Called with the new capacity after the table grew. */
  onGrow: ((capacity: number) => void) | undefined;

  /**
   * @param maxSlots - the store's bound: capacity never grows past it
   * @param lists - how many recency lists (1 to 255); with more than one, hashes and list numbers are kept
   * @param extras - which optional per-slot arrays to keep: {@link accessedAt}, {@link sizes}
   */
  constructor(maxSlots: number, lists = 1, extras?: { readonly accessedAt?: boolean; readonly sizes?: boolean }) {
    this.#maxSlots = Math.min(maxSlots, MAX_CAPACITY);
    this.#lists = lists;
    this.#tracksAccess = extras?.accessedAt === true;
    this.#tracksSize = extras?.sizes === true;
    this.lengths = new Int32Array(lists);
    this.#newest = new Int32Array(lists).fill(NO_SLOT);
    this.#oldest = new Int32Array(lists).fill(NO_SLOT);
    this.#allocate(Math.min(this.#maxSlots, INITIAL_CAPACITY));
  }

  /** Least recently used slot of `list` (the first to evict from it), or {@link NO_SLOT}. */
  oldest(list = 0): number {
    return this.#oldest[list] as number;
  }

  /** Most recently used slot of `list`, or {@link NO_SLOT}. */
  newest(list = 0): number {
    return this.#newest[list] as number;
  }

  /** The slot used next after `slot` on its list, or {@link NO_SLOT}. */
  newerThan(slot: number): number {
    return this.#newer[slot] as number;
  }

  /**
   * A free slot filled with an entry and linked as the most recently used of `list`. The caller
   * keeps the table within its bound (evicting first when full).
   */
  add(id: string, value: unknown, owner: Owner, expiresAt: number, list = 0, hash = 0): number {
    let slot = this.#free;
    if (slot !== NO_SLOT) {
      this.#free = this.#newer[slot] as number;
    } else {
      slot = this.#used++;
      if (slot === this.#capacity) this.#grow();
    }
    this.ids[slot] = id;
    this.values[slot] = value;
    this.owners[slot] = owner;
    this.expiresAt[slot] = expiresAt;
    if (this.#lists > 1) {
      this.hashes[slot] = hash;
      this.listOf[slot] = list;
    }
    this.#link(slot, list);
    this.lengths[list] = (this.lengths[list] as number) + 1;
    this.size++;
    return slot;
  }

  /** Make `slot` the most recently used of its list. */
  touch(slot: number): void {
    const list = this.#lists === 1 ? 0 : (this.listOf[slot] as number);
    if (slot === this.#newest[list]) return;
    this.#unlink(slot, list);
    this.#link(slot, list);
  }

  /** Move `slot` to the newest end of `list`. */
  moveTo(slot: number, list: number): void {
    const from = this.listOf[slot] as number;
    this.#unlink(slot, from);
    this.lengths[from] = (this.lengths[from] as number) - 1;
    this.listOf[slot] = list;
    this.#link(slot, list);
    this.lengths[list] = (this.lengths[list] as number) + 1;
  }

  /** Empty `slot` (dropping its references) and put it on the free list. */
  remove(slot: number): void {
    const list = this.#lists === 1 ? 0 : (this.listOf[slot] as number);
    this.#unlink(slot, list);
    this.lengths[list] = (this.lengths[list] as number) - 1;
    this.ids[slot] = undefined;
    this.values[slot] = undefined;
    this.owners[slot] = undefined;
    if (this.windows.size !== 0) this.windows.delete(slot);
    this.#newer[slot] = this.#free;
    this.#free = slot;
    this.size--;
  }

  /** The slot the sweep inspects next (advancing the cursor, on to the next list at a list's newest end). */
  nextToSweep(): number {
    let slot = this.#cursor;
    if (slot === NO_SLOT) {
      for (let i = 0; i < this.#lists && slot === NO_SLOT; i++) {
        if (i !== 0 || this.#lists > 1) this.#cursorList = (this.#cursorList + 1) % this.#lists;
        slot = this.#oldest[this.#cursorList] as number;
      }
      if (slot === NO_SLOT) return NO_SLOT;
    }
    this.#cursor = this.#newer[slot] as number;
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
    this.#free = this.#cursor = NO_SLOT;
    this.#cursorList = 0;
    this.lengths.fill(0);
    this.#newest.fill(NO_SLOT);
    this.#oldest.fill(NO_SLOT);
  }

  /** Fresh, empty arrays of `capacity` slots. */
  #allocate(capacity: number): void {
    // Every array is sized like the typed ones (not grown by appending, which leaves up to half
    // of a large backing store unused): at the bound, no slack at all.
    this.#capacity = capacity;
    this.ids = new Array<string | undefined>(capacity);
    this.values = new Array<unknown>(capacity);
    this.owners = new Array<Owner | undefined>(capacity);
    this.expiresAt = new Float64Array(capacity);
    this.#newer = new Int32Array(capacity);
    this.#older = new Int32Array(capacity);
    const kept = this.#lists > 1 ? capacity : 0;
    this.hashes = new Int32Array(kept);
    this.listOf = new Uint8Array(kept);
    this.accessedAt = new Float64Array(this.#tracksAccess ? capacity : 0);
    this.sizes = new Float64Array(this.#tracksSize ? capacity : 0);
  }

  /** Link `slot` as the newest of `list` (its length and list number are the caller's). */
  #link(slot: number, list: number): void {
    const newest = this.#newest[list] as number;
    this.#older[slot] = newest;
    this.#newer[slot] = NO_SLOT;
    if (newest === NO_SLOT) this.#oldest[list] = slot;
    else this.#newer[newest] = slot;
    this.#newest[list] = slot;
  }

  /** Take `slot` out of `list` (its length is the caller's). */
  #unlink(slot: number, list: number): void {
    const newer = this.#newer[slot] as number;
    const older = this.#older[slot] as number;
    if (slot === this.#cursor) this.#cursor = newer;
    if (newer === NO_SLOT) this.#newest[list] = older;
    else this.#older[newer] = older;
    if (older === NO_SLOT) this.#oldest[list] = newer;
    else this.#newer[older] = newer;
  }

  #grow(): void {
    const capacity = Math.min(this.#maxSlots, Math.max(INITIAL_CAPACITY, this.#capacity * 2));
    this.#capacity = capacity;
    this.ids = grownArray(this.ids, capacity);
    this.values = grownArray(this.values, capacity);
    this.owners = grownArray(this.owners, capacity);
    this.expiresAt = grown(this.expiresAt, new Float64Array(capacity));
    this.#newer = grown(this.#newer, new Int32Array(capacity));
    this.#older = grown(this.#older, new Int32Array(capacity));
    if (this.#lists > 1) {
      this.hashes = grown(this.hashes, new Int32Array(capacity));
      this.listOf = grown(this.listOf, new Uint8Array(capacity));
    }
    if (this.#tracksAccess) this.accessedAt = grown(this.accessedAt, new Float64Array(capacity));
    if (this.#tracksSize) this.sizes = grown(this.sizes, new Float64Array(capacity));
    this.onGrow?.(capacity);
  }
}

function grownArray<T>(from: readonly T[], capacity: number): T[] {
  const to = new Array<T>(capacity);
  for (let i = 0; i < from.length; i++) to[i] = from[i] as T;
  return to;
}

function grown<T extends Float64Array | Int32Array | Uint8Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
