/**
 * The memory store's W-TinyLFU policy: the frequency sketch, the admission property, validation,
 * and a randomized comparison with a reference model that makes the same decisions given the
 * same hash seed (written from the policy's description, on plain Maps and arrays).
 */
import { expect } from 'chai';
import { InvalidOptionError } from '../../lib/core/errors.js';
import { MemoryStore, memoryStore } from '../../lib/stores/memory.js';
import { ShadowLru } from '../../lib/stores/memory/shadow.js';
import { FrequencySketch, hashString, mix32, newHashSeed, SMALL_BOUND, wordsFor } from '../../lib/stores/memory/sketch.js';
import { mulberry32 } from '../helpers/random-values.js';
import { thrown } from '../helpers/thrown.js';

describe('memoryStore W-TinyLFU', () => {
  describe('frequency sketch', () => {
    it('never under-counts: every estimate is at least the true count (up to the 15 cap)', () => {
      const sketch = new FrequencySketch(1_000);
      const rng = mulberry32(7);
      const truth = new Map<number, number>();
      // Fewer increments than the sample size: no aging in between.
      for (let i = 0; i < 9_000; i++) {
        const hash = hashString(`k${Math.floor(rng() * rng() * 3_000)}`, 12345);
        sketch.increment(hash);
        truth.set(hash, (truth.get(hash) ?? 0) + 1);
      }
      expect(sketch.agings).to.equal(0);
      let exact = 0;
      for (const [hash, count] of truth) {
        const estimate = sketch.frequency(hash);
        expect(estimate).to.be.at.least(Math.min(15, count));
        if (estimate === Math.min(15, count)) exact++;
      }
      // Collisions over-count only a few keys.
      expect(exact / truth.size).to.be.above(0.9);
      expect(sketch.frequency(hashString('never seen', 12345))).to.be.at.most(2);
    });

    it('saturates at 15 and halves every counter after 10 x its size increments (aging)', () => {
      const sketch = new FrequencySketch(64);
      expect(sketch.sampleSize).to.equal(640);
      expect(sketch.table.length).to.equal(wordsFor(64)).and.equal(256);
      const hot = mix32(1);
      const warm = mix32(2);
      for (let i = 0; i < 20; i++) sketch.increment(hot);
      for (let i = 0; i < 9; i++) sketch.increment(warm);
      expect([sketch.frequency(hot), sketch.frequency(warm)]).to.deep.equal([15, 9]);
      sketch.age();
      expect([sketch.frequency(hot), sketch.frequency(warm)]).to.deep.equal([7, 4]);
      // Aging by itself, from increments: counting on reaches the sample size.
      const rng = mulberry32(3);
      while (sketch.agings < 2) sketch.increment(mix32(Math.floor(rng() * 1e9)));
      expect(sketch.frequency(hot)).to.be.at.most(4);
    });

    it('keeps every estimate when it grows', () => {
      const sketch = new FrequencySketch(16);
      const hashes = Array.from({ length: 40 }, (_, i) => mix32(i + 100));
      hashes.forEach((hash, i) => {
        for (let n = 0; n < i % 7; n++) sketch.increment(hash);
      });
      const before = hashes.map((hash) => sketch.frequency(hash));
      sketch.grow(1_000);
      expect(sketch.table.length).to.equal(4_096);
      expect(hashes.map((hash) => sketch.frequency(hash))).to.deep.equal(before);
    });

    it('takes 16 bytes per entry up to 4,096 entries (64 KB at most), 8 above, at a power-of-two bound', () => {
      expect(wordsFor(1) * 4).to.equal(64); // one block
      expect(wordsFor(1_024) * 4).to.equal(16 * 1_024);
      expect(wordsFor(SMALL_BOUND) * 4).to.equal(16 * SMALL_BOUND).and.equal(65_536);
      // Above the small bounds: 2 words per entry, never less than the largest small table.
      expect(wordsFor(SMALL_BOUND + 1) * 4).to.equal(65_536);
      expect(wordsFor(100_000) * 4).to.equal(8 * 131_072);
      for (const entries of [1_025, 3_000, 5_000, 20_000]) expect((wordsFor(entries) * 4) / entries, `${entries}`).to.be.at.most(32);
      expect((wordsFor(100_001) * 4) / 100_001).to.be.below(16);
    });

    it('is sized for a small bound from the start, and grows with the table above it', () => {
      const small = memoryStore({ maxEntries: 1_000 });
      expect(small.tinylfu?.sketch.table.length).to.equal(wordsFor(1_000));
      expect(small.tinylfu?.sketch.sampleSize).to.equal(10_000);
      const large = memoryStore({ maxEntries: 100_000 });
      expect(large.tinylfu?.sketch.table.length).to.equal(wordsFor(16));
      for (let i = 0; i < 5_000; i++) large.set('ns', `${i}`, i, { ttlMs: Infinity });
      expect(large.tinylfu?.sketch.table.length).to.equal(wordsFor(8_192));
    });

    it('updates conservatively: counters above a key\'s estimate, shared with other keys, are left alone', () => {
      // One block (128 counters, 32 per quarter): a hot key shares a counter with most one-off keys.
      const sketch = new FrequencySketch(1);
      expect(sketch.table.length).to.equal(16);
      sketch.sampleSize = 1_000; // no aging in between
      const hot = mix32(7);
      for (let i = 0; i < 5; i++) sketch.increment(hot);
      const others = Array.from({ length: 60 }, (_, i) => mix32(1_000 + i));
      for (const hash of others) sketch.increment(hash);
      // Each one-off key raised only its counters at its own estimate, none of the hot key's
      // (every counter would give it 6 here, and 27 of the one-off keys 1).
      expect(sketch.frequency(hot)).to.equal(5);
      expect(others.every((hash) => sketch.frequency(hash) >= 1)).to.equal(true);
      expect(others.filter((hash) => sketch.frequency(hash) === 1).length).to.be.at.least(40);
    });

    it('hashes with a seed, and every store draws a seed of its own', () => {
      expect(hashString('key', 1)).to.not.equal(hashString('key', 2));
      expect(hashString('key', 1)).to.equal(hashString('key', 1));
      const seeds = new Set(Array.from({ length: 100 }, () => newHashSeed()));
      expect(seeds.size).to.equal(100);
      expect(memoryStore().hashSeed).to.not.equal(memoryStore().hashSeed);
      expect(new MemoryStore({}, { hashSeed: 42 }).hashSeed).to.equal(42);
    });
  });

  describe('policy option', () => {
    it("defaults to 'tinylfu' and takes 'lru'", () => {
      expect(memoryStore().policy).to.equal('tinylfu');
      expect(memoryStore({ policy: undefined }).policy).to.equal('tinylfu');
      expect(memoryStore({ policy: 'tinylfu' }).tinylfu).to.not.equal(undefined);
      const lru = memoryStore({ policy: 'lru' });
      expect([lru.policy, lru.tinylfu]).to.deep.equal(['lru', undefined]);
    });

    for (const [value, shown] of [
      ['LRU', 'the string "LRU"'],
      ['lfu', 'the string "lfu"'],
      ['', 'the string ""'],
      [1, '1'],
      [null, 'null'],
      [{}, 'an object'],
    ] as const) {
      it(`rejects policy ${shown}, saying what to give`, () => {
        const error = thrown(() => memoryStore({ policy: value as never }));
        expect(error).to.be.instanceOf(InvalidOptionError);
        expect((error as InvalidOptionError).code).to.equal('E_INVALID_OPTION');
        expect(error.message).to.equal(
          `memoryStore option "policy" is ${shown}; give 'tinylfu' (frequency-aware, the default) or 'lru' (least recently used).`,
        );
      });
    }
  });

  describe('admission', () => {
    /** Hot keys still held after a scan of one-off keys interleaved with hits on the hot set. */
    function hotKeptAfterScan(policy: 'tinylfu' | 'lru'): number {
      const store = memoryStore({ maxEntries: 1_000, policy });
      const hot = 500;
      const rng = mulberry32(11);
      for (let round = 0; round < 10; round++) {
        for (let i = 0; i < hot; i++) if (store.get('hot', `${i}`) === undefined) store.set('hot', `${i}`, i, { ttlMs: Infinity });
      }
      for (let i = 0; i < 50_000; i++) {
        store.set('scan', `${i}`, i, { ttlMs: Infinity });
        if (i % 10 === 0) {
          const id = `${Math.floor(rng() * hot)}`;
          if (store.get('hot', id) === undefined) store.set('hot', id, id, { ttlMs: Infinity });
        }
      }
      let kept = 0;
      for (let i = 0; i < hot; i++) if (store.get('hot', `${i}`) !== undefined) kept++;
      expect(store.size).to.equal(1_000);
      return kept;
    }

    it('a scan of one-off keys does not push out a frequently used hot set (the TinyLFU property)', () => {
      const tinylfu = hotKeptAfterScan('tinylfu');
      const lru = hotKeptAfterScan('lru');
      expect(tinylfu, 'hot keys kept, W-TinyLFU').to.be.at.least(495);
      expect(lru, 'hot keys kept, LRU').to.be.below(300);
    });

    it('a victim that turned away 16 candidates in a row stays held, and the next entry becomes the victim', () => {
      // Probation, oldest first: a frequent key, then 48 keys seen once; the window holds 1.
      const store = new MemoryStore({ maxEntries: 50 }, { hashSeed: 42 });
      const evicted: string[] = [];
      store.onEvict((eviction) => evicted.push(eviction.key));
      const write = { ttlMs: Infinity };
      store.set('t', 'frequent', 0, write);
      for (let i = 0; i < 10; i++) store.get('t', 'frequent');
      for (let i = 0; i < 49; i++) store.set('t', `once${i}`, i, write);
      expect(store.size).to.equal(50);
      // Candidates seen twice: each beats a key seen once, none the frequent one.
      for (let i = 0; i < 20; i++) {
        store.set('t', `twice${i}`, i, write);
        store.get('t', `twice${i}`);
      }
      store.set('t', 'last', 0, write);
      // The first 16 candidates (the last key seen once, then 15 seen twice) lose to the frequent
      // key; after it moved on, each candidate seen twice pushes out the oldest key seen once.
      expect(evicted.slice(0, 16)).to.deep.equal(['t:once48', ...Array.from({ length: 15 }, (_, i) => `t:twice${i}`)]);
      expect(evicted.slice(16)).to.deep.equal(['t:once0', 't:once1', 't:once2', 't:once3', 't:once4']);
      expect(store.get('t', 'frequent')?.value).to.equal(0);
    });

    it('never holds more than maxEntries, whatever the access pattern', () => {
      const store = memoryStore({ maxEntries: 1_000 });
      const rng = mulberry32(5);
      let largest = 0;
      for (let i = 0; i < 50_000; i++) {
        const id = `${Math.floor(rng() * rng() * 5_000)}`;
        if (store.get(`ns${i % 3}`, id) === undefined) store.set(`ns${i % 3}`, id, i, { ttlMs: Infinity, tags: [`t${i % 13}`] });
        largest = Math.max(largest, store.size);
      }
      expect(largest).to.equal(1_000);
      expect(store.stats.entries).to.equal(1_000);
      expect(store.stats.tags).to.be.at.most(13);
    });

    it('with a bound of 1 keeps the last entry written', () => {
      const store = memoryStore({ maxEntries: 1 });
      for (const id of ['a', 'b', 'c']) store.set('ns', id, id, { ttlMs: Infinity });
      expect([store.get('ns', 'a'), store.get('ns', 'c')?.value]).to.deep.equal([undefined, 'c']);
    });
  });

  describe('LRU simulation', () => {
    it('answers as an LRU of its capacity would, through evictions that shift probe chains', () => {
      for (const [maximum, keys] of [[1, 3], [7, 12], [100, 300], [5_000, 2_000]] as const) {
        const shadow = new ShadowLru(maximum);
        // Above 1,024 entries it samples: one key in 8 at 5,000, simulating 625 entries.
        const capacity = shadow.mask === 0 ? maximum : Math.floor(maximum / ((shadow.mask >>> 16) + 1));
        const model = new Map<number, true>();
        const rng = mulberry32(maximum);
        for (let i = 0; i < 20_000; i++) {
          // Hashes that differ only in their high bits, none of them a sampled-out one.
          const hash = (Math.floor(rng() * keys) << 20) & ~shadow.mask;
          const held = model.delete(hash);
          model.set(hash, true);
          if (model.size > capacity) model.delete(model.keys().next().value as number);
          expect(shadow.access(hash), `max ${maximum} request ${i}`).to.equal(held);
        }
      }
    });

    it('samples more sparsely as the bound grows, up to 1,024 simulated entries', () => {
      expect(new ShadowLru(1_024).mask).to.equal(0);
      expect(new ShadowLru(1_025).mask).to.equal(1 << 16);
      expect(new ShadowLru(40_000).mask).to.equal(63 << 16);
      expect(() => new ShadowLru(Number.MAX_SAFE_INTEGER)).to.not.throw();
    });
  });

  describe('window sizing', () => {
    /** Replays `next` (a key per request) for `requests` requests: the store's hit ratio and its window at the end. */
    function replay(maxEntries: number, requests: number, next: (random: () => number) => number, bySize = false): { ratio: number; lruRatio: number; window: number } {
      // bySize: the same bound given as maxSize alone (every value of size 1).
      const options = bySize ? { maxSize: maxEntries, sizeOf: () => 1 } : { maxEntries };
      const store = new MemoryStore(options, { hashSeed: mix32(maxEntries) });
      const lru = memoryStore({ maxEntries, policy: 'lru' });
      const random = mulberry32(99);
      let hits = 0;
      let lruHits = 0;
      for (let i = 0; i < requests; i++) {
        const id = String(next(random));
        if (store.get('t', id) !== undefined) hits++;
        else store.set('t', id, true, { ttlMs: Infinity });
        if (lru.get('t', id) !== undefined) lruHits++;
        else lru.set('t', id, true, { ttlMs: Infinity });
      }
      return { ratio: hits / requests, lruRatio: lruHits / requests, window: store.tinylfu?.windowMax as number };
    }

    /** Pure recency: 30% new keys, else a repeat at a stack distance uniform in 1..`depth`. */
    function recency(depth: number): (random: () => number) => number {
      const recent: number[] = [];
      let fresh = 0;
      return (random) => {
        const key = recent.length === 0 || random() < 0.3 ? fresh++ : (recent[recent.length - 1 - Math.floor(random() * Math.min(recent.length, depth))] as number);
        recent.push(key);
        if (recent.length > 4 * depth) recent.splice(0, 2 * depth);
        return key;
      };
    }

    it('grows the window toward LRU on a pure-recency stream, and keeps up with LRU there', () => {
      for (const maxEntries of [500, 2_000]) {
        const { ratio, lruRatio, window } = replay(maxEntries, 200_000, recency(Math.round(maxEntries * 1.2)));
        expect(window, `max ${maxEntries}: window`).to.be.at.least(maxEntries * 0.7);
        expect(ratio, `max ${maxEntries}: hit ratio against LRU's ${lruRatio}`).to.be.at.least(lruRatio - 0.01);
      }
    });

    it('keeps the window small on a frequency-skewed stream', () => {
      for (const maxEntries of [500, 2_000]) {
        // Zipf(1)-like: log-uniform ranks over 50,000 keys.
        const { ratio, lruRatio, window } = replay(maxEntries, 200_000, (random) => Math.floor(Math.pow(50_000, random())));
        expect(window, `max ${maxEntries}: window`).to.be.at.most(maxEntries * 0.2);
        expect(ratio, `max ${maxEntries}: hit ratio`).to.be.above(lruRatio);
      }
    });

    it('adapts the same way in a store bounded by maxSize alone', () => {
      const maxEntries = 1_000;
      const recencyRun = replay(maxEntries, 200_000, recency(1_200), true);
      expect(recencyRun.window, 'window on pure recency').to.be.at.least(maxEntries * 0.7);
      expect(recencyRun.ratio).to.be.at.least(recencyRun.lruRatio - 0.01);
      const zipfRun = replay(maxEntries, 200_000, (random) => Math.floor(Math.pow(50_000, random())), true);
      expect(zipfRun.window, 'window on a frequency-skewed stream').to.be.at.most(maxEntries * 0.2);
      expect(zipfRun.ratio).to.be.above(zipfRun.lruRatio);
    });

    it('shrinks the window again when a recency phase gives way to a frequency-skewed one', () => {
      const maxEntries = 1_000;
      const recent = recency(1_200);
      let grown = 0;
      const { window } = replay(maxEntries, 200_000, (random) => {
        grown++;
        return grown <= 100_000 ? recent(random) : 1e7 + Math.floor(Math.pow(50_000, random()));
      });
      // The recency phase grew it past 90% (as in the test above); the density climber takes it back down.
      expect(window).to.be.at.most(maxEntries * 0.6);
    });
  });

  describe('reference model', () => {
    it('agrees with a reference W-TinyLFU over random sets, gets, deletes and namespace clears (same hash seed)', () => {
      const rng = mulberry32(20261203);
      for (const maxEntries of [1, 2, 7, 40, 100]) {
        const seed = mix32(maxEntries * 7919);
        const store = new MemoryStore({ maxEntries }, { hashSeed: seed });
        const model = new ReferenceTinyLfu(maxEntries, seed);
        const key = (namespace: string, id: string): string => `${namespace}\u0000${id}`;
        for (let step = 0; step < 20_000; step++) {
          const namespace = `n${Math.floor(rng() * 3)}`;
          // Skewed ids: some keys are much more frequent than others.
          const id = `${Math.floor(rng() * rng() * 80)}`;
          const k = key(namespace, id);
          const op = rng();
          if (op < 0.4) {
            store.set(namespace, id, step, { ttlMs: Infinity });
            model.set(k, hashString(id, hashString(namespace, seed)), step);
          } else if (op < 0.9) {
            expect(store.get(namespace, id)?.value, `max ${maxEntries} step ${step}: get ${k}`).to.equal(model.get(k));
          } else if (op < 0.995) {
            expect(store.delete(namespace, id), `max ${maxEntries} step ${step}: delete ${k}`).to.equal(model.delete(k));
          } else {
            store.deleteNamespace(namespace);
            model.deleteWhere((k2) => k2.startsWith(`${namespace}\u0000`));
            // Invalidated slots still count until reclaimed: reclaim them so that both hold the same.
            store.purgeExpired();
          }
          expect(store.size, `max ${maxEntries} step ${step}: size`).to.equal(model.size);
          expect(store.tinylfu?.windowMax, `max ${maxEntries} step ${step}: window`).to.equal(model.windowMax);
        }
        // Exact contents at the end.
        for (let n = 0; n < 3; n++) {
          for (let i = 0; i < 80; i++) expect(store.get(`n${n}`, `${i}`)?.value, `max ${maxEntries}: final n${n} ${i}`).to.equal(model.get(key(`n${n}`, `${i}`)));
        }
      }
    });
  });
});

