/**
 * The Redis store against a real single `redis-server` (REDIS_URL may point the conformance suite
 * at an existing server; it is then never flushed: a random prefix is used and cleaned).
 * Cluster: redis-cluster.spec.ts. Outages: redis-outage.spec.ts.
 */
import { inspect } from 'node:util';
import { expect } from 'chai';
import { Redis as IORedis, type Redis } from 'ioredis';
import {
  BackendError,
  CacheClosedError,
  DecodeError,
  InvalidOptionError,
  InvalidTtlError,
  MissingDependencyError,
} from '../../lib/core/errors.js';
import { redisStore, redisStoreWithLoader, type RedisStore } from '../../lib/stores/redis.js';
import { loadIoredis } from '../../lib/stores/redis/connection.js';
import { type Envelope, parseEnvelope } from '../../lib/stores/redis/envelope.js';
import { DROP_STALE, runScript } from '../../lib/stores/redis/scripts.js';
import type { StoreNotice } from '../../lib/stores/store.js';
import { until } from '../helpers/deferred.js';
import { randomPrefix, redisSuite, UNHURRIED_MS } from '../helpers/redis-server.js';
import { commandStats, deletePrefix, rawRedis, sleep } from '../helpers/redis-tools.js';
import { describeStoreConformance } from './conformance.js';

const LONG = 60_000;

