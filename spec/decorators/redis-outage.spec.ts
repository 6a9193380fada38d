/**
 * A decorated service while its Redis goes down, hangs and comes back: every call still answers
 * with the method's own result within the method's time plus the store's timeout, with no
 * unhandled rejection or client error printed, and caching resumes by itself.
 */
import { expect } from 'chai';
import {
  BackendError,
  Cacheable,
  createCache,
  encodeArgs,
  redisStore,
  registerCache,
  unregisterCache,
  type Cache,
  type CacheEventMap,
} from '../../lib/index.js';
import { until } from '../helpers/deferred.js';
import { redisSuite } from '../helpers/redis-server.js';
import { rawRedis, sleep, watchProcessTrouble, type ProcessTrouble } from '../helpers/redis-tools.js';
import { rejection } from '../helpers/thrown.js';
import { timedAgainst } from '../helpers/timing.js';
import { uniqueNamespace } from '../helpers/unique.js';

const TIMEOUT_MS = 200;
const WORK_MS = 30;
/** Scheduling slack on top of the timeout (itself stretched by how late timers fire: see timedAgainst); far below a second timeout. */
const SLACK_MS = 150;
const PRICES = uniqueNamespace('prices');

describe('decorated calls during a Redis outage', function () {
  this.timeout(90_000);
  const redis = redisSuite('decorators during a Redis outage', { ownServer: true });
  let cache: Cache;
  let prefix: string;
  let trouble: ProcessTrouble;
  let backendErrors: Array<CacheEventMap['backend-error']>;

  class PriceService {
    loads = 0;
    @Cacheable({ namespace: PRICES, ttl: '1m' })
    async price(sku: string): Promise<number> {
      this.loads++;
      await sleep(WORK_MS);
      return sku.length * 100;
    }
  }

  beforeEach(() => {
    trouble = watchProcessTrouble();
    prefix = uniqueNamespace('outage');
    cache = registerCache(createCache({ store: redisStore({ url: redis.url, prefix, commandTimeoutMs: TIMEOUT_MS }) }));
    backendErrors = [];
    cache.on('backend-error', (event) => backendErrors.push(event));
  });

  afterEach(async () => {
    unregisterCache();
    await cache.close();
    trouble.restore();
    if (redis.server && !redis.server.running) await redis.server.restart();
  });

  /** The Redis key of `price(sku)`'s entry. */
  const redisKey = (sku: string): string => `${prefix}:${PRICES}:${encodeArgs([sku], 'PriceService.price')}`;

  /** Wait until the background write of `price(sku)`'s entry landed in Redis (writes are off the caller's path). */
  async function stored(sku: string): Promise<void> {
    const raw = rawRedis(redis.url);
    try {
      await until(async () => (await raw.exists(redisKey(sku))) === 1, { what: `the entry of price(${JSON.stringify(sku)}) written to Redis` });
    } finally {
      raw.disconnect();
    }
  }

  it('answers from the method while the server is down, then caches again once it is back', async () => {
    const svc = new PriceService();
    await svc.price('abc');
    await stored('abc');
    await svc.price('abc');
    expect(svc.loads, 'warm: the second call is a hit').to.equal(1);

    await redis.server!.kill();
    const results = await Promise.all(['abc', 'abcd', 'x'].map((sku) => timedAgainst(() => svc.price(sku), WORK_MS + TIMEOUT_MS)));
    expect(results.map((r) => r.value)).to.deep.equal([300, 400, 100]);
    for (const { ms, boundMs } of results) expect(ms).to.be.below(boundMs + SLACK_MS);
    expect(svc.loads).to.equal(4);
    // the reads failed, and so do the background writes of the three results
    await until(() => backendErrors.filter((e) => e.operation === 'set' || e.operation === 'setMany').length >= 1, {
      what: 'the background writes to fail too',
      state: () => backendErrors.map((e) => e.operation),
    });
    expect(backendErrors.length).to.be.at.least(3);
    expect(cache.stats().backendErrors).to.equal(backendErrors.length);

    await redis.server!.restart();
    // Caching resumes by itself: once a call's result is stored again, the next call is a hit.
    await until(
      async () => {
        await svc.price('resume');
        const raw = rawRedis(redis.url);
        try {
          return (await raw.exists(redisKey('resume'))) === 1;
        } finally {
          raw.disconnect();
        }
      },
      { what: "a call's result stored in Redis again after the restart" },
    );
    const before = svc.loads;
    await svc.price('resume');
    expect(svc.loads - before, 'a repeated call is a hit after the restart').to.equal(0);
    expect(trouble.unhandledRejections).to.deep.equal([]);
    expect(trouble.errorLogs).to.deep.equal([]);
  });

  it('answers within the method time plus the timeout while the server hangs', async () => {
    const svc = new PriceService();
    redis.server!.pause(); // hung (SIGSTOP) until resumed, however long the call takes under load
    try {
      const { value, ms, boundMs } = await timedAgainst(() => svc.price('hang'), WORK_MS + TIMEOUT_MS);
      expect(value).to.equal(400);
      expect(ms).to.be.below(boundMs + SLACK_MS);
      expect(backendErrors.map((e) => e.error.name)).to.include('TimeoutError');
    } finally {
      redis.server!.resume();
    }
    expect(trouble.unhandledRejections).to.deep.equal([]);
    expect(trouble.errorLogs).to.deep.equal([]);
  });

  it('surfaces the outage to the caller when the cache is required', async () => {
    const strict = createCache({ store: redisStore({ url: redis.url, prefix, commandTimeoutMs: TIMEOUT_MS }), required: true });
    registerCache(strict);
    try {
      const svc = new PriceService();
      expect(await svc.price('ok')).to.equal(200);
      await redis.server!.kill();
      const { value: error, ms, boundMs } = await timedAgainst(() => rejection(() => svc.price('down')), TIMEOUT_MS);
      expect(error).to.be.instanceOf(BackendError);
      expect(ms).to.be.below(boundMs + SLACK_MS);
      expect(svc.loads, 'the method did not run').to.equal(1);
    } finally {
      await strict.close();
    }
  });

  it('treats garbage at a key as a miss: the method runs, the entry is rewritten, an event reports it', async () => {
    const keys: string[] = [];
    const decodeErrors: Array<CacheEventMap['decode-error']> = [];
    cache.on('miss', ({ key }) => keys.push(key));
    cache.on('decode-error', (event) => decodeErrors.push(event));
    const svc = new PriceService();
    expect(await svc.price('abc')).to.equal(300);
    await stored('abc');
    const raw = rawRedis(redis.url);
    try {
      expect(`${prefix}:${keys[0]}`).to.equal(redisKey('abc'));
      for (const garbage of [Buffer.from([0xff, 0x00, 0x13, 0x37]), '{"not":"ours"}', 'cf1:']) {
        await raw.set(redisKey('abc'), garbage);
        expect(await svc.price('abc')).to.equal(300);
        const bytes = Buffer.from(garbage);
        await until(async () => !bytes.equals((await raw.getBuffer(redisKey('abc'))) ?? Buffer.alloc(0)), { what: 'the entry rewritten over the garbage' });
        expect(await svc.price('abc')).to.equal(300);
      }
    } finally {
      raw.disconnect();
    }
    expect(svc.loads, 'one load per garbage payload, then hits of the rewritten entry').to.equal(4);
    expect(decodeErrors).to.have.length(3);
    expect(cache.stats().decodeErrors).to.equal(3);
  });
});