/**
 * W-TinyLFU written plainly from its description: three Maps in recency order (oldest first), a
 * 4-bit count-min sketch (conservative update) as an array of counters, a victim moved on after
 * 16 candidates in a row turned away, the window sized toward equal hit densities and grown when
 * a plain LRU of the same bound does significantly better. Written apart from the store's code
 * on purpose; it shares only the hash function (and the sketch's layout, so that collisions, and
 * so estimates, are the same).
 */
class ReferenceTinyLfu {
  readonly window = new Map<string, number>();
  readonly probation = new Map<string, number>();
  readonly protected = new Map<string, number>();
  readonly hashes = new Map<string, number>();
  windowMax: number;
  protectedMax: number;
  // Sketch: 8 counters per 32-bit word.
  counters: number[];
  sampleSize: number;
  additions = 0;
  // Table capacity of the store (it grows by doubling, and the sketch with it), and its high-water mark.
  capacity: number;
  used = 0;
  random: number;
  // Candidates turned away in a row.
  rejections = 0;
  hits = 0;
  windowHits = 0;
  requests = 0;
  readonly period: number;
  // Candidates turned away in the current sample, by hash bucket, and writes of them since.
  readonly rejected = new Set<number>();
  readonly rejectedBuckets: number;
  regrets = 0;
  falseRegrets = 0;
  // A plain LRU of the same bound over the hashes (the store samples every key at these bounds),
  // and the requests where it and the policy disagreed (decayed by half each sample).
  readonly lru = new Map<number, true>();
  lruAhead = 0;
  lruBehind = 0;
  // Whether the current sample evicted (full, even if deletes brought the size down since).
  evicted = false;

