import { expect } from 'chai';
import sinon from 'sinon';
import {
  BackendError,
  Cacheable,
  CacheClosedError,
  createCache,
  DecodeError,
  InvalidOptionError,
  InvalidTtlError,
  memoryStore,
  registerCache,
  unregisterCache,
  type Cache,
  type CacheEventMap,
} from '../../lib/index.js';
import { deferred, sleep } from '../helpers/deferred.js';
import { FaultyStore } from '../helpers/faulty-store.js';
import { uniqueNamespace } from '../helpers/unique.js';

describe('Cache', () => {
  describe('createCache options', () => {
    it('rejects unknown options, bad TTLs and bad values with typed errors', () => {
      expect(() => createCache({ tll: '5m' } as never)).to.throw(InvalidOptionError, /tll/);
      expect(() => createCache({ ttl: -5 })).to.throw(InvalidTtlError);
      expect(() => createCache({ ttl: 'forever' as never })).to.throw(InvalidTtlError, /does not parse/);
      expect(() => createCache({ required: 'yes' as never })).to.throw(InvalidOptionError, /required/);
      expect(() => createCache({ immutability: 'deep' as never })).to.throw(InvalidOptionError, /immutability/);
      expect(() => createCache({ store: {} as never })).to.throw(InvalidOptionError, /store/);
    });

    it('defaults to a bounded memory store', async () => {
      const cache = createCache();
      expect(cache.store.name).to.equal('memory');
      const health = await cache.health();
      expect(health.ok).to.equal(true);
      expect(health.store.details?.['maxEntries']).to.be.a('number');
      await cache.close();
    });
  });

  describe('direct API', () => {
    let cache: Cache;
    beforeEach(() => {
      cache = createCache({ ttl: '1m' });
    });
    afterEach(() => cache.close());

    it('gets, sets, deletes and reports TTLs', async () => {
      expect(await cache.get('user:1')).to.equal(undefined);
      await cache.set('user:1', { name: 'ada' }, { ttl: '10s' });
      expect(await cache.get('user:1')).to.deep.equal({ name: 'ada' });
      const ttl = await cache.ttl('user:1');
      expect(ttl).to.be.within(9_000, 10_000);
      expect(await cache.del('user:1')).to.equal(true);
      expect(await cache.del('user:1')).to.equal(false);
      expect(await cache.ttl('user:1')).to.equal(undefined);
    });

    it('reports Infinity as the TTL of an entry that never expires', async () => {
      await cache.set('forever', 1, { ttl: Infinity });
      expect(await cache.ttl('forever')).to.equal(Infinity);
    });

    it('stores nothing with ttl 0 (and removes what was there)', async () => {
      await cache.set('k', 1);
      await cache.set('k', 2, { ttl: 0 });
      expect(await cache.get('k')).to.equal(undefined);
    });

    it('reads several keys at once', async () => {
      await cache.set('a:1', 1);
      await cache.set('a:2', 2);
      expect(await cache.getMany(['a:1', 'a:missing', 'a:2'])).to.deep.equal([1, undefined, 2]);
      expect(await cache.delMany(['a:1', 'a:2', 'a:3'])).to.equal(2);
    });

    it('getOrSet runs the loader once for concurrent callers and stores the value', async () => {
      const gate = deferred<number>();
      const loader = sinon.spy(() => gate.promise);
      const calls = [cache.getOrSet('k', loader), cache.getOrSet('k', loader), cache.getOrSet('k', loader)];
      gate.resolve(42);
      expect(await Promise.all(calls)).to.deep.equal([42, 42, 42]);
      expect(await cache.getOrSet('k', loader)).to.equal(42);
      expect(loader.callCount).to.equal(1);
      expect(cache.stats()).to.include({ loads: 1, joined: 2, hits: 1, misses: 1 });
    });

    it('getOrSet honours ttl, tags and unless given as functions of the value', async () => {
      const loaded = await cache.getOrSet('p:1', async () => ({ id: 1, kind: 'book' }), {
        ttl: (p) => (p.kind === 'book' ? '1h' : '1m'),
        tags: (p) => [`kind:${p.kind}`],
      });
      expect(loaded.id).to.equal(1);
      expect(await cache.ttl('p:1')).to.be.above(59 * 60_000);
      await cache.invalidateTags('kind:book');
      expect(await cache.get('p:1')).to.equal(undefined);
      await cache.getOrSet('p:2', async () => null, { unless: (v) => v === null });
      expect(await cache.get('p:2')).to.equal(undefined);
    });

    it('a ttl function giving an invalid TTL skips the store with its error, and is no backend error', async () => {
      const skipped: Array<CacheEventMap['store-skipped']> = [];
      const backend: unknown[] = [];
      cache.on('store-skipped', (event) => skipped.push(event));
      cache.on('backend-error', (event) => backend.push(event));
      expect(await cache.getOrSet('p:bad', async () => 7, { ttl: () => -1 })).to.equal(7);
      expect(await cache.get('p:bad')).to.equal(undefined);
      expect(skipped).to.have.length(1);
      expect(skipped[0]).to.include({ key: 'p:bad', reason: 'invalid-ttl' });
      expect(skipped[0]?.error).to.be.instanceOf(InvalidTtlError);
      expect(backend).to.deep.equal([]);
      expect(cache.stats().backendErrors).to.equal(0);
    });

    it('clears one namespace, or everything', async () => {
      await cache.set('a:1', 1);
      await cache.set('b:1', 1);
      await cache.clearNamespace('a');
      expect(await cache.getMany(['a:1', 'b:1'])).to.deep.equal([undefined, 1]);
      await cache.clear();
      expect(await cache.get('b:1')).to.equal(undefined);
    });

    it('validates keys, tags and namespaces', async () => {
      expect(() => cache.getOrSet('', async () => 1)).to.throw(InvalidOptionError);
      expect(await cache.get(42 as never).catch((e: unknown) => e)).to.be.instanceOf(InvalidOptionError);
      const error = await cache.set('k', 1, { tags: [''] }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(InvalidOptionError);
      const nsError = await cache.clearNamespace('a:b').catch((e: unknown) => e);
      expect(nsError).to.be.instanceOf(InvalidOptionError);
    });

    it('emits events for hits, misses, loads and load errors', async () => {
      const seen: string[] = [];
      for (const event of ['hit', 'miss', 'load', 'load-error'] as const) cache.on(event, () => seen.push(event));
      await cache.getOrSet('x', async () => 1);
      await cache.getOrSet('x', async () => 1);
      await cache.getOrSet('y', async () => Promise.reject(new Error('boom'))).catch(() => undefined);
      expect(seen).to.deep.equal(['miss', 'load', 'hit', 'miss', 'load-error']);
    });

    it('emits a joined event for every call that joins a load in flight, so event counts equal stats()', async () => {
      const counted: Record<string, number> = {};
      const joinedKeys: string[] = [];
      for (const event of ['hit', 'miss', 'joined', 'load', 'load-error'] as const) {
        cache.on(event, () => (counted[event] = (counted[event] ?? 0) + 1));
      }
      cache.on('joined', ({ key }) => joinedKeys.push(key));
      const gate = deferred<number>();
      const failing = deferred<number>();
      const cold = [cache.getOrSet('ns:a', () => gate.promise), cache.getOrSet('ns:a', () => gate.promise), cache.getOrSet('ns:a', () => gate.promise)];
      const broken = [cache.getOrSet('ns:b', () => failing.promise), cache.getOrSet('ns:b', () => failing.promise)];
      gate.resolve(1);
      failing.reject(new Error('boom'));
      await Promise.all(cold);
      await Promise.allSettled(broken);
      await cache.getOrSet('ns:a', async () => 2); // hit
      await cache.get('ns:a'); // hit
      await cache.getMany(['ns:a', 'ns:none']); // hit, miss
      await cache.getOrSet('ns:c', async () => 3); // miss
      const stats = cache.stats();
      expect(stats).to.include({ hits: 3, misses: 4, joined: 3, loads: 3, loadErrors: 1 });
      expect(counted).to.deep.equal({ hit: stats.hits, miss: stats.misses, joined: stats.joined, load: stats.loads - stats.loadErrors, 'load-error': stats.loadErrors });
      expect(joinedKeys).to.deep.equal(['ns:a', 'ns:a', 'ns:b']);
      await cache.close();
      await cache.getOrSet('ns:d', async () => 4); // closed: the loader runs uncached, still counted and reported
      expect(counted['load']).to.equal(cache.stats().loads - cache.stats().loadErrors);
    });

    it('unsubscribes listeners, and survives a listener that throws', async () => {
      const listener = sinon.spy();
      const off = cache.on('miss', listener);
      const warning = sinon.stub(process, 'emitWarning');
      try {
        cache.on('miss', () => {
          throw new Error('listener bug');
        });
        await cache.getOrSet('x', async () => 1);
        off();
        await cache.getOrSet('y', async () => 1);
        expect(listener.callCount).to.equal(1);
        expect(warning.called).to.equal(true);
      } finally {
        warning.restore();
      }
    });

    it('refuses direct operations after close, but still answers getOrSet by loading', async () => {
      await cache.close();
      await cache.close();
      const error = await cache.get('k').catch((e: unknown) => e);
      expect(error).to.be.instanceOf(CacheClosedError);
      expect(await cache.getOrSet('k', async () => 'loaded')).to.equal('loaded');
      expect((await cache.health()).ok).to.equal(false);
    });
  });

  describe('immutability of values kept in memory', () => {
    it("'freeze' (default) hands the loader's caller its own object, unfrozen, and later callers a frozen copy", async () => {
      const cache = createCache();
      const state = { list: [1, 2], nested: { n: 1 } };
      const value = await cache.getOrSet('k', async () => state);
      expect(value).to.equal(state);
      expect(Object.isFrozen(state)).to.equal(false);
      expect(Object.isFrozen(state.list)).to.equal(false);
      state.list.push(3); // the owner goes on changing its own object
      state.nested.n = 2;
      const hit = await cache.getOrSet('k', async () => ({ list: [], nested: { n: 0 } }));
      expect(hit).to.deep.equal({ list: [1, 2], nested: { n: 1 } });
      expect(Object.isFrozen(hit)).to.equal(true);
      expect(Object.isFrozen(hit.list)).to.equal(true);
      expect(Object.isFrozen(hit.nested)).to.equal(true);
      expect(await cache.get('k'), 'every hit shares the one frozen copy').to.equal(hit);
      await cache.close();
    });

    it("'freeze' gives callers joined on a load the frozen copy, never the loader's caller's object", async () => {
      const cache = createCache();
      const gate = deferred<{ roles: string[] }>();
      const state = { roles: ['admin'] };
      const calls = [cache.getOrSet('k', () => gate.promise), cache.getOrSet('k', () => gate.promise), cache.getOrSet('k', () => gate.promise)];
      gate.resolve(state);
      const [first, second, third] = await Promise.all(calls);
      expect(first).to.equal(state);
      first!.roles.push('root');
      expect(second).to.deep.equal({ roles: ['admin'] });
      expect(Object.isFrozen(second)).to.equal(true);
      expect(third).to.equal(second);
      expect(cache.stats()).to.include({ misses: 1, joined: 2 });
      await cache.close();
    });

    it("'freeze' never freezes a value given to set", async () => {
      const cache = createCache();
      const config = { flags: { beta: false } };
      await cache.set('config:1', config);
      config.flags.beta = true;
      expect(Object.isFrozen(config.flags)).to.equal(false);
      expect(await cache.get('config:1')).to.deep.equal({ flags: { beta: false } });
      await cache.close();
    });

    it("'freeze' hands out copies of Maps, Sets and Dates, which cannot be frozen", async () => {
      const cache = createCache();
      const loaded = await cache.getOrSet('k', async () => ({ seen: new Map([['a', 1]]), at: new Date(5) }));
      loaded.seen.set('a', 2);
      loaded.at.setTime(6);
      const read = await cache.get<{ seen: Map<string, number>; at: Date }>('k');
      expect(read?.seen.get('a')).to.equal(1);
      expect(read?.at.getTime()).to.equal(5);
      await cache.close();
    });

    it("'clone' gives every caller its own copy", async () => {
      const cache = createCache({ immutability: 'clone' });
      const state = { n: 1 };
      const loaded = await cache.getOrSet('k', async () => state);
      expect(loaded, "the loader's caller gets the loader's object").to.equal(state);
      loaded.n = 2;
      const a = await cache.get<{ n: number }>('k');
      const b = await cache.get<{ n: number }>('k');
      expect(a).to.deep.equal({ n: 1 });
      expect(a).to.not.equal(b);
      await cache.close();
    });

    it("'none' shares references", async () => {
      const cache = createCache({ immutability: 'none' });
      const loaded = await cache.getOrSet('k', async () => ({ n: 1 }));
      expect(Object.isFrozen(loaded)).to.equal(false);
      expect(await cache.get('k')).to.equal(loaded);
      await cache.close();
    });
  });

  describe('a failing store', () => {
    let store: FaultyStore;
    let cache: Cache;
    let errors: Array<CacheEventMap['backend-error']>;
    beforeEach(() => {
      store = new FaultyStore();
      cache = createCache({ store });
      errors = [];
      cache.on('backend-error', (event) => errors.push(event));
      registerCache(cache);
    });
    afterEach(async () => {
      unregisterCache();
      await cache.close();
    });

    it('never breaks a decorated call: the method runs uncached and an event reports it', async () => {
      class Svc {
        loads = 0;
        @Cacheable({ namespace: uniqueNamespace() })
        async read(id: number): Promise<string> {
          this.loads++;
          return `value ${id}`;
        }
      }
      const svc = new Svc();
      store.failing = true;
      expect(await svc.read(1)).to.equal('value 1');
      await sleep(5); // let the failed write settle, so the next call does not join the finished load
      expect(await svc.read(1)).to.equal('value 1');
      expect(svc.loads).to.equal(2);
      await sleep(5);
      expect(errors.map((e) => e.operation)).to.include.members(['get', 'set']);
      expect(cache.stats().backendErrors).to.equal(errors.length);
      store.failing = false;
      await svc.read(1);
      await sleep(5);
      await svc.read(1);
      expect(svc.loads, 'caching resumes once the store is back').to.equal(3);
    });

    it('answers direct calls with fallbacks while failing', async () => {
      store.failing = true;
      expect(await cache.get('k')).to.equal(undefined);
      await cache.set('k', 1);
      expect(await cache.del('k')).to.equal(false);
      await cache.invalidateTags(['t']);
      expect(await cache.getOrSet('k', async () => 'loaded')).to.equal('loaded');
      expect((await cache.health()).ok).to.equal(false);
      expect(errors.length).to.be.at.least(4);
    });

    it('surfaces store errors as BackendError when the cache is required', async () => {
      const strict = createCache({ store, required: true });
      store.failing = true;
      const error = await strict.getOrSet('k', async () => 1).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(BackendError);
      expect((error as BackendError).code).to.equal('E_BACKEND');
      expect((error as Error).message).to.contain('faulty');
    });

    it('reports decode notices from the store as events and stats', () => {
      const seen: Array<CacheEventMap['decode-error']> = [];
      cache.on('decode-error', (event) => seen.push(event));
      store.notify({ type: 'decode-error', key: 'k', error: new DecodeError('bad payload') });
      expect(seen).to.have.length(1);
      expect(cache.stats().decodeErrors).to.equal(1);
    });

    it('keeps a load joinable until its write lands, so callers meanwhile do not load again', async () => {
      let loads = 0;
      const first = cache.getOrSet('slow', async () => ++loads);
      expect(await first).to.equal(1);
      // the write is still on its way: this caller joins the finished flight
      expect(await cache.getOrSet('slow', async () => ++loads)).to.equal(1);
      expect(loads).to.equal(1);
    });
  });

  describe('TTL on a fake clock (memory store)', () => {
    let clock: sinon.SinonFakeTimers;
    let cache: Cache;
    beforeEach(() => {
      clock = sinon.useFakeTimers({ now: 1_000_000 });
      cache = registerCache(createCache({ store: memoryStore() }));
    });
    afterEach(async () => {
      unregisterCache();
      await cache.close();
      clock.restore();
    });

    it('expires a decorated entry exactly after its TTL', async () => {
      class Svc {
        loads = 0;
        @Cacheable({ namespace: uniqueNamespace(), ttl: '30s' })
        async read(): Promise<number> {
          return ++this.loads;
        }
      }
      const svc = new Svc();
      await svc.read();
      await clock.tickAsync(29_999);
      await svc.read();
      expect(svc.loads).to.equal(1);
      await clock.tickAsync(1);
      await svc.read();
      expect(svc.loads).to.equal(2);
    });

    it('works with fractional milliseconds', async () => {
      await cache.set('k', 1, { ttl: 1.5 });
      expect(await cache.get('k')).to.equal(1);
      await clock.tickAsync(1);
      expect(await cache.get('k')).to.equal(1);
      await clock.tickAsync(1);
      expect(await cache.get('k')).to.equal(undefined);
    });

    it('never expires entries with an infinite TTL', async () => {
      await cache.set('k', 1, { ttl: Infinity });
      await clock.tickAsync(10 * 365 * 24 * 3600 * 1000);
      expect(await cache.get('k')).to.equal(1);
    });

    it('uses the cache default TTL when the decorator gives none', async () => {
      const short = createCache({ ttl: '10s' });
      registerCache(short);
      class Svc {
        loads = 0;
        @Cacheable({ namespace: uniqueNamespace() })
        async read(): Promise<number> {
          return ++this.loads;
        }
      }
      const svc = new Svc();
      await svc.read();
      await clock.tickAsync(10_001);
      await svc.read();
      expect(svc.loads).to.equal(2);
      await short.close();
    });
  });
});
