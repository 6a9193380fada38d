/**
 * A miniature LRU simulation for the W-TinyLFU window sizing (after Waldspurger et al., "Cache
 * Modeling and Optimization using Miniature Simulations", USENIX ATC 2017): the requests of a
 * spatially sampled share of the keys (one hash in `rate`) replayed against an LRU of
 * `bound / rate` entries, whose hit ratio estimates that of a full-size LRU, the same policy as a
 * window of 100% of the bound.
 *
 * Why: the density climber has no gradient on a workload of uniform stack distances (every split
 * of the bound has equal densities), where a large window wins by several points. Comparing the
 * store's hit ratio with this estimate, on the same sampled requests, tells when recency alone
 * would do better, so the window can grow toward LRU.
 *
 * Cost: a sampled request (one in `rate`) is a probe of an open-addressing table of the keys'
 * hashes and a list move; others are a mask test by the caller. Memory: about 20 bytes per
 * simulated entry, at most {@link MAX_ENTRIES} of them (at least a full simulation for small bounds).
 */

/** Most entries a simulation holds: the sampling rate grows with the bound beyond this. */
const MAX_ENTRIES = 1024;
const EMPTY = -1;

/** A sampled LRU over 32-bit key hashes; see the module comment. */
export class ShadowLru {
  /** Mask of the hash bits (above bit 16) that pick a sampled key: sampled when they are all zero. */
  readonly mask: number;
  /** The bound simulated. */
  readonly maximum: number;

  readonly #capacity: number;
  #size = 0;
  /** Per entry: its hash and its neighbours in recency order (index `capacity` is the head). */
  readonly #hashes: Int32Array;
  readonly #prev: Int32Array;
  readonly #next: Int32Array;
  /** Open addressing, linear probing: entry index or {@link EMPTY}. */
  readonly #table: Int32Array;
  readonly #tableMask: number;

  /** @param maximum - the bound of the cache simulated */
  constructor(maximum: number) {
    this.maximum = maximum;
    let rate = 1;
    while (maximum / rate > MAX_ENTRIES && rate < 1 << 16) rate *= 2;
    this.mask = (rate - 1) << 16;
    // Beyond 2 ** 26 entries the rate stops growing: the simulated LRU is then smaller than the
    // store (it under-estimates, so the window just grows less).
    this.#capacity = Math.max(1, Math.min(MAX_ENTRIES, Math.floor(maximum / rate)));
    this.#hashes = new Int32Array(this.#capacity);
    this.#prev = new Int32Array(this.#capacity + 1);
    this.#next = new Int32Array(this.#capacity + 1);
    let slots = 4;
    while (slots < this.#capacity * 2) slots *= 2;
    this.#table = new Int32Array(slots).fill(EMPTY);
    this.#tableMask = slots - 1;
    this.clear();
  }

  /** Replay a request of the sampled key `hash`; true when the simulated LRU held it. */
  access(hash: number): boolean {
    const head = this.#capacity;
    const table = this.#table;
    let at = this.#home(hash);
    for (;;) {
      const entry = table[at] as number;
      if (entry === EMPTY) break;
      if (this.#hashes[entry] === hash) {
        this.#unlink(entry);
        this.#linkFirst(entry, head);
        return true;
      }
      at = (at + 1) & this.#tableMask;
    }
    let entry: number;
    if (this.#size < this.#capacity) {
      entry = this.#size++;
    } else {
      entry = this.#prev[head] as number;
      this.#unlink(entry);
      this.#remove(this.#hashes[entry] as number);
      // The removal may have shifted the free position this key would take.
      at = this.#home(hash);
      while (table[at] !== EMPTY) at = (at + 1) & this.#tableMask;
    }
    this.#hashes[entry] = hash;
    table[at] = entry;
    this.#linkFirst(entry, head);
    return false;
  }

  /** Forget everything. */
  clear(): void {
    this.#size = 0;
    this.#table.fill(EMPTY);
    this.#prev[this.#capacity] = this.#next[this.#capacity] = this.#capacity;
  }

  #home(hash: number): number {
    return (Math.imul(hash, 0x9e3779b1) >>> 7) & this.#tableMask;
  }

  #unlink(entry: number): void {
    const prev = this.#prev[entry] as number;
    const next = this.#next[entry] as number;
    this.#next[prev] = next;
    this.#prev[next] = prev;
  }

  #linkFirst(entry: number, head: number): void {
    const first = this.#next[head] as number;
    this.#prev[entry] = head;
    this.#next[entry] = first;
    this.#prev[first] = entry;
    this.#next[head] = entry;
  }

  /** Take `hash` out of the table (backward-shift deletion keeps every probe chain whole). */
  #remove(hash: number): void {
    const table = this.#table;
    const mask = this.#tableMask;
    let at = this.#home(hash);
    while (this.#hashes[table[at] as number] !== hash) at = (at + 1) & mask;
    let hole = at;
    let next = (hole + 1) & mask;
    for (;;) {
      const entry = table[next] as number;
      if (entry === EMPTY) break;
      const home = this.#home(this.#hashes[entry] as number);
      // Move the entry into the hole unless its home lies cyclically in (hole, next].
      if (((next - home) & mask) >= ((next - hole) & mask)) {
        table[hole] = entry;
        hole = next;
      }
      next = (next + 1) & mask;
    }
    table[hole] = EMPTY;
  }
}
