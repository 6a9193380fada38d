/**
 * The Redis store through Redis Sentinel: option validation (no server), then a real group (a
 * master, a replica, three Sentinels: see `helpers/redis-sentinel.ts`): caching through the
 * master the Sentinels name, with a store-made and an application-made Sentinel client, and a
 * real failover (the master process killed) while callers keep calling: every call answers with
 * the right value, and caching resumes on the promoted replica. A tiered store's bus follows
 * the failover too.
 */
import { expect } from 'chai';
import { Redis } from 'ioredis';
import {
  BackendError,
  createCache,
  InvalidOptionError,
  memoryStore,
  redisStore,
  tieredStore,
  type Cache,
  type CacheEventMap,
  type TieredStore,
} from '../../lib/index.js';
import { sentinelClientOptions } from '../../lib/stores/redis/connection.js';
import { resolveRedisStoreOptions } from '../../lib/stores/redis/options.js';
import { until } from '../helpers/deferred.js';
import { randomPrefix, REDIS_HOST, UNHURRIED_MS } from '../helpers/redis-server.js';
import { redisSentinelSuite, type RedisSentinelGroup } from '../helpers/redis-sentinel.js';
import { sleep, watchProcessTrouble, type ProcessTrouble } from '../helpers/redis-tools.js';
import { rejection, thrown } from '../helpers/thrown.js';

const SENTINELS = [{ host: '10.0.0.1', port: 26379 }, { host: '10.0.0.2', port: 26380 }];