  constructor(
    readonly maximum: number,
    seed: number,
  ) {
    this.windowMax = Math.max(1, maximum - Math.floor(maximum * 0.99));
    this.protectedMax = Math.floor((maximum - this.windowMax) * 0.8);
    this.capacity = Math.min(maximum, 16);
    this.counters = new Array<number>(wordsOf(this.sketchEntries) * 8).fill(0);
    this.sampleSize = 10 * this.sketchEntries;
    this.random = mix32(seed ^ 0x2545f491) | 1;
    this.period = Math.max(256, maximum);
    let buckets = 64;
    while (buckets < maximum * 4) buckets *= 2;
    this.rejectedBuckets = buckets;
  }

  get size(): number {
    return this.window.size + this.probation.size + this.protected.size;
  }

  /** The sketch is sized for a small bound (up to 4,096 entries) from the start, else for the table. */
  get sketchEntries(): number {
    return this.maximum <= 4_096 ? this.maximum : this.capacity;
  }

  get(key: string): number | undefined {
    for (const [list, name] of [[this.window, 'window'], [this.probation, 'probation'], [this.protected, 'protected']] as const) {
      const value = list.get(key);
      if (value === undefined) continue;
      this.increment(this.hashes.get(key) as number);
      if (!this.shadow(this.hashes.get(key) as number)) this.lruBehind++;
      if (name === 'window') this.windowHits++;
      list.delete(key);
      if (name === 'probation') {
        this.protected.set(key, value);
        this.demote();
      } else {
        list.set(key, value);
      }
      this.hits++;
      this.request();
      return value;
    }
    this.request();
    return undefined;
  }

