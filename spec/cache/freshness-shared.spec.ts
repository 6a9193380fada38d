/**
 * Freshness over shared stores: two caches on one Redis server stand for two processes (each
 * with its own store, connection and, for the tiered store, memory tier). The windows an entry
 * was written with travel with it: the reader needs no freshness options of its own.
 * Real time (Redis expires keys on its own clock): short TTLs, long windows, and waits for the
 * condition a test is about.
 */
import { expect } from 'chai';
import { createCache, memoryStore, redisStore, tieredStore, type Cache, type CacheEventMap, type Store, type TieredStore } from '../../lib/index.js';
import { deferred, until } from '../helpers/deferred.js';
import { redisSuite, UNHURRIED_MS } from '../helpers/redis-server.js';

const TTL_MS = 100;

/** Start the bus of each tiered store and wait until it is subscribed. */
async function busUp(...stores: TieredStore[]): Promise<void> {
  for (const store of stores) void store.health();
  await until(() => stores.every((store) => store.stats.bus === 'up'), { what: 'every bus subscribed' });
}

function describeShared(label: string, makeStore: (url: string, prefix: string) => Promise<Store>, firstTier: string | undefined): void {
  describe(`freshness across two caches on ${label}`, function () {
    this.timeout(30_000);
    const redis = redisSuite(`freshness on ${label}`);
    let writer: Cache;
    let reader: Cache;
    let n = 0;
    let key: string;

    beforeEach(async () => {
      writer = createCache({ store: await makeStore(redis.url, redis.prefix) });
      reader = createCache({ store: await makeStore(redis.url, redis.prefix) });
      key = `shared:k${++n}-${Date.now()}`;
    });
    afterEach(async () => {
      await writer.close();
      await reader.close();
    });

    /** Wait until `key` is past its TTL for `cache` (`get` answers fresh entries only). */
    const pastTtl = (cache: Cache): Promise<void> => until(async () => (await cache.get(key)) === undefined, { what: 'the entry past its TTL' });

    it('another cache answers a stale entry at once and refreshes it once, by the windows written with it', async () => {
      expect(await writer.getOrSet(key, async () => 'v1', { ttl: TTL_MS, staleWhileRevalidate: '1m' })).to.equal('v1');
      await pastTtl(reader);
      const stale: Array<CacheEventMap['stale']> = [];
      reader.on('stale', (event) => stale.push(event));
      const refresh = deferred<string>();
      let loads = 0;
      const loader = (): Promise<string> => {
        loads++;
        return refresh.promise;
      };
      const answers = await Promise.all([reader.getOrSet(key, loader), reader.getOrSet(key, loader), reader.getOrSet(key, loader)]);
      expect(answers).to.deep.equal(['v1', 'v1', 'v1']);
      // The refresh starts once its lease is claimed (distributed single-flight): one round trip.
      await until(() => loads === 1, { what: 'the background refresh started' });
      expect(loads).to.equal(1);
      expect(stale.length).to.be.at.least(1);
      // The tier that answered: Redis; for a tiered store its L1, where the reads above promoted it.
      expect(stale[0]?.tier).to.equal(firstTier);
      refresh.resolve('v2');
      await until(async () => (await writer.get(key)) === 'v2', { what: 'the refreshed value stored for every cache' });
    });

    it('another cache answers a value kept for grace when its load fails', async () => {
      expect(await writer.getOrSet(key, async () => 'v1', { ttl: TTL_MS, grace: '1m' })).to.equal('v1');
      await pastTtl(reader);
      const graced: Array<CacheEventMap['graced']> = [];
      reader.on('graced', (event) => graced.push(event));
      expect(await reader.getOrSet(key, () => Promise.reject(new Error('source down')))).to.equal('v1');
      expect(graced.map((event) => event.reason)).to.deep.equal(['load-failed']);
    });

    it('expire() in one cache makes the other answer stale and refresh', async () => {
      expect(await writer.getOrSet(key, async () => 'v1', { ttl: '1h', staleWhileRevalidate: '1m' })).to.equal('v1');
      expect(await reader.getOrSet(key, async () => 'unused')).to.equal('v1');
      expect(await writer.expire(key)).to.equal(true);
      await pastTtl(reader);
      let loads = 0;
      expect(await reader.getOrSet(key, async () => (loads++, 'v2'))).to.equal('v1');
      await until(async () => (await writer.get(key)) === 'v2', { what: 'the refresh stored' });
      expect(loads).to.equal(1);
    });
  });
}

describeShared('redisStore', async (url, prefix) => redisStore({ url, prefix, commandTimeoutMs: UNHURRIED_MS }), undefined);
describeShared('tieredStore', async (url, prefix) => {
  const store = tieredStore({ l1: memoryStore(), l2: redisStore({ url, prefix, commandTimeoutMs: UNHURRIED_MS }) });
  await busUp(store);
  return store;
}, 'l1');
