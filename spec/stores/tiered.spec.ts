/**
 * The tiered store (memory L1 + Redis L2 + invalidation bus) against real `redis-server`
 * processes. Two tiered stores on one server and prefix stand for two processes: what one writes
 * or drops must reach the other's L1 through the bus. Outages: a killed and restarted server, a
 * paused one (heartbeat), killed subscriber connections.
 */
import { expect } from 'chai';
import type { Redis } from 'ioredis';
import {
  BackendError,
  Cacheable,
  CacheClosedError,
  createCache,
  InvalidOptionError,
  InvalidTtlError,
  memoryStore,
  redisStore,
  registerCache,
  TimeoutError,
  tieredStore,
  unregisterCache,
  type Cache,
  type StoredEntry,
  type TieredStore,
  type TieredStoreOptions,
} from '../../lib/index.js';
import { PromotionGuard } from '../../lib/stores/tiered/promotion-guard.js';
import { decodeMessage, MAX_KEYS_PER_MESSAGE, PendingInvalidation } from '../../lib/stores/tiered/message.js';
import { until } from '../helpers/deferred.js';
import { randomPrefix, rawCommand, redisClusterSuite, redisSuite, type SingleRedis, UNHURRIED_MS } from '../helpers/redis-server.js';
import { commandStats, deletePrefix, type ProcessTrouble, rawRedis, sleep, watchProcessTrouble } from '../helpers/redis-tools.js';
import { rejection, thrown } from '../helpers/thrown.js';
import { uniqueNamespace } from '../helpers/unique.js';
import { describeStoreConformance } from './conformance.js';

const LONG = 60_000;

/** What a failed wait prints: every store's counters and bus state. */
const statsOf = (...stores: TieredStore[]) => (): unknown => stores.map((store) => store.stats);

/** Start the bus of each store (health() does) and wait until every one is subscribed. */
async function busUp(...stores: TieredStore[]): Promise<void> {
  for (const store of stores) void store.health();
  await until(() => stores.every((store) => store.stats.bus === 'up'), { what: 'every bus subscribed', state: statsOf(...stores) });
}

const BARRIER_NS = 'barrier';
let barriers = 0;

/**
 * Wait until `receiver` has heard every invalidation published on the channel before this call:
 * a key put in `receiver`'s L1 is deleted through `sender`, and Redis delivers the messages of a
 * subscription in the order they were published (one server), so once `receiver` dropped the
 * key it has heard every earlier one. Counting messages would not do: one published earlier (an
 * invalidation retried after an outage) may still be on its way and be counted for a later one.
 */
async function barrier(sender: TieredStore, receiver: TieredStore): Promise<void> {
  const id = `b${++barriers}`;
  await receiver.l1.set(BARRIER_NS, id, { value: id, expiresAt: Infinity, tags: [] }, { ttlMs: LONG });
  await sender.delete(BARRIER_NS, id);
  await until(() => receiver.l1.get(BARRIER_NS, id) === undefined, {
    what: `the receiver to hear the barrier ${id} deleted through the sender (and so every message before it)`,
    state: statsOf(sender, receiver),
  });
}

/**
 * Run `op` on `sender`, then wait until `receiver` has heard every invalidation `sender`
 * published meanwhile (the bus is asynchronous: a wait for the condition, never a fixed sleep).
 * `barrier: false` on a Cluster, where messages published through different nodes keep no order:
 * then the receiver's count of messages is awaited.
 */
async function heard(sender: TieredStore, receiver: TieredStore, op: () => Promise<unknown>, options: { barrier?: boolean } = {}): Promise<void> {
  const published = sender.stats.busPublished;
  const received = receiver.stats.busReceived;
  await op();
  // A PUBLISH that failed is retried with backoff (0.1 s, 0.4 s, 1.6 s, 6.4 s): the bound covers it.
  await until(() => sender.stats.busPublished > published, { what: "the sender to publish the operation's invalidation", state: statsOf(sender, receiver) });
  if (options.barrier === false) {
    await until(() => receiver.stats.busReceived - received >= sender.stats.busPublished - published, {
      what: 'the receiver to hear as many messages as the sender published',
      state: statsOf(sender, receiver),
    });
  } else {
    await until(() => !sender.stats.busRetrying, { what: "the sender's retried invalidations to go out", state: statsOf(sender, receiver) });
    await barrier(sender, receiver);
  }
}

/** The value L1 holds for an entry, without going to L2. */
function inL1(store: TieredStore, namespace: string, id: string): unknown {
  const held = store.l1.get(namespace, id);
  return held === undefined ? undefined : (held.value as StoredEntry).value;
}

function expectNoTrouble(trouble: ProcessTrouble): void {
  expect(trouble.unhandledRejections.map(String), 'unhandled rejections').to.deep.equal([]);
  expect(trouble.errorLogs, 'console.error (e.g. ioredis "Unhandled error event")').to.deep.equal([]);
  expect(trouble.warnings, 'process warnings').to.deep.equal([]);
}