describe('redisStore on a single server', function () {
  this.timeout(20_000);

  describe('conformance', () => {
    const redis = redisSuite('redisStore conformance');
    after(async () => {
      if (!redis.server && redis.url) await deletePrefix(redis.url, redis.prefix);
    });
    describeStoreConformance('redisStore({ url })', () => redisStore({ url: redis.url, prefix: redis.prefix, commandTimeoutMs: UNHURRIED_MS }));

    describe('with an application-made client', () => {
      let client: Redis | undefined;
      before(function () {
        if (redis.url) client = rawRedis(redis.url);
      });
      after(() => client?.disconnect());
      describeStoreConformance('redisStore({ client })', () =>
        redisStore({ client: client as Redis, prefix: `${redis.prefix}-client`, commandTimeoutMs: UNHURRIED_MS }),
      );
    });
  });

  describe('Redis specifics', () => {
    const redis = redisSuite('redisStore specifics', { ownServer: true });
    let raw: Redis;
    let store: RedisStore;
    let prefix: string;
    before(() => {
      raw = rawRedis(redis.url);
    });
    after(() => raw?.disconnect());
    beforeEach(() => {
      prefix = randomPrefix('spec');
      store = redisStore({ url: redis.url, prefix });
    });
    afterEach(() => store.close());

    describe('layout and TTL', () => {
      it('writes an entry at prefix:namespace:key with one atomic SET ... PX in whole ms', async () => {
        const monitor = await raw.monitor(); // its own connection, closed below
        const seen: string[][] = [];
        // Entries only (generation keys, `prefix::...`, are SET too).
        const isEntrySet = (args: string[]): boolean =>
          args[0]?.toLowerCase() === 'set' && args[1] !== undefined && args[1].startsWith(`${prefix}:`) && !args[1].startsWith(`${prefix}::`);
        monitor.on('monitor', (_time: string, args: string[]) => seen.push(args));
        try {
          await store.set('orders', '42', { id: 42 }, { ttlMs: 1500.2 });
          await store.set('orders', '43', 'x', { ttlMs: 0.3 });
          await until(() => seen.filter(isEntrySet).length >= 2, {
            what: 'MONITOR to show both SETs',
          });
        } finally {
          monitor.disconnect();
        }
        const sets = seen.filter(isEntrySet);
        expect(sets.map((args) => [args[1], args[3], args[4]])).to.deep.equal([
          [`${prefix}:orders:42`, 'PX', '1501'],
          [`${prefix}:orders:43`, 'PX', '1'],
        ]);
        expect(seen.some((args) => /^p?expire/i.test(args[0] ?? '') && args[1]?.includes(':orders:'))).to.equal(false);
        const pttl = await raw.pttl(`${prefix}:orders:42`);
        expect(pttl).to.be.within(500, 1501); // what is left of 1501 ms, however slow the machine
        expect(await raw.type(`${prefix}:orders:42`)).to.equal('string');
        expect((await raw.getBuffer(`${prefix}:orders:42`))?.toString('utf8').startsWith('cf2:')).to.equal(true);
        expect(store.redisKey('orders:42')).to.equal(`${prefix}:orders:42`);
      });

      it('keeps an entry with windows for TTL + stale + grace, and another store reads the same windows', async () => {
        const before = Date.now();
        await store.set('w', 'a', 'A', { ttlMs: 10_000, staleMs: 20_000, graceMs: 30_000, loadMs: 12.5 });
        await store.set('w', 'plain', 'P', { ttlMs: 10_000 });
        const pttl = await raw.pttl(`${prefix}:w:a`);
        expect(pttl).to.be.within(50_000, 60_000);
        const bytes = (await raw.getBuffer(`${prefix}:w:a`))?.toString('latin1') ?? '';
        expect(bytes).to.match(/^cf2:\d+,20000,30000,12\.5:/);
        // Without windows, the envelope is exactly the format written before windows existed.
        expect((await raw.getBuffer(`${prefix}:w:plain`))?.toString('latin1')).to.match(/^cf2:\d+:[^,]*$/s);
        const other = redisStore({ url: redis.url, prefix });
        try {
          const entry = await other.get('w', 'a');
          expect(entry).to.deep.include({ value: 'A', staleMs: 20_000, graceMs: 30_000, loadMs: 12.5 });
          expect(entry?.expiresAt).to.be.within(before + 10_000, Date.now() + 10_001);
          expect(await other.get('w', 'plain')).to.not.have.property('staleMs');
        } finally {
          await other.close();
        }
      });

      it('expire() rewrites the expiry to now and the PX to the windows, atomically on the server', async () => {
        await store.set('w', 'e', 'E', { ttlMs: 3_600_000, staleMs: 20_000, graceMs: 10_000 });
        const before = Date.now();
        expect(await store.expire('w', 'e')).to.equal(true);
        expect(await raw.pttl(`${prefix}:w:e`)).to.be.within(20_000, 30_000);
        const entry = await store.get('w', 'e');
        expect(entry?.expiresAt).to.be.within(before, Date.now());
        expect(entry).to.deep.include({ value: 'E', staleMs: 20_000, graceMs: 10_000 });
      });

      it('treats a malformed windows field as a decode error, never as windows', async () => {
        const notices: string[] = [];
        store.onNotice((notice) => notices.push(notice.type));
        await store.set('w', 'm', 'M', { ttlMs: 60_000, staleMs: 1_000 });
        const key = `${prefix}:w:m`;
        const bytes = (await raw.getBuffer(key)) as Buffer;
        await raw.set(key, Buffer.from(bytes.toString('latin1').replace(',1000,', ',1e3,x'), 'latin1'), 'PX', 60_000);
        expect(await store.get('w', 'm')).to.equal(undefined);
        expect(notices).to.deep.equal(['decode-error']);
      });

      it('writes no expiry for Infinity and for TTLs past what Redis can hold', async () => {
        await store.set('ns', 'forever', 1, { ttlMs: Infinity });
        await store.set('ns', 'huge', 2, { ttlMs: 1e20 });
        expect(await raw.pttl(`${prefix}:ns:forever`)).to.equal(-1);
        expect(await raw.pttl(`${prefix}:ns:huge`)).to.equal(-1);
        expect((await store.get('ns', 'huge'))?.expiresAt).to.equal(Infinity);
      });

      it('answers expiresAt from the envelope (the writer\'s clock), without asking the server for a TTL', async () => {
        const before = Date.now();
        await store.set('ns', 'a', 'v', { ttlMs: 10_000 });
        const after = Date.now();
        const port = redis.server?.port as number;
        const stats = await commandStats(port);
        const entry = await store.get('ns', 'a');
        const statsAfter = await commandStats(port);
        expect(entry?.expiresAt).to.be.within(before + 10_000, after + 10_000);
        expect(Number.isInteger(entry?.expiresAt)).to.equal(true);
        expect((statsAfter['pttl'] ?? 0) - (stats['pttl'] ?? 0)).to.equal(0);
        await store.set('ns', 'f', 'v', { ttlMs: 1000.2 });
        expect((await store.get('ns', 'f'))?.expiresAt).to.be.within(Date.now() + 900, Date.now() + 1001);
      });

      it('rejects a TTL that is not a number > 0 with InvalidTtlError and writes nothing', async () => {
        for (const ttlMs of [0, -1, NaN, '5' as unknown as number]) {
          const error = await store.set('ns', 'bad', 1, { ttlMs }).then(() => undefined, (e: unknown) => e);
          expect(error, String(ttlMs)).to.be.instanceOf(InvalidTtlError);
        }
        const error = await store
          .setMany([
            { namespace: 'ns', id: 'ok', value: 1, ttlMs: 1000 },
            { namespace: 'ns', id: 'bad', value: 1, ttlMs: 0 },
          ])
          .then(() => undefined, (e: unknown) => e);
        expect(error).to.be.instanceOf(InvalidTtlError);
        expect(await raw.exists(`${prefix}:ns:ok`, `${prefix}:ns:bad`)).to.equal(0);
      });

      it('rejects a value the serializer cannot encode with a BackendError', async () => {
        const cyclic: Record<string, unknown> = {};
        cyclic['self'] = cyclic;
        const error = await store.set('ns', 'cyclic', cyclic, { ttlMs: 1000 }).then(() => undefined, (e: unknown) => e);
        expect(error).to.be.instanceOf(BackendError);
        expect((error as Error).message).to.contain('ns:cyclic').and.contain('cycle');
      });

      it('keeps generation keys next to entries, with a TTL covering them', async () => {
        await store.set('ns', 'a', 1, { ttlMs: 5_000, tags: ['t'] });
        const keys = (await raw.keys(`${prefix}*`)).sort();
        expect(keys).to.deep.equal([`${prefix}::all`, `${prefix}::ns:ns`, `${prefix}::tag:t`, `${prefix}:ns:a`].sort());
        for (const key of keys) expect(await raw.pttl(key), key).to.be.within(4_000, 5_000);
        await store.set('ns', 'b', 1, { ttlMs: Infinity });
        expect(await raw.pttl(`${prefix}::ns:ns`)).to.equal(-1);
      });
    });

    describe('round trips and one round trip per hit', () => {
      it('round-trips faithful values through Redis', async () => {
        const value = {
          when: new Date('2024-05-06T07:08:09.010Z'),
          iso: '2024-05-06T07:08:09.010Z',
          map: new Map<unknown, unknown>([[1, new Set(['a'])]]),
          big: 2n ** 70n,
          nothing: undefined,
          list: [undefined, null, NaN, -0, Infinity],
          bytes: Buffer.from([0, 255]),
          floats: new Float64Array([1.5, -2]),
          forged: { $t: 'Date', v: 0 },
        };
        await store.set('ns', 'v', value, { ttlMs: LONG });
        expect((await store.get('ns', 'v'))?.value).to.deep.equal(value);
        await store.set('ns', 'u', undefined, { ttlMs: LONG });
        const entry = await store.get('ns', 'u');
        expect(entry).to.not.equal(undefined);
        expect(entry?.value).to.equal(undefined);
      });

      it('answers a hit with one MGET (no script, no GET, no PTTL), getMany with one, deleteMany with one EVALSHA', async () => {
        await store.setMany([
          { namespace: 'ns', id: 'a', value: 1, ttlMs: LONG, tags: ['t1', 't2'] },
          { namespace: 'ns', id: 'b', value: 2, ttlMs: LONG },
          { namespace: 'other', id: 'c', value: 3, ttlMs: LONG },
        ]);
        await store.delete('ns', 'never'); // loads the DELETE script (EVAL after the first NOSCRIPT)
        const port = redis.server?.port as number;
        const before = await commandStats(port);
        expect((await store.get('ns', 'a'))?.value).to.equal(1);
        expect((await store.get('ns', 'b'))?.value).to.equal(2);
        const afterGet = await commandStats(port);
        const delta = (a: Record<string, number>, b: Record<string, number>, name: string): number => (b[name] ?? 0) - (a[name] ?? 0);
        expect(delta(before, afterGet, 'mget'), 'tagged and untagged hit: one MGET each').to.equal(2);
        for (const name of ['evalsha', 'eval', 'get', 'pttl', 'exists']) expect(delta(before, afterGet, name), name).to.equal(0);
        expect((await store.getMany([['ns', 'a'], ['ns', 'b'], ['other', 'c'], ['ns', 'missing']])).map((e) => e?.value)).to.deep.equal([1, 2, 3, undefined]);
        const afterMany = await commandStats(port);
        expect(delta(afterGet, afterMany, 'mget')).to.equal(1);
        expect(delta(afterGet, afterMany, 'evalsha')).to.equal(0);
        expect(await store.deleteMany([['ns', 'a'], ['ns', 'b'], ['other', 'c']])).to.equal(3);
        const afterDelete = await commandStats(port);
        expect(delta(afterMany, afterDelete, 'evalsha')).to.equal(1);
        expect(delta(afterMany, afterDelete, 'eval')).to.equal(0);
        expect(await store.getMany([['ns', 'a'], ['ns', 'b'], ['other', 'c']])).to.deep.equal([undefined, undefined, undefined]);
      });

      it('batches the reads of one tick into one MGET (the first read of an idle store goes at once), each caller getting its own decoded value', async () => {
        await store.setMany(Array.from({ length: 100 }, (_, i) => ({ namespace: 'ns', id: `${i}`, value: { i }, ttlMs: LONG })));
        const port = redis.server?.port as number;
        const before = await commandStats(port);
        const [entries, again, many] = await Promise.all([
          Promise.all(Array.from({ length: 100 }, (_, i) => store.get('ns', `${i}`))),
          store.get('ns', '7'),
          store.getMany([['ns', '7'], ['ns', 'missing'], ['ns', '99']]),
        ]);
        const after = await commandStats(port);
        expect((after['mget'] ?? 0) - (before['mget'] ?? 0), 'the first read alone, then the rest of the tick').to.equal(2);
        expect(entries.map((entry) => (entry?.value as { i: number }).i)).to.deep.equal(Array.from({ length: 100 }, (_, i) => i));
        expect(again?.value).to.deep.equal({ i: 7 });
        expect(again?.value).to.not.equal(entries[7]?.value); // not one object shared by two callers
        expect(many.map((entry) => entry?.value)).to.deep.equal([{ i: 7 }, undefined, { i: 99 }]);
      });

      it('sends a read of an idle store at once, and batches the reads that the callers of a reply issue', async () => {
        await store.setMany(Array.from({ length: 50 }, (_, i) => ({ namespace: 'ns', id: `${i}`, value: i, ttlMs: LONG })));
        const client = rawRedis(redis.url);
        const own = redisStore({ client, prefix });
        try {
          await own.get('ns', 'warm'); // connected, no read pending
          let sent = 0;
          const mgetBuffer = client.mgetBuffer.bind(client);
          client.mgetBuffer = ((...keys: Parameters<typeof mgetBuffer>) => {
            sent++;
            return mgetBuffer(...keys);
          }) as typeof client.mgetBuffer;
          await new Promise((resolve) => setImmediate(resolve)); // past the tick of that reply
          const first = own.get('ns', '0');
          expect(sent, 'sent before the tick ends').to.equal(1);
          const second = own.get('ns', '1');
          expect(sent, 'a second read of the tick waits for its end').to.equal(1);
          await Promise.all([first, second]);
          expect(sent, 'the rest of the tick in one MGET').to.equal(2);
          sent = 0;
          // Callers woken by a reply read again in the same tick: one MGET for all of them.
          const values = await own.get('ns', '2').then(() => Promise.all(Array.from({ length: 50 }, (_, i) => own.get('ns', `${i}`))));
          expect(values.map((entry) => entry?.value)).to.deep.equal(Array.from({ length: 50 }, (_, i) => i));
          expect(sent).to.equal(2);
        } finally {
          await own.close();
          client.disconnect();
        }
      });

      it('answers a tagged hit in one MGET once its tags are known, in at most two before', async () => {
        const port = redis.server?.port as number;
        const mgets = async (read: () => Promise<unknown>): Promise<number> => {
          const before = await commandStats(port);
          await read();
          const after = await commandStats(port);
          return (after['mget'] ?? 0) - (before['mget'] ?? 0);
        };
        // Written by another process: this store has never seen these keys' tags.
        const writer = redisStore({ url: redis.url, prefix });
        try {
          await writer.setMany([
            { namespace: 'fixed', id: '1', value: 1, ttlMs: LONG, tags: ['products'] },
            { namespace: 'fixed', id: '2', value: 2, ttlMs: LONG, tags: ['products'] },
            { namespace: 'per-arg', id: '1', value: 1, ttlMs: LONG, tags: ['sku:1', 'products'] },
            { namespace: 'per-arg', id: '2', value: 2, ttlMs: LONG, tags: ['sku:2', 'products'] },
          ]);
        } finally {
          await writer.close();
        }
        expect(await mgets(async () => expect((await store.get('fixed', '1'))?.value).to.equal(1))).to.equal(2);
        expect(await mgets(async () => expect((await store.get('fixed', '1'))?.value).to.equal(1))).to.equal(1);
        // same tags across the namespace: the first read of another key is one MGET already
        expect(await mgets(async () => expect((await store.get('fixed', '2'))?.value).to.equal(2))).to.equal(1);
        expect(await mgets(async () => expect((await store.get('per-arg', '1'))?.value).to.equal(1))).to.equal(2);
        expect(await mgets(async () => expect((await store.get('per-arg', '2'))?.value).to.equal(2))).to.equal(2);
        expect(await mgets(async () => expect((await store.get('per-arg', '1'))?.value).to.equal(1))).to.equal(1);
        expect(await mgets(async () => expect((await store.get('per-arg', '2'))?.value).to.equal(2))).to.equal(1);
        // tags this process wrote are known at once
        await store.set('mine', '1', 'm', { ttlMs: LONG, tags: ['sku:9'] });
        expect(await mgets(async () => expect((await store.get('mine', '1'))?.value).to.equal('m'))).to.equal(1);
        // whatever the hints, invalidation is checked against the recorded tags
        await store.invalidateTags(['sku:2']);
        expect((await store.getMany([['fixed', '1'], ['per-arg', '1'], ['per-arg', '2']])).map((e) => e?.value)).to.deep.equal([1, 1, undefined]);
        await store.invalidateTags(['products']);
        expect((await store.getMany([['fixed', '1'], ['fixed', '2'], ['per-arg', '1'], ['mine', '1']])).map((e) => e?.value)).to.deep.equal([undefined, undefined, undefined, 'm']);
      });

      it('recovers when the server forgets its scripts (SCRIPT FLUSH, restart)', async () => {
        await store.set('ns', 'a', 1, { ttlMs: LONG });
        await raw.script('FLUSH');
        expect((await store.get('ns', 'a'))?.value).to.equal(1);
        await raw.script('FLUSH');
        await store.set('ns', 'b', 2, { ttlMs: LONG });
        expect((await store.get('ns', 'b'))?.value).to.equal(2);
      });
    });

    describe('batching and order', () => {
      it('batches the writes of one tick into one script call', async () => {
        await store.set('ns', 'warm', 0, { ttlMs: LONG }); // loads the script
        const port = redis.server?.port as number;
        const before = await commandStats(port);
        await Promise.all([
          ...Array.from({ length: 50 }, (_, i) => store.set('ns', `${i}`, i, { ttlMs: LONG, tags: [`t${i % 2}`] })),
          store.setMany([
            { namespace: 'other', id: 'a', value: 'a', ttlMs: Infinity },
            { namespace: 'other', id: 'b', value: 'b', ttlMs: 1000 },
          ]),
        ]);
        const after = await commandStats(port);
        expect((after['evalsha'] ?? 0) - (before['evalsha'] ?? 0)).to.equal(1);
        expect((await store.getMany([['ns', '0'], ['ns', '49'], ['other', 'a'], ['other', 'b']])).map((e) => e?.value)).to.deep.equal([0, 49, 'a', 'b']);
        expect(await raw.pttl(`${prefix}:other:a`)).to.equal(-1);
        expect(await raw.pttl(`${prefix}:other:b`)).to.be.within(1, 1000);
      });

      it('keeps the order of operations issued in one tick', async () => {
        // a read issued after a write sees it
        void store.set('ns', 'a', 'written', { ttlMs: LONG });
        expect((await store.get('ns', 'a'))?.value).to.equal('written');
        // a delete issued after a write removes it
        const written = store.set('ns', 'b', 'doomed', { ttlMs: LONG });
        expect(await store.delete('ns', 'b')).to.equal(true);
        await written;
        expect(await store.get('ns', 'b')).to.equal(undefined);
        // an invalidation issued after a write invalidates it
        const tagged = store.set('ns', 'c', 'doomed', { ttlMs: LONG, tags: ['t'] });
        await store.invalidateTags(['t']);
        await tagged;
        expect(await store.get('ns', 'c')).to.equal(undefined);
        // a write issued after an invalidation survives it
        const cleared = store.clear();
        await store.set('ns', 'd', 'kept', { ttlMs: LONG });
        await cleared;
        expect((await store.get('ns', 'd'))?.value).to.equal('kept');
      });

      it('sends the operations already issued when closed', async () => {
        const closing = redisStore({ url: redis.url, prefix });
        await closing.health(); // connected
        const write = closing.set('ns', 'last', 'sent', { ttlMs: LONG });
        const read = closing.get('ns', 'missing');
        await closing.close();
        await write;
        expect(await read).to.equal(undefined);
        expect((await store.get('ns', 'last'))?.value).to.equal('sent');
      });

      it('rejects every caller of a batch with its own operation\'s error when Redis fails', async () => {
        const failing = redisStore({ url: redis.url, prefix, commandTimeoutMs: 100 });
        try {
          // connected (a first connect can take longer than 100 ms on a loaded machine)
          await until(() => failing.set('ns', 'a', 1, { ttlMs: LONG }).then(() => true, () => false), { what: 'a first write through the 100 ms store' });
          // Hung (SIGSTOP) until the three timed out, however late timers fire under load.
          redis.server?.pause();
          const outcomes = await Promise.allSettled([failing.get('ns', 'a'), failing.getMany([['ns', 'a'], ['ns', 'b']]), failing.set('ns', 'c', 1, { ttlMs: LONG })]);
          const messages = outcomes.map((outcome) => (outcome.status === 'rejected' ? (outcome.reason as Error).message : 'fulfilled'));
          expect(messages[0]).to.match(/: get timed out after 100 ms/);
          expect(messages[1]).to.match(/: getMany timed out after 100 ms/);
          expect(messages[2]).to.match(/: set timed out after 100 ms/);
        } finally {
          redis.server?.resume();
          await failing.close();
        }
      });
    });

    describe('invalidation without SCAN or KEYS', () => {
      it('deleteNamespace, invalidateTags and clear are one script each, one DEL per generation key, whatever the number of entries', async () => {
        const writes = Array.from({ length: 500 }, (_, i) => ({ namespace: 'big', id: `${i}`, value: i, ttlMs: LONG, tags: [`t${i % 3}`] }));
        await store.setMany(writes);
        const port = redis.server?.port as number;
        const before = await commandStats(port);
        await store.deleteNamespace('big');
        await store.invalidateTags(['t0', 't1', 't2']);
        await store.clear();
        const after = await commandStats(port);
        expect(after['scan'] ?? 0).to.equal(before['scan'] ?? 0);
        expect(after['keys'] ?? 0).to.equal(before['keys'] ?? 0);
        const scripts = (stats: Record<string, number>): number => (stats['eval'] ?? 0) + (stats['evalsha'] ?? 0);
        expect(scripts(after) - scripts(before)).to.equal(3);
        // the namespace's, three tags' and the prefix's generation keys
        expect((after['del'] ?? 0) - (before['del'] ?? 0)).to.equal(5);
        expect((await store.getMany([['big', '0'], ['big', '499']])).every((entry) => entry === undefined)).to.equal(true);
      });

      it('deletes a stale entry when it is read (in the background), reclaiming its memory', async () => {
        await store.set('ns', 'a', 1, { ttlMs: Infinity, tags: ['t'] });
        await store.invalidateTags(['t']);
        expect(await raw.exists(`${prefix}:ns:a`)).to.equal(1);
        expect(await store.get('ns', 'a')).to.equal(undefined);
        await until(async () => (await raw.exists(`${prefix}:ns:a`)) === 0, { what: 'the stale entry deleted in the background' });
      });

      it('never drops a fresh entry written after a read found the key stale', async () => {
        await store.set('ns', 'a', 'old', { ttlMs: LONG, tags: ['t'] });
        const old = parseEnvelope((await raw.getBuffer(`${prefix}:ns:a`)) as Buffer);
        await store.invalidateTags(['t']);
        await store.set('ns', 'a', 'fresh', { ttlMs: LONG, tags: ['t'] });
        // the background drop of the stale 'old' arrives only now
        expect(await runScript(raw, DROP_STALE, [`${prefix}:ns:a`], [(old as Envelope).header()], false)).to.equal(0);
        expect((await store.get('ns', 'a'))?.value).to.equal('fresh');
        await store.invalidateTags(['t']);
        const stale = parseEnvelope((await raw.getBuffer(`${prefix}:ns:a`)) as Buffer) as Envelope;
        expect(await runScript(raw, DROP_STALE, [`${prefix}:ns:a`], [stale.header()], false)).to.equal(1);
        expect(await raw.exists(`${prefix}:ns:a`)).to.equal(0);
      });

      it('never brings an entry back when a generation key is lost (evicted or expired)', async () => {
        await store.set('ns', 'a', 'old', { ttlMs: LONG, tags: ['t'] });
        await store.invalidateTags(['t']); // the tag generation key is gone
        await store.set('ns', 'b', 'new', { ttlMs: LONG, tags: ['t'] }); // recreated with a fresh token
        await raw.del(`${prefix}::tag:t`); // as if Redis evicted it
        await store.set('ns', 'c', 'newer', { ttlMs: LONG, tags: ['t'] });
        expect((await store.getMany([['ns', 'a'], ['ns', 'b'], ['ns', 'c']])).map((e) => e?.value)).to.deep.equal([undefined, undefined, 'newer']);
        await raw.del(`${prefix}::ns:ns`, `${prefix}::all`);
        expect(await store.get('ns', 'c')).to.equal(undefined);
      });

      describe('a generation key holding a value the store did not write', () => {
        const junk: Array<[string, (key: string) => Promise<unknown>]> = [
          ['a value with ":"', (key) => raw.set(key, 'junk:with:colons')],
          ['a short string', (key) => raw.set(key, 'x')],
          ['a long string', (key) => raw.set(key, 'y'.repeat(300))],
          ['spaces and bytes', (key) => raw.set(key, Buffer.from('a b\u0000\xff c d e f g h i j'))],
          ['a hash', async (key) => {
            await raw.del(key);
            return raw.hset(key, 'field', 'value');
          }],
        ];
        const generationKeys: Array<[string, () => string]> = [
          ['prefix', () => `${prefix}::all`],
          ['namespace', () => `${prefix}::ns:ns`],
          ['tag', () => `${prefix}::tag:t`],
        ];
        for (const [which, keyOf] of generationKeys) {
          for (const [what, write] of junk) {
            it(`${which} key, ${what}: the entry is a miss, the next write repairs it, the following read hits`, async () => {
              const notices: StoreNotice[] = [];
              store.onNotice((notice) => notices.push(notice));
              await store.set('ns', 'a', 'before', { ttlMs: LONG, tags: ['t'] });
              expect((await store.get('ns', 'a'))?.value).to.equal('before');
              await write(keyOf());
              expect(await store.get('ns', 'a')).to.equal(undefined); // an invalidation
              await store.set('ns', 'a', 'after', { ttlMs: LONG, tags: ['t'] });
              expect((await store.get('ns', 'a'))?.value).to.equal('after');
              expect((await store.getMany([['ns', 'a']]))[0]?.value).to.equal('after');
              expect(await raw.type(keyOf())).to.equal('string');
              expect(await raw.get(keyOf())).to.match(/^[A-Za-z0-9_-]{13,18}$/);
              expect(await store.delete('ns', 'a')).to.equal(true);
              expect(notices.map((notice) => notice.type)).to.deep.equal([]);
            });
          }
        }

        it('deletes and counts entries whatever the generation keys hold', async () => {
          await store.set('ns', 'a', 1, { ttlMs: LONG, tags: ['t'] });
          await raw.del(`${prefix}::ns:ns`);
          await raw.hset(`${prefix}::ns:ns`, 'f', 'v');
          expect(await store.delete('ns', 'a')).to.equal(false); // stale: not a live entry
          expect(await raw.exists(`${prefix}:ns:a`)).to.equal(0);
        });
      });

      it('keeps stores with different prefixes apart', async () => {
        const other = redisStore({ url: redis.url, prefix: `${prefix}x` });
        try {
          await store.set('ns', 'a', 'mine', { ttlMs: LONG });
          await other.set('ns', 'a', 'theirs', { ttlMs: LONG });
          await other.clear();
          expect((await store.get('ns', 'a'))?.value).to.equal('mine');
          expect(await other.get('ns', 'a')).to.equal(undefined);
        } finally {
          await other.close();
        }
      });

      it('shares entries and invalidations between processes using the same prefix', async () => {
        const peer = redisStore({ url: redis.url, prefix });
        try {
          await store.set('ns', 'a', { n: 1 }, { ttlMs: LONG, tags: ['t'] });
          expect((await peer.get('ns', 'a'))?.value).to.deep.equal({ n: 1 });
          await peer.invalidateTags(['t']);
          expect(await store.get('ns', 'a')).to.equal(undefined);
        } finally {
          await peer.close();
        }
      });
    });

    describe('undecodable payloads', () => {
      let notices: StoreNotice[];
      beforeEach(() => {
        notices = [];
        store.onNotice((notice) => notices.push(notice));
      });

      it('answers a miss and a decode-error notice for garbage bytes at a key', async () => {
        await raw.set(`${prefix}:ns:garbage`, Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00]));
        expect(await store.get('ns', 'garbage')).to.equal(undefined);
        expect(notices).to.have.length(1);
        expect(notices[0]?.type).to.equal('decode-error');
        expect(notices[0]?.key).to.equal('ns:garbage');
        expect(notices[0]?.error).to.be.instanceOf(DecodeError);
      });

      it('treats another program\'s value (a string, a hash) as a miss with a notice', async () => {
        await raw.set(`${prefix}:ns:text`, 'just text from another program');
        await raw.hset(`${prefix}:ns:hash`, 'field', 'value');
        await raw.set(`${prefix}:ns:fake`, 'cf1:not:really');
        await raw.set(`${prefix}:ns:cut`, 'cf2:123:abc:def:2:1:t');
        const entries = await store.getMany([['ns', 'text'], ['ns', 'hash'], ['ns', 'fake'], ['ns', 'cut']]);
        expect(entries).to.deep.equal([undefined, undefined, undefined, undefined]);
        expect(notices.map((n) => [n.type, n.key])).to.deep.equal([
          ['decode-error', 'ns:text'],
          ['decode-error', 'ns:fake'],
          ['decode-error', 'ns:cut'],
        ]);
        // A key of another type reads as absent (MGET answers nil for it); the write that
        // replaces it reports it.
        await store.set('ns', 'hash', 'mine', { ttlMs: LONG });
        expect(notices.map((n) => [n.type, n.key])).to.have.deep.members([
          ['decode-error', 'ns:text'],
          ['decode-error', 'ns:fake'],
          ['decode-error', 'ns:cut'],
          ['decode-error', 'ns:hash'],
        ]);
        expect(notices[3]?.error).to.be.instanceOf(DecodeError);
        expect((await store.get('ns', 'hash'))?.value).to.equal('mine');
      });

      it('treats a valid envelope with an undecodable payload (old format) as a miss with a notice', async () => {
        await store.set('ns', 'old', { v: 1 }, { ttlMs: LONG });
        const stored = (await raw.getBuffer(`${prefix}:ns:old`)) as Buffer;
        const text = stored.toString('utf8');
        await raw.set(`${prefix}:ns:old`, text.replace(/J\{"v":1\}$/, 'X{old format}'), 'PX', LONG);
        expect(await store.get('ns', 'old')).to.equal(undefined);
        expect(notices.map((n) => n.key)).to.deep.equal(['ns:old']);
        expect(notices[0]?.error.message).to.contain('ns:old');
      });

      it('rewrites such a key on the next set, and deletes it on delete (not a live entry)', async () => {
        await raw.hset(`${prefix}:ns:hash`, 'field', 'value');
        await store.set('ns', 'hash', 'fresh', { ttlMs: LONG });
        expect((await store.get('ns', 'hash'))?.value).to.equal('fresh');
        await raw.set(`${prefix}:ns:junk`, 'junk');
        expect(await store.delete('ns', 'junk')).to.equal(false);
        expect(await raw.exists(`${prefix}:ns:junk`)).to.equal(0);
      });

      it('survives a notice listener that throws', async () => {
        store.onNotice(() => {
          throw new Error('listener bug');
        });
        await raw.set(`${prefix}:ns:garbage`, 'x');
        expect(await store.get('ns', 'garbage')).to.equal(undefined);
        expect(notices).to.have.length(1);
      });
    });

    describe('{ client }', () => {
      it('uses an application-made client and leaves it open on close', async () => {
        const client = rawRedis(redis.url);
        try {
          const shared = redisStore({ client, prefix });
          expect(shared.name).to.equal(`redis(127.0.0.1:${redis.server?.port}/0)`);
          await shared.set('ns', 'a', 1, { ttlMs: LONG });
          expect((await store.get('ns', 'a'))?.value).to.equal(1);
          await shared.close();
          expect(await client.ping()).to.equal('PONG');
          expect(client.listenerCount('error')).to.equal(1); // the store's listener is removed again
          await shared.get('ns', 'a').then(
            () => expect.fail('should reject'),
            (error: unknown) => expect(error).to.be.instanceOf(CacheClosedError),
          );
        } finally {
          client.disconnect();
        }
      });

      it('quits it on close when asked (closeClient: true)', async () => {
        const client = rawRedis(redis.url);
        const owned = redisStore({ client, prefix, closeClient: true });
        await owned.set('ns', 'a', 1, { ttlMs: LONG });
        await owned.close();
        for (let i = 0; i < 50 && client.status !== 'end'; i++) await sleep(10);
        expect(client.status).to.equal('end');
      });
    });

    describe('lifecycle', () => {
      it('does not connect before the first operation', async () => {
        const lazy = redisStore({ url: redis.url, prefix });
        try {
          await sleep(50);
          expect((await lazy.health()).details?.['status']).to.equal('ready'); // health connects
          const fresh = redisStore({ url: redis.url, prefix });
          await sleep(50);
          const clients = await raw.client('LIST');
          expect(String(clients).split('\n').filter((line) => line.includes('name=cacheflight'))).to.have.length(1);
          await fresh.close();
        } finally {
          await lazy.close();
        }
      });

      it('health answers ok, the name and a latency', async () => {
        const health = await store.health();
        expect(health.ok).to.equal(true);
        expect(health.store).to.equal(`redis(127.0.0.1:${redis.server?.port}/0)`);
        expect(health.latencyMs).to.be.a('number').and.be.below(200);
        expect(health.details).to.include({ mode: 'standalone', prefix, shards: 1 });
      });

      it('refuses operations after close with CacheClosedError; close is idempotent', async () => {
        await store.set('ns', 'a', 1, { ttlMs: LONG });
        await store.close();
        await store.close();
        for (const op of [() => store.get('ns', 'a'), () => store.set('ns', 'a', 1, { ttlMs: 1 }), () => store.clear()]) {
          const error = await op().then(() => undefined, (e: unknown) => e);
          expect(error).to.be.instanceOf(CacheClosedError);
        }
        expect((await store.health()).ok).to.equal(false);
      });

      it('closes cleanly a store that never ran an operation', async () => {
        const idle = redisStore({ url: redis.url });
        await idle.close();
      });
    });
  });

  describe('password and database in the URL', () => {
    const PASSWORD = 's3cr3t-P@ss:w/rd';
    const redis = redisSuite('redisStore password', { server: { password: PASSWORD } });
    const port = (): number => redis.server?.port as number;
    const urlWith = (password: string, db: number): string =>
      `redis://:${encodeURIComponent(password)}@127.0.0.1:${port()}/${db}`;
    const leaks = (text: string): boolean => text.includes(PASSWORD) || text.includes(encodeURIComponent(PASSWORD));

    it('authenticates and selects the database', async () => {
      const store = redisStore({ url: urlWith(PASSWORD, 3), prefix: 'pw' });
      const raw = rawRedis(urlWith(PASSWORD, 3));
      const raw0 = rawRedis(urlWith(PASSWORD, 0));
      try {
        await store.set('ns', 'a', 'in db 3', { ttlMs: LONG });
        expect(await raw.exists('pw:ns:a')).to.equal(1);
        expect(await raw0.exists('pw:ns:a')).to.equal(0);
        expect(store.name).to.equal(`redis(127.0.0.1:${port()}/3)`);
        expect(leaks(store.name)).to.equal(false);
        const health = await store.health();
        expect(health.ok).to.equal(true);
        expect(leaks(JSON.stringify(health))).to.equal(false);
      } finally {
        raw.disconnect();
        raw0.disconnect();
        await store.close();
      }
    });

    it('never prints the password: wrong password, errors, causes, health', async () => {
      const WRONG = 'wr0ng-PASSWORD-123';
      const store = redisStore({ url: urlWith(WRONG, 0), prefix: 'pw' });
      try {
        const error = (await store.get('ns', 'a').then(() => undefined, (e: unknown) => e)) as Error;
        expect(error).to.be.instanceOf(BackendError);
        expect(error.message).to.contain('authentication failed').and.contain('Check the user and password');
        expect((error.cause as Error).message).to.match(/WRONGPASS|invalid/i);
        const everything = `${error.message} ${inspect(error, { depth: 10 })} ${JSON.stringify(await store.health())} ${store.name}`;
        expect(everything).to.not.contain(WRONG);
        expect(everything).to.not.contain(encodeURIComponent(WRONG));
      } finally {
        await store.close();
      }
    });

    it('redacts the password from option errors', () => {
      const bad = [
        { url: `redis://:${PASSWORD}@host:99999/0` },
        { url: `redis://user:${encodeURIComponent(PASSWORD)}@host/notadb` },
        { url: `http://:${encodeURIComponent(PASSWORD)}@host` },
        { url: `redis://:${encodeURIComponent(PASSWORD)}@host/0?tls=true` },
        { url: `redis://:${encodeURIComponent(PASSWORD)}@host`, prefx: 'typo' },
        { nodes: [`redis://:${encodeURIComponent(PASSWORD)}@host/1`] },
      ];
      for (const options of bad) {
        let error: unknown;
        try {
          redisStore(options as never);
        } catch (e) {
          error = e;
        }
        expect(error, JSON.stringify(options)).to.be.instanceOf(InvalidOptionError);
        expect(leaks((error as Error).message), (error as Error).message).to.equal(false);
      }
    });
  });

  describe('a database the server refuses', () => {
    const redis = redisSuite('redisStore refused database', { server: { args: ['--databases', '4'] } });
    let raw: Redis;
    before(() => {
      raw = rawRedis(redis.url);
    });
    after(() => raw?.disconnect());
    beforeEach(() => raw.flushall());

    /** Every operation fails with a BackendError naming the database; nothing lands anywhere. */
    async function expectRefused(store: RedisStore): Promise<void> {
      const outcomes = await Promise.all([
        store.set('ns', 'a', 1, { ttlMs: LONG, tags: ['t'] }),
        store.get('ns', 'a'),
        store.getMany([['ns', 'a']]),
        store.setMany([{ namespace: 'ns', id: 'b', value: 2, ttlMs: LONG }]),
        store.delete('ns', 'a'),
        store.deleteMany([['ns', 'a']]),
        store.deleteNamespace('ns'),
        store.invalidateTags(['t']),
        store.clear(),
      ].map((op) => op.then(() => undefined, (error: unknown) => error)));
      for (const error of outcomes) {
        expect(error).to.be.instanceOf(BackendError);
        expect((error as Error).message).to.contain('refused database 9').and.contain('"databases" setting');
        expect((error as Error).cause).to.be.instanceOf(Error);
        expect(((error as Error).cause as Error).message).to.match(/DB index is out of range|is on database 0/);
      }
      // A second round, on the now ready connection, fails the same way.
      const again = await store.set('ns', 'c', 3, { ttlMs: LONG }).then(() => undefined, (error: unknown) => error);
      expect((again as Error)?.message).to.contain('refused database 9');
      const health = await store.health();
      expect(health.ok).to.equal(false);
      expect(health.error).to.contain('refused database 9').and.contain('"databases" setting');
      for (let db = 0; db < 4; db++) {
        await raw.select(db);
        expect(await raw.dbsize(), `database ${db}`).to.equal(0);
      }
      await raw.select(0);
    }

    it('fails every operation and health for redis://host/9 on a server with 4 databases, writing nowhere', async () => {
      const store = redisStore({ url: `${redis.url}/9`, prefix: 'db' });
      try {
        await expectRefused(store);
      } finally {
        await store.close();
      }
    });

    it('does the same for db: 9 given through an application-made client', async () => {
      const client = new IORedis({ port: redis.server?.port as number, host: '127.0.0.1', db: 9, lazyConnect: true });
      client.on('error', () => undefined);
      const store = redisStore({ client, prefix: 'db' });
      try {
        await expectRefused(store);
      } finally {
        await store.close();
        client.disconnect();
      }
    });

    it('does the same for a client that was already connected (its SELECT refused) before the store got it', async () => {
      const client = new IORedis({ port: redis.server?.port as number, host: '127.0.0.1', db: 9 });
      client.on('error', () => undefined);
      await new Promise((resolve) => client.once('ready', resolve));
      const store = redisStore({ client, prefix: 'db' });
      try {
        const error = (await store.set('ns', 'a', 1, { ttlMs: LONG }).then(() => undefined, (e: unknown) => e)) as Error;
        expect(error).to.be.instanceOf(BackendError);
        expect(error.message).to.contain('refused database 9').and.contain('the connection is on database 0');
        await expectRefused(store);
      } finally {
        await store.close();
        client.disconnect();
      }
    });

    it('trusts an already connected client whose database the server has', async () => {
      const client = new IORedis({ port: redis.server?.port as number, host: '127.0.0.1', db: 2 });
      client.on('error', () => undefined);
      await new Promise((resolve) => client.once('ready', resolve));
      const store = redisStore({ client, prefix: 'db' });
      try {
        await store.set('ns', 'a', 'in 2', { ttlMs: LONG });
        expect((await store.get('ns', 'a'))?.value).to.equal('in 2');
        await raw.select(2);
        expect(await raw.exists('db:ns:a')).to.equal(1);
        await raw.select(0);
      } finally {
        await store.close();
        client.disconnect();
      }
    });

    it('still works for a database the server has', async () => {
      const store = redisStore({ url: `${redis.url}/3`, prefix: 'db' });
      try {
        await store.set('ns', 'a', 'in 3', { ttlMs: LONG });
        expect((await store.get('ns', 'a'))?.value).to.equal('in 3');
        expect((await store.health()).ok).to.equal(true);
        await raw.select(3);
        expect(await raw.exists('db:ns:a')).to.equal(1);
        await raw.select(0);
        expect(await raw.exists('db:ns:a')).to.equal(0);
      } finally {
        await store.close();
      }
    });
  });

  describe('ioredis loading', () => {
    const redis = redisSuite('redisStore ioredis loading');

    it('does not count the time ioredis takes to load against the first operation', async function () {
      this.timeout(20_000);
      const slowLoad = async (): ReturnType<typeof loadIoredis> => {
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        return loadIoredis();
      };
      const store = redisStoreWithLoader({ url: redis.url, prefix: redis.prefix, commandTimeoutMs: 1_000 }, slowLoad);
      try {
        await store.set('ns', 'a', 'v', { ttlMs: 60_000 });
        expect((await store.get('ns', 'a'))?.value).to.equal('v');
      } finally {
        await store.close();
      }
    });

    it('loads the installed ioredis lazily', async () => {
      const mod = await loadIoredis();
      expect(mod.Redis).to.be.a('function');
      expect(mod.Cluster).to.be.a('function');
    });

    it('rejects operations with MissingDependencyError saying npm install ioredis when it is missing', async () => {
      const store = redisStoreWithLoader({ url: 'redis://127.0.0.1:1' }, () => loadIoredis('ioredis-not-installed-cacheflight'));
      const error = (await store.get('ns', 'a').then(() => undefined, (e: unknown) => e)) as Error;
      expect(error).to.be.instanceOf(MissingDependencyError);
      expect(error.message).to.contain('npm install ioredis');
      expect((await store.health()).error).to.contain('npm install ioredis');
      await store.close();
    });
  });
});
