/**
 * The memory store's default eviction policy, W-TinyLFU (Einziger, Friedman and Manes, "TinyLFU:
 * A Highly Efficient Cache Admission Policy", 2017), in the form Caffeine gives it:
 *
 * - a new entry enters the **window**, a small LRU (1% of the bound to start with);
 * - the window's least recently used entry, pushed out by a new one, is a **candidate** for the
 *   main region, a segmented LRU: **probation** (entries seen once there) and **protected**
 *   (entries hit while on probation, up to 80% of the main region; its overflow goes back to
 *   probation);
 * - when the store is full, the candidate is admitted only if its estimated frequency (see
 *   {@link FrequencySketch}) is above that of probation's least recently used entry, the
 *   **victim**, which then leaves; otherwise the candidate leaves. A warm candidate (estimate >= 6)
 *   that loses is still admitted once in 128 times (a seeded draw), so a flood of colliding hot
 *   keys cannot lock the main region. A victim that has turned away {@link VICTIM_RUN} candidates
 *   in a row moves to the recent end of its segment, and the next entry becomes the victim: a
 *   victim whose estimate a sketch collision put too high would otherwise turn away every
 *   candidate it seems to beat for as long as it stays (on the glimpse trace at 1,000 entries,
 *   one such key turned away 497 in a row, a point of hit ratio), while one truly that frequent
 *   stays held all the same;
 * - the window's size adapts: every sample (as many requests as the bound), it moves toward
 *   equal hit densities (hits per entry held) of window and main region, by a step proportional
 *   to the log of their ratio (Caffeine's "density climber"; its cross-sample hit-ratio climber
 *   measured worse on the benchmark's workloads). The window's hits include its **regrets**:
 *   writes of keys the admission filter turned away earlier in the sample (a one-hash Bloom
 *   filter of 4 bits per entry remembers them), the hits a larger window would have had; without
 *   them the densities settle on too small a window for recency-heavy workloads. A recency-heavy
 *   workload so gets a large window (LRU-like), a frequency-heavy one a small one (never below 2%
 *   of the bound);
 * - where stack distances are uniform (pure recency) every split has equal densities, so the
 *   density climber has no gradient, yet an LRU-like window wins by points. A sampled simulation
 *   of a plain LRU of the same bound ({@link ShadowLru}) replays the requests of one key in
 *   `rate`; when it hit, and the store missed, significantly more of them than the other way
 *   round (McNemar's test, 2.5 standard deviations), the window grows by 10% of the bound instead
 *   of the density step. The window stops at 99% of the bound: an empty main region has no
 *   density, and the climber could not bring it down again when frequency returns.
 *
 * The lists live in the store's {@link SlotTable}; a hit is a sketch increment (a few integer
 * operations on the hash kept in the slot), a mask test of the hash (a sampled one is replayed in
 * the simulation too) and a list move, no allocation.
 */
import { FrequencySketch, mix32, SMALL_BOUND } from './sketch.js';
import { ShadowLru } from './shadow.js';
import { NO_SLOT, type SlotTable } from './slots.js';

/** List of the admission window. */
export const WINDOW = 0;
/** List of the main region's probation segment. */
export const PROBATION = 1;
/** List of the main region's protected segment. */
export const PROTECTED = 2;
/** Lists a W-TinyLFU slot table has. */
export const TINYLFU_LISTS = 3;

/** Share of the bound the window starts with. */
const INITIAL_WINDOW = 0.01;
/** Share of the main region the protected segment may hold. */
const PROTECTED_SHARE = 0.8;
/** A losing candidate estimated at least this often is sometimes admitted anyway. */
const WARM_CANDIDATE = 6;
/** Candidates one victim may turn away in a row before the next entry becomes the victim. */
const VICTIM_RUN = 16;
/** Window sizing: the smallest window once it adapts, as a share of the bound. */
const WINDOW_FLOOR = 0.02;
/** Window sizing: the smallest main region, as a share of the bound (so its density stays measured). */
const MAIN_FLOOR = 0.01;
/** Window sizing: a step is this share of the bound per unit of log density ratio... */
const GAIN = 0.03;
/** Window sizing: ...and at most this share of the bound. */
const MAX_STEP = 0.3;
/** Window sizing: the fewest requests of a sample (a sample is otherwise as many requests as the bound). */
const MIN_SAMPLE = 256;
/**
 * Window sizing: the window grows when the simulated LRU hit, and the store missed, significantly
 * more sampled requests than the other way round (this many standard deviations, McNemar's test)...
 */
