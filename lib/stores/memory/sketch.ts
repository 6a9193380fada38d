/**
 * The frequency sketch of the memory store's W-TinyLFU policy, and the seeded hash of its keys.
 *
 * A count-min sketch of 4-bit counters, 8 per 32-bit word (an `Int32Array`). The words are grouped
 * in blocks of 16 (64 bytes, one cache line): a key's four counters all live in one block, one in
 * each quarter of it, picked by the key's hash. An estimate is the smallest of the four (it never
 * under-counts, only collisions make it over-count). Counters saturate at 15. After `10 * n`
 * increments every counter is halved (aging), so the sketch follows a changing popularity.
 *
 * Why over-counts matter, and what keeps them few: an over-counted candidate is merely admitted,
 * but an over-counted victim (probation's least recently used entry) turns away every candidate
 * it seems to beat, and stays the victim while it does (on the glimpse trace at 1,000 entries,
 * one victim in a hundred counted one too high costs up to a point of hit ratio; the policy
 * also moves such a victim on, see `tinylfu.ts`). Hence:
 *
 * - **conservative update**: an increment raises only those of the key's four counters that
 *   equal its estimate (the others already count other keys' occurrences too); it leaves about
 *   a third as many keys over-counted, with the same memory accesses;
 * - a **larger table for small bounds**: `2 * ceilPow2(n)` words for `n` entries (8 bytes per
 *   entry at a power-of-two bound, up to 16 just above one), but at least 4 per entry up to
 *   {@link SMALL_BOUND} entries (16 bytes per entry, up to 32 just above a power of two; 64 KB
 *   at most): two keys of one block share all four counters once in 2^20 pairs (5 bits per
 *   quarter), a chance in 40 per store for 2,500 keys in 128 blocks, and twice the blocks
 *   halve it;
 * - the policy sizes a small bound's sketch for the bound from the start (a larger one grows
 *   with the store's table, see {@link FrequencySketch.grow}): the collisions of a sketch still
 *   small are copied into every part of the grown one, and count until they age out.
 *
 * Measured and left out: a doorkeeper (a Bloom filter taking each key's first occurrence since
 * the last aging, TinyLFU paper, section 3.4.2): at a byte per entry, a sample holds more
 * distinct keys than it tells apart, and its false positives over-count more keys than it keeps
 * out of the counters. A second hash for the positions within a block: they are already
 * independent of the block's (the same over-counts either way).
 *
 * Keys are hashed once, when an entry is written (see {@link hashString}), with a seed drawn per
 * store from a per-process random value, so no crafted set of keys can be made to collide in
 * advance: hash values never leave the process.
 */

/** Counters per 32-bit word (4 bits each). */
const WORDS_PER_BLOCK = 16;
/** Smallest table, in words: one block. */
const MIN_WORDS = WORDS_PER_BLOCK;
/**
 * Bounds up to this many entries get 4 words (16 bytes) of table per entry instead of 2, up to a
 * table of 64 KB; the policy sizes their sketch for the bound from the start.
 */
export const SMALL_BOUND = 4_096;
/** The table of a sketch for {@link SMALL_BOUND} entries: 4 words each. */
const SMALL_TABLE_WORDS = SMALL_BOUND * 4;
/** The low bit of every 4-bit counter. */
const ONE_MASK = 0x11111111;
/** Every counter's bits but its top one: what is left of a halved word. */
const RESET_MASK = 0x77777777;

/** The per-process random value every store seed derives from. */
const PROCESS_SEED = randomUint32();
let seedsDrawn = 0;

/**
 * A fresh seed for one store's key hashes: the per-process random value mixed with a counter, so
 * two stores of one process hash differently too.
 */
export function newHashSeed(): number {
  seedsDrawn = (seedsDrawn + 1) | 0;
  return mix32((PROCESS_SEED + Math.imul(seedsDrawn, 0x9e3779b9)) | 0);
}

/**
 * A 32-bit seeded hash of `text`, as a signed 32-bit integer: a multiply / xor-shift step per pair
 * of UTF-16 units (both packed into one 32-bit word, so each step is still a bijection of the
 * state for a given input), then a full avalanche. Two units per step halve the steps of the
 * serial chain: this runs on every write of a W-TinyLFU store, over keys of tens of characters.
 */
export function hashString(text: string, seed: number): number {
  const length = text.length;
  let h = seed ^ length;
  let i = 0;
  for (const pairs = length - 1; i < pairs; i += 2) {
    h = Math.imul(h ^ (text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16)), 0x5bd1e995);
    h ^= h >>> 15;
  }
  if (i < length) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x5bd1e995);
    h ^= h >>> 15;
  }
  return mix32(h);
}

