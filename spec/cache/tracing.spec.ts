/**
 * Tracing through diagnostics_channel (one tracing channel per operation kind, with the cache's
 * name, the namespace and key, a read's outcome and tier, and errors) and the write events (set,
 * delete, invalidate, clear).
 */
import { expect } from 'chai';
import { tracingChannel } from 'node:diagnostics_channel';
import {
  Cacheable,
  createCache,
  memoryStore,
  redisStore,
  registerCache,
  tieredStore,
  TRACING_CHANNELS,
  unregisterCache,
  type Cache,
  type CacheEventMap,
  type CacheTraceContext,
} from '../../lib/index.js';
import { coarseNow } from '../../lib/stores/memory/clock.js';
import { deferred, until } from '../helpers/deferred.js';
import { redisSuite } from '../helpers/redis-server.js';
import { uniqueNamespace } from '../helpers/unique.js';

/** What one subscriber of a tracing channel saw: each phase with a copy of the context then. */
interface Seen {
  readonly phase: 'start' | 'end' | 'asyncStart' | 'asyncEnd' | 'error';
  readonly context: CacheTraceContext;
}

/** Subscribe to `name` for the duration of a test; answers what it saw. */
function watch(name: string): { seen: Seen[]; stop: () => void; settled: () => CacheTraceContext[] } {
  const channel = tracingChannel<object, CacheTraceContext>(name);
  const seen: Seen[] = [];
  const record = (phase: Seen['phase']) => (context: CacheTraceContext) => seen.push({ phase, context: { ...context } });
  const handlers = { start: record('start'), end: record('end'), asyncStart: record('asyncStart'), asyncEnd: record('asyncEnd'), error: record('error') };
  channel.subscribe(handlers);
  return {
    seen,
    stop: () => channel.unsubscribe(handlers),
    settled: () => seen.filter((entry) => entry.phase === 'asyncEnd').map((entry) => entry.context),
  };
}