const LRU_Z = 2.5;
/** Window sizing: ...by this share of the bound. */
const LRU_STEP = 0.1;
/** Window sizing: the weight of a sample's disagreements in the next one's test. */
const LRU_DECAY = 0.5;
/** Bits of the rejected-candidates filter per entry of the bound (rounded up to a power of two). */
const REJECTED_BITS_PER_ENTRY = 4;

/** The window's initial bound for a store bound of `maximum` entries. */
export function initialWindow(maximum: number): number {
  return Math.max(1, maximum - Math.floor(maximum * (1 - INITIAL_WINDOW)));
}

/** Requests per window-sizing sample for a bound of `maximum` entries. */
function periodFor(maximum: number): number {
  return Math.max(MIN_SAMPLE, Math.min(maximum, 2 ** 30));
}

/** The smallest window, once it adapts, for a bound of `maximum` entries. */
function minWindowFor(maximum: number): number {
  return Math.max(1, Math.floor(maximum * WINDOW_FLOOR));
}

/** The largest window for a bound of `maximum` entries: the main region keeps {@link MAIN_FLOOR}. */
function maxWindowFor(maximum: number): number {
  return Math.max(minWindowFor(maximum), maximum - Math.max(1, Math.floor(maximum * MAIN_FLOOR)));
}

/** Bits of the rejected-candidates filter for a bound of `maximum` entries (a power of two). */
function rejectedBitsFor(maximum: number): number {
  let bits = 64;
  while (bits < maximum * REJECTED_BITS_PER_ENTRY && bits < 2 ** 26) bits *= 2;
  return bits;
}

/**
 * Entries to size the sketch for while the store's table has `capacity` slots: a small bound's
 * own (its sketch is made for it from the start, see {@link SMALL_BOUND}), else the capacity.
 */
function sketchEntriesFor(maximum: number, capacity: number): number {
  return maximum <= SMALL_BOUND ? maximum : Math.min(maximum, capacity);
}

/** The protected segment's bound when the window holds up to `window` of `maximum` entries. */
export function protectedFor(maximum: number, window: number): number {
  return Math.floor((maximum - window) * PROTECTED_SHARE);
}

/** W-TinyLFU over a {@link SlotTable} of {@link TINYLFU_LISTS} lists; see the module comment. */
export class WTinyLfu {
  /** The frequency sketch, sized with the table. */
  sketch: FrequencySketch;
  /** Most entries the window holds before pushing its oldest to probation. */
  windowMax: number;
  /** Most entries the protected segment holds before demoting its oldest to probation. */
  protectedMax: number;

  readonly #slots: SlotTable;
  #maximum: number;
  /** Candidates turned away since the last admission or the last {@link VICTIM_RUN}. */
  #rejections = 0;
  /** State of the admission draw (xorshift32). */
  #random: number;
  /** The current sample: hits, hits on the window, requests. */
  #hits = 0;
  #windowHits = 0;
  /** Writes, in the current sample, of keys the admission filter turned away in it. */
  #regrets = 0;
  /** How many of {@link #regrets} chance alone explains (bits set by other keys). */
  #falseRegrets = 0;
  /** Bits set in {@link #rejected}. */
  #rejectedSet = 0;
  /** A bit per hash bucket: candidates turned away in the current sample (a one-hash Bloom filter). */
  #rejected: Int32Array;
  #rejectedMask: number;
  #requests = 0;
  /** Requests per window-sizing sample. */
  #period: number;
  /** The smallest window once it adapts. */
  #minWindow: number;
  /** The largest window: the main region keeps {@link MAIN_FLOOR}. */
  #maxWindow: number;
  /** A sampled simulation of a plain LRU of (about) the same bound (a window of 100%). */
  #shadow: ShadowLru;
  /**
   * {@link ShadowLru.mask} of {@link #shadow}, kept here because every hit reads it: a request
   * whose hash has none of these bits is replayed there.
   */
  #shadowMask: number;
  /** Whether the store evicted during the current sample. */
  #evicted = false;
  /** Sampled requests the simulated LRU hit and the store missed (decayed each sample)... */
  #lruAhead = 0;
  /** ...and the other way round. */
  #lruBehind = 0;

