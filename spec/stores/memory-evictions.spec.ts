/**
 * The memory store's eviction reports (Store.onEvict, the Cache's `evict` event and
 * `stats().evictions`), its time-to-idle and its size bounds, under both policies, on a fake clock.
 */
import { expect } from 'chai';
import sinon from 'sinon';
import { createCache } from '../../lib/cache/cache.js';
import type { CacheEventMap } from '../../lib/cache/events.js';
import { InvalidOptionError, InvalidTtlError } from '../../lib/core/errors.js';
import { MemoryStore, type MemoryStoreOptions } from '../../lib/stores/memory.js';
import type { StoreEviction, StoreNotice } from '../../lib/stores/store.js';
import { thrown } from '../helpers/thrown.js';

const TTL = { ttlMs: 60_000 };

/** A store with a fixed hash seed, and the drops it reports. */
function watched(options: MemoryStoreOptions): { store: MemoryStore; drops: StoreEviction[] } {
  const store = new MemoryStore(options, { hashSeed: 1 });
  const drops: StoreEviction[] = [];
  store.onEvict((eviction) => drops.push(eviction));
  return { store, drops };
}

describe('memoryStore evictions, timeToIdle and size bounds', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    clock.restore();
  });

  for (const policy of ['tinylfu', 'lru'] as const) {
    describe(`policy '${policy}'`, () => {
      it('reports an entry pushed out by maxEntries as capacity (and nothing while unobserved)', () => {
        const { store, drops } = watched({ maxEntries: 2, policy });
        store.set('ns', 'a', 1, TTL);
        store.set('ns', 'b', 2, TTL);
        expect(drops).to.deep.equal([]);
        store.set('ns', 'c', 3, TTL);
        // LRU drops the oldest; W-TinyLFU turns away the window's candidate b (seen as often as a).
        expect(drops).to.deep.equal([{ key: policy === 'lru' ? 'ns:a' : 'ns:b', cause: 'capacity' }]);
        expect(store.stats.evictions).to.equal(1);
        store.onEvict(undefined);
        store.set('ns', 'd', 4, TTL);
        expect(drops).to.have.length(1);
        expect(store.stats.evictions).to.equal(2);
      });

      it('reports expired entries found by a lookup, the sweep of writes and purgeExpired', async () => {
        const { store, drops } = watched({ maxEntries: 100, policy });
        store.set('ns', 'a', 1, { ttlMs: 1_000 });
        store.set('ns', 'b', 2, { ttlMs: 1_000, staleMs: 500 });
        store.set('', 'c', 3, { ttlMs: 1_000 });
        await clock.tickAsync(1_000);
        expect(store.get('ns', 'a')).to.equal(undefined);
        expect(drops).to.deep.equal([{ key: 'ns:a', cause: 'expired' }]);
        // b is in its stale window: live, not dropped.
        expect(store.get('ns', 'b')?.value).to.equal(2);
        await clock.tickAsync(500);
        expect(store.purgeExpired()).to.equal(2);
        expect(drops.slice(1).map((drop) => drop.key).sort()).to.deep.equal(['c', 'ns:b']);
        expect(drops.every((drop) => drop.cause === 'expired')).to.equal(true);
        store.set('ns', 'd', 4, { ttlMs: 1_000 });
        await clock.tickAsync(1_000);
        store.set('ns', 'e', 5, TTL);
        expect(drops.slice(3)).to.deep.equal([{ key: 'ns:d', cause: 'expired' }]);
        expect(store.size).to.equal(1);
      });

      it('reports invalidated entries when they are reclaimed; clear() reports every entry at once', () => {
        const { store, drops } = watched({ maxEntries: 100, policy });
        store.set('ns', 'a', 1, { ...TTL, tags: ['t'] });
        store.set('ns', 'b', 2, TTL);
        store.set('other', 'c', 3, TTL);
        store.invalidateTags(['t']);
        store.deleteNamespace('other');
        // Lazy: nothing is dropped yet.
        expect(drops).to.deep.equal([]);
        expect(store.get('ns', 'a')).to.equal(undefined);
        expect(drops).to.deep.equal([{ key: 'ns:a', cause: 'invalidated' }]);
        expect(store.purgeExpired()).to.equal(1);
        expect(drops.slice(1)).to.deep.equal([{ key: 'other:c', cause: 'invalidated' }]);
        store.set('ns', 'd', 4, TTL);
        store.clear();
        expect(drops.slice(2).map((drop) => `${drop.key} ${drop.cause}`).sort()).to.deep.equal(['ns:b invalidated', 'ns:d invalidated']);
        expect(store.size).to.equal(0);
      });

      it('reports an overwritten entry as replaced; delete and expire by the application are not evictions', () => {
        const { store, drops } = watched({ maxEntries: 100, policy });
        store.set('ns', 'a', 1, TTL);
        store.set('ns', 'a', 2, TTL);
        expect(drops).to.deep.equal([{ key: 'ns:a', cause: 'replaced' }]);
        store.setMany([{ namespace: 'ns', id: 'a', value: 3, ...TTL }]);
        expect(drops).to.have.length(2);
        expect(store.delete('ns', 'a')).to.equal(true);
        store.set('ns', 'b', 1, TTL);
        expect(store.expire('ns', 'b')).to.equal(true);
        expect(drops).to.have.length(2);
      });

      it('an overwrite of a dead entry reports the cause that killed it', async () => {
        const { store, drops } = watched({ maxEntries: 100, policy });
        store.set('ns', 'a', 1, { ttlMs: 10 });
        await clock.tickAsync(10);
        store.set('ns', 'a', 2, TTL);
        expect(drops).to.deep.equal([{ key: 'ns:a', cause: 'expired' }]);
      });

      it('timeToIdle: an entry not read for that long leaves as idle; a hit restarts it', async () => {
        const { store, drops } = watched({ maxEntries: 100, policy, timeToIdle: '1s' });
        expect(store.timeToIdleMs).to.equal(1_000);
        store.set('ns', 'a', 1, TTL);
        store.set('ns', 'b', 2, TTL);
        for (let i = 0; i < 3; i++) {
          await clock.tickAsync(999);
          expect(store.get('ns', 'a')?.value).to.equal(1);
        }
        expect(store.get('ns', 'b')).to.equal(undefined);
        expect(drops).to.deep.equal([{ key: 'ns:b', cause: 'idle' }]);
        await clock.tickAsync(1_000);
        expect(store.purgeExpired()).to.equal(1);
        expect(drops.slice(1)).to.deep.equal([{ key: 'ns:a', cause: 'idle' }]);
        // A TTL shorter than the idle time ends first: expired.
        store.set('ns', 'c', 3, { ttlMs: 500 });
        await clock.tickAsync(600);
        expect(store.get('ns', 'c')).to.equal(undefined);
        expect(drops.slice(2)).to.deep.equal([{ key: 'ns:c', cause: 'expired' }]);
        // A write restarts the idle time as well.
        store.set('ns', 'd', 4, TTL);
        await clock.tickAsync(900);
        store.set('ns', 'd', 5, TTL);
        await clock.tickAsync(900);
        expect(store.get('ns', 'd')?.value).to.equal(5);
        expect(drops.slice(3)).to.deep.equal([{ key: 'ns:d', cause: 'replaced' }]);
      });

      it('maxSize: entries leave by the policy until the total fits; the total follows replacements and removals', () => {
        const { store, drops } = watched({ maxEntries: 100, policy, maxSize: 10, sizeOf: (value) => (value as string).length });
        store.set('ns', 'a', 'aaaa', TTL);
        store.set('ns', 'b', 'bbbb', TTL);
        expect(store.stats.totalSize).to.equal(8);
        store.set('ns', 'c', 'cccc', TTL);
        expect(drops).to.have.length(1);
        expect(drops[0]?.cause).to.equal('capacity');
        expect(store.stats.totalSize).to.equal(8);
        expect(store.size).to.equal(2);
        // A large write pushes out both others.
        store.set('ns', 'd', 'dddddddddd', TTL);
        expect(drops.map((drop) => drop.cause)).to.deep.equal(['capacity', 'capacity', 'capacity']);
        expect([store.size, store.stats.totalSize]).to.deep.equal([1, 10]);
        store.set('ns', 'd', 'dd', TTL);
        expect(store.stats.totalSize).to.equal(2);
        expect(drops[3]).to.deep.equal({ key: 'ns:d', cause: 'replaced' });
        store.delete('ns', 'd');
        expect(store.stats.totalSize).to.equal(0);
        store.set('ns', 'e', 'e', TTL);
        store.clear();
        expect(store.stats.totalSize).to.equal(0);
      });

      it('maxEntrySize: a larger value is not kept, what the key held is dropped, and a notice says why', () => {
        const { store, drops } = watched({ maxEntries: 100, policy, maxSize: 100, maxEntrySize: 5, sizeOf: (value, key) => (value as string).length + key.length - key.length });
        const notices: StoreNotice[] = [];
        store.onNotice((notice) => notices.push(notice));
        store.set('ns', 'a', 'aaa', TTL);
        store.set('ns', 'a', 'aaaaaa', TTL);
        expect(store.get('ns', 'a')).to.equal(undefined);
        expect(drops).to.deep.equal([{ key: 'ns:a', cause: 'replaced' }]);
        expect(notices).to.have.length(1);
        expect(notices[0]).to.include({ type: 'too-large', key: 'ns:a', size: 6, limit: 5 });
        expect(store.stats).to.include({ tooLarge: 1, totalSize: 0, entries: 0 });
        // maxSize alone refuses a value larger than itself.
        const bounded = new MemoryStore({ policy, maxSize: 3, sizeOf: (value) => (value as string).length });
        bounded.set('ns', 'x', 'xxxx', TTL);
        expect([bounded.size, bounded.stats.tooLarge, bounded.maxEntrySize]).to.deep.equal([0, 1, 3]);
      });
    });
  }

  describe('through the Cache', () => {
    it("emits evict { key, cause } and counts stats().evictions; the store is asked only while someone listens", async () => {
      const store = new MemoryStore({ maxEntries: 1, policy: 'lru' });
      const onEvict = sinon.spy(store, 'onEvict');
      const cache = createCache({ store, ttl: '1m' });
      expect(onEvict.callCount).to.equal(0);
      const seen: Array<CacheEventMap['evict']> = [];
      const first = cache.on('evict', (payload) => seen.push(payload));
      const second = cache.on('evict', () => {});
      expect(onEvict.callCount).to.equal(1);
      expect(onEvict.firstCall.args[0]).to.be.a('function');
      await cache.set('ns:a', 1);
      await cache.set('ns:b', 2);
      await cache.set('ns:b', 3);
      expect(seen).to.deep.equal([
        { key: 'ns:a', cause: 'capacity' },
        { key: 'ns:b', cause: 'replaced' },
      ]);
      expect(cache.stats().evictions).to.equal(2);
      first();
      expect(onEvict.callCount).to.equal(1);
      second();
      expect(onEvict.callCount).to.equal(2);
      expect(onEvict.secondCall.args[0]).to.equal(undefined);
      await cache.set('ns:c', 4);
      expect(cache.stats().evictions).to.equal(2);
      await cache.close();
    });

    it("a value too large is refused with store-skipped 'too-large'; the caller still gets it", async () => {
      const store = new MemoryStore({ maxEntrySize: 4, sizeOf: (value) => JSON.stringify(value).length });
      const cache = createCache({ store, ttl: '1m' });
      const skipped: Array<CacheEventMap['store-skipped']> = [];
      cache.on('store-skipped', (payload) => skipped.push(payload));
      let loads = 0;
      const loader = (): string => {
        loads++;
        return 'a long value';
      };
      expect(await cache.getOrSet('ns:k', loader)).to.equal('a long value');
      expect(await cache.getOrSet('ns:k', loader)).to.equal('a long value');
      expect(loads).to.equal(2);
      expect(skipped).to.deep.equal([
        { key: 'ns:k', reason: 'too-large', size: 14, limit: 4 },
        { key: 'ns:k', reason: 'too-large', size: 14, limit: 4 },
      ]);
      expect(cache.stats().decodeErrors).to.equal(0);
      await cache.close();
    });

    it("sizeOf is given the plain value under immutability: 'clone'", async () => {
      const sizes: unknown[] = [];
      const store = new MemoryStore({ maxSize: 100, sizeOf: (value) => (sizes.push(value), 1) });
      const cache = createCache({ store, ttl: '1m', immutability: 'clone' });
      await cache.set('ns:k', { n: 1 });
      expect(sizes).to.deep.equal([{ n: 1 }]);
      await cache.close();
    });
  });

  describe('maxSize instead of maxEntries', () => {
    const one = (): number => 1;

    it('without maxEntries, the size bound alone limits the store: past 10,000 entries when they are small', () => {
      for (const policy of ['tinylfu', 'lru'] as const) {
        const store = new MemoryStore({ policy, maxSize: 25_000, sizeOf: one }, { hashSeed: 1 });
        expect(store.maxEntries).to.equal(Infinity);
        for (let k = 0; k < 30_000; k++) store.set('ns', `k${k}`, k, TTL);
        expect(store.size, policy).to.equal(25_000);
        expect(store.stats.totalSize, policy).to.equal(25_000);
        expect(store.stats.evictions, policy).to.equal(5_000);
      }
    });

    it('maxEntries: Infinity says the same explicitly; a finite maxEntries still applies alongside', () => {
      expect(new MemoryStore({ maxEntries: Infinity, maxSize: 10, sizeOf: one }).maxEntries).to.equal(Infinity);
      const both = new MemoryStore({ maxEntries: 3, maxSize: 10, sizeOf: one });
      for (let k = 0; k < 5; k++) both.set('ns', `k${k}`, k, TTL);
      expect(both.size).to.equal(3);
      const error = thrown(() => new MemoryStore({ maxEntries: Infinity }));
      expect(error).to.be.instanceOf(InvalidOptionError);
      expect((error as Error).message).to.match(/"maxEntries" is Infinity; .*none when "maxSize" is given/);
    });

    it('W-TinyLFU is sized for the entries the size bound lets in, as their sizes change', () => {
      let weight = 1;
      const store = new MemoryStore({ maxSize: 2_000, sizeOf: () => weight }, { hashSeed: 1 });
      for (let k = 0; k < 5_000; k++) store.set('ns', `a${k}`, k, TTL);
      const tinylfu = store.tinylfu!;
      expect(store.size).to.equal(2_000);
      expect(tinylfu.maximum).to.be.within(2_000, 2_500);
      expect(tinylfu.windowMax).to.be.within(1, 2_000 * 0.1);
      // Values four times larger: a quarter as many fit, and the policy follows.
      // (read a few times each, so that the admission filter lets them in over the one-off a's).
      weight = 4;
      for (let k = 0; k < 5_000; k++) {
        store.set('ns', `b${k}`, k, TTL);
        for (let r = 0; r < 3; r++) store.get('ns', `b${k}`);
      }
      expect(store.stats.totalSize).to.be.at.most(2_000);
      expect(store.size).to.be.below(700);
      expect(tinylfu.maximum).to.be.within(store.size, store.size * 1.25);
      expect(tinylfu.protectedMax).to.be.below(tinylfu.maximum);
    });

    it('stays frequency-aware with the size bound alone: a hot set survives a scan that flushes LRU', () => {
      const hotHits = (policy: 'tinylfu' | 'lru'): number => {
        const store = new MemoryStore({ policy, maxSize: 100, sizeOf: one }, { hashSeed: 1 });
        let hits = 0;
        let scan = 0;
        for (let round = 0; round < 200; round++) {
          for (let h = 0; h < 50; h++) {
            if (store.get('ns', `hot${h}`) !== undefined) {
              if (round >= 100) hits++;
            } else {
              store.set('ns', `hot${h}`, h, TTL);
            }
          }
          for (let k = 0; k < 200; k++) if (store.get('ns', `scan${scan}`) === undefined) store.set('ns', `scan${scan++}`, k, TTL);
        }
        return hits / (100 * 50);
      };
      expect(hotHits('lru')).to.equal(0);
      expect(hotHits('tinylfu')).to.be.above(0.9);
    });
  });

  describe('validation at creation', () => {
    const invalid: Array<[MemoryStoreOptions | Record<string, unknown>, typeof InvalidOptionError | typeof InvalidTtlError, RegExp]> = [
      [{ timeToIdle: 0 }, InvalidTtlError, /"timeToIdle" is 0; give a duration > 0/],
      [{ timeToIdle: -1 }, InvalidTtlError, /timeToIdle" is -1/],
      [{ timeToIdle: '5 m' }, InvalidTtlError, /does not parse/],
      [{ timeToIdle: null }, InvalidTtlError, /timeToIdle" is null/],
      [{ maxSize: 10 }, InvalidOptionError, /"maxSize" needs "sizeOf"/],
      [{ maxEntrySize: 10 }, InvalidOptionError, /"maxEntrySize" needs "sizeOf"/],
      [{ sizeOf: () => 1 }, InvalidOptionError, /"sizeOf" is given without "maxSize" or "maxEntrySize"/],
      [{ maxSize: 10, sizeOf: 'length' }, InvalidOptionError, /"sizeOf" is 'length'|"sizeOf" is "length"|"sizeOf" is .*give a function/],
      [{ maxSize: 0, sizeOf: () => 1 }, InvalidOptionError, /"maxSize" is 0; give a positive finite number/],
      [{ maxSize: Infinity, sizeOf: () => 1 }, InvalidOptionError, /"maxSize" is Infinity/],
      [{ maxSize: '10', sizeOf: () => 1 }, InvalidOptionError, /"maxSize" is/],
      [{ maxEntrySize: NaN, sizeOf: () => 1 }, InvalidOptionError, /"maxEntrySize" is NaN/],
    ];
    for (const [options, type, message] of invalid) {
      it(`rejects ${JSON.stringify(options, (_, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? String(value) : typeof value === 'function' ? 'fn' : value))}`, () => {
        const error = thrown(() => new MemoryStore(options as MemoryStoreOptions));
        expect(error).to.be.instanceOf(type);
        expect((error as Error).message).to.match(message);
      });
    }

    it('takes timeToIdle as a Duration (Infinity: none) and the size options', () => {
      expect(new MemoryStore({ timeToIdle: 250 }).timeToIdleMs).to.equal(250);
      expect(new MemoryStore({ timeToIdle: '2m' }).timeToIdleMs).to.equal(120_000);
      expect(new MemoryStore({ timeToIdle: Infinity }).timeToIdleMs).to.equal(0);
      expect(new MemoryStore().timeToIdleMs).to.equal(0);
      const store = new MemoryStore({ maxSize: 1_000, maxEntrySize: 100, sizeOf: () => 1 });
      expect([store.maxSize, store.maxEntrySize]).to.deep.equal([1_000, 100]);
      expect([new MemoryStore().maxSize, new MemoryStore().maxEntrySize]).to.deep.equal([Infinity, Infinity]);
    });

    it('a write whose sizeOf answers no finite number >= 0 throws InvalidOptionError and writes nothing', () => {
      const store = new MemoryStore({ maxSize: 10, sizeOf: (value) => value as number });
      for (const size of [NaN, -1, Infinity, '3']) {
        const error = thrown(() => store.set('ns', 'k', size, TTL));
        expect(error).to.be.instanceOf(InvalidOptionError);
        expect((error as Error).message).to.match(/sizeOf answered .* for "ns:k"; it must answer a finite number >= 0/);
      }
      expect(thrown(() => store.setMany([{ namespace: 'ns', id: 'a', value: 1, ...TTL }, { namespace: 'ns', id: 'b', value: -1, ...TTL }]))).to.be.instanceOf(InvalidOptionError);
      expect(store.size).to.equal(0);
    });
  });
});
