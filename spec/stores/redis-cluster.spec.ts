/**
 * The Redis store on a real 3-master Redis Cluster (made with `redis-cli --cluster create`):
 * the conformance suite, how keys spread over slots and nodes, invalidation without SCAN/KEYS on
 * any node, one MGET per hit, and a master going down.
 */
import { expect } from 'chai';
import type { Cluster } from 'ioredis';
import { BackendError, TimeoutError } from '../../lib/core/errors.js';
import { redisStore, type RedisStore } from '../../lib/stores/redis.js';
import { keySlot } from '../../lib/stores/redis/layout.js';
import { randomPrefix, rawCommand, redisClusterSuite } from '../helpers/redis-server.js';
import { clusterCommandStats, rawCluster, sleep, watchProcessTrouble } from '../helpers/redis-tools.js';
import { describeStoreConformance } from './conformance.js';

const LONG = 60_000;

describe('redisStore on a Redis Cluster', function () {
  this.timeout(30_000);
  const env = redisClusterSuite('redisStore on a Redis Cluster');
  const urls = (): string[] => [...(env.cluster?.urls ?? [])];
  const ports = (): number[] => (env.cluster?.nodes ?? []).map((node) => node.port);

  describeStoreConformance('redisStore({ nodes }) on a 3-master Cluster', () => redisStore({ nodes: urls(), prefix: env.prefix }));

  describe('with an application-made Cluster client', () => {
    let client: Cluster | undefined;
    before(() => {
      if (env.cluster) client = rawCluster(env.cluster.startupNodes);
    });
    after(() => client?.disconnect());
    describeStoreConformance('redisStore({ client: Cluster })', () => redisStore({ client: client as Cluster, prefix: `${env.prefix}-c` }));
  });

  describe('Cluster specifics', () => {
    let store: RedisStore;
    let raw: Cluster;
    let prefix: string;
    before(() => {
      raw = rawCluster(env.cluster?.startupNodes ?? []);
    });
    after(() => raw?.disconnect());
    beforeEach(() => {
      prefix = randomPrefix('cl');
      store = redisStore({ nodes: urls(), prefix });
    });
    afterEach(() => store.close());

    it('is named after its seed nodes and reports cluster mode', async () => {
      expect(store.name).to.equal(`redis-cluster(${ports().map((p) => `127.0.0.1:${p}`).join(',')})`);
      expect(store.isCluster).to.equal(true);
      const health = await store.health();
      expect(health.ok).to.equal(true);
      expect(health.details).to.include({ mode: 'cluster', shards: 16 });
    });

    it('spreads one namespace over every shard and every master, with SET ... PX', async () => {
      const writes = Array.from({ length: 300 }, (_, i) => ({ namespace: 'products', id: `${i}`, value: { i }, ttlMs: 30_000.5 }));
      await store.setMany(writes);
      const slots = new Set(writes.map((w) => keySlot(store.redisKey(`products:${w.id}`))));
      expect(slots.size).to.equal(16);
      const sample = store.redisKey('products:7');
      expect(sample).to.match(new RegExp(`^${prefix}:\\{[0-9a-z]+\\}:products:7$`));
      expect(await raw.pttl(sample)).to.be.within(29_000, 30_001);
      for (const port of ports()) {
        const count = Number((await rawCommand(port, 'DBSIZE')).replace(':', ''));
        expect(count, `keys on node ${port}`).to.be.above(50);
      }
      const values = await store.getMany(writes.map((w) => [w.namespace, w.id] as const));
      expect(values.map((e) => (e?.value as { i: number }).i)).to.deep.equal(writes.map((_, i) => i));
    });

    it('invalidates namespaces, tags and the prefix with one DEL per shard, never SCAN or KEYS', async () => {
      await store.setMany(Array.from({ length: 200 }, (_, i) => ({ namespace: 'ns', id: `${i}`, value: i, ttlMs: LONG, tags: [`t${i % 2}`] })));
      await store.set('keep', '1', 'kept', { ttlMs: LONG });
      let dels = 0;
      let scans = 0;
      /** Run an invalidation, counting the DEL/SCAN/KEYS it made on every node. */
      const counted = async (op: () => Promise<void>): Promise<void> => {
        const before = await clusterCommandStats(ports());
        await op();
        const after = await clusterCommandStats(ports());
        dels += (after['del'] ?? 0) - (before['del'] ?? 0);
        scans += (after['scan'] ?? 0) - (before['scan'] ?? 0) + (after['keys'] ?? 0) - (before['keys'] ?? 0);
      };
      await counted(() => store.invalidateTags(['t0']));
      const values = await store.getMany(Array.from({ length: 200 }, (_, i) => ['ns', `${i}`] as const));
      expect(values.every((entry, i) => (i % 2 === 0 ? entry === undefined : entry?.value === i))).to.equal(true);
      await counted(() => store.deleteNamespace('ns'));
      expect((await store.getMany([['ns', '1'], ['ns', '3']])).every((e) => e === undefined)).to.equal(true);
      expect((await store.get('keep', '1'))?.value).to.equal('kept');
      await counted(() => store.clear());
      expect(await store.get('keep', '1')).to.equal(undefined);
      expect(scans).to.equal(0);
      expect(dels).to.equal(3 * 16);
    });

    it('answers a hit with one MGET on one node, no script', async () => {
      await store.set('ns', 'a', { hit: true }, { ttlMs: LONG, tags: ['x', 'y'] });
      await store.set('ns', 'b', 'untagged', { ttlMs: LONG });
      const before = await clusterCommandStats(ports());
      expect((await store.get('ns', 'a'))?.value).to.deep.equal({ hit: true });
      expect((await store.get('ns', 'b'))?.value).to.equal('untagged');
      const after = await clusterCommandStats(ports());
      expect((after['mget'] ?? 0) - (before['mget'] ?? 0)).to.equal(2);
      for (const name of ['evalsha', 'eval', 'get', 'pttl']) expect((after[name] ?? 0) - (before[name] ?? 0), name).to.equal(0);
    });

    it('batches the reads of one tick into one MGET per shard (the first read of an idle store goes at once)', async () => {
      const ids = Array.from({ length: 200 }, (_, i) => `${i}`);
      await store.setMany(ids.map((id, i) => ({ namespace: 'ns', id, value: i, ttlMs: LONG, tags: [`t${i % 3}`] })));
      const shards = new Set(ids.map((id) => keySlot(store.redisKey(`ns:${id}`)))).size;
      const before = await clusterCommandStats(ports());
      const entries = await Promise.all(ids.map((id) => store.get('ns', id)));
      const after = await clusterCommandStats(ports());
      expect(entries.map((entry) => entry?.value)).to.deep.equal(ids.map((_, i) => i));
      expect((after['mget'] ?? 0) - (before['mget'] ?? 0)).to.equal(shards + 1);
      await store.invalidateTags(['t1']);
      const again = await Promise.all(ids.map((id) => store.get('ns', id)));
      expect(again.map((entry) => entry?.value)).to.deep.equal(ids.map((_, i) => (i % 3 === 1 ? undefined : i)));
    });

    it('shares entries and invalidations between two clients of the same prefix', async () => {
      const peer = redisStore({ client: raw, prefix });
      await store.set('ns', 'a', 'shared', { ttlMs: LONG, tags: ['t'] });
      expect((await peer.get('ns', 'a'))?.value).to.equal('shared');
      await peer.invalidateTags(['t']);
      expect(await store.get('ns', 'a')).to.equal(undefined);
      await peer.close();
    });
  });

  describe('a master going down', () => {
    it('rejects operations on its slots within the timeout, serves the others, and recovers', async () => {
      const cluster = env.cluster;
      if (!cluster) throw new Error('no cluster');
      const trouble = watchProcessTrouble();
      const prefix = randomPrefix('down');
      const store = redisStore({ nodes: cluster.urls, prefix, commandTimeoutMs: 200 });
      const victim = cluster.nodes[2];
      if (!victim) throw new Error('no node');
      try {
        const ids = Array.from({ length: 64 }, (_, i) => `${i}`);
        await store.setMany(ids.map((id) => ({ namespace: 'ns', id, value: id, ttlMs: LONG })));
        await victim.kill();
        let failures = 0;
        let successes = 0;
        for (const id of ids) {
          const started = performance.now();
          try {
            await store.get('ns', id);
            successes++;
          } catch (error) {
            failures++;
            expect(error instanceof BackendError || error instanceof TimeoutError, String(error)).to.equal(true);
          }
          expect(performance.now() - started).to.be.below(350);
        }
        expect(failures).to.be.above(0);
        expect(successes).to.be.above(0);
        await victim.restart();
        // The node comes back with its nodes.conf: same slots, the cluster heals.
        const deadline = Date.now() + 15_000;
        for (;;) {
          try {
            await Promise.all(ids.map((id) => store.set('ns', id, id, { ttlMs: LONG })));
            break;
          } catch (error) {
            if (Date.now() > deadline) throw error;
            await sleep(100);
          }
        }
        expect((await store.getMany(ids.map((id) => ['ns', id] as const))).every((e, i) => e?.value === ids[i])).to.equal(true);
      } finally {
        await store.close();
        trouble.restore();
      }
      expect(trouble.unhandledRejections.map(String)).to.deep.equal([]);
      expect(trouble.errorLogs).to.deep.equal([]);
    });
  });
});