  /**
   * @param slots - the store's table, made with {@link TINYLFU_LISTS} lists
   * @param maximum - the store's bound
   * @param seed - the store's hash seed (also seeds the admission draw)
   */
  constructor(slots: SlotTable, maximum: number, seed: number) {
    this.#slots = slots;
    this.#maximum = maximum;
    this.windowMax = initialWindow(maximum);
    this.protectedMax = protectedFor(maximum, this.windowMax);
    this.#period = periodFor(maximum);
    this.#minWindow = minWindowFor(maximum);
    this.#maxWindow = maxWindowFor(maximum);
    this.#rejected = new Int32Array(rejectedBitsFor(maximum) / 32);
    this.#rejectedMask = this.#rejected.length * 32 - 1;
    this.#random = mix32(seed ^ 0x2545f491) | 1;
    this.sketch = new FrequencySketch(sketchEntriesFor(maximum, slots.expiresAt.length));
    this.#shadow = new ShadowLru(maximum);
    this.#shadowMask = this.#shadow.mask;
    slots.onGrow = (capacity) => this.sketch.grow(sketchEntriesFor(this.#maximum, capacity));
  }

  /** The bound the policy is sized for, in entries. */
  get maximum(): number {
    return this.#maximum;
  }

  /**
   * Size the policy for a new bound of `maximum` entries, keeping the window's share of it, the
   * counts and the lists: a store bounded by size alone holds as many entries as their sizes
   * allow, which it tells the policy whenever that number has moved.
   */
  resize(maximum: number): void {
    if (maximum === this.#maximum) return;
    const share = this.windowMax / this.#maximum;
    this.#maximum = maximum;
    this.#period = periodFor(maximum);
    this.#minWindow = minWindowFor(maximum);
    this.#maxWindow = maxWindowFor(maximum);
    // The LRU simulation is rebuilt only when the bound has moved by half or more: a new one
    // starts empty, and needs a few samples to say anything again.
    const simulated = this.#shadow.maximum;
    if (maximum >= simulated * 2 || maximum * 2 <= simulated) {
      this.#shadow = new ShadowLru(maximum);
      this.#shadowMask = this.#shadow.mask;
      this.#lruAhead = this.#lruBehind = 0;
    }
    const bits = rejectedBitsFor(maximum);
    if (bits !== this.#rejected.length * 32) {
      this.#rejected = new Int32Array(bits / 32);
      this.#rejectedMask = bits - 1;
      this.#rejectedSet = 0;
    }
    this.sketch.grow(maximum);
    this.#resize(Math.min(maximum, Math.max(1, Math.round(share * maximum))));
  }

  /** A hit on `slot`: count it, and refresh its recency (promoting it from probation). */
  onHit(slot: number): void {
    const slots = this.#slots;
    const hash = slots.hashes[slot] as number;
    this.sketch.increment(hash);
    if ((hash & this.#shadowMask) === 0 && !this.#shadow.access(hash)) this.#lruBehind++;
    const list = slots.listOf[slot] as number;
    if (list === WINDOW) this.#windowHits++;
    if (list === PROBATION) {
      slots.moveTo(slot, PROTECTED);
      this.#demote();
    } else {
      slots.touch(slot);
    }
    this.#hits++;
    if (++this.#requests >= this.#period) this.#climb();
  }

  /** A lookup that found nothing live. */
  onMiss(): void {
    if (++this.#requests >= this.#period) this.#climb();
  }

  /** Count a key about to be written (its first occurrence, or an overwrite: `held` if of a live entry). */
  onWrite(hash: number, held = false): void {
    this.sketch.increment(hash);
    if ((hash & this.#shadowMask) === 0 && this.#shadow.access(hash) !== held) {
      if (held) this.#lruBehind++;
      else this.#lruAhead++;
    }
    // A key requested again soon after the admission filter turned it away: a hit a larger
    // window would have had.
    const bit = hash & this.#rejectedMask;
    const word = bit >>> 5;
    const mask = 1 << (bit & 31);
    const value = this.#rejected[word] as number;
    // What a key never turned away would find set by chance, taken off again at the sample's end.
    this.#falseRegrets += this.#rejectedSet / (this.#rejectedMask + 1);
    if ((value & mask) !== 0) {
      this.#regrets++;
      this.#rejectedSet--;
      this.#rejected[word] = value & ~mask;
    }
  }

  /**
   * The slot to free before a full store takes a new entry: the candidate or the victim, by their
   * estimates. An admitted candidate moves to probation here.
   */
  victim(): number {
    const slots = this.#slots;
    this.#evicted = true;
    const candidate = slots.lengths[WINDOW]! >= this.windowMax ? slots.oldest(WINDOW) : NO_SLOT;
    let victim = slots.oldest(PROBATION);
    if (victim === NO_SLOT) victim = slots.oldest(PROTECTED);
    if (candidate === NO_SLOT) return victim === NO_SLOT ? slots.oldest(WINDOW) : victim;
    if (victim === NO_SLOT) return candidate;
    if (this.#admit(slots.hashes[candidate] as number, slots.hashes[victim] as number)) {
      slots.moveTo(candidate, PROBATION);
      this.#rejections = 0;
      return victim;
    }
    if (++this.#rejections >= VICTIM_RUN) {
      // A second chance instead of a standing veto: see the module comment.
      slots.touch(victim);
      this.#rejections = 0;
    }
    const bit = (slots.hashes[candidate] as number) & this.#rejectedMask;
    const word = this.#rejected[bit >>> 5] as number;
    const mask = 1 << (bit & 31);
    if ((word & mask) === 0) {
      this.#rejected[bit >>> 5] = word | mask;
      this.#rejectedSet++;
    }
    return candidate;
  }

  /** After `slot` was added to the window: push the window's overflow to probation. */
  afterAdd(): void {
    const slots = this.#slots;
    while (slots.lengths[WINDOW]! > this.windowMax) slots.moveTo(slots.oldest(WINDOW), PROBATION);
  }

  /**
   * Forget counts and sizing (the store was cleared): a fresh sketch for a table of `capacity`
   * slots (0, a closed store's: the smallest sketch, whatever the bound).
   */
  clear(capacity = 16): void {
    this.sketch = new FrequencySketch(capacity === 0 ? 0 : sketchEntriesFor(this.#maximum, capacity));
    this.windowMax = initialWindow(this.#maximum);
    this.protectedMax = protectedFor(this.#maximum, this.windowMax);
    this.#hits = this.#windowHits = this.#requests = this.#regrets = this.#falseRegrets = this.#rejectedSet = this.#rejections = 0;
    this.#rejected.fill(0);
    this.#shadow.clear();
    this.#lruAhead = this.#lruBehind = 0;
    this.#evicted = false;
  }

  #admit(candidate: number, victim: number): boolean {
    const candidateFrequency = this.sketch.frequency(candidate);
    if (candidateFrequency > this.sketch.frequency(victim)) return true;
    if (candidateFrequency < WARM_CANDIDATE) return false;
    let x = this.#random;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#random = x;
    return (x & 127) === 0;
  }

  /** Demote protected's overflow to probation. */
  #demote(): void {
    const slots = this.#slots;
    while (slots.lengths[PROTECTED]! > this.protectedMax) slots.moveTo(slots.oldest(PROTECTED), PROBATION);
  }

  /**
   * Resize the window at the end of a sample (only once the store is full, at its bound or
   * evicting: before, nothing is evicted), toward equal hit densities (hits per entry held) of window and main region: the
   * step is proportional to the log of their ratio, so the phase of a workload, which moves both
   * densities alike, cancels out (Caffeine's density climber, for large caches).
   */
  #climb(): void {
    // The window is credited with its hits and with the candidates it let go too early.
    const windowHits = this.#windowHits + Math.max(0, this.#regrets - this.#falseRegrets);
    const mainHits = this.#hits - this.#windowHits;
    this.#hits = this.#windowHits = this.#requests = this.#regrets = this.#falseRegrets = this.#rejectedSet = 0;
    this.#rejected.fill(0);
    const max = this.#maximum;
    // Full: at the bound, or evicting (a store bounded by size holds fewer than it is sized for).
    const full = this.#evicted || this.#slots.size >= max;
    this.#evicted = false;
    if (!full) return;
    // McNemar's test on the requests where the store and the simulated LRU disagree.
    const ahead = this.#lruAhead;
    const behind = this.#lruBehind;
    if (ahead - behind > LRU_Z * Math.sqrt(ahead + behind)) {
      this.#lruAhead = this.#lruBehind = 0;
      this.#resize(Math.min(this.#maxWindow, Math.round(this.windowMax + LRU_STEP * max)));
      return;
    }
    this.#lruAhead = ahead * LRU_DECAY;
    this.#lruBehind = behind * LRU_DECAY;
    // +0.5: a region without a hit in the sample still has a (low) density.
    const windowDensity = (windowHits + 0.5) / this.windowMax;
    const mainDensity = (mainHits + 0.5) / Math.max(1, max - this.windowMax);
    const error = Math.log(windowDensity / mainDensity);
    const step = Math.sign(error) * Math.min(MAX_STEP * max, Math.abs(error) * GAIN * max);
    this.#resize(Math.min(this.#maxWindow, Math.max(this.#minWindow, Math.round(this.windowMax + step))));
  }

  /**
   * Set the window's bound and, from it and the policy's bound, the protected segment's, moving
   * entries to fit (nothing moves when both still fit).
   */
  #resize(window: number): void {
    this.windowMax = window;
    this.protectedMax = protectedFor(this.#maximum, window);
    const slots = this.#slots;
    while (slots.lengths[WINDOW]! > window) slots.moveTo(slots.oldest(WINDOW), PROBATION);
    this.#demote();
  }
}
