/**
 * Distributed single-flight and fenced writes, across real processes (spec/helpers/fleet.ts)
 * sharing a real redis-server: one load of a key at a time in the whole fleet, waiters woken by
 * a notice, leases that outlive long loads and pass on when their holder dies, failing loaders
 * that never stampede, background refreshes coordinated the same way, writes that an eviction,
 * put or invalidation in another process fences off, and process-local single-flight while Redis
 * is unreachable. Every expectation is a count, a value or an order, never a duration.
 */
import { expect } from 'chai';
import { createCache, memoryStore, redisStore, tieredStore, type LoadClaim } from '../../lib/index.js';
import type { RedisStore } from '../../lib/stores/redis/store.js';
import { TieredStore } from '../../lib/stores/tiered/store.js';
import { until } from '../helpers/deferred.js';
import { Fleet } from '../helpers/fleet.js';
import type { RedisCoordinator } from '../../lib/stores/redis/coordinator.js';
import { commandStats, rawRedis, sleep } from '../helpers/redis-tools.js';
import { randomPrefix, redisSuite } from '../helpers/redis-server.js';

const FLEET_SIZE = 3;

for (const kind of ['redis', 'tiered'] as const) {
  describe(`distributed single-flight across processes (${kind} store)`, function () {
    this.timeout(60_000);
    const redis = redisSuite(`distributed single-flight (${kind})`);
    let fleet: Fleet;
    let n = 0;
    let key: string;

    before(async function () {
      this.timeout(60_000);
      fleet = await Fleet.start(FLEET_SIZE, { url: redis.url, prefix: redis.prefix, tiered: kind === 'tiered' });
    });
    after(async function () {
      this.timeout(30_000);
      await fleet?.stop();
    });
    beforeEach(() => {
      key = `fleet:k${++n}`;
    });

    const allWorkers = (): number[] => fleet.workers.map((_, i) => i);

    it('N processes x M callers on a cold key: one loader run in total, every caller gets its value', async () => {
      const answers = (await Promise.all(allWorkers().map((i) => fleet.workers[i]!.call(key, 8, { ms: 300 })))).flat();
      expect(answers).to.have.length(FLEET_SIZE * 8);
      expect(answers.every((answer) => answer.ok)).to.equal(true);
      const values = new Set(answers.map((answer) => (answer.ok ? answer.value : '')));
      expect(values.size).to.equal(1);
      expect(fleet.loadsOf(key)).to.have.length(1);
    });

    it("singleFlight: 'process' keeps one load per process", async () => {
      const answers = (await Promise.all(allWorkers().map((i) => fleet.workers[i]!.call(key, 4, { ms: 100 }, { singleFlight: 'process' })))).flat();
      expect(answers.every((answer) => answer.ok)).to.equal(true);
      expect(fleet.loadsOf(key)).to.have.length(FLEET_SIZE);
    });

    it('a load longer than the lease keeps it (extended while the loader runs): no second process loads', async () => {
      const answers = (await Promise.all(allWorkers().map((i) => fleet.workers[i]!.call(key, 4, { ms: 1_200 }, { lockTtl: '300ms' })))).flat();
      expect(answers.every((answer) => answer.ok)).to.equal(true);
      expect(fleet.loadsOf(key)).to.have.length(1);
    });

    it('a waiter waits no longer than lockTimeout, then loads on its own', async () => {
      const [leader, ...others] = fleet.workers;
      const leading = leader!.call(key, 2, { ms: 4_000 });
      await until(() => fleet.loadsOf(key).length === 1, { what: 'the leader loading' });
      const answers = (await Promise.all(others.map((worker) => worker.call(key, 3, { ms: 20 }, { lockTimeout: '200ms' })))).flat();
      // They answered while the leader's load still ran, each process with a load of its own.
      expect(fleet.loadsOf(key)[0]?.end).to.equal(undefined);
      expect(answers.every((answer) => answer.ok)).to.equal(true);
      expect(fleet.loadsOf(key)).to.have.length(1 + others.length);
      expect((await leading).every((answer) => answer.ok)).to.equal(true);
    });

    it('a failing loader: the fleet never loads the key twice at once, and every caller gets an answer', async () => {
      const answers = (await Promise.all(allWorkers().map((i) => fleet.workers[i]!.call(key, 4, { ms: 100, fail: true })))).flat();
      expect(answers).to.have.length(FLEET_SIZE * 4);
      expect(answers.every((answer) => !answer.ok && answer.error.startsWith('source down'))).to.equal(true);
      const loads = fleet.loadsOf(key);
      expect(loads.length).to.be.within(1, FLEET_SIZE); // at most one per process, one after another
      expect(fleet.maxConcurrentLoads(key)).to.equal(1);
    });

    it('a failing loader with a value kept for grace: loads one at a time, every caller gets the kept value', async () => {
      const options = { ttl: '300ms', grace: '1m' };
      const [first] = await fleet.workers[0]!.call(key, 1, { ms: 10, value: 'v1' }, options);
      expect(first?.ok).to.equal(true);
      await until(async () => (await Promise.all(fleet.workers.map((worker) => worker.ask({ op: 'get', key })))).every((value) => value === null), { what: 'the entry past its TTL' });
      const answers = (await Promise.all(allWorkers().map((i) => fleet.workers[i]!.call(key, 4, { ms: 100, fail: true }, options)))).flat();
      expect(answers.every((answer) => answer.ok && answer.value.startsWith('v1@'))).to.equal(true);
      const failed = fleet.loadsOf(key).slice(1);
      expect(failed.length).to.be.within(1, FLEET_SIZE);
      expect(fleet.maxConcurrentLoads(key)).to.equal(1);
    });

    it('a background refresh (stale-while-revalidate) runs once across the fleet', async () => {
      const options = { ttl: '300ms', staleWhileRevalidate: '1m' };
      const [first] = await fleet.workers[0]!.call(key, 1, { ms: 10, value: 'v1' }, options);
      expect(first?.ok).to.equal(true);
      // Past its TTL for every process (get answers fresh entries only).
      await until(async () => (await Promise.all(fleet.workers.map((worker) => worker.ask({ op: 'get', key })))).every((value) => value === null), { what: 'the entry past its TTL' });
      const answers = (await Promise.all(allWorkers().map((i) => fleet.workers[i]!.call(key, 4, { ms: 300, value: 'v2' }, options)))).flat();
      // Every caller got the stale value at once.
      expect(answers.every((answer) => answer.ok && answer.value.startsWith('v1@'))).to.equal(true);
      await until(async () => String(await fleet.workers[1]!.ask({ op: 'get', key })).startsWith('v2@'), { what: 'the refreshed value' });
      expect(fleet.loadsOf(key)).to.have.length(2); // the first load and one refresh
    });

    describe('writes fenced across processes', () => {
      const raw = (): ReturnType<typeof rawRedis> => rawRedis(redis.url);

      /**
       * Worker 0 leads a slow load of `key` (tagged `t-<key>`); while it runs, worker 1 does
       * `act`; once worker 0's write under its lease is done (the lease key is gone), answers
       * what each process reads.
       */
      async function fencedBy(act: () => Promise<unknown>): Promise<{ leaderRead: unknown; otherRead: unknown }> {
        const client = raw();
        try {
          const leading = fleet.workers[0]!.call(key, 1, { ms: 600, value: 'old' }, { tags: [`t-${key}`] });
          await until(() => fleet.loadsOf(key).length === 1, { what: 'the leader loading' });
          await act();
          expect((await leading)[0]?.ok).to.equal(true); // its caller still gets the value it loaded
          await until(async () => (await client.exists(`${redis.prefix}::lease:${key}`)) === 0, { what: 'the lease ended' });
          const otherRead = await fleet.workers[1]!.ask({ op: 'get', key });
          // A tiered leader drops its own L1 copy once L2 answered that the write was fenced off.
          await until(async () => (await fleet.workers[0]!.ask({ op: 'get', key })) === otherRead, { what: "the leader's read agreeing" });
          return { leaderRead: await fleet.workers[0]!.ask({ op: 'get', key }), otherRead };
        } finally {
          client.disconnect();
        }
      }

      it('a delete in another process wins over the load in flight', async () => {
        const reads = await fencedBy(() => fleet.workers[1]!.ask({ op: 'delete', key }));
        expect(reads).to.deep.equal({ leaderRead: null, otherRead: null });
      });

      it('a put in another process wins over the load in flight', async () => {
        const reads = await fencedBy(() => fleet.workers[1]!.ask({ op: 'set', key, value: 'put' }));
        expect(reads).to.deep.equal({ leaderRead: 'put', otherRead: 'put' });
      });

      it("an invalidation of one of the load's tags in another process wins", async () => {
        const reads = await fencedBy(() => fleet.workers[1]!.ask({ op: 'invalidateTags', tags: [`t-${key}`] }));
        expect(reads).to.deep.equal({ leaderRead: null, otherRead: null });
      });

      it("a clear of the key's namespace in another process wins", async () => {
        const reads = await fencedBy(() => fleet.workers[1]!.ask({ op: 'deleteNamespace', namespace: 'fleet' }));
        expect(reads).to.deep.equal({ leaderRead: null, otherRead: null });
      });

      it('a clear in another process wins', async () => {
        const reads = await fencedBy(() => fleet.workers[1]!.ask({ op: 'clear' }));
        expect(reads).to.deep.equal({ leaderRead: null, otherRead: null });
      });

      it('an invalidation of another tag does not fence the load', async () => {
        const reads = await fencedBy(() => fleet.workers[1]!.ask({ op: 'invalidateTags', tags: ['unrelated'] }));
        expect(String(reads.otherRead)).to.match(/^old@/);
        expect(reads.leaderRead).to.equal(reads.otherRead);
      });
    });
  });

  describe(`distributed single-flight when the leader dies (${kind} store)`, function () {
    this.timeout(60_000);
    const redis = redisSuite(`distributed single-flight, leader killed (${kind})`);
    let fleet: Fleet | undefined;
    after(async function () {
      this.timeout(30_000);
      await fleet?.stop();
    });

    it('another process takes the load over within the lease when the leader is SIGKILLed mid-load', async () => {
      fleet = await Fleet.start(FLEET_SIZE, { url: redis.url, prefix: redis.prefix, tiered: kind === 'tiered' });
      const key = 'fleet:orphan';
      const [leader, ...others] = fleet.workers;
      void leader!.call(key, 2, { ms: 0, hang: true }, { lockTtl: '500ms' }).catch(() => undefined);
      await until(() => fleet!.loadsOf(key).length === 1, { what: 'the leader loading' });
      const waiting = Promise.all(others.map((worker) => worker.call(key, 3, { ms: 20 }, { lockTtl: '500ms' })));
      // The others wait on the leader's lease (they do not load while it lives).
      await until(async () => (await rawLeaseHolders(redis.url, redis.prefix, key)) === 1, { what: 'the lease held' });
      expect(fleet.loadsOf(key)).to.have.length(1);
      await leader!.kill();
      const answers = (await waiting).flat();
      expect(answers.every((answer) => answer.ok)).to.equal(true);
      expect(new Set(answers.map((answer) => (answer.ok ? answer.value : ''))).size).to.equal(1);
      const takeovers = fleet.loadsOf(key).filter((load) => load.pid !== leader!.pid);
      expect(takeovers).to.have.length(1);
    });
  });

  describe(`distributed single-flight while Redis is unreachable (${kind} store)`, function () {
    this.timeout(90_000);
    const redis = redisSuite(`distributed single-flight, Redis down (${kind})`, { ownServer: true });
    let fleet: Fleet | undefined;
    after(async function () {
      this.timeout(30_000);
      await redis.server?.restart().catch(() => undefined);
      await fleet?.stop();
    });

    it('loads process-locally at once while Redis is down, and coordinates again once it is back', async () => {
      fleet = await Fleet.start(FLEET_SIZE, { url: redis.url, prefix: redis.prefix, tiered: kind === 'tiered', commandTimeoutMs: 1_000 });
      const workers = fleet.workers;
      await redis.server!.kill();
      const down = (await Promise.all(workers.map((worker) => worker.call('fleet:down', 4, { ms: 50 })))).flat();
      expect(down.every((answer) => answer.ok)).to.equal(true);
      // One load per process: process-local single-flight, no waiting for a lock that cannot be had.
      expect(fleet.loadsOf('fleet:down')).to.have.length(FLEET_SIZE);
      expect(new Set(fleet.loadsOf('fleet:down').map((load) => load.pid)).size).to.equal(FLEET_SIZE);

      await redis.server!.restart();
      let probe = 0;
      await until(
        async () => {
          const probeKey = `fleet:probe${++probe}`;
          await workers[0]!.ask({ op: 'set', key: probeKey, value: 'up' });
          return (await Promise.all(workers.map((worker) => worker.ask({ op: 'get', key: probeKey })))).every((value) => value === 'up');
        },
        { what: 'every process reaching Redis again', timeoutMs: 30_000 },
      );
      const up = (await Promise.all(workers.map((worker) => worker.call('fleet:up', 4, { ms: 200 })))).flat();
      expect(up.every((answer) => answer.ok)).to.equal(true);
      expect(fleet.loadsOf('fleet:up')).to.have.length(1);
    });
  });
}