  set(key: string, hash: number, value: number): void {
    const held = this.delete(key);
    this.increment(hash);
    if (this.shadow(hash) !== held) {
      if (held) this.lruBehind++;
      else this.lruAhead++;
    }
    const bucket = hash & (this.rejectedBuckets - 1);
    this.falseRegrets += this.rejected.size / this.rejectedBuckets;
    if (this.rejected.delete(bucket)) this.regrets++;
    if (this.size >= this.maximum) this.remove(this.victim());
    // The store's table grows when every slot handed out is held and it is at capacity.
    if (this.size === this.used) {
      if (this.used === this.capacity) this.grow(Math.min(this.maximum, this.capacity * 2));
      this.used++;
    }
    this.hashes.set(key, hash);
    this.window.set(key, value);
    while (this.window.size > this.windowMax) this.moveOldest(this.window, this.probation);
  }

  delete(key: string): boolean {
    const had = this.window.has(key) || this.probation.has(key) || this.protected.has(key);
    this.remove(key);
    return had;
  }

  deleteWhere(test: (key: string) => boolean): void {
    for (const list of [this.window, this.probation, this.protected]) for (const key of [...list.keys()]) if (test(key)) this.remove(key);
  }

  remove(key: string): void {
    this.window.delete(key);
    this.probation.delete(key);
    this.protected.delete(key);
    this.hashes.delete(key);
  }