/** The murmur3 finalizer: every input bit affects every output bit. */
export function mix32(value: number): number {
  let h = value ^ (value >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Where the counters of one hash sit, computed into the caller's scratch arrays. */
function locate(length: number, hash: number, words: Int32Array, shifts: Int32Array): void {
  const block = (hash & ((length >>> 4) - 1)) << 4;
  let spread = Math.imul(hash, 0x31848bab);
  spread ^= spread >>> 14;
  for (let i = 0; i < 4; i++) {
    const bits = spread >>> (i << 3);
    words[i] = block + (i << 2) + (bits & 3);
    shifts[i] = ((bits >>> 2) & 7) << 2;
  }
}

/** A 4-bit count-min sketch with periodic halving; see the module comment. */
export class FrequencySketch {
  /** The counters, 8 per word. */
  table: Int32Array;
  /** Increments between two agings: 10 times the entries the sketch is sized for. */
  sampleSize: number;
  /** Increments since the last aging (less the correction of each aging). */
  additions = 0;
  /** How many times every counter was halved. */
  agings = 0;

  readonly #words = new Int32Array(4);
  readonly #shifts = new Int32Array(4);

  /** @param entries - the entries to size for: see {@link wordsFor} */
  constructor(entries: number) {
    this.table = new Int32Array(wordsFor(entries));
    this.sampleSize = 10 * Math.max(1, entries);
  }

  /** The estimated frequency of `hash`, 0 to 15; never below the true count since the last aging. */
  frequency(hash: number): number {
    const words = this.#words;
    const shifts = this.#shifts;
    const table = this.table;
    locate(table.length, hash, words, shifts);
    let least = 15;
    for (let i = 0; i < 4; i++) {
      const count = ((table[words[i] as number] as number) >>> (shifts[i] as number)) & 15;
      if (count < least) least = count;
    }
    return least;
  }

  /**
   * Count one occurrence of `hash` (conservatively: see the module comment); every
   * {@link sampleSize} increments, age every counter.
   */
  increment(hash: number): void {
    const table = this.table;
    const block = (hash & ((table.length >>> 4) - 1)) << 4;
    let spread = Math.imul(hash, 0x31848bab);
    spread ^= spread >>> 14;
    // Unrolled: one counter in each quarter of the block (4 words each).
    const w0 = block + (spread & 3);
    const w1 = block + 4 + ((spread >>> 8) & 3);
    const w2 = block + 8 + ((spread >>> 16) & 3);
    const w3 = block + 12 + ((spread >>> 24) & 3);
    const s0 = ((spread >>> 2) & 7) << 2;
    const s1 = ((spread >>> 10) & 7) << 2;
    const s2 = ((spread >>> 18) & 7) << 2;
    const s3 = ((spread >>> 26) & 7) << 2;
    const v0 = table[w0] as number;
    const v1 = table[w1] as number;
    const v2 = table[w2] as number;
    const v3 = table[w3] as number;
    const c0 = (v0 >>> s0) & 15;
    const c1 = (v1 >>> s1) & 15;
    const c2 = (v2 >>> s2) & 15;
    const c3 = (v3 >>> s3) & 15;
    // Conservative update: only the counters at the estimate go up (the four are in four
    // distinct words, so each is read once and written at most once). Math.min rather than
    // compares keeps this small enough for the hit path to inline it.
    const least = Math.min(c0, c1, c2, c3);
    if (least === 15) return;
    if (c0 === least) table[w0] = (v0 + (1 << s0)) | 0;
    if (c1 === least) table[w1] = (v1 + (1 << s1)) | 0;
    if (c2 === least) table[w2] = (v2 + (1 << s2)) | 0;
    if (c3 === least) table[w3] = (v3 + (1 << s3)) | 0;
    if (++this.additions >= this.sampleSize) this.age();
  }

  /** Halve every counter (rounding down), and the increment count with them. */
  age(): void {
    const table = this.table;
    let odd = 0;
    for (let i = 0; i < table.length; i++) {
      const value = table[i] as number;
      odd += popcount(value & ONE_MASK);
      table[i] = (value >>> 1) & RESET_MASK;
    }
    // Halving rounds every odd counter down: take those lost halves off the count too.
    this.additions = Math.max(0, (this.additions - (odd >>> 2)) >>> 1);
    this.agings++;
  }

  /**
   * Resize for `entries`, keeping every estimate: a key's block in the larger table is its old one
   * or that plus the old block count, so the old table is copied into each part of the new one.
   */
  grow(entries: number): void {
    const words = wordsFor(entries);
    this.sampleSize = 10 * Math.max(1, entries);
    if (words <= this.table.length) return;
    const old = this.table;
    const table = new Int32Array(words);
    for (let at = 0; at < words; at += old.length) table.set(old, at);
    this.table = table;
  }

  /** Forget every count. */
  clear(): void {
    this.table.fill(0);
    this.additions = 0;
  }
}

/**
 * Words of a sketch for `entries`, a power of two: two per entry, and four up to a table of
 * {@link SMALL_TABLE_WORDS}; at least one block.
 */
export function wordsFor(entries: number): number {
  const wanted = Math.max(entries * 2, Math.min(entries * 4, SMALL_TABLE_WORDS));
  let words = MIN_WORDS;
  while (words < wanted && words < 2 ** 30) words *= 2;
  return words;
}

function popcount(value: number): number {
  let v = value - ((value >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) as number;
}

function randomUint32(): number {
  const value = new Int32Array(1);
  globalThis.crypto.getRandomValues(value);
  return (value[0] as number) | 0;
}