/** 1 when the lease of `key` exists under `prefix`, else 0. */
async function rawLeaseHolders(url: string, prefix: string, key: string): Promise<number> {
  const client = rawRedis(url);
  try {
    return await client.exists(`${prefix}::lease:${key}`);
  } finally {
    client.disconnect();
  }
}

describe('redisStore coordinator', function () {
  this.timeout(30_000);
  const redis = redisSuite('redisStore coordinator', { ownServer: true });

  it('wakes a waiting process with a notice carrying the entry when the leader writes, and fences nothing else', async () => {
    const prefix = randomPrefix('coord');
    const a = redisStore({ url: redis.url, prefix });
    const b = redisStore({ url: redis.url, prefix });
    try {
      const claimA = await a.coordinator.claim('ns', 'k', { leaseMs: 5_000 });
      expect(claimA.outcome).to.equal('lead');
      const claimB: LoadClaim = await b.coordinator.claim('ns', 'k', { leaseMs: 5_000 });
      expect(claimB.outcome).to.equal('wait');
      // B's subscriber is up before the write, so that the notice cannot pass it by.
      await until(() => (b.coordinator as RedisCoordinator).listening, { what: "B's subscriber" });
      const told = b.coordinator.waitForRelease('ns', 'k', 20_000);
      await sleep(0);
      const lease = claimA.outcome === 'lead' ? claimA.lease : undefined;
      expect(await a.set('ns', 'k', 'v', { ttlMs: 60_000, lease })).to.equal(true);
      const entry = await told;
      if (typeof entry === 'boolean') throw new Error('the notice should carry the entry B waited for');
      expect(entry.value).to.equal('v');
      expect(entry.expiresAt).to.be.within(Date.now() + 50_000, Date.now() + 60_000);
      expect((await b.get('ns', 'k'))?.value).to.equal('v');
      expect((await b.coordinator.claim('ns', 'k', { leaseMs: 5_000 })).outcome).to.equal('fresh');
      // A second write under the same lease is refused: the lease ended with the first.
      expect(await a.set('ns', 'k', 'again', { ttlMs: 60_000, lease })).to.equal(false);
      expect((await b.get('ns', 'k'))?.value).to.equal('v');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('carries no entry that nobody waited for, nor one larger than 16 KB: the notice only wakes', async () => {
    const prefix = randomPrefix('coord');
    const a = redisStore({ url: redis.url, prefix });
    const b = redisStore({ url: redis.url, prefix });
    const listener = rawRedis(redis.url);
    const heard: string[] = [];
    try {
      await listener.subscribe(`${prefix}::flights:values`);
      listener.on('message', (_channel: string, message: string) => heard.push(message.slice(0, message.indexOf('cf2:'))));
      // Nobody waits: the write announces the end of the lease, without the value.
      const alone = await a.coordinator.claim('ns', 'alone', { leaseMs: 5_000 });
      if (alone.outcome !== 'lead') throw new Error('A should lead');
      expect(await a.set('ns', 'alone', 'v', { ttlMs: 60_000, lease: alone.lease })).to.equal(true);
      // B waits for a large value: woken, told to read it.
      const big = await a.coordinator.claim('ns', 'big', { leaseMs: 5_000 });
      if (big.outcome !== 'lead') throw new Error('A should lead');
      expect((await b.coordinator.claim('ns', 'big', { leaseMs: 5_000 })).outcome).to.equal('wait');
      await until(() => (b.coordinator as RedisCoordinator).listening, { what: "B's subscriber" });
      const told = b.coordinator.waitForRelease('ns', 'big', 20_000);
      expect(await a.set('ns', 'big', 'x'.repeat(20_000), { ttlMs: 60_000, lease: big.lease })).to.equal(true);
      expect(await told).to.equal(true);
      // B waits for a small one: the value notice is the only one the channel carried.
      const small = await a.coordinator.claim('ns', 'small', { leaseMs: 5_000 });
      if (small.outcome !== 'lead') throw new Error('A should lead');
      expect((await b.coordinator.claim('ns', 'small', { leaseMs: 5_000 })).outcome).to.equal('wait');
      const toldSmall = b.coordinator.waitForRelease('ns', 'small', 20_000);
      expect(await a.set('ns', 'small', 'v', { ttlMs: 60_000, lease: small.lease })).to.equal(true);
      expect(((await toldSmall) as { value: unknown }).value).to.equal('v');
      await until(() => heard.length > 0, { what: 'the value notice' });
      expect(heard).to.deep.equal(['8:ns:small']);
    } finally {
      listener.disconnect();
      await a.close();
      await b.close();
    }
  });

  for (const kind of ['redis', 'tiered'] as const) {
    it(`a waiting Cache answers from the notice without reading Redis again (${kind} store)`, async () => {
      const prefix = randomPrefix('coord');
      const make = (): RedisStore | TieredStore => (kind === 'redis' ? redisStore({ url: redis.url, prefix }) : tieredStore({ l1: memoryStore(), l2: redisStore({ url: redis.url, prefix }) }));
      const a = createCache({ store: make() });
      const bStore = make();
      const b = createCache({ store: bStore });
      const raw = rawRedis(redis.url);
      try {
        await b.getOrSet('warm', async () => 0); // B's subscriber starts with its first claim
        const bRedis = bStore instanceof TieredStore ? bStore.l2 : bStore;
        await until(() => (bRedis.coordinator as RedisCoordinator).listening && (!(bStore instanceof TieredStore) || bStore.stats.bus === 'up'), { what: "B's subscribers" });
        let release: (value: { n: number }) => void = () => undefined;
        const leader = a.getOrSet('k', () => new Promise<{ n: number }>((resolve) => (release = resolve)));
        await until(async () => (await raw.exists(`${prefix}::lease:k`)) === 1, { what: "A's lease" });
        const port = redis.server?.port as number;
        const before = await commandStats(port);
        const promotions = bStore instanceof TieredStore ? bStore.stats.promotions : 0;
        const waiter = b.getOrSet('k', async () => ({ n: -1 }));
        await until(async () => (await raw.exists(`${prefix}::waiting:k`)) === 1, { what: "B's claim marking the key as waited for" });
        release({ n: 1 });
        expect(await leader).to.deep.equal({ n: 1 });
        const answer = await waiter;
        expect(answer).to.deep.equal({ n: 1 });
        expect(Object.isFrozen(answer), 'protected like a value read').to.equal(true);
        const after = await commandStats(port);
        expect((after['mget'] ?? 0) - (before['mget'] ?? 0), "B's one read, before its claim").to.equal(1);
        expect(b.stats().loads).to.equal(1); // the warm-up only
        // Promoted into L1 like an entry read from L2 (until A's invalidation message for its
        // write reaches B's bus: B cannot tell that it holds that very value).
        if (bStore instanceof TieredStore) expect(bStore.stats.promotions).to.equal(promotions + 1);
      } finally {
        raw.disconnect();
        await a.close();
        await b.close();
      }
    });
  }

  it('answers wait with the lease time left, and the lease passes on once released', async () => {
    const prefix = randomPrefix('coord');
    const a = redisStore({ url: redis.url, prefix });
    const b = redisStore({ url: redis.url, prefix });
    try {
      const claimA = await a.coordinator.claim('ns', 'k', { leaseMs: 5_000 });
      const claimB = await b.coordinator.claim('ns', 'k', { leaseMs: 5_000 });
      expect(claimB.outcome === 'wait' && claimB.retryInMs > 0 && claimB.retryInMs <= 5_000).to.equal(true);
      if (claimA.outcome !== 'lead') throw new Error('A should lead');
      expect(await claimA.lease.extend()).to.equal(true);
      await claimA.lease.release();
      expect(await claimA.lease.extend()).to.equal(false);
      expect((await b.coordinator.claim('ns', 'k', { leaseMs: 5_000 })).outcome).to.equal('lead');
    } finally {
      await a.close();
      await b.close();
    }
  });
});
