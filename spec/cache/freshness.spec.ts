import { expect } from 'chai';
import sinon from 'sinon';
import {
  Cacheable,
  CachePut,
  createCache,
  InvalidOptionError,
  InvalidTtlError,
  memoryStore,
  registerCache,
  TimeoutError,
  unregisterCache,
  type Cache,
  type CacheEventMap,
  type CacheEventName,
  type GetOrSetOptions,
} from '../../lib/index.js';
import { deferred, flushMicrotasks, type Deferred } from '../helpers/deferred.js';
import { thrown } from '../helpers/thrown.js';

/** A loader whose runs the test settles one by one. */
class Source {
  readonly runs: Array<Deferred<string>> = [];
  readonly fn = (): Promise<string> => {
    const run = deferred<string>();
    this.runs.push(run);
    return run.promise;
  };
  get count(): number {
    return this.runs.length;
  }
  /** Settle the latest run. */
  resolve(value: string): void {
    (this.runs[this.runs.length - 1] as Deferred<string>).resolve(value);
  }
  reject(error: Error = new Error('source down')): void {
    (this.runs[this.runs.length - 1] as Deferred<string>).reject(error);
  }
}

describe('freshness: stale-while-revalidate, grace, timeouts, early refresh', () => {
  let clock: sinon.SinonFakeTimers;
  let cache: Cache;
  let events: Array<[CacheEventName, unknown]>;
  const KEY = 'svc:item';

  function watch(c: Cache): void {
    events = [];
    for (const name of ['hit', 'miss', 'joined', 'stale', 'graced', 'refresh', 'timeout', 'load-error', 'store-skipped'] as const) {
      c.on(name, (payload: CacheEventMap[typeof name]) => events.push([name, payload]));
    }
  }
  const named = (name: CacheEventName): unknown[] => events.filter(([n]) => n === name).map(([, payload]) => payload);

  /** Fill KEY with `value` through `options`, then let time pass. */
  async function seed(source: Source, value: string, options: GetOrSetOptions<string>, thenMs: number): Promise<void> {
    const first = cache.getOrSet(KEY, source.fn, options);
    source.resolve(value);
    expect(await first).to.equal(value);
    await clock.tickAsync(thenMs);
  }

  beforeEach(() => {
    // setImmediate stays real: flushMicrotasks lets promise chains run without moving the clock.
    clock = sinon.useFakeTimers({ now: 1_000_000, toFake: ['Date', 'setTimeout', 'clearTimeout', 'performance'] });
    cache = createCache({ store: memoryStore() });
    watch(cache);
  });
  afterEach(async () => {
    sinon.restore();
    clock.restore();
    await cache.close();
  });

  describe('staleWhileRevalidate', () => {
    const options = { ttl: 1_000, staleWhileRevalidate: '5s' } as const;

    it('answers the old value at once and refreshes once in the background for all concurrent readers', async () => {
      const source = new Source();
      await seed(source, 'v1', options, 1_500);
      const answers = await Promise.all(Array.from({ length: 20 }, () => cache.getOrSet(KEY, source.fn, options)));
      expect(answers).to.deep.equal(Array(20).fill('v1'));
      expect(source.count, 'one refresh').to.equal(2);
      expect(named('refresh')).to.deep.equal([{ key: KEY, reason: 'stale' }]);
      expect(named('stale')).to.have.length(20);
      source.resolve('v2');
      await flushMicrotasks();
      expect(await cache.getOrSet(KEY, source.fn, options)).to.equal('v2');
      expect(source.count).to.equal(2);
      expect(cache.stats()).to.include({ stale: 20, refreshes: 1, hits: 1, loads: 2, misses: 1 });
    });

    it('a caller that must wait (forceFresh) joins the refresh in flight instead of starting a second', async () => {
      const source = new Source();
      await seed(source, 'v1', options, 1_500);
      expect(await cache.getOrSet(KEY, source.fn, options)).to.equal('v1');
      const forced = cache.getOrSet(KEY, source.fn, { ...options, forceFresh: true });
      await flushMicrotasks();
      expect(source.count).to.equal(2);
      source.resolve('v2');
      expect(await forced).to.equal('v2');
      expect(named('joined')).to.have.length(1);
    });

    it('does not store a refresh over an eviction, a put or a tag invalidation that happened meanwhile', async () => {
      for (const write of ['del', 'set', 'tags'] as const) {
        await cache.clear();
        const source = new Source();
        const tagged = { ...options, tags: ['t'] };
        await seed(source, 'v1', tagged, 1_500);
        expect(await cache.getOrSet(KEY, source.fn, tagged)).to.equal('v1');
        expect(source.count).to.equal(2);
        if (write === 'del') await cache.del(KEY);
        if (write === 'set') await cache.set(KEY, 'put');
        if (write === 'tags') await cache.invalidateTags('t');
        source.resolve('refreshed');
        await flushMicrotasks();
        const next = cache.getOrSet(KEY, source.fn, tagged);
        if (write === 'set') {
          expect(await next, write).to.equal('put');
        } else {
          // Evicted: a miss that loads; nothing of the refresh, nothing from grace.
          await flushMicrotasks();
          expect(source.count, write).to.equal(3);
          source.resolve('fresh');
          expect(await next, write).to.equal('fresh');
        }
      }
    });

    it('a failing refresh reaches no caller, keeps the entry, counts as a load error and backs off', async () => {
      const source = new Source();
      await seed(source, 'v1', { ...options, graceBackoff: '2s' }, 1_500);
      expect(await cache.getOrSet(KEY, source.fn, { ...options, graceBackoff: '2s' })).to.equal('v1');
      source.reject();
      await flushMicrotasks();
      expect(named('load-error')).to.have.length(1);
      expect((named('load-error')[0] as CacheEventMap['load-error']).background).to.equal(true);
      expect(cache.stats().loadErrors).to.equal(1);
      // Backing off: still the old value, no new refresh.
      expect(await cache.getOrSet(KEY, source.fn, options)).to.equal('v1');
      expect(source.count).to.equal(2);
      await clock.tickAsync(2_001);
      expect(await cache.getOrSet(KEY, source.fn, options)).to.equal('v1');
      expect(source.count, 'refreshes again after the backoff').to.equal(3);
    });

    it('classifies an entry by the windows it was written with, whatever the reader asks', async () => {
      const source = new Source();
      await seed(source, 'v1', options, 1_500);
      expect(await cache.getOrSet(KEY, source.fn)).to.equal('v1');
      expect(named('stale')).to.have.length(1);
    });

    it('works on @Cacheable methods, with windows from createCache defaults', async () => {
      const source = new Source();
      const defaults = registerCache(createCache({ ttl: 1_000, staleWhileRevalidate: '5s' }));
      try {
        class Catalog {
          @Cacheable()
          async item(id: number): Promise<string> {
            return `${await source.fn()}#${id}`;
          }
        }
        const catalog = new Catalog();
        const first = catalog.item(1);
        await flushMicrotasks();
        source.resolve('v1');
        expect(await first).to.equal('v1#1');
        await clock.tickAsync(1_500);
        expect(await catalog.item(1)).to.equal('v1#1');
        await flushMicrotasks();
        expect(source.count).to.equal(2);
        source.resolve('v2');
        await flushMicrotasks();
        expect(await catalog.item(1)).to.equal('v2#1');
        expect(defaults.stats()).to.include({ stale: 1, refreshes: 1 });
      } finally {
        unregisterCache();
        await defaults.close();
      }
    });
  });

  describe('@CachePut', () => {
    it("writes the entry with its target method's windows", async () => {
      const source = new Source();
      const defaults = registerCache(createCache());
      try {
        class PutCatalog {
          @Cacheable({ ttl: 1_000, staleWhileRevalidate: '5s' })
          async item(id: number): Promise<string> {
            return `${await source.fn()}#${id}`;
          }
          @CachePut({ method: 'item', args: (id: number) => [id] })
          async rename(id: number, name: string): Promise<string> {
            return `${name}#${id}`;
          }
        }
        const catalog = new PutCatalog();
        expect(await catalog.rename(1, 'put')).to.equal('put#1');
        await clock.tickAsync(1_500);
        // Past the TTL, in the put's stale window: answered at once, refreshed in the background.
        expect(await catalog.item(1)).to.equal('put#1');
        await flushMicrotasks();
        expect(source.count).to.equal(1);
        expect(defaults.stats()).to.include({ stale: 1, refreshes: 1 });
      } finally {
        unregisterCache();
        await defaults.close();
      }
    });
  });

  describe('grace', () => {
    const options = { ttl: 1_000, grace: '1m', graceBackoff: '10s' } as const;

    it('waits for the load, and answers the kept value when it fails; backs off, then loads again', async () => {
      const source = new Source();
      await seed(source, 'v1', options, 1_500);
      const call = cache.getOrSet(KEY, source.fn, options);
      await flushMicrotasks();
      expect(source.count).to.equal(2);
      source.reject();
      expect(await call).to.equal('v1');
      expect(named('graced')).to.deep.equal([{ key: KEY, reason: 'load-failed', tier: undefined }]);
      expect(await cache.getOrSet(KEY, source.fn, options)).to.equal('v1');
      expect(source.count, 'backing off').to.equal(2);
      expect((named('graced')[1] as CacheEventMap['graced']).reason).to.equal('backoff');
      await clock.tickAsync(10_001);
      const again = cache.getOrSet(KEY, source.fn, options);
      await flushMicrotasks();
      expect(source.count).to.equal(3);
      source.resolve('v2');
      expect(await again).to.equal('v2');
      expect(cache.stats()).to.include({ graced: 2, loadErrors: 1 });
    });

    it('answers the new value when the load succeeds, and joined callers share the one load', async () => {
      const source = new Source();
      await seed(source, 'v1', options, 1_500);
      const calls = [cache.getOrSet(KEY, source.fn, options), cache.getOrSet(KEY, source.fn, options)];
      await flushMicrotasks();
      expect(source.count).to.equal(2);
      source.resolve('v2');
      expect(await Promise.all(calls)).to.deep.equal(['v2', 'v2']);
    });

    it('never answers an entry evicted while its load ran', async () => {
      const source = new Source();
      await seed(source, 'v1', options, 1_500);
      const call = cache.getOrSet(KEY, source.fn, options);
      await flushMicrotasks();
      await cache.del(KEY);
      source.reject(new Error('down'));
      expect((await call.then(() => undefined, (error: Error) => error))?.message).to.equal('down');
    });

    it('drops the entry when its grace ends', async () => {
      const source = new Source();
      await seed(source, 'v1', options, 1_000 + 60_000);
      const call = cache.getOrSet(KEY, source.fn, options);
      await flushMicrotasks();
      source.reject(new Error('down'));
      expect((await call.then(() => undefined, (error: Error) => error))?.message).to.equal('down');
    });
  });

  describe('timeouts', () => {
    it('softTimeout answers the kept value, and the load goes on and stores', async () => {
      const options = { ttl: 1_000, grace: '1m', softTimeout: 100 } as const;
      const source = new Source();
      await seed(source, 'v1', options, 1_500);
      const call = cache.getOrSet(KEY, source.fn, options);
      await clock.tickAsync(100);
      expect(await call).to.equal('v1');
      expect(named('timeout')).to.deep.equal([{ key: KEY, kind: 'soft', afterMs: 100 }]);
      expect((named('graced')[0] as CacheEventMap['graced']).reason).to.equal('timeout');
      source.resolve('v2');
      await flushMicrotasks();
      expect(await cache.get(KEY)).to.equal('v2');
      expect(source.count).to.equal(2);
    });

    it('hardTimeout rejects with TimeoutError without a kept value; the load still stores', async () => {
      const source = new Source();
      const call = cache.getOrSet(KEY, source.fn, { hardTimeout: '200ms' });
      const joined = cache.getOrSet(KEY, source.fn, { hardTimeout: '200ms' });
      const outcomes = Promise.all([call, joined].map((result) => result.then(() => undefined, (e: unknown) => e)));
      await clock.tickAsync(200);
      for (const error of await outcomes) {
        expect(error).to.be.instanceOf(TimeoutError);
        expect((error as TimeoutError).code).to.equal('E_TIMEOUT');
        expect((error as Error).message).to.contain(KEY).and.contain('hardTimeout (200 ms)');
      }
      source.resolve('late');
      await flushMicrotasks();
      expect(await cache.getOrSet(KEY, source.fn)).to.equal('late');
      expect(source.count).to.equal(1);
      expect(cache.stats().timeouts).to.equal(2);
    });

    it('hardTimeout answers a value kept for grace', async () => {
      const options = { ttl: 1_000, grace: '1m', hardTimeout: 300 } as const;
      const source = new Source();
      await seed(source, 'v1', options, 1_500);
      const call = cache.getOrSet(KEY, source.fn, options);
      await clock.tickAsync(300);
      expect(await call).to.equal('v1');
      expect(named('timeout')).to.deep.equal([{ key: KEY, kind: 'hard', afterMs: 300 }]);
    });
  });

  describe('earlyRefresh (XFetch)', () => {
    /** Seed an entry whose load took `loadMs`, then read it `remaining` ms before its TTL ends. */
    async function readEarly(random: number, beta: number | undefined): Promise<Source> {
      const options = { ttl: 1_000, earlyRefresh: beta === undefined ? true : { beta } } as const;
      const source = new Source();
      const first = cache.getOrSet(KEY, source.fn, options);
      await clock.tickAsync(100); // the load takes 100 ms
      source.resolve('v1');
      await first;
      await clock.tickAsync(900); // 100 ms of freshness left
      sinon.stub(Math, 'random').returns(random);
      expect(await cache.getOrSet(KEY, source.fn, options)).to.equal('v1');
      sinon.restore();
      return source;
    }

    it('refreshes with probability exp(-remaining / (beta * delta)), answering the current value', async () => {
      // remaining 100 ms, delta 100 ms, beta 1: p = exp(-1) = 0.3679.
      expect((await readEarly(0.36, undefined)).count).to.equal(2);
      expect(named('refresh')).to.deep.equal([{ key: KEY, reason: 'early' }]);
    });

    it('does not refresh above that probability', async () => {
      expect((await readEarly(0.37, undefined)).count).to.equal(1);
    });

    it('draws at most once per millisecond per key, however many reads arrive', async () => {
      const options = { ttl: 1_000, earlyRefresh: true } as const;
      const source = new Source();
      const first = cache.getOrSet(KEY, source.fn, options);
      await clock.tickAsync(100);
      source.resolve('v1');
      await first;
      await clock.tickAsync(500);
      const random = sinon.stub(Math, 'random').returns(0.999);
      for (let i = 0; i < 100; i++) expect(await cache.getOrSet(KEY, source.fn, options)).to.equal('v1');
      expect(random.callCount).to.equal(1);
      await clock.tickAsync(1);
      await cache.getOrSet(KEY, source.fn, options);
      expect(random.callCount).to.equal(2);
      expect(source.count).to.equal(1);
    });

    it('a larger beta refreshes earlier', async () => {
      // beta 2: p = exp(-0.5) = 0.6065.
      expect((await readEarly(0.6, 2)).count).to.equal(2);
    });
  });

  describe('expire(key) and reads of direct methods', () => {
    it('makes an entry stale at once, keeping it for its windows', async () => {
      const options = { ttl: 60_000, staleWhileRevalidate: '5s' } as const;
      const source = new Source();
      await seed(source, 'v1', options, 10);
      expect(await cache.expire(KEY)).to.equal(true);
      expect(await cache.get(KEY), 'get answers only fresh values').to.equal(undefined);
      expect(await cache.ttl(KEY)).to.equal(undefined);
      expect(await cache.getOrSet(KEY, source.fn, options)).to.equal('v1');
      expect(source.count).to.equal(2);
      source.resolve('v2');
      await flushMicrotasks();
      expect(await cache.get(KEY)).to.equal('v2');
    });

    it('removes an entry without windows, and a load in flight does not store over it', async () => {
      const source = new Source();
      await seed(source, 'v1', {}, 10);
      expect(await cache.expire(KEY)).to.equal(true);
      expect(await cache.expire(KEY)).to.equal(false);
      const loading = cache.getOrSet(KEY, source.fn);
      await flushMicrotasks();
      await cache.expire(KEY);
      source.resolve('v2');
      expect(await loading).to.equal('v2');
      expect(named('store-skipped')).to.deep.equal([{ key: KEY, reason: 'invalidated-during-load' }]);
    });

    it('forceFresh loads whatever the cache holds', async () => {
      const source = new Source();
      await seed(source, 'v1', {}, 10);
      const forced = cache.getOrSet(KEY, source.fn, { forceFresh: true });
      await flushMicrotasks();
      source.resolve('v2');
      expect(await forced).to.equal('v2');
      expect(await cache.get(KEY)).to.equal('v2');
    });
  });

  describe('validation', () => {
    it('rejects bad options at creation, call and decoration time with typed errors', () => {
      const bad: Array<[Record<string, unknown>, Function, string]> = [
        [{ staleWhileRevalidate: Infinity }, InvalidTtlError, 'finite'],
        [{ grace: -1 }, InvalidTtlError, 'grace'],
        [{ grace: ' 5 m ' }, InvalidTtlError, 'grace'],
        [{ hardTimeout: 0 }, InvalidTtlError, '> 0'],
        [{ softTimeout: null }, InvalidTtlError, 'softTimeout'],
        [{ softTimeout: '2s', hardTimeout: '1s' }, InvalidOptionError, 'shorter than hardTimeout'],
        [{ softTimeout: '1s', hardTimeout: '1s' }, InvalidOptionError, 'shorter than hardTimeout'],
        [{ earlyRefresh: { beta: 0 } }, InvalidOptionError, 'positive finite'],
        [{ earlyRefresh: { beta: Infinity } }, InvalidOptionError, 'positive finite'],
        [{ earlyRefresh: { beta: NaN } }, InvalidOptionError, 'positive finite'],
        [{ earlyRefresh: { betta: 2 } }, InvalidOptionError, 'betta'],
        [{ earlyRefresh: 'yes' }, InvalidOptionError, 'earlyRefresh'],
        [{ singleFlight: 'fleet' }, InvalidOptionError, "give 'distributed'"],
        [{ singleFlight: true }, InvalidOptionError, 'singleFlight'],
        [{ lockTtl: 0 }, InvalidTtlError, 'lockTtl'],
        [{ lockTtl: Infinity }, InvalidTtlError, 'finite duration > 0'],
        [{ lockTimeout: '-1s' }, InvalidTtlError, 'lockTimeout'],
      ];
      for (const [options, type, text] of bad) {
        for (const make of [
          () => createCache(options),
          () => cache.getOrSet(KEY, async () => 1, options),
          () => Cacheable(options),
        ]) {
          const error = thrown(make);
          expect(error, JSON.stringify(options)).to.be.instanceOf(type);
          expect(error.message).to.contain(text);
        }
      }
      const unknown = thrown(() => cache.getOrSet(KEY, async () => 1, { graceBackof: '1s' } as never));
      expect(unknown).to.be.instanceOf(InvalidOptionError);
      expect(unknown.message).to.contain('did you mean "graceBackoff"');
      expect(thrown(() => cache.getOrSet(KEY, async () => 1, { forceFresh: 'yes' } as never))).to.be.instanceOf(InvalidOptionError);
    });
  });
});