  victim(): string {
    this.evicted = true;
    const oldest = (list: Map<string, number>): string | undefined => list.keys().next().value;
    const candidate = this.window.size >= this.windowMax ? oldest(this.window) : undefined;
    const victim = oldest(this.probation) ?? oldest(this.protected);
    if (candidate === undefined) return victim ?? (oldest(this.window) as string);
    if (victim === undefined) return candidate;
    const candidateFrequency = this.frequency(this.hashes.get(candidate) as number);
    let admit = candidateFrequency > this.frequency(this.hashes.get(victim) as number);
    if (!admit && candidateFrequency >= 6) {
      let x = this.random;
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      this.random = x;
      admit = (x & 127) === 0;
    }
    if (!admit) {
      this.rejected.add((this.hashes.get(candidate) as number) & (this.rejectedBuckets - 1));
      // After 16 candidates in a row turned away, the victim moves to its segment's recent end.
      if (++this.rejections >= 16) {
        this.rejections = 0;
        const list = this.probation.has(victim) ? this.probation : this.protected;
        const value = list.get(victim) as number;
        list.delete(victim);
        list.set(victim, value);
      }
      return candidate;
    }
    this.rejections = 0;
    this.moveOldest(this.window, this.probation);
    return victim;
  }

  moveOldest(from: Map<string, number>, to: Map<string, number>): void {
    const [key, value] = from.entries().next().value as [string, number];
    from.delete(key);
    to.set(key, value);
  }