describe('tracing through diagnostics_channel', () => {
  let cache: Cache;
  const stops: Array<() => void> = [];
  beforeEach(() => {
    cache = createCache({ store: memoryStore(), name: 'traced' });
  });
  afterEach(async () => {
    for (const stop of stops.splice(0)) stop();
    await cache.close();
  });
  const traced = (name: string): ReturnType<typeof watch> => {
    const watcher = watch(name);
    stops.push(watcher.stop);
    return watcher;
  };

  it('traces reads with their outcome: miss, hit, joined', async () => {
    const get = traced(TRACING_CHANNELS.get);
    await cache.getOrSet('user:1', async () => 'u1');
    await cache.getOrSet('user:1', async () => 'never');
    const gate = deferred<string>();
    const both = [cache.getOrSet('user:2', () => gate.promise), cache.getOrSet('user:2', () => gate.promise)];
    gate.resolve('u2');
    await Promise.all(both);
    const contexts = get.settled();
    expect(contexts.map((context) => [context.operation, context.key, context.outcome])).to.deep.equal([
      ['getOrSet', 'user:1', 'miss'],
      ['getOrSet', 'user:1', 'hit'],
      ['getOrSet', 'user:2', 'miss'],
      ['getOrSet', 'user:2', 'joined'],
    ]);
    expect(contexts.every((context) => context.cache === 'traced' && context.namespace === 'user')).to.equal(true);
    expect(get.seen.filter((entry) => entry.phase === 'start')).to.have.length(4);
  });

  /**
   * Past a 20 ms TTL written at `written`, for the memory store too: it judges entries by a
   * clock it caches for about a millisecond (longer when timers run late on a loaded machine).
   */
  const pastTtl = (written: number): Promise<void> => until(() => coarseNow() > written + 25, { what: 'past the TTL by the store clock' });

  it('traces stale and graced answers', async () => {
    const get = traced(TRACING_CHANNELS.get);
    let written = Date.now();
    await cache.getOrSet('k:stale', async () => 1, { ttl: 20, staleWhileRevalidate: '1m' });
    await pastTtl(written);
    expect(await cache.getOrSet('k:stale', async () => 2, { ttl: 20, staleWhileRevalidate: '1m' })).to.equal(1);
    written = Date.now();
    await cache.getOrSet('k:grace', async () => 1, { ttl: 20, grace: '1m' });
    await pastTtl(written);
    expect(await cache.getOrSet('k:grace', () => Promise.reject(new Error('down')), { ttl: 20, grace: '1m' })).to.equal(1);
    const outcomes = get.settled().filter((context) => context.operation === 'getOrSet').map((context) => `${context.key}:${context.outcome}`);
    expect(outcomes).to.include('k:stale:stale');
    expect(outcomes).to.include('k:grace:graced');
  });

  it('traces decorated calls and their failures; the loader has its own channel', async () => {
    const get = traced(TRACING_CHANNELS.get);
    const load = traced(TRACING_CHANNELS.load);
    registerCache(cache);
    try {
      class Svc {
        @Cacheable({ namespace: uniqueNamespace() })
        async find(id: number): Promise<number> {
          if (id < 0) throw new Error('negative');
          return id;
        }
      }
      const svc = new Svc();
      await svc.find(1);
      await svc.find(-1).catch(() => undefined);
      const errors = get.seen.filter((entry) => entry.phase === 'error');
      expect(errors).to.have.length(1);
      expect((errors[0]?.context.error as Error).message).to.equal('negative');
      expect(load.seen.filter((entry) => entry.phase === 'start')).to.have.length(2);
      expect(load.seen.filter((entry) => entry.phase === 'error')).to.have.length(1);
      expect(load.settled().every((context) => context.operation === 'load')).to.equal(true);
    } finally {
      unregisterCache();
    }
  });

  it('traces get, set, delete and invalidations', async () => {
    const get = traced(TRACING_CHANNELS.get);
    const set = traced(TRACING_CHANNELS.set);
    const del = traced(TRACING_CHANNELS.delete);
    const invalidate = traced(TRACING_CHANNELS.invalidate);
    await cache.set('a:1', 1, { tags: ['t'] });
    expect(await cache.get('a:1')).to.equal(1);
    await cache.get('a:2');
    await cache.del('a:1');
    await cache.delMany(['a:1', 'a:2']);
    await cache.invalidateTags('t');
    await cache.clearNamespace('a');
    await cache.clear();
    expect(get.settled().map((context) => `${context.operation} ${context.key} ${context.outcome}`)).to.deep.equal(['get a:1 hit', 'get a:2 miss']);
    expect(set.settled().map((context) => `${context.operation} ${context.key}`)).to.deep.equal(['set a:1']);
    expect(del.settled().map((context) => context.operation)).to.deep.equal(['del', 'delMany']);
    expect(invalidate.settled().map((context) => `${context.operation} ${context.tags?.join(',') ?? context.namespace ?? ''}`)).to.deep.equal(['invalidateTags t', 'clearNamespace a', 'clear ']);
  });

  it('publishes nothing without subscribers', async () => {
    const channel = tracingChannel(TRACING_CHANNELS.get);
    expect(channel.hasSubscribers).to.equal(false);
    await cache.getOrSet('x:1', async () => 1);
    expect(channel.hasSubscribers).to.equal(false);
  });

  describe('on a tiered store', function () {
    this.timeout(30_000);
    const redis = redisSuite('tracing on a tiered store');

    it('names the tier that answered', async () => {
      const tiered = tieredStore({ l1: memoryStore(), l2: redisStore({ url: redis.url, prefix: redis.prefix }) });
      const shared = createCache({ store: tiered });
      try {
        // The bus up first: its coming up clears L1.
        await shared.get('t:warm-up');
        await until(() => tiered.stats.bus === 'up', { what: 'the bus up' });
        const get = traced(TRACING_CHANNELS.get);
        await shared.getOrSet('t:1', async () => 1);
        await until(async () => (await shared.health()).inFlight === 0, { what: 'the write landed' });
        await shared.getOrSet('t:1', async () => 2);
        const last = get.settled().at(-1);
        expect(last?.outcome).to.equal('hit');
        expect(last?.tier).to.equal('l1');
      } finally {
        await shared.close();
      }
    });
  });
});

describe('write events', () => {
  it('reports set, delete, invalidate and clear', async () => {
    const cache = createCache({ store: memoryStore() });
    const seen: string[] = [];
    cache.on('set', (event: CacheEventMap['set']) => seen.push(`set ${event.key}`));
    cache.on('delete', (event) => seen.push(`delete ${event.key}`));
    cache.on('invalidate', (event) => seen.push(`invalidate ${event.tags.join(',')}`));
    cache.on('clear', (event) => seen.push(`clear ${event.namespace ?? '*'}`));
    await cache.set('a:1', 1);
    await cache.getOrSet('a:2', async () => 2);
    await cache.del('a:1');
    await cache.delMany(['a:2', 'a:3']);
    await cache.invalidateTags(['t1', 't2']);
    await cache.clearNamespace('a');
    await cache.clear();
    expect(seen).to.deep.equal(['set a:1', 'set a:2', 'delete a:1', 'delete a:2', 'delete a:3', 'invalidate t1,t2', 'clear a', 'clear *']);
    await cache.close();
  });
});
