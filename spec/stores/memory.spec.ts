import { expect } from 'chai';
import sinon from 'sinon';
import { CacheClosedError, CacheflightError, InvalidOptionError, InvalidTtlError } from '../../lib/core/errors.js';
import { DEFAULT_MAX_ENTRIES, type MemoryStore, type MemoryStoreOptions, memoryStore, memoryStore as createMemoryStore } from '../../lib/stores/memory.js';
import { describeStoreConformance } from './conformance.js';
import { mulberry32 } from '../helpers/random-values.js';
import { thrown } from '../helpers/thrown.js';

describeStoreConformance('memoryStore()', () => memoryStore());
describeStoreConformance('memoryStore({ maxEntries: 50 })', () => memoryStore({ maxEntries: 50, name: 'small' }));
describeStoreConformance("memoryStore({ policy: 'lru' })", () => memoryStore({ policy: 'lru' }));
describeStoreConformance("memoryStore({ policy: 'lru', maxEntries: 50 })", () => memoryStore({ policy: 'lru', maxEntries: 50, name: 'small' }));

describe('memoryStore', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    clock.restore();
  });

  describe('options', () => {
    it('defaults to a bounded store named "memory"', async () => {
      const store = memoryStore();
      expect(store.name).to.equal('memory');
      expect(store.maxEntries).to.equal(DEFAULT_MAX_ENTRIES).and.equal(10_000);
      expect(store.sharesReferences).to.equal(true);
      expect(await store.health()).to.deep.equal({
        ok: true,
        store: 'memory',
        latencyMs: 0,
        details: { entries: 0, maxEntries: 10_000 },
      });
      expect(memoryStore({}).maxEntries).to.equal(10_000);
      expect(memoryStore({ maxEntries: undefined, name: undefined }).name).to.equal('memory');
    });

    it('takes maxEntries and name', () => {
      const store = memoryStore({ maxEntries: 1, name: 'l1' });
      expect([store.maxEntries, store.name]).to.deep.equal([1, 'l1']);
      expect(memoryStore({ maxEntries: Number.MAX_SAFE_INTEGER }).maxEntries).to.equal(Number.MAX_SAFE_INTEGER);
    });

    const badMaxEntries: Array<[unknown, string]> = [
      [0, '0'],
      [-5, '-5'],
      [1.5, '1.5'],
      [NaN, 'NaN'],
      [Infinity, 'Infinity'],
      [2 ** 53, `${2 ** 53}`],
      ['100', 'the string "100"'],
      [100n, 'the bigint 100n'],
      [null, 'null'],
      [{}, 'an object'],
    ];
    for (const [value, shown] of badMaxEntries) {
      const given = `is ${shown};`;
      it(`rejects maxEntries ${shown}, naming the option, the value and what is accepted`, () => {
        const error = thrown(() => memoryStore({ maxEntries: value as number }));
        expect(error).to.be.instanceOf(InvalidOptionError).and.instanceOf(CacheflightError);
        expect((error as InvalidOptionError).code).to.equal('E_INVALID_OPTION');
        expect(error.message).to.contain('"maxEntries"').and.contain(given).and.contain('positive safe integer');
      });
    }

    it('rejects an unknown option, with a hint for a near miss', () => {
      const typo = thrown(() => memoryStore({ maxEntires: 10 } as never));
      expect((typo as InvalidOptionError).code).to.equal('E_INVALID_OPTION');
      expect(typo.message).to.equal(
        'memoryStore option "maxEntires" is not known (did you mean "maxEntries"?); accepted options: maxEntries, name, policy, timeToIdle, maxSize, sizeOf, maxEntrySize.',
      );
      const unrelated = thrown(() => memoryStore({ ttl: '5m' } as never));
      expect(unrelated.message).to.equal('memoryStore option "ttl" is not known; accepted options: maxEntries, name, policy, timeToIdle, maxSize, sizeOf, maxEntrySize.');
    });

    it('rejects a name that is not a non-empty string', () => {
      for (const [name, given] of [[5, 'is 5;'], ['', 'is the string "";']] as const) {
        const error = thrown(() => memoryStore({ name: name as string }));
        expect((error as InvalidOptionError).code).to.equal('E_INVALID_OPTION');
        expect(error.message).to.contain('"name"').and.contain(given).and.contain('non-empty string');
      }
    });

    it('rejects options that are not an object', () => {
      for (const [options, given] of [[null, 'null'], [[], 'an array'], ['big', 'the string "big"'], [42, '42']] as const) {
        const error = thrown(() => memoryStore(options as never));
        expect((error as InvalidOptionError).code).to.equal('E_INVALID_OPTION');
        expect(error.message).to.contain('must be an object').and.contain(`not ${given}.`);
      }
    });
  });

  for (const policy of ['tinylfu', 'lru'] as const) {
    describe(`policy '${policy}'`, () => {
      /** The store under test: `policy` unless the options name another. */
      const memoryStore = (options?: MemoryStoreOptions): MemoryStore => createMemoryStore({ policy, ...options });

    describe('synchronous answers', () => {
      it('answers every data method without a promise', () => {
        const store = memoryStore();
        const answers = [
          store.set('ns', 'a', 1, { ttlMs: 1000 }),
          store.get('ns', 'a'),
          store.getMany([['ns', 'a']]),
          store.setMany([{ namespace: 'ns', id: 'b', value: 2, ttlMs: 1000 }]),
          store.delete('ns', 'b'),
          store.deleteMany([['ns', 'a']]),
          store.deleteNamespace('ns'),
          store.invalidateTags(['t']),
          store.clear(),
          store.purgeExpired(),
        ];
        for (const answer of answers) expect(answer).to.not.be.instanceOf(Promise);
      });
    });

    describe('references and allocation', () => {
      it('get returns the very value that was set', () => {
        const store = memoryStore();
        const value = { id: 1, tags: ['x'] };
        store.set('ns', 'a', value, { ttlMs: 1000 });
        expect(store.get('ns', 'a')?.value).to.equal(value);
        expect(store.getMany([['ns', 'a']])[0]?.value).to.equal(value);
      });

      it('an entry handed out is not changed by a later overwrite', () => {
        const store = memoryStore();
        store.set('ns', 'a', 'old', { ttlMs: 1000 });
        const old = store.get('ns', 'a');
        store.set('ns', 'a', 'new', { ttlMs: 5000 });
        expect(old).to.include({ value: 'old', expiresAt: 1_001_000 });
        expect(store.get('ns', 'a')).to.include({ value: 'new', expiresAt: 1_005_000 });
      });
    });

    describe('TTL and reclaiming', () => {
      it('returns an entry until its expiry and never at or after it', async () => {
        const store = memoryStore();
        store.set('ns', 'a', 'v', { ttlMs: 1000 });
        store.set('ns', 'f', 'v', { ttlMs: 0.5 });
        expect(store.get('ns', 'a')?.expiresAt).to.equal(1_001_000);
        expect(store.get('ns', 'f')?.expiresAt).to.equal(1_000_000.5);
        await clock.tickAsync(1);
        expect(store.get('ns', 'f')).to.equal(undefined);
        await clock.tickAsync(998);
        expect(store.get('ns', 'a')?.value).to.equal('v');
        await clock.tickAsync(1);
        expect(store.get('ns', 'a')).to.equal(undefined);
        expect(store.size).to.equal(0); // freed on access
      });

      it('rejects a TTL that is not a number > 0, and setMany then writes nothing', () => {
        const store = memoryStore();
        for (const ttlMs of [0, -1, NaN, '5' as unknown as number, undefined as unknown as number]) {
          const error = thrown(() => store.set('ns', 'a', 1, { ttlMs }));
          expect(error).to.be.instanceOf(InvalidTtlError);
          expect(error.message).to.contain('"ns:a"').and.contain('> 0');
        }
        expect(() =>
          store.setMany([
            { namespace: 'ns', id: 'ok', value: 1, ttlMs: 10 },
            { namespace: 'ns', id: 'bad', value: 2, ttlMs: -1 },
          ]),
        ).to.throw(InvalidTtlError);
        expect(store.size).to.equal(0);
      });

      it('frees expired entries through the sweep on writes, without ever reading them', async () => {
        const store = memoryStore();
        for (let i = 0; i < 1_000; i++) store.set('old', `${i}`, i, { ttlMs: 100 });
        await clock.tickAsync(200);
        expect(store.size).to.equal(1_000); // nothing reads them, nothing frees them yet
        for (let i = 0; i < 500; i++) store.set('new', `${i}`, i, { ttlMs: Infinity });
        const afterSome = store.size;
        expect(afterSome).to.be.below(1_500);
        for (let i = 500; i < 2_000; i++) store.set('new', `${i}`, i, { ttlMs: Infinity });
        expect(store.size).to.equal(2_000);
        expect(store.stats).to.include({ reclaimed: 1_000, evictions: 0, namespaces: 1 });
      });

      it('the sweep spares a live entry from eviction when a stale one can go', async () => {
        const store = memoryStore({ maxEntries: 2 });
        store.set('ns', 'live', 'v', { ttlMs: Infinity });
        store.set('ns', 'short', 'v', { ttlMs: 10 });
        await clock.tickAsync(20);
        store.set('ns', 'new', 'v', { ttlMs: Infinity });
        expect(store.get('ns', 'live')?.value).to.equal('v');
        expect(store.stats.evictions).to.equal(0);
      });

      it('counts entries in their stale and grace windows against the bound, and frees them when the last window ends', async () => {
        const store = memoryStore({ maxEntries: 3 });
        store.set('ns', 'a', 'A', { ttlMs: 100, staleMs: 100, graceMs: 100 });
        store.set('ns', 'b', 'B', { ttlMs: 100, graceMs: 1_000 });
        await clock.tickAsync(250);
        expect(store.size).to.equal(2);
        expect(store.get('ns', 'a')).to.deep.include({ value: 'A', expiresAt: 1_000_100, staleMs: 100, graceMs: 100 });
        // In grace, still live: counted against the bound, so one entry is evicted (under LRU,
        // the least recently used one, b).
        store.set('ns', 'c', 'C', { ttlMs: Infinity });
        store.set('ns', 'd', 'D', { ttlMs: Infinity });
        expect(store.size).to.equal(3);
        if (policy === 'lru') expect(store.get('ns', 'b')).to.equal(undefined);
        expect(store.stats.evictions).to.equal(1);
        await clock.tickAsync(50);
        expect(store.purgeExpired()).to.equal(1);
        expect(store.get('ns', 'a')).to.equal(undefined);
        expect(store.size).to.equal(2);
      });

      it('rejects windows that are not finite numbers >= 0', () => {
        const store = memoryStore();
        for (const bad of [-1, NaN, Infinity, '5' as unknown as number]) {
          for (const name of ['staleMs', 'graceMs', 'loadMs'] as const) {
            const error = thrown(() => store.set('ns', 'a', 1, { ttlMs: 10, [name]: bad }));
            expect(error).to.be.instanceOf(InvalidTtlError);
            expect(error.message).to.contain(name).and.contain('>= 0');
          }
        }
        expect(store.size).to.equal(0);
      });

      it('purgeExpired frees every stale entry and answers how many', async () => {
        const store = memoryStore();
        for (let i = 0; i < 100; i++) store.set('a', `${i}`, i, { ttlMs: 100 });
        for (let i = 0; i < 50; i++) store.set('b', `${i}`, i, { ttlMs: Infinity });
        for (let i = 0; i < 30; i++) store.set('c', `${i}`, i, { ttlMs: Infinity });
        store.deleteNamespace('c');
        await clock.tickAsync(150);
        const before = store.stats.reclaimed;
        expect(store.purgeExpired()).to.equal(100 + 30 - before);
        expect(store.size).to.equal(50);
        expect(store.purgeExpired()).to.equal(0);
      });
    });

    describe('namespaces and tags', () => {
      it('deleteNamespace does no scan: entries are invalidated at once and freed lazily', () => {
        const store = memoryStore();
        for (let i = 0; i < 100; i++) store.set('a', `${i}`, i, { ttlMs: Infinity });
        store.set('b', '0', 'b', { ttlMs: Infinity });
        store.deleteNamespace('a');
        expect(store.size).to.equal(101);
        expect(store.get('a', '5')).to.equal(undefined);
        expect(store.delete('a', '6')).to.equal(false);
        expect(store.get('b', '0')?.value).to.equal('b');
        // Unreachable at once, freed by the sweep (or here, purgeExpired).
        expect(store.size).to.equal(101);
        expect(store.purgeExpired()).to.equal(100);
        expect(store.size).to.equal(1);
      });

      it('invalidateTags marks tagged entries stale at once; untagged ones are untouched', () => {
        const store = memoryStore();
        store.set('ns', 'a', 1, { ttlMs: Infinity, tags: ['t', 't'] }); // repeated tag held once
        store.set('ns', 'b', 2, { ttlMs: Infinity });
        store.invalidateTags(['t']);
        expect(store.stats.tags).to.equal(0);
        expect(store.get('ns', 'a')).to.equal(undefined);
        expect(store.get('ns', 'b')?.value).to.equal(2);
      });

      it('forgets the state of namespaces and tags nothing refers to any more', async () => {
        const store = memoryStore({ maxEntries: 100 });
        for (let i = 0; i < 10_000; i++) store.set(`ns${i}`, 'k', i, { ttlMs: Infinity, tags: [`tag${i}`, 'shared'] });
        expect(store.stats).to.include({ entries: 100, namespaces: 100, tags: 101 });

        for (let i = 0; i < 10_000; i++) store.delete(`ns${i}`, 'k');
        expect(store.stats).to.include({ entries: 0, namespaces: 0, tags: 0 });

        // Invalidated state leaves the maps at once; stale nodes release it when freed.
        for (let i = 0; i < 50; i++) store.set('x', `${i}`, i, { ttlMs: Infinity, tags: ['t'] });
        store.deleteNamespace('x');
        store.invalidateTags(['t']);
        expect(store.stats).to.include({ namespaces: 0, tags: 0 });
        store.set('x', 'again', 1, { ttlMs: 10, tags: ['t'] });
        expect(store.stats).to.include({ namespaces: 1, tags: 1 });
        await clock.tickAsync(20);
        store.purgeExpired();
        expect(store.stats).to.include({ entries: 0, namespaces: 0, tags: 0 });

        // Unknown names create no state.
        store.deleteNamespace('nobody');
        store.invalidateTags(['nothing']);
        store.get('ghost', '1');
        expect(store.stats).to.include({ namespaces: 0, tags: 0 });
      });

      it('an overwrite releases the tags of the entry it replaces', () => {
        const store = memoryStore();
        store.set('ns', 'a', 1, { ttlMs: Infinity, tags: ['old'] });
        store.set('ns', 'a', 2, { ttlMs: Infinity, tags: ['new'] });
        expect(store.stats).to.include({ entries: 1, namespaces: 1, tags: 1 });
        store.clear();
        expect(store.stats).to.include({ entries: 0, namespaces: 0, tags: 0 });
      });
    });

    describe('close', () => {
      it('frees everything, reports not ok, and refuses further operations', async () => {
        const store: MemoryStore = memoryStore({ name: 'l1' });
        store.set('ns', 'a', 1, { ttlMs: Infinity, tags: ['t'] });
        await store.close();
        await store.close();
        expect(store.stats).to.include({ entries: 0, namespaces: 0, tags: 0 });
        const health = await store.health();
        expect(health).to.include({ ok: false, store: 'l1' });
        expect(health.error).to.contain('closed');
        const error = thrown(() => store.get('ns', 'a'));
        expect(error).to.be.instanceOf(CacheClosedError);
        expect(error.message).to.contain('"l1"').and.contain('get()');
        expect(() => store.set('ns', 'a', 1, { ttlMs: 1 })).to.throw(CacheClosedError);
        expect(store.purgeExpired()).to.equal(0);
      });
    });
    });
  }

  describe("policy 'lru': eviction order", () => {
    it('evicts the least recently used entry first; a get refreshes recency', () => {
      const store = memoryStore({ policy: 'lru', maxEntries: 3 });
      for (const id of ['a', 'b', 'c']) store.set('ns', `${id}`, id, { ttlMs: Infinity });
      store.get('ns', 'a');
      store.set('ns', 'd', 'd', { ttlMs: Infinity });
      expect(store.get('ns', 'b')).to.equal(undefined);
      expect(['a', 'c', 'd'].map((id) => store.get('ns', `${id}`)?.value)).to.deep.equal(['a', 'c', 'd']);
      // Recency now: a, c, d (oldest first). An overwrite refreshes too.
      store.set('ns', 'a', 'a2', { ttlMs: Infinity });
      store.set('ns', 'e', 'e', { ttlMs: Infinity });
      expect(store.get('ns', 'c')).to.equal(undefined);
      expect(store.stats.evictions).to.equal(2);
    });

    it('getMany refreshes recency as well', () => {
      const store = memoryStore({ policy: 'lru', maxEntries: 2 });
      store.set('ns', 'a', 'a', { ttlMs: Infinity });
      store.set('ns', 'b', 'b', { ttlMs: Infinity });
      store.getMany([['ns', 'a']]);
      store.set('ns', 'c', 'c', { ttlMs: Infinity });
      expect(store.getMany([['ns', 'a'], ['ns', 'b'], ['ns', 'c']]).map((entry) => entry?.value)).to.deep.equal(['a', undefined, 'c']);
    });

    it('agrees with a reference LRU over random sets, gets, deletes and namespace clears (slots grown, freed and reused)', () => {
      const rng = mulberry32(20261123);
      for (const maxEntries of [1, 7, 40]) {
        const store = memoryStore({ policy: 'lru', maxEntries });
        // Reference: a Map in recency order (oldest first); a dead namespace's keys are dropped.
        const model = new Map<string, number>();
        const key = (namespace: string, id: string): string => `${namespace}\u0000${id}`;
        for (let step = 0; step < 20_000; step++) {
          const namespace = `n${Math.floor(rng() * 3)}`;
          const id = `${Math.floor(rng() * 60)}`;
          const k = key(namespace, id);
          const op = rng();
          if (op < 0.45) {
            store.set(namespace, id, step, { ttlMs: Infinity });
            model.delete(k);
            model.set(k, step);
            if (model.size > maxEntries) model.delete(model.keys().next().value as string);
          } else if (op < 0.85) {
            const expected = model.get(k);
            expect(store.get(namespace, id)?.value, `step ${step}: get ${k}`).to.equal(expected);
            if (expected !== undefined) {
              model.delete(k);
              model.set(k, expected);
            }
          } else if (op < 0.99) {
            expect(store.delete(namespace, id), `step ${step}: delete ${k}`).to.equal(model.delete(k));
          } else {
            store.deleteNamespace(namespace);
            for (const k2 of [...model.keys()]) if (k2.startsWith(`${namespace}\u0000`)) model.delete(k2);
            // Stale slots still count until reclaimed: reclaim them so that eviction order stays comparable.
            store.purgeExpired();
          }
          expect(store.size, `step ${step}: size`).to.equal(model.size);
        }
      }
    });

    it('never holds more than maxEntries: 50_000 distinct keys into 1_000', () => {
      const store = memoryStore({ policy: 'lru', maxEntries: 1_000 });
      let largest = 0;
      for (let i = 0; i < 50_000; i++) {
        store.set(`ns${i % 7}`, `${i}`, i, { ttlMs: Infinity, tags: [`t${i % 13}`] });
        largest = Math.max(largest, store.size);
      }
      expect(largest).to.equal(1_000);
      expect(store.size).to.equal(1_000);
      expect(store.get('ns0', '0')).to.equal(undefined);
      expect(store.get(`ns${49_999 % 7}`, '49999')?.value).to.equal(49_999);
      expect(store.get(`ns${49_000 % 7}`, '49000')?.value).to.equal(49_000);
      expect(store.stats.evictions).to.equal(49_000);
    });
  });
});