  /** A request of `hash` in the LRU simulation: whether it was held. */
  shadow(hash: number): boolean {
    const held = this.lru.delete(hash);
    this.lru.set(hash, true);
    if (this.lru.size > this.maximum) this.lru.delete(this.lru.keys().next().value as number);
    return held;
  }

  demote(): void {
    while (this.protected.size > this.protectedMax) this.moveOldest(this.protected, this.probation);
  }

  request(): void {
    if (++this.requests < this.period) return;
    // The window is credited with the turned-away candidates written again too.
    // (less those that keys never turned away would find by chance).
    const windowHits = this.windowHits + Math.max(0, this.regrets - this.falseRegrets);
    const mainHits = this.hits - this.windowHits;
    this.hits = this.windowHits = this.requests = this.regrets = this.falseRegrets = 0;
    this.rejected.clear();
    const full = this.evicted || this.size >= this.maximum;
    this.evicted = false;
    if (!full) return;
    // The simulated LRU significantly ahead (McNemar): grow the window by a tenth of the bound.
    if (this.lruAhead - this.lruBehind > 2.5 * Math.sqrt(this.lruAhead + this.lruBehind)) {
      this.lruAhead = this.lruBehind = 0;
      this.resize(Math.min(this.maxWindow, Math.round(this.windowMax + 0.1 * this.maximum)));
      return;
    }
    this.lruAhead /= 2;
    this.lruBehind /= 2;
    // Toward equal hits per entry in window and main region, by the log of their ratio.
    const error = Math.log((windowHits + 0.5) / this.windowMax / ((mainHits + 0.5) / Math.max(1, this.maximum - this.windowMax)));
    const step = Math.sign(error) * Math.min(0.3 * this.maximum, Math.abs(error) * 0.03 * this.maximum);
    this.resize(Math.min(this.maxWindow, Math.max(this.minWindow, Math.round(this.windowMax + step))));
  }