describe('tieredStore', function () {
  this.timeout(20_000);

  describe('conformance', () => {
    const redis = redisSuite('tieredStore conformance');
    after(async () => {
      if (!redis.server && redis.url) await deletePrefix(redis.url, redis.prefix);
    });
    const make = (options: Partial<TieredStoreOptions> = {}): TieredStore =>
      tieredStore({ l1: memoryStore(), l2: redisStore({ url: redis.url, prefix: redis.prefix, commandTimeoutMs: UNHURRIED_MS }), ...options });

    // Before the bus is subscribed every read goes to L2; once it is, L1 answers.
    describeStoreConformance('tieredStore (bus not subscribed yet)', () => make());
    describeStoreConformance('tieredStore (bus up: L1 serving)', async () => {
      const store = make();
      await busUp(store);
      return store;
    });
    describeStoreConformance("tieredStore (bus up, l1Ttl: '1s')", async () => {
      const store = make({ l1Ttl: '1s' });
      await busUp(store);
      return store;
    });
  });

  describe('two processes on one Redis', () => {
    const redis = redisSuite('tieredStore across processes', { ownServer: true });
    let prefix: string;
    let ns: string;
    const stores: TieredStore[] = [];
    const make = (options: Partial<TieredStoreOptions> & { prefix?: string } = {}): TieredStore => {
      const { prefix: own = prefix, ...rest } = options;
      const store = tieredStore({ l1: memoryStore(), l2: redisStore({ url: redis.url, prefix: own, commandTimeoutMs: UNHURRIED_MS }), ...rest });
      stores.push(store);
      return store;
    };
    let a: TieredStore;
    let b: TieredStore;
    beforeEach(async () => {
      prefix = randomPrefix('tiered');
      ns = uniqueNamespace('ns');
      a = make();
      b = make();
      await busUp(a, b);
    });
    afterEach(async () => {
      await Promise.all(stores.splice(0).map((store) => store.close()));
    });

    /** `b` reads `id` (from L2) and keeps it in its L1. */
    async function promoteInB(id: string, value: unknown, options: { ttlMs: number; tags?: string[] } = { ttlMs: LONG }): Promise<void> {
      await heard(a, b, () => a.set(ns, id, value, options));
      expect((await b.get(ns, id))?.value).to.deep.equal(value);
      expect(inL1(b, ns, id), 'promoted into L1').to.deep.equal(value);
    }

    describe('coherence over the bus', () => {
      it('a write in one process drops the copy in the other\'s L1, which then reads the new value', async () => {
        await promoteInB('k', 'v1');
        await heard(a, b, () => a.set(ns, 'k', 'v2', { ttlMs: LONG }));
        expect(b.l1.get(ns, 'k')).to.equal(undefined);
        expect((await b.get(ns, 'k'))?.value).to.equal('v2');
        expect(inL1(b, ns, 'k')).to.equal('v2');
        // and setMany
        await heard(a, b, () => a.setMany([{ namespace: ns, id: 'k', value: 'v3', ttlMs: LONG }]));
        expect(b.l1.get(ns, 'k')).to.equal(undefined);
        expect((await b.get(ns, 'k'))?.value).to.equal('v3');
      });

      it('a delete and a deleteMany reach the other L1', async () => {
        await promoteInB('x', 1);
        await promoteInB('y', 2);
        await heard(a, b, () => a.delete(ns, 'x'));
        expect(b.l1.get(ns, 'x')).to.equal(undefined);
        expect(inL1(b, ns, 'y')).to.equal(2);
        expect(await b.get(ns, 'x')).to.equal(undefined);
        await heard(a, b, () => a.deleteMany([[ns, 'y']]));
        expect(b.l1.get(ns, 'y')).to.equal(undefined);
        expect(await b.get(ns, 'y')).to.equal(undefined);
      });

      it('a namespace clear reaches the other L1, and only that namespace', async () => {
        const other = uniqueNamespace('other');
        await promoteInB('k', 'v');
        await heard(a, b, () => a.set(other, 'k', 'kept', { ttlMs: LONG }));
        expect((await b.get(other, 'k'))?.value).to.equal('kept');
        await heard(a, b, () => a.deleteNamespace(ns));
        expect(b.l1.get(ns, 'k')).to.equal(undefined);
        expect(inL1(b, other, 'k')).to.equal('kept');
        expect(await b.get(ns, 'k')).to.equal(undefined);
      });

      it('a tag invalidation reaches entries the other process promoted from L2 (their tags come along)', async () => {
        await promoteInB('tagged', 't', { ttlMs: LONG, tags: ['sku:1'] });
        await promoteInB('untagged', 'u');
        await heard(a, b, () => a.invalidateTags(['sku:1']));
        expect(b.l1.get(ns, 'tagged')).to.equal(undefined);
        expect(inL1(b, ns, 'untagged')).to.equal('u');
        expect(await b.get(ns, 'tagged')).to.equal(undefined);
        // and a local invalidation of a promoted entry
        await promoteInB('again', 'g', { ttlMs: LONG, tags: ['sku:2'] });
        await b.invalidateTags(['sku:2']);
        expect(b.l1.get(ns, 'again')).to.equal(undefined);
      });

      it('a clear reaches the other L1', async () => {
        await promoteInB('k', 'v');
        await heard(a, b, () => a.clear());
        expect(b.l1.size).to.equal(0);
        expect(await b.get(ns, 'k')).to.equal(undefined);
      });

      it('ignores its own messages: a process keeps what it just wrote in its L1', async () => {
        await heard(a, b, () => a.set(ns, 'k', 'mine', { ttlMs: LONG }));
        // Once a hears a later message of b's, its own earlier ones reached it too (one server, in order).
        await barrier(b, a);
        expect(a.stats.busReceived, 'only the barrier, from b').to.equal(b.stats.busPublished);
        expect(inL1(a, ns, 'k')).to.equal('mine');
        expect(b.stats.busReceived).to.be.greaterThan(0);
      });

      it('stores with different prefixes do not hear each other', async () => {
        const elsewhere = make({ prefix: `${prefix}x` });
        await busUp(elsewhere);
        expect(elsewhere.channel).to.not.equal(a.channel);
        await elsewhere.set(ns, 'k', 'theirs', { ttlMs: LONG });
        await heard(a, b, () => a.clear());
        await heard(a, b, () => a.set(ns, 'k', 'ours', { ttlMs: LONG }));
        expect(elsewhere.stats.busReceived).to.equal(0);
        expect(inL1(elsewhere, ns, 'k')).to.equal('theirs');
        expect(elsewhere.get(ns, 'k')).to.not.be.instanceOf(Promise);
      });

      it('drops its whole L1 on a message it cannot read', async () => {
        await promoteInB('k', 'v');
        const raw = rawRedis(redis.url);
        try {
          await raw.publish(b.channel, 'not a cacheflight message');
          await until(() => b.stats.busUnreadable === 1);
        } finally {
          raw.disconnect();
        }
        expect(b.l1.size).to.equal(0);
        expect((await b.get(ns, 'k'))?.value).to.equal('v');
      });

      it('sends the invalidations of operations in flight when closed', async () => {
        await promoteInB('k', 'v1');
        const received = b.stats.busReceived;
        const write = a.set(ns, 'k', 'last', { ttlMs: LONG });
        await a.close();
        await write;
        await until(() => b.stats.busReceived > received);
        expect(b.l1.get(ns, 'k')).to.equal(undefined);
        expect((await b.get(ns, 'k'))?.value).to.equal('last');
      });
    });

    describe('the L1 hit path', () => {
      it('answers an L1 hit synchronously, without a single Redis command', async () => {
        await promoteInB('k', { n: 1 });
        const port = redis.server?.port as number;
        const before = await commandStats(port);
        const first = b.get(ns, 'k');
        for (let i = 0; i < 1_000; i++) expect(b.get(ns, 'k')).to.equal(first); // the same entry object, no promise
        const many = b.getMany([[ns, 'k'], [ns, 'k']]);
        expect(many).to.be.an('array');
        const after = await commandStats(port);
        const sent = Object.keys(after)
          .filter((name) => name !== 'info' && name !== 'ping')
          .reduce((sum, name) => sum + (after[name] ?? 0) - (before[name] ?? 0), 0);
        expect(sent, JSON.stringify({ before, after })).to.equal(0);
        expect(first).to.not.be.instanceOf(Promise);
        expect((first as StoredEntry).value).to.deep.equal({ n: 1 });
      });

      it('promotes an L2 hit with its remaining TTL (the same expiresAt)', async () => {
        await heard(a, b, () => a.set(ns, 'k', 'v', { ttlMs: 5_000 }));
        const written = (await a.l2.get(ns, 'k'))?.expiresAt as number;
        await sleep(100);
        const read = (await b.get(ns, 'k')) as StoredEntry;
        expect(read.expiresAt).to.equal(written);
        const held = b.l1.get(ns, 'k');
        expect(held?.expiresAt).to.be.within(written - 5, written);
        expect(read.tier).to.equal('l2');
        // Later hits answer from L1, the same entry, saying so.
        expect(b.get(ns, 'k')).to.deep.include({ value: read.value, expiresAt: read.expiresAt, tier: 'l1' });
        expect(b.get(ns, 'k')).to.equal(b.get(ns, 'k'));
        const cache = createCache({ store: b });
        const asked = Date.now();
        const ttl = await cache.ttl(`${ns}:k`);
        // the time left until the written expiry, however long this took on a loaded machine
        expect(ttl).to.be.within(written - Date.now() - 1, written - asked + 1);
        expect(ttl).to.be.below(5_000);
      });

      it('with l1Ttl, keeps an entry in L1 no longer than that, then reads L2 again (the real expiry still reported)', async () => {
        const short = make({ l1Ttl: 100 });
        await busUp(short);
        await heard(a, short, () => a.set(ns, 'k', 'v', { ttlMs: LONG }));
        const read = (await short.get(ns, 'k')) as StoredEntry;
        expect(read.expiresAt).to.be.greaterThan(Date.now() + LONG - 1_000);
        expect(short.l1.get(ns, 'k')?.expiresAt).to.be.at.most(Date.now() + 100);
        expect(short.get(ns, 'k')).to.deep.include({ value: read.value, expiresAt: read.expiresAt, tier: 'l1' });
        await sleep(150);
        expect(short.l1.get(ns, 'k')).to.equal(undefined);
        const again = short.get(ns, 'k');
        expect(again).to.be.instanceOf(Promise);
        expect((await again)?.expiresAt).to.equal(read.expiresAt);
        expect(short.stats.promotions).to.equal(2);
      });

      it('never promotes a value read from L2 over a write made while the read was in flight', async () => {
        await heard(a, b, () => a.set(ns, 'k', 'old', { ttlMs: LONG }));
        const read = b.get(ns, 'k'); // an L1 miss: its MGET goes out at the end of this tick
        let write: Promise<void | boolean> | undefined;
        process.nextTick(() => {
          // after the MGET was sent, before its reply: this process writes the key
          write = b.set(ns, 'k', 'new', { ttlMs: LONG });
        });
        expect((await read)?.value).to.equal('old'); // what L2 held when it was read
        await write;
        expect(inL1(b, ns, 'k')).to.equal('new');
        expect(b.stats.promotions).to.equal(0);
      });

      it('protects values read from L2 with the Cache\'s immutability (freeze): a caller\'s mutation never reaches the next', async () => {
        const cache = createCache({ store: b }); // binds protect/plain
        await heard(a, b, () => a.set(ns, 'k', { list: [1], nested: { n: 1 } }, { ttlMs: LONG }));
        const load = async (): Promise<never> => {
          throw new Error('should be a hit');
        };
        const first = (await cache.getOrSet(`${ns}:k`, load)) as { list: number[]; nested: { n: number } };
        expect(Object.isFrozen(first)).to.equal(true);
        expect(() => first.list.push(2)).to.throw(TypeError);
        expect(() => {
          first.nested.n = 2;
        }).to.throw(TypeError);
        expect(b.get(ns, 'k')).to.not.be.instanceOf(Promise); // now in L1
        const second = (await cache.getOrSet(`${ns}:k`, load)) as { list: number[]; nested: { n: number } };
        expect(second).to.deep.equal({ list: [1], nested: { n: 1 } });
        expect(await cache.get(`${ns}:k`)).to.deep.equal({ list: [1], nested: { n: 1 } });
      });

      it("protects them with 'clone' too, and writes the plain value to L2", async () => {
        const cache = createCache({ store: b, immutability: 'clone' });
        await cache.set(`${ns}:w`, { at: new Date(0), list: [1] });
        expect(((await a.get(ns, 'w'))?.value as { at: Date }).at).to.be.instanceOf(Date); // L2 got the plain value
        await heard(a, b, () => a.set(ns, 'k', { list: [1] }, { ttlMs: LONG }));
        const first = (await cache.get(`${ns}:k`)) as { list: number[] };
        first.list.push(2);
        expect(await cache.get(`${ns}:k`)).to.deep.equal({ list: [1] });
        expect(await cache.get(`${ns}:k`)).to.deep.equal({ list: [1] });
      });

      it("passes L1's drops on as evict events with tier 'l1'; L1's sizeOf measures the application's value", async () => {
        const sizes: unknown[] = [];
        const store = make({ l1: memoryStore({ maxEntries: 1, policy: 'lru', maxSize: 100, sizeOf: (value) => (sizes.push(value), 1) }) });
        await busUp(store);
        const cache = createCache({ store, ttl: '1m' });
        const seen: unknown[] = [];
        cache.on('evict', (payload) => seen.push(payload));
        await cache.set(`${ns}:a`, { n: 1 });
        await cache.set(`${ns}:b`, { n: 2 });
        expect(seen).to.deep.equal([{ key: `${ns}:a`, cause: 'capacity', tier: 'l1' }]);
        expect(cache.stats().evictions).to.equal(1);
        expect(sizes).to.deep.equal([{ n: 1 }, { n: 2 }]);
        expect((await cache.get(`${ns}:a`)) as unknown).to.deep.equal({ n: 1 }); // still in L2
      });
    });

    describe('decorated methods', () => {
      let cache: Cache;
      afterEach(() => unregisterCache());

      it('@Cacheable through createCache({ store: tieredStore(...) }): L1 hits, and another process\'s eviction reaches them', async () => {
        cache = registerCache(createCache({ store: a, ttl: '5m' }));
        const namespace = uniqueNamespace('Products');
        class Products {
          loads = 0;
          @Cacheable({ namespace })
          async get(id: number): Promise<{ id: number; load: number }> {
            return { id, load: ++this.loads };
          }
        }
        const products = new Products();
        expect(await products.get(1)).to.deep.equal({ id: 1, load: 1 });
        await until(() => a.stats.busPublished > 0); // its write landed and was announced
        const reads = a.stats.l2Reads;
        expect(await products.get(1)).to.deep.equal({ id: 1, load: 1 });
        expect(await products.get(1)).to.deep.equal({ id: 1, load: 1 });
        expect(a.stats.l2Reads, 'answered from L1').to.equal(reads);
        expect(products.loads).to.equal(1);
        // "another process" sees the entry through L2, then clears the namespace
        const other = createCache({ store: b });
        expect(await other.getMany([`${namespace}:missing`])).to.deep.equal([undefined]);
        await heard(b, a, () => other.clearNamespace(namespace));
        expect(await products.get(1)).to.deep.equal({ id: 1, load: 2 });
        expect(cache.stats().backendErrors).to.equal(0);
      });
    });

    describe('health and close', () => {
      it('health is ok when L2 answers, with L1 and bus details', async () => {
        await promoteInB('k', 'v');
        const health = await b.health();
        expect(health.ok).to.equal(true);
        expect(health.store).to.equal(`tiered(memory+redis(127.0.0.1:${redis.server?.port}/0))`);
        expect(health.latencyMs).to.be.a('number');
        expect(health.details).to.include({ l1Entries: 1, l1MaxEntries: 10_000, bus: 'up', channel: `${prefix}::bus`, l2Status: 'ready', l2Prefix: prefix });
      });

      it('closes L1, L2 and the subscriber connection; close is idempotent; later operations reject', async () => {
        const raw = rawRedis(redis.url);
        try {
          const subscribers = async (): Promise<number> =>
            String(await raw.call('CLIENT', 'LIST', 'TYPE', 'pubsub')).split('\n').filter((line) => line.includes(`id=`)).length;
          const before = await subscribers();
          await b.close();
          await b.close();
          await until(async () => (await subscribers()) === before - 1, { what: "the server to drop the closed store's subscriber connection" });
          expect(b.stats.bus).to.equal('closed');
          for (const op of [() => b.get(ns, 'k'), () => b.set(ns, 'k', 1, { ttlMs: 1 }), () => b.clear(), () => b.l2.get(ns, 'k')]) {
            expect(await rejection(op)).to.be.instanceOf(CacheClosedError);
          }
          expect(thrown(() => b.l1.get(ns, 'k'))).to.be.instanceOf(CacheClosedError);
          expect((await b.health()).ok).to.equal(false);
        } finally {
          raw.disconnect();
        }
      });
    });
  });

  describe('outages', function () {
    // Each test waits for several reconnections, each bounded by WAIT_MS on a loaded machine.
    this.timeout(120_000);
    const redis: SingleRedis = redisSuite('tieredStore outages', { ownServer: true });
    let trouble: ProcessTrouble;
    let raw: Redis;
    const stores: TieredStore[] = [];
    let ns: string;
    const make = (options: Partial<TieredStoreOptions> = {}): TieredStore => {
      const store = tieredStore({
        l1: memoryStore(),
        l2: redisStore({ url: redis.url, prefix: 'outage', commandTimeoutMs: 200, maxReconnectDelayMs: 100 }),
        heartbeatMs: 100,
        ...options,
      });
      stores.push(store);
      return store;
    };
    beforeEach(() => {
      trouble = watchProcessTrouble();
      raw = rawRedis(redis.url);
      ns = uniqueNamespace('ns');
    });
    afterEach(async () => {
      await Promise.all(stores.splice(0).map((store) => store.close()));
      raw.disconnect();
      trouble.restore();
    });

    // outageStaleness: 0 keeps L1 out of service while the bus is down (the default's bounded
    // outage service is tested in tiered-outage.spec.ts).
    it("a killed and restarted redis-server: no unhandled rejection, with outageStaleness 0 L1 not served while down, cleared on resubscribe, caching resumes", async () => {
      const server = redis.server;
      if (!server) throw new Error('no server');
      const a = make({ outageStaleness: 0 });
      const b = make({ outageStaleness: 0 });
      const cache = createCache({ store: b });
      const backendErrors: Error[] = [];
      cache.on('backend-error', ({ error }) => backendErrors.push(error)); // handled: no process warning
      await busUp(a, b);
      await heard(a, b, () => a.set(ns, 'k', 'before', { ttlMs: LONG }));
      expect((await b.get(ns, 'k'))?.value).to.equal('before');
      expect(b.get(ns, 'k')).to.not.be.instanceOf(Promise);

      await server.kill();
      await until(() => a.stats.bus === 'down' && b.stats.bus === 'down', { what: 'both buses down after the kill', state: statsOf(a, b) });
      const read = b.get(ns, 'k');
      expect(read, 'L1 is not served while the bus is down').to.be.instanceOf(Promise);
      const error = await rejection(() => read);
      expect(error instanceof BackendError || error instanceof TimeoutError, String(error)).to.equal(true);
      for (const op of [() => a.set(ns, 'k', 'during', { ttlMs: LONG }), () => a.delete(ns, 'k'), () => a.clear(), () => a.invalidateTags(['t'])]) {
        const failure = await rejection(op);
        expect(failure instanceof BackendError || failure instanceof TimeoutError, String(failure)).to.equal(true);
      }
      // a cached call runs uncached and answers
      expect(await cache.getOrSet(`${ns}:m`, async () => 'computed')).to.equal('computed');
      expect(cache.stats().backendErrors).to.be.greaterThan(0);
      expect(backendErrors[0]).to.be.instanceOf(BackendError);
      expect((await b.health()).ok).to.equal(false);
      expect((await b.health()).details?.['bus']).to.equal('down');
      // The invalidations of the failed operations wait for a retry across the restart (a publish
      // issued while the client is between two connection attempts fails with the next attempt).
      await until(() => a.stats.busRetrying || a.stats.busPublishFailures > 0, { what: 'the failed invalidations kept for a retry', state: statsOf(a) });

      await server.restart();
      await until(() => a.stats.bus === 'up' && b.stats.bus === 'up', { what: 'both buses subscribed again after the restart', state: statsOf(a, b) });
      expect(b.stats.busLosses).to.equal(1);
      expect(b.l1.size, 'L1 cleared on resubscribe').to.equal(0);
      expect((await b.health()).ok).to.equal(true);

      // The invalidations that failed during the outage went out (retries: 0.1 s to 6.4 s apart).
      await until(() => !a.stats.busRetrying, { what: "a's invalidations from the outage to be published", state: statsOf(a, b) });
      expect(a.stats.busAbandoned, 'none given up').to.equal(0);
      await heard(a, b, () => a.set(ns, 'k', 'after', { ttlMs: LONG }));
      expect((await b.get(ns, 'k'))?.value).to.equal('after');
      expect(b.get(ns, 'k'), 'L1 serves again').to.not.be.instanceOf(Promise);
      await Promise.all(stores.splice(0).map((store) => store.close()));
      expectNoTrouble(trouble);
    });

    it('a subscriber that stops answering (paused server) misses its heartbeat: with outageStaleness 0 L1 not served, then cleared when it answers again', async () => {
      const server = redis.server;
      if (!server) throw new Error('no server');
      const a = make({ outageStaleness: 0 });
      const b = make({ outageStaleness: 0 });
      await busUp(a, b);
      await heard(a, b, () => a.set(ns, 'k', 'v', { ttlMs: LONG }));
      expect((await b.get(ns, 'k'))?.value).to.equal('v');
      // Paused until the test has seen what it is about, however long that takes under load.
      server.pause();
      try {
        await until(() => b.stats.bus === 'down', { what: "b's bus down after its heartbeat went unanswered", state: statsOf(b) });
        const read = b.get(ns, 'k');
        expect(read).to.be.instanceOf(Promise);
        await rejection(() => read);
      } finally {
        server.resume();
      }
      await until(() => b.stats.bus === 'up', { what: "b's bus up again once the pause ended", state: statsOf(b) });
      expect(b.stats.busLosses).to.equal(1);
      expect(b.l1.size).to.equal(0);
      expect((await b.get(ns, 'k'))?.value).to.equal('v');
      expect(b.get(ns, 'k')).to.not.be.instanceOf(Promise);
      await Promise.all(stores.splice(0).map((store) => store.close()));
      expectNoTrouble(trouble);
    });

    it('a killed subscriber connection comes back subscribed, with L1 cleared', async () => {
      const a = make();
      const b = make();
      await busUp(a, b);
      await heard(a, b, () => a.set(ns, 'k', 'v', { ttlMs: LONG }));
      expect((await b.get(ns, 'k'))?.value).to.equal('v');
      await raw.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
      await until(() => b.stats.busLosses === 1 && b.stats.bus === 'up', { what: "b's bus lost once and subscribed again", state: statsOf(b) });
      expect(b.l1.size).to.equal(0);
      // the bus works again: a write is heard
      expect((await b.get(ns, 'k'))?.value).to.equal('v');
      await heard(a, b, () => a.set(ns, 'k', 'v2', { ttlMs: LONG }));
      expect(b.l1.get(ns, 'k')).to.equal(undefined);
      expect((await b.get(ns, 'k'))?.value).to.equal('v2');
      await Promise.all(stores.splice(0).map((store) => store.close()));
      expectNoTrouble(trouble);
    });
  });

  describe('on a Redis Cluster', () => {
    const env = redisClusterSuite('tieredStore on a Redis Cluster');
    const make = (prefix: string): TieredStore =>
      tieredStore({ l1: memoryStore(), l2: redisStore({ nodes: [...(env.cluster?.urls ?? [])], prefix, commandTimeoutMs: UNHURRIED_MS }) });

    describeStoreConformance('tieredStore with a Cluster L2 (bus up)', async () => {
      const store = make(env.prefix);
      await busUp(store);
      return store;
    });

    it('subscribes on one node and hears invalidations published through any other', async function () {
      this.timeout(30_000);
      const prefix = randomPrefix('tcl');
      const a = make(prefix);
      const b = make(prefix);
      try {
        await busUp(a, b);
        const ns = uniqueNamespace('ns');
        // keys spread over the shards (and so the masters) of the Cluster
        const ids = Array.from({ length: 20 }, (_, i) => `k${i}`);
        await heard(a, b, () => a.setMany(ids.map((id) => ({ namespace: ns, id, value: id, ttlMs: LONG, tags: ['t'] }))), { barrier: false });
        expect((await b.getMany(ids.map((id): [string, string] => [ns, id]))).map((e) => e?.value)).to.deep.equal(ids);
        expect(ids.every((id) => inL1(b, ns, id) === id)).to.equal(true);
        await heard(a, b, () => a.invalidateTags(['t']), { barrier: false });
        expect(ids.every((id) => b.l1.get(ns, id) === undefined)).to.equal(true);
        expect((await b.getMany(ids.map((id): [string, string] => [ns, id]))).every((e) => e === undefined)).to.equal(true);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });

    it('moves its subscriber to another node when the node it listens on dies', async function () {
      this.timeout(60_000);
      const cluster = env.cluster;
      if (!cluster) throw new Error('no cluster');
      const trouble = watchProcessTrouble();
      const prefix = randomPrefix('tcl');
      const a = make(prefix);
      const b = make(prefix);
      try {
        await busUp(a, b);
        const subscribersOn = async (port: number): Promise<number> =>
          (await rawCommand(port, 'CLIENT LIST TYPE pubsub')).split('\n').filter((line) => line.includes('id=')).length;
        let victim: (typeof cluster.nodes)[number] | undefined;
        for (const node of cluster.nodes) if ((await subscribersOn(node.port)) > 0) victim = node;
        if (!victim) throw new Error('no subscriber found on any node');
        const losses = b.stats.busLosses + a.stats.busLosses;
        await victim.kill();
        try {
          await until(() => a.stats.busLosses + b.stats.busLosses > losses, { what: 'a subscriber lost with its node', state: statsOf(a, b) });
          await until(() => a.stats.bus === 'up' && b.stats.bus === 'up', { what: 'both buses subscribed on another node', state: statsOf(a, b) });
          const ns = uniqueNamespace('ns');
          // What this test is about: b's subscriber, moved to a live node, hears a's invalidations. A
          // publish goes through a node the client picks, which right after the kill may still be
          // the dead one (its retries back off over seconds): each poll publishes again, until b
          // hears one. A delete is used: a write may land on the dead master's slots.
          const received = b.stats.busReceived;
          await until(
            async () => {
              await a.deleteNamespace(ns).catch(() => undefined);
              if (b.stats.busReceived > received) return true;
              await sleep(200); // a publish in flight may still arrive: give it time before the next
              return b.stats.busReceived > received;
            },
            { what: "b to hear a's invalidation through its moved subscriber", state: statsOf(a, b) },
          );
        } finally {
          await victim.restart();
          const deadline = Date.now() + 30_000;
          for (const node of cluster.nodes) {
            while (!(await rawCommand(node.port, 'CLUSTER INFO').catch(() => '')).includes('cluster_state:ok')) {
              if (Date.now() > deadline) throw new Error('the Cluster did not recover');
              await sleep(100);
            }
          }
        }
      } finally {
        await Promise.all([a.close(), b.close()]);
        trouble.restore();
      }
      expectNoTrouble(trouble);
    });
  });

  describe('options', () => {
    const l2 = (): ReturnType<typeof redisStore> => redisStore({ url: 'redis://127.0.0.1:1' });
    const error = (options: unknown): Error => thrown(() => tieredStore(options as TieredStoreOptions));

    it('rejects a missing or wrong tier, saying what to give', () => {
      expect(error(undefined)).to.be.instanceOf(InvalidOptionError);
      expect(error({ l2: l2() }).message).to.contain('"l1"').and.contain('memoryStore(');
      expect(error({ l1: memoryStore() }).message).to.contain('"l2"').and.contain('redisStore(');
      expect(error({ l1: memoryStore(), l2: memoryStore() }).message).to.contain('"l2" is a memory store');
      expect(error({ l1: l2(), l2: l2() })).to.be.instanceOf(InvalidOptionError);
    });

    it('rejects unknown options with a hint', () => {
      const e = error({ l1: memoryStore(), l2: l2(), l1ttl: '1m' });
      expect(e).to.be.instanceOf(InvalidOptionError);
      expect(e.message).to.contain('did you mean "l1Ttl"');
    });

    it('rejects a tier already used by another tiered store', async () => {
      const l1 = memoryStore();
      const first = tieredStore({ l1, l2: l2() });
      expect(error({ l1, l2: l2() }).message).to.contain('already a tier of another tiered store');
      expect(error({ l1: memoryStore(), l2: first.l2 }).message).to.contain('"l2"');
      await first.close();
    });

    it('validates l1Ttl, outageStaleness, heartbeatMs and name', () => {
      expect(error({ l1: memoryStore(), l2: l2(), l1Ttl: 0 }).message).to.contain('keep nothing in L1');
      expect(error({ l1: memoryStore(), l2: l2(), l1Ttl: -1 })).to.be.instanceOf(InvalidTtlError);
      expect(error({ l1: memoryStore(), l2: l2(), l1Ttl: 'soon' })).to.be.instanceOf(InvalidTtlError);
      expect(error({ l1: memoryStore(), l2: l2(), heartbeatMs: 0 }).message).to.contain('"heartbeatMs"');
      expect(error({ l1: memoryStore(), l2: l2(), outageStaleness: -1 })).to.be.instanceOf(InvalidTtlError);
      expect(error({ l1: memoryStore(), l2: l2(), outageStaleness: 'a while' })).to.be.instanceOf(InvalidTtlError);
      expect(error({ l1: memoryStore(), l2: l2(), outageStaleness: 'a while' }).message).to.contain('"outageStaleness"');
      const unbounded = error({ l1: memoryStore(), l2: l2(), outageStaleness: Infinity });
      expect(unbounded).to.be.instanceOf(InvalidOptionError);
      expect(unbounded.message).to.contain('"outageStaleness"').and.contain("give a finite duration such as '10s'");
      expect(error({ l1: memoryStore(), l2: l2(), name: '' }).message).to.contain('"name"');
    });

    it('applies defaults, and never connects at creation', async () => {
      const store = tieredStore({ l1: memoryStore({ name: 'hot' }), l2: redisStore({ url: 'redis://127.0.0.1:1', prefix: 'app' }), l1Ttl: '30s' });
      expect(store.name).to.equal('tiered(hot+redis(127.0.0.1:1/0))');
      expect(store.l1TtlMs).to.equal(30_000);
      expect(store.outageStalenessMs, "outageStaleness defaults to '10s'").to.equal(10_000);
      expect(store.stats.outageHits).to.equal(0);
      expect(store.channel).to.equal('app::bus');
      expect(store.sharesReferences).to.equal(true);
      expect(store.stats.bus).to.equal('idle');
      expect(tieredStore({ l1: memoryStore(), l2: redisStore({ url: 'redis://127.0.0.1:1/3', prefix: 'app' }) }).channel).to.equal('app::bus:3');
      await store.close();
    });

    it('rejects a bad TTL on write with InvalidTtlError', async () => {
      const store = tieredStore({ l1: memoryStore(), l2: l2() });
      expect(await rejection(() => store.set('ns', 'k', 1, { ttlMs: 0 }))).to.be.instanceOf(InvalidTtlError);
      expect(await rejection(() => store.setMany([{ namespace: 'ns', id: 'k', value: 1, ttlMs: NaN }]))).to.be.instanceOf(InvalidTtlError);
      await store.close();
    });
  });

  describe('pieces', () => {
    it('the promotion guard refuses what an invalidation covered since the read began', () => {
      const guard = new PromotionGuard();
      const start = guard.begin();
      guard.key('ns', 'a');
      guard.namespace('other');
      guard.tags(['t']);
      expect(guard.allows(start, 'ns', 'a', [])).to.equal(false);
      expect(guard.allows(start, 'ns', 'b', [])).to.equal(true);
      expect(guard.allows(start, 'other', 'b', [])).to.equal(false);
      expect(guard.allows(start, 'ns', 'b', ['u', 't'])).to.equal(false);
      const later = guard.begin();
      expect(guard.allows(later, 'ns', 'a', ['t'])).to.equal(true);
      guard.all();
      expect(guard.allows(later, 'x', 'y', [])).to.equal(false);
      guard.end();
      guard.end();
      const fresh = guard.begin();
      expect(guard.allows(fresh, 'ns', 'a', ['t'])).to.equal(true);
      guard.end();
    });

    it('messages round-trip, split long key lists, and refuse what they do not understand', () => {
      const pending = new PendingInvalidation();
      pending.addKeys(Array.from({ length: MAX_KEYS_PER_MESSAGE + 10 }, (_, i): [string, string] => ['ns', `id:${i}|"x"`]));
      pending.addKeys([['ns', 'id:0|"x"']]);
      pending.addNamespace('cleared');
      pending.addTags(['t1', 't1']);
      const messages = pending.encode('me');
      expect(messages).to.have.length(2);
      const decoded = messages.map((m) => decodeMessage(m));
      expect(decoded[0]?.from).to.equal('me');
      expect(decoded[0]?.invalidation).to.deep.include({ all: false, namespaces: ['cleared'], tags: ['t1'] });
      expect(decoded.reduce((n, m) => n + (m?.invalidation.keys.length ?? 0), 0)).to.equal(MAX_KEYS_PER_MESSAGE + 10);
      pending.addAll();
      expect(decodeMessage(pending.encode('me')[0] as string)?.invalidation.all).to.equal(true);
      for (const bad of ['', 'null', '{"v":2,"from":"x"}', '{"v":1}', '{"v":1,"from":"x","keys":[["a"]]}', '{"v":1,"from":"x","tags":[1]}']) {
        expect(decodeMessage(bad), bad).to.equal(undefined);
      }
    });
  });
});
