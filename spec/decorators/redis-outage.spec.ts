/**
 * A decorated service while its Redis goes down, hangs and comes back: every call still answers
 * with the method's own result within the method's time plus the store's timeout, with no
 * unhandled rejection or client error printed, and caching resumes by itself.
 */
import { expect } from 'chai';
import { BackendError, Cacheable, createCache, redisStore, registerCache, unregisterCache, type Cache, type CacheEventMap } from '../../lib/index.js';
import { rawCommand, redisSuite } from '../helpers/redis-server.js';
import { rawRedis, sleep, watchProcessTrouble, type ProcessTrouble } from '../helpers/redis-tools.js';
import { rejection } from '../helpers/thrown.js';
import { uniqueNamespace } from '../helpers/unique.js';

const TIMEOUT_MS = 200;
const WORK_MS = 30;
/** Scheduling slack on a loaded 2-core CI machine; far below a second timeout. */
const SLACK_MS = 150;

describe('decorated calls during a Redis outage', function () {
  this.timeout(30_000);
  const redis = redisSuite('decorators during a Redis outage', { ownServer: true });
  let cache: Cache;
  let prefix: string;
  let trouble: ProcessTrouble;
  let backendErrors: Array<CacheEventMap['backend-error']>;

  class PriceService {
    loads = 0;
    @Cacheable({ namespace: uniqueNamespace('prices'), ttl: '1m' })
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

  async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
    const started = performance.now();
    const value = await run();
    return { value, ms: performance.now() - started };
  }

  it('answers from the method while the server is down, then caches again once it is back', async () => {
    const svc = new PriceService();
    await svc.price('abc');
    await sleep(20);
    await svc.price('abc');
    expect(svc.loads, 'warm: the second call is a hit').to.equal(1);

    await redis.server!.kill();
    const results = await Promise.all(['abc', 'abcd', 'x'].map((sku) => timed(() => svc.price(sku))));
    expect(results.map((r) => r.value)).to.deep.equal([300, 400, 100]);
    for (const { ms } of results) expect(ms).to.be.below(WORK_MS + TIMEOUT_MS + SLACK_MS);
    expect(svc.loads).to.equal(4);
    await sleep(TIMEOUT_MS + 50); // let the background writes fail too
    expect(backendErrors.length).to.be.at.least(3);
    expect(cache.stats().backendErrors).to.equal(backendErrors.length);

    await redis.server!.restart();
    // Caching resumes by itself: within a few seconds a repeated call is a hit again.
    const deadline = Date.now() + 10_000;
    let hit = false;
    while (!hit && Date.now() < deadline) {
      const before = svc.loads;
      await svc.price('resume');
      await sleep(20);
      await svc.price('resume');
      hit = svc.loads - before <= 1; // the second call did not load
      if (!hit) await sleep(100);
    }
    expect(hit, 'a repeated call became a hit after the restart').to.equal(true);
    expect(trouble.unhandledRejections).to.deep.equal([]);
    expect(trouble.errorLogs).to.deep.equal([]);
  });

  it('answers within the method time plus the timeout while the server hangs', async () => {
    const svc = new PriceService();
    await rawCommand(redis.server!.port, 'CLIENT PAUSE 1500 ALL');
    const { value, ms } = await timed(() => svc.price('hang'));
    expect(value).to.equal(400);
    expect(ms).to.be.below(WORK_MS + TIMEOUT_MS + SLACK_MS);
    expect(backendErrors.map((e) => e.error.name)).to.include('TimeoutError');
    await sleep(1600);
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
      const { value: error, ms } = await timed(() => rejection(() => svc.price('down')));
      expect(error).to.be.instanceOf(BackendError);
      expect(ms).to.be.below(TIMEOUT_MS + SLACK_MS);
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
    await sleep(20);
    const raw = rawRedis(redis.url);
    try {
      for (const garbage of [Buffer.from([0xff, 0x00, 0x13, 0x37]), '{"not":"ours"}', 'cf1:']) {
        await raw.set(`${prefix}:${keys[0]}`, garbage);
        expect(await svc.price('abc')).to.equal(300);
        await sleep(20);
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