  get minWindow(): number {
    return Math.max(1, Math.floor(this.maximum * 0.02));
  }

  /** The main region keeps at least 1% of the bound. */
  get maxWindow(): number {
    return Math.max(this.minWindow, this.maximum - Math.max(1, Math.floor(this.maximum * 0.01)));
  }

  resize(window: number): void {
    if (window === this.windowMax) return;
    this.windowMax = window;
    this.protectedMax = Math.floor((this.maximum - window) * 0.8);
    while (this.window.size > window) this.moveOldest(this.window, this.probation);
    this.demote();
  }

  // --- sketch: blocks of 16 words; a key's i-th counter is in the i-th quarter of its block.
  positions(hash: number): number[] {
    const words = this.counters.length / 8;
    const block = (hash & (words / 16 - 1)) * 16;
    let spread = Math.imul(hash, 0x31848bab);
    spread ^= spread >>> 14;
    return [0, 1, 2, 3].map((i) => {
      const bits = spread >>> (8 * i);
      return (block + 4 * i + (bits & 3)) * 8 + ((bits >>> 2) & 7);
    });
  }

  frequency(hash: number): number {
    return Math.min(...this.positions(hash).map((at) => this.counters[at] as number));
  }

  /** Conservative update: only the counters at the estimate go up. */
  increment(hash: number): void {
    const least = this.frequency(hash);
    if (least === 15) return;
    for (const at of this.positions(hash)) if (this.counters[at] === least) this.counters[at] = least + 1;
    if (++this.additions < this.sampleSize) return;
    const odd = this.counters.filter((count) => count % 2 === 1).length;
    this.counters = this.counters.map((count) => count >> 1);
    this.additions = Math.max(0, (this.additions - (odd >>> 2)) >>> 1);
  }

  grow(capacity: number): void {
    this.capacity = capacity;
    this.sampleSize = 10 * this.sketchEntries;
    const words = wordsOf(this.sketchEntries);
    const old = this.counters;
    if (words * 8 <= old.length) return;
    this.counters = Array.from({ length: words * 8 }, (_, i) => old[i % old.length] as number);
  }
}

/** Words of the sketch for `entries`: two per entry, four up to 16,384 words, rounded up to a power of two, at least 16. */
function wordsOf(entries: number): number {
  let words = 16;
  while (words < entries * 2 || (words < entries * 4 && words < 16_384)) words *= 2;
  return words;
}
