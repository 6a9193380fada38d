/**
 * The frequency sketch of the memory store's W-TinyLFU policy, and the seeded hash of its keys.
 *
 * A count-min sketch of 4-bit counters, 8 per 32-bit word (an `Int32Array`): `2 * ceilPow2(n)`
 * 32-bit words for `n` entries, so 8 bytes per entry at a power-of-two bound (up to 16 just above
 * one). The words are grouped in blocks of 16 (64 bytes, one cache line): a key's four counters
 * all live in one block, one in each quarter of it, picked by the key's hash. An estimate is the
 * smallest of the four (it never under-counts, only collisions make it over-count). Counters
 * saturate at 15. After `10 * n` increments every counter is halved (aging), so the sketch
 * follows a changing popularity.
 *
 * Keys are hashed once, when an entry is written (see {@link hashString}), with a seed drawn per
 * store from a per-process random value, so no crafted set of keys can be made to collide in
 * advance: hash values never leave the process.
 */

/** Counters per 32-bit word (4 bits each). */
const WORDS_PER_BLOCK = 16;
/** Smallest table, in words: one block. */
const MIN_WORDS = WORDS_PER_BLOCK;
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

  /** @param entries - the entries to size for: `2 * ceilPow2(entries)` words, at least 16 */
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

  /** Count one occurrence of `hash`; every {@link sampleSize} increments, age every counter. */
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
    let added = false;
    if (((v0 >>> s0) & 15) !== 15) {
      table[w0] = (v0 + (1 << s0)) | 0;
      added = true;
    }
    if (((v1 >>> s1) & 15) !== 15) {
      table[w1] = (v1 + (1 << s1)) | 0;
      added = true;
    }
    if (((v2 >>> s2) & 15) !== 15) {
      table[w2] = (v2 + (1 << s2)) | 0;
      added = true;
    }
    if (((v3 >>> s3) & 15) !== 15) {
      table[w3] = (v3 + (1 << s3)) | 0;
      added = true;
    }
    if (added && ++this.additions >= this.sampleSize) this.age();
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

/** Words of a sketch for `entries`: two per entry at the next power of two, at least one block. */
export function wordsFor(entries: number): number {
  let words = MIN_WORDS;
  while (words < entries * 2 && words < 2 ** 30) words *= 2;
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