describe('redisStore with Redis Sentinel', function () {
  this.timeout(30_000);

  describe('options', () => {
    const bad: Array<[string, unknown, RegExp]> = [
      ['sentinels without masterName', { sentinels: SENTINELS }, /"sentinels" needs "masterName".*masterName: 'mymaster'/],
      ['an empty list', { sentinels: [], masterName: 'm' }, /"sentinels" is an array; give a non-empty array of Sentinel addresses/],
      ['not a list', { sentinels: 'redis://h:26379', masterName: 'm' }, /"sentinels" is the string .*non-empty array/],
      ['an entry that is not an object', { sentinels: ['10.0.0.1:26379'], masterName: 'm' }, /"sentinels\[0\]" is the string .*\{ host, port \}/],
      ['a bad host', { sentinels: [{ host: '', port: 26379 }], masterName: 'm' }, /"sentinels\[0\]\.host" is the string ""; give a host name or IP address/],
      ['a host with a scheme', { sentinels: [{ host: 'redis://h', port: 1 }], masterName: 'm' }, /"sentinels\[0\]\.host"/],
      ['a bad port', { sentinels: [SENTINELS[0], { host: 'h', port: 70000 }], masterName: 'm' }, /"sentinels\[1\]\.port" is 70000; .*1 to 65535/],
      ['a port as a string', { sentinels: [{ host: 'h', port: '26379' }], masterName: 'm' }, /"sentinels\[0\]\.port" is the string "26379"/],
      ['an unknown field in an entry', { sentinels: [{ host: 'h', port: 1, password: 'x' }], masterName: 'm' }, /unknown field "password".*sentinelPassword/],
      ['a bad masterName', { sentinels: SENTINELS, masterName: 'my master' }, /"masterName" is the string "my master"; give the master group name/],
      ['an empty masterName', { sentinels: SENTINELS, masterName: '' }, /"masterName" is the string ""/],
      ['a bad db', { sentinels: SENTINELS, masterName: 'm', db: -1 }, /"db" is -1; give a database number/],
      ['sentinels with url', { sentinels: SENTINELS, masterName: 'm', url: 'redis://h' }, /"url" and "sentinels" were all given; give exactly one of "url", "nodes", "sentinels" or "client"/],
      ['sentinels with nodes', { sentinels: SENTINELS, masterName: 'm', nodes: ['redis://h'] }, /"nodes" and "sentinels"/],
      ['masterName without sentinels', { url: 'redis://h', masterName: 'm' }, /"masterName" only applies with "sentinels"; give "sentinels"/],
      ['password with url', { url: 'redis://h', password: 'pw' }, /"password" only applies with "sentinels"; with "url", give the user, password and database in the URL/],
      ['db with a client', { client: { isCluster: false, status: 'wait', evalsha() {}, on() {} }, db: 1 }, /"db" only applies with "sentinels"; give it to the client you made/],
      ['closeClient with sentinels', { sentinels: SENTINELS, masterName: 'm', closeClient: true }, /"closeClient" only applies with "client"/],
    ];
    for (const [what, options, message] of bad) {
      it(`rejects ${what}`, () => {
        const error = thrown(() => resolveRedisStoreOptions(options));
        expect(error).to.be.instanceOf(InvalidOptionError);
        expect((error as Error).message).to.match(message);
      });
    }

    it('never shows a password, even one given with the wrong type', () => {
      const error = thrown(() => resolveRedisStoreOptions({ sentinels: SENTINELS, masterName: 'm', sentinelPassword: 12345678 }));
      expect(error).to.be.instanceOf(InvalidOptionError);
      expect((error as Error).message).to.match(/"sentinelPassword" is a value of type number/).and.not.include('12345678');
    });

    it('is named after the master group and database, without passwords', () => {
      const resolved = resolveRedisStoreOptions({ sentinels: SENTINELS, masterName: 'orders-master', db: 3, password: 'm-secret', sentinelPassword: 's-secret' });
      expect(resolved.name).to.equal('redis-sentinel(orders-master/3)');
      expect(resolved.target.kind).to.equal('sentinel');
      expect(resolved.redact('auth m-secret s-secret')).to.equal('auth *** ***');
      expect(resolveRedisStoreOptions({ sentinels: SENTINELS, masterName: 'm', name: 'orders', password: 'pw' }).name).to.equal('orders');
      // An application-made Sentinel client: the same name.
      const client = new Redis({ sentinels: SENTINELS, name: 'app-master', db: 1, lazyConnect: true });
      try {
        expect(resolveRedisStoreOptions({ client }).name).to.equal('redis-sentinel(app-master/1)');
      } finally {
        client.disconnect();
      }
    });

    it('makes a Sentinel client with the fail-fast settings of a URL client', () => {
      const resolved = resolveRedisStoreOptions({
        sentinels: SENTINELS,
        masterName: 'mymaster',
        username: 'app',
        password: 'pw',
        sentinelPassword: 'spw',
        db: 2,
        connectTimeoutMs: 900,
        maxReconnectDelayMs: 700,
        tls: { rejectUnauthorized: false },
      });
      if (resolved.target.kind !== 'sentinel') throw new Error('not a sentinel target');
      const options = sentinelClientOptions(resolved.target.sentinel, resolved);
      expect(options).to.deep.include({
        sentinels: SENTINELS,
        name: 'mymaster',
        role: 'master',
        db: 2,
        username: 'app',
        password: 'pw',
        sentinelPassword: 'spw',
        lazyConnect: true,
        enableOfflineQueue: true,
        maxRetriesPerRequest: 0,
        autoResendUnfulfilledCommands: false,
        connectTimeout: 900,
        sentinelCommandTimeout: 900,
        enableAutoPipelining: false,
        enableTLSForSentinelMode: true,
        tls: { rejectUnauthorized: false },
        sentinelTLS: { rejectUnauthorized: false },
      });
      expect(options).to.not.have.property('commandTimeout');
      const retry = options.retryStrategy as (times: number) => number;
      const sentinelRetry = options.sentinelRetryStrategy as (times: number) => number;
      // Never null: a Sentinel client whose strategy gives up ends for good.
      expect([1, 2, 3, 100].map(retry)).to.deep.equal([50, 100, 200, 700]);
      expect([1, 2, 3, 100].map(sentinelRetry)).to.deep.equal([50, 100, 200, 700]);
      const plain = resolveRedisStoreOptions({ sentinels: SENTINELS, masterName: 'mymaster' });
      if (plain.target.kind !== 'sentinel') throw new Error('not a sentinel target');
      expect(sentinelClientOptions(plain.target.sentinel, plain)).to.not.have.any.keys('tls', 'sentinelTLS', 'enableTLSForSentinelMode', 'password', 'username');
    });

    it('creates a store without connecting; with no Sentinel answering, operations fail fast and say so', async () => {
      const store = redisStore({
        sentinels: [{ host: REDIS_HOST, port: 1 }],
        masterName: 'm',
        password: 'master-secret',
        sentinelPassword: 'sentinel-secret',
        commandTimeoutMs: 300,
      });
      try {
        expect(store.name).to.equal('redis-sentinel(m/0)');
        // Once ioredis reported that no Sentinel answers, operations reject at once (no wait in
        // the offline queue while it asks them again), naming what to check.
        let last: unknown;
        await until(
          async () => {
            const started = performance.now();
            last = await rejection(() => store.get('ns', 'k'));
            return last instanceof BackendError && performance.now() - started < 100;
          },
          { what: 'a get failing fast with a BackendError', state: () => String(last) },
        );
        expect((last as Error).message).to.match(/^redis store "redis-sentinel\(m\/0\)": get failed: not connected: no Sentinel answered \(All sentinels are unreachable/);
        expect((last as Error).message).to.include('"sentinels" addresses');
        const health = await store.health();
        expect(health.ok).to.equal(false);
        expect(health.details).to.include({ mode: 'sentinel' });
        expect(JSON.stringify([health, String(last), String((last as Error).cause)])).to.not.match(/secret/);
      } finally {
        await store.close();
      }
    });
  });

  /** A loader that counts its runs and answers a value derived from the key. */
  function countingLoader(): { loads: number; load: (key: string) => () => Promise<string> } {
    const counter = {
      loads: 0,
      load: (key: string) => async () => {
        counter.loads++;
        await sleep(2);
        return `value-of-${key}`;
      },
    };
    return counter;
  }

  /** Call `getOrSet` on every key until one whole round runs no loader (every key a hit). */
  async function untilAllHits(cache: Cache, keys: readonly string[], counter: ReturnType<typeof countingLoader>, what: string): Promise<void> {
    await until(
      async () => {
        const before = counter.loads;
        const values = await Promise.all(keys.map((key) => cache.getOrSet(key, counter.load(key))));
        expect(values).to.deep.equal(keys.map((key) => `value-of-${key}`));
        return counter.loads === before;
      },
      { what, timeoutMs: 60_000, state: () => ({ loads: counter.loads, stats: cache.stats }) },
    );
  }

  /** A plain connection to one data server of the group. */
  const rawAt = (port: number): Redis => new Redis({ host: REDIS_HOST, port, lazyConnect: true, maxRetriesPerRequest: 0 });

  describe('through a real Sentinel group', function () {
    this.timeout(120_000);
    const env = redisSentinelSuite('redisStore through Sentinel');
    const group = (): RedisSentinelGroup => env.group as RedisSentinelGroup;
    let trouble: ProcessTrouble;
    const closing: Array<{ close(): Promise<void> }> = [];
    beforeEach(() => {
      trouble = watchProcessTrouble();
    });
    afterEach(async () => {
      await Promise.all(closing.splice(0).map((c) => c.close()));
      trouble.restore();
    });
    function expectNoTrouble(): void {
      expect(trouble.unhandledRejections.map(String), 'unhandled rejections').to.deep.equal([]);
      expect(trouble.errorLogs, 'console.error (e.g. ioredis "Unhandled error event")').to.deep.equal([]);
    }

    it('caches through the master the Sentinels name', async () => {
      const prefix = randomPrefix('sentinel');
      const store = redisStore({ sentinels: group().sentinels, masterName: group().group, prefix, commandTimeoutMs: UNHURRIED_MS });
      const cache = createCache({ store });
      closing.push(cache);
      expect(store.name).to.equal(`redis-sentinel(${group().group}/0)`);
      const counter = countingLoader();
      expect(await cache.getOrSet('k', counter.load('k'))).to.equal('value-of-k');
      expect(await cache.getOrSet('k', counter.load('k'))).to.equal('value-of-k');
      expect(counter.loads).to.equal(1);
      const health = await store.health();
      expect(health.ok).to.equal(true);
      expect(health.details).to.include({ mode: 'sentinel', status: 'ready', prefix });
      // The entry is on the master itself.
      const raw = rawAt(group().masterPort);
      try {
        await until(async () => (await raw.keys(`${prefix}:*k*`)).length === 1, { what: 'the entry written on the master' });
      } finally {
        raw.disconnect();
      }
      expectNoTrouble();
    });

    it('caches through a Sentinel client the application made', async () => {
      const prefix = randomPrefix('sentinel-app');
      const client = new Redis({ sentinels: [...group().sentinels], name: group().group, lazyConnect: true, enableOfflineQueue: true, maxRetriesPerRequest: 0 });
      const store = redisStore({ client, prefix, commandTimeoutMs: UNHURRIED_MS });
      const cache = createCache({ store });
      closing.push(cache);
      try {
        expect(store.name).to.equal(`redis-sentinel(${group().group}/0)`);
        const counter = countingLoader();
        await untilAllHits(cache, ['a', 'b'], counter, 'both keys cached through the application client');
        expect(counter.loads).to.equal(2);
        expect((await store.health()).details).to.include({ mode: 'sentinel' });
      } finally {
        await cache.close();
        client.disconnect();
      }
      expectNoTrouble();
    });

    // Last in this group: it kills the master.
    it('keeps answering while the master is killed, then caches on the promoted replica (store-made and application clients)', async () => {
      const prefix = randomPrefix('sentinel-failover');
      const appClient = new Redis({ sentinels: [...group().sentinels], name: group().group, lazyConnect: true, maxRetriesPerRequest: 0 });
      closing.push({ close: async () => appClient.disconnect() });
      const subjects = [
        { what: 'store-made client', store: redisStore({ sentinels: group().sentinels, masterName: group().group, prefix, commandTimeoutMs: 1_000 }) },
        { what: 'application client', store: redisStore({ client: appClient, prefix: `${prefix}-app`, commandTimeoutMs: 1_000 }) },
      ].map(({ what, store }) => {
        const cache = createCache({ store });
        closing.push(cache);
        const backendErrors: Array<CacheEventMap['backend-error']> = [];
        cache.on('backend-error', (event) => backendErrors.push(event));
        return { what, store, cache, backendErrors, counter: countingLoader(), calls: 0 };
      });
      const keys = ['p0', 'p1', 'p2', 'p3'];
      for (const subject of subjects) await untilAllHits(subject.cache, keys, subject.counter, `${subject.what}: every key cached before the failover`);

      // Callers keep calling through the failover, on both caches.
      const callerErrors: unknown[] = [];
      const wrongValues: string[] = [];
      let running = true;
      const callers = subjects.flatMap((subject) =>
        keys.map(async (key) => {
          while (running) {
            try {
              const value = await subject.cache.getOrSet(key, subject.counter.load(key));
              subject.calls++;
              if (value !== `value-of-${key}`) wrongValues.push(`${subject.what}: ${value}`);
            } catch (error) {
              callerErrors.push(error);
            }
            await sleep(5);
          }
        }),
      );
      try {
        const oldMaster = group().masterPort;
        const before = subjects.map((subject) => ({ loads: subject.counter.loads, errors: subject.backendErrors.length }));
        const newMaster = await group().failover('kill');
        expect(newMaster).to.not.equal(oldMaster);
        const raw = rawAt(newMaster);
        try {
          for (const [i, subject] of subjects.entries()) {
            // The calls made while the master was gone ran their loader uncached.
            await until(() => subject.backendErrors.length > (before[i]?.errors ?? 0) && subject.counter.loads > (before[i]?.loads ?? 0), {
              what: `${subject.what}: the outage seen by the callers (backend errors, loads run uncached)`,
              state: () => ({ loads: subject.counter.loads, backendErrors: subject.backendErrors.length }),
            });
            // A fresh key is cached on the new master: its loader runs once, then it is a hit.
            await untilAllHits(subject.cache, [...keys, 'fresh'], subject.counter, `${subject.what}: caching resumed after the failover`);
            const own = subject.store.prefix;
            await until(async () => (await raw.keys(`${own}:*fresh*`)).length === 1, { what: `${subject.what}: the fresh entry written on the promoted replica` });
            expect((await subject.store.health()).ok, `${subject.what}: health`).to.equal(true);
          }
        } finally {
          raw.disconnect();
        }
      } finally {
        running = false;
        await Promise.all(callers);
      }
      expect(callerErrors.map(String), 'errors reaching the callers').to.deep.equal([]);
      expect(wrongValues, 'wrong values').to.deep.equal([]);
      for (const subject of subjects) expect(subject.calls, `${subject.what}: calls answered`).to.be.greaterThan(keys.length);
      expectNoTrouble();
    });
  });

  describe('a tiered store over Sentinel', function () {
    this.timeout(120_000);
    const env = redisSentinelSuite('tieredStore over Sentinel');
    const group = (): RedisSentinelGroup => env.group as RedisSentinelGroup;
    const stores: TieredStore[] = [];
    afterEach(async () => {
      await Promise.all(stores.splice(0).map((store) => store.close()));
    });

    it("keeps the other process's L1 coherent across a failover (its bus follows the new master)", async () => {
      const prefix = randomPrefix('sentinel-tiered');
      const make = (): TieredStore => {
        const store = tieredStore({
          l1: memoryStore(),
          l2: redisStore({ sentinels: group().sentinels, masterName: group().group, prefix, commandTimeoutMs: UNHURRIED_MS }),
        });
        stores.push(store);
        return store;
      };
      const a = make();
      const b = make();
      const state = (): unknown => [a.stats, b.stats];
      const busUp = async (): Promise<void> => {
        void a.health();
        void b.health();
        await until(() => a.stats.bus === 'up' && b.stats.bus === 'up', { what: 'both buses subscribed', state, timeoutMs: 60_000 });
      };
      let marks = 0;
      /** `a` deletes a key `b` holds in L1; wait until `b` heard it (retrying the delete while L2 fails). */
      const heard = async (): Promise<void> => {
        const id = `mark-${++marks}`;
        await b.l1.set('ns', id, { value: id, expiresAt: Infinity, tags: [] }, { ttlMs: 60_000 });
        await until(
          async () => {
            await a.delete('ns', id).catch(() => undefined);
            return b.l1.get('ns', id) === undefined;
          },
          { what: `b to hear ${id} deleted through a`, state, timeoutMs: 60_000 },
        );
      };
      await busUp();
      await heard();
      await group().failover('kill');
      await busUp();
      // Once both buses are up again, an invalidation by `a` still reaches `b`'s L1.
      await heard();
      await a.set('ns', 'k', 'v1', { ttlMs: 60_000 });
      expect((await b.get('ns', 'k'))?.value).to.equal('v1');
      await a.set('ns', 'k', 'v2', { ttlMs: 60_000 });
      await until(async () => (await b.get('ns', 'k'))?.value === 'v2', { what: "b to read a's new value (its L1 copy dropped)", state });
    });
  });
});
