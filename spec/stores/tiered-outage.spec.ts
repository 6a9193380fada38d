/**
 * The tiered store through Redis and bus outages: L1 keeps answering within `outageStaleness`
 * (and `l1Ttl`), values loaded meanwhile are kept in L1 so the source sees about one load per key
 * per bound, and what another process invalidated while this one could not hear it is never
 * answered once the bus is back (L1 is cleared on resubscribe).
 *
 * - with a fake `Date` and an unreachable Redis: the bound itself, exactly;
 * - with a proxy between one "process" and Redis: its bus (or all its connections) cut while
 *   the other process still reaches Redis and invalidates;
 * - the outside probe: 32 callers in a loop over 50 keys, the server killed for 3 s and
 *   restarted: no error, no wrong value, loads bounded, caching resumes.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { expect } from 'chai';
import sinon from 'sinon';
import type { Redis } from 'ioredis';
import { createCache, memoryStore, redisStore, tieredStore, type Cache, type TieredStore, type TieredStoreOptions } from '../../lib/index.js';
import { until } from '../helpers/deferred.js';
import { freePort, REDIS_HOST, redisSuite, UNHURRIED_MS } from '../helpers/redis-server.js';
import { rawRedis, sleep, watchProcessTrouble, type ProcessTrouble } from '../helpers/redis-tools.js';
import { rejection } from '../helpers/thrown.js';
import { uniqueNamespace } from '../helpers/unique.js';

const LONG = 60_000;

const statsOf = (...stores: TieredStore[]) => (): unknown => stores.map((store) => store.stats);

async function busUp(...stores: TieredStore[]): Promise<void> {
  for (const store of stores) void store.health();
  await until(() => stores.every((store) => store.stats.bus === 'up'), { what: 'every bus subscribed', state: statsOf(...stores) });
}

function expectNoTrouble(trouble: ProcessTrouble): void {
  expect(trouble.unhandledRejections.map(String), 'unhandled rejections').to.deep.equal([]);
  expect(trouble.errorLogs, 'console.error (e.g. ioredis "Unhandled error event")').to.deep.equal([]);
  expect(trouble.warnings, 'process warnings').to.deep.equal([]);
}

/** Whether `store` answers `namespace`/`id` from L1 right now (a read it sends to L2 is settled quietly). */
function answersFromL1(store: TieredStore, namespace: string, id: string): boolean {
  const read = store.get(namespace, id);
  if (!(read instanceof Promise)) return true;
  read.catch(() => undefined);
  return false;
}

/** Yield to timers and I/O (callers answered from L1 would otherwise run on microtasks alone). */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A TCP proxy in front of Redis standing for the network of one process: `cut('all')` drops
 * every connection and refuses new ones (Redis unreachable from that process only); `cut('bus')`
 * does so for the subscriber connection only (recognised by its client name, `cacheflight-bus`,
 * sent in its first bytes), so the process still reads and writes Redis but hears no message.
 */
class Proxy {
  readonly #server: Server;
  readonly #pairs = new Set<{ client: Socket; upstream: Socket; bus: boolean }>();
  #cut: 'none' | 'all' | 'bus' = 'none';
  port = 0;

  constructor(private readonly target: number) {
    this.#server = createServer((client) => this.#accept(client));
  }

  async listen(): Promise<void> {
    this.port = await freePort();
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.port, REDIS_HOST, () => resolve());
    });
  }

  get url(): string {
    return `redis://${REDIS_HOST}:${this.port}`;
  }

  cut(what: 'all' | 'bus'): void {
    this.#cut = what;
    for (const pair of this.#pairs) if (what === 'all' || pair.bus) this.#drop(pair);
  }

  heal(): void {
    this.#cut = 'none';
  }

  async close(): Promise<void> {
    for (const pair of this.#pairs) this.#drop(pair);
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    if (this.#cut === 'all') {
      client.destroy();
      return;
    }
    const upstream = connect(this.target, REDIS_HOST);
    const pair = { client, upstream, bus: false };
    this.#pairs.add(pair);
    client.on('data', (chunk: Buffer) => {
      if (!pair.bus && chunk.includes('cacheflight-bus')) pair.bus = true;
      if (this.#cut === 'all' || (this.#cut === 'bus' && pair.bus)) this.#drop(pair);
      else upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const drop = (): void => this.#drop(pair);
    for (const socket of [client, upstream]) {
      socket.on('error', drop);
      socket.on('close', drop);
    }
  }

  #drop(pair: { client: Socket; upstream: Socket }): void {
    this.#pairs.delete(pair as { client: Socket; upstream: Socket; bus: boolean });
    pair.client.destroy();
    pair.upstream.destroy();
  }
}

describe('tieredStore through outages', function () {
  this.timeout(120_000);

  describe('the outageStaleness bound (fake Date, Redis unreachable)', () => {
    let clock: sinon.SinonFakeTimers;
    let unreachable: string;
    let trouble: ProcessTrouble;
    const stores: TieredStore[] = [];
    const make = (options: Partial<TieredStoreOptions> = {}): TieredStore => {
      const store = tieredStore({ l1: memoryStore(), l2: redisStore({ url: unreachable, commandTimeoutMs: UNHURRIED_MS }), ...options });
      stores.push(store);
      return store;
    };

    before(async () => {
      // A port nothing listens on: every connection is refused at once.
      unreachable = `redis://${REDIS_HOST}:${await freePort()}`;
    });
    beforeEach(() => {
      trouble = watchProcessTrouble();
      // Only Date: the store's clock and the memory store's TTLs; ioredis' timers stay real.
      clock = sinon.useFakeTimers({ now: 1_000_000, toFake: ['Date'] });
    });
    afterEach(async () => {
      clock.restore();
      await Promise.all(stores.splice(0).map((store) => store.close()));
      trouble.restore();
    });

    it('keeps a value written while Redis is unreachable and answers it from L1, synchronously, until outageStaleness after it entered', async () => {
      const store = make({ outageStaleness: '5s' });
      expect(await rejection(() => store.set('ns', 'k', 'v', { ttlMs: LONG }))).to.be.instanceOf(Error);
      expect(store.stats.bus).to.not.equal('up');
      const hit = store.get('ns', 'k');
      expect(hit, 'answered from L1, no L2 call').to.not.be.instanceOf(Promise);
      expect((hit as { value: unknown }).value).to.equal('v');
      expect(store.stats.keptDespiteL2).to.equal(1);
      clock.tick(4_999);
      expect(store.get('ns', 'k')).to.not.be.instanceOf(Promise);
      expect(store.stats.outageHits).to.equal(2);
      clock.tick(1);
      const read = store.get('ns', 'k');
      expect(read, 'outageStaleness passed: read through to L2').to.be.instanceOf(Promise);
      expect(await rejection(() => read)).to.be.instanceOf(Error);
      expect(store.stats.outageHits).to.equal(2);
    });

    it('l1Ttl bounds the stay too, when it is shorter', async () => {
      const store = make({ outageStaleness: '5s', l1Ttl: '2s' });
      await rejection(() => store.set('ns', 'k', 'v', { ttlMs: LONG }));
      clock.tick(1_999);
      expect(store.get('ns', 'k')).to.not.be.instanceOf(Promise);
      clock.tick(1);
      await sleep(5); // real time: the memory store's clock reading is cached for about a millisecond
      const read = store.get('ns', 'k');
      expect(read).to.be.instanceOf(Promise);
      await rejection(() => read);
    });

    it('answers getMany from L1 within the bound, and sends only the others to L2', async () => {
      const store = make({ outageStaleness: '5s' });
      await rejection(() => store.setMany([{ namespace: 'ns', id: 'a', value: 1, ttlMs: LONG }, { namespace: 'ns', id: 'b', value: 2, ttlMs: LONG }]));
      const both = store.getMany([['ns', 'a'], ['ns', 'b']]);
      expect(both).to.not.be.instanceOf(Promise);
      expect((both as Array<{ value: unknown }>).map((entry) => entry.value)).to.deep.equal([1, 2]);
      const reads = store.stats.l2Reads;
      const mixed = store.getMany([['ns', 'a'], ['ns', 'c']]);
      expect(mixed).to.be.instanceOf(Promise);
      await rejection(() => mixed);
      expect(store.stats.l2Reads - reads, 'only the miss went to L2').to.equal(1);
    });

    it('a delete or an invalidation during the outage applies to L1 at once', async () => {
      const store = make({ outageStaleness: '5s' });
      await rejection(() => store.set('ns', 'k', 'v', { ttlMs: LONG }));
      await rejection(() => store.set('ns', 't', 'tagged', { ttlMs: LONG, tags: ['red'] }));
      expect(await rejection(() => store.delete('ns', 'k'))).to.be.instanceOf(Error);
      expect(await rejection(() => store.invalidateTags(['red']))).to.be.instanceOf(Error);
      for (const id of ['k', 't']) {
        const read = store.get('ns', id);
        expect(read, `${id} dropped from L1`).to.be.instanceOf(Promise);
        await rejection(() => read);
      }
    });

    it('a Cache over it loads each key once per outageStaleness while Redis is unreachable, never failing a call', async () => {
      const store = make({ outageStaleness: '5s' });
      const cache = createCache({ store, ttl: '1m' });
      cache.on('backend-error', () => undefined);
      const loads = new Map<string, number>();
      const keys = ['p:a', 'p:b', 'p:c'];
      // 12 s of simulated time in 100 ms steps, every key called at each step.
      for (let step = 0; step < 120; step++) {
        for (const key of keys) {
          const value = await cache.getOrSet(key, () => {
            loads.set(key, (loads.get(key) ?? 0) + 1);
            return `v:${key}`;
          });
          expect(value).to.equal(`v:${key}`);
        }
        clock.tick(100);
      }
      // loads at 0 s, 5 s and 10 s: ceil(12 s / 5 s) per key
      expect(Object.fromEntries(loads)).to.deep.equal({ 'p:a': 3, 'p:b': 3, 'p:c': 3 });
      await cache.close();
    });

    it('outageStaleness 0: nothing is kept or answered from L1 while the bus is not up', async () => {
      const store = make({ outageStaleness: 0 });
      await rejection(() => store.set('ns', 'k', 'v', { ttlMs: LONG }));
      expect(store.l1.size).to.equal(0);
      const read = store.get('ns', 'k');
      expect(read).to.be.instanceOf(Promise);
      await rejection(() => read);
      expect(store.stats.outageHits).to.equal(0);
    });
  });

  describe('one process cut off while another invalidates', () => {
    const redis = redisSuite('tieredStore outage coherence', { ownServer: true });
    let trouble: ProcessTrouble;
    let proxy: Proxy;
    let raw: Redis;
    let ns: string;
    let prefix: string;
    const stores: TieredStore[] = [];
    const make = (url: string, options: Partial<TieredStoreOptions> = {}): TieredStore => {
      const store = tieredStore({
        l1: memoryStore(),
        l2: redisStore({ url, prefix, commandTimeoutMs: UNHURRIED_MS, maxReconnectDelayMs: 100 }),
        heartbeatMs: 100,
        ...options,
      });
      stores.push(store);
      return store;
    };
    beforeEach(async () => {
      trouble = watchProcessTrouble();
      proxy = new Proxy(redis.server!.port);
      await proxy.listen();
      raw = rawRedis(redis.url);
      ns = uniqueNamespace('ns');
      prefix = uniqueNamespace('coherence');
    });
    afterEach(async () => {
      await Promise.all(stores.splice(0).map((store) => store.close()));
      await proxy.close();
      raw.disconnect();
      trouble.restore();
    });

    /** `a` writes `id`; once `b` heard that write's invalidation, `b` reads it from L2 and keeps it in L1. */
    async function promoted(a: TieredStore, b: TieredStore, id: string, value: string): Promise<void> {
      const received = b.stats.busReceived;
      await a.set(ns, id, value, { ttlMs: LONG });
      await until(() => b.stats.busReceived > received, { what: "b to hear a's write", state: statsOf(a, b) });
      await until(async () => (await b.get(ns, id))?.value === value && answersFromL1(b, ns, id), {
        what: `b to hold ${id} = ${value} in L1`,
        state: statsOf(b),
      });
    }

    for (const what of ['bus', 'all'] as const) {
      it(`a key evicted by A while B's ${what === 'bus' ? 'subscriber' : 'whole connection'} is cut is never answered by B once B's bus is back`, async () => {
        const a = make(redis.url);
        // A bound far above the outage, so that B still answers its old copy during it (what
        // the clear on resubscribe must then undo).
        const b = make(proxy.url, { outageStaleness: '1m' });
        await busUp(a, b);
        await promoted(a, b, 'k', 'old');

        proxy.cut(what);
        await until(() => b.stats.bus === 'down', { what: "b's bus down after the cut", state: statsOf(a, b) });
        expect(a.stats.bus).to.equal('up');
        // A evicts, then writes a new value: B cannot hear either.
        await a.delete(ns, 'k');
        await a.set(ns, 'k', 'new', { ttlMs: LONG });
        const during = b.get(ns, 'k');
        expect(during, 'within outageStaleness B answers its L1 copy').to.not.be.instanceOf(Promise);
        expect((during as { value: unknown }).value).to.equal('old');

        // B keeps reading while it reconnects: once its bus is up, never the old value.
        const seen: Array<{ up: boolean; value: unknown }> = [];
        let reading = true;
        const reader = (async () => {
          while (reading) {
            const up = b.stats.bus === 'up';
            try {
              seen.push({ up, value: (await b.get(ns, 'k'))?.value });
            } catch {
              seen.push({ up, value: 'error' });
            }
            await turn();
          }
        })();
        proxy.heal();
        await until(() => b.stats.bus === 'up', { what: "b's bus up again after the heal", state: statsOf(a, b) });
        await until(() => seen.some((s) => s.up && s.value === 'new'), { what: 'b to read the new value after reconnecting', state: () => seen.slice(-5) });
        reading = false;
        await reader;
        const afterUp = seen.slice(seen.findIndex((s) => s.up));
        expect(afterUp.filter((s) => s.value === 'old'), 'old answers once the bus was up').to.deep.equal([]);
        expect(b.stats.busLosses).to.equal(1);
        expect((await b.get(ns, 'k'))?.value).to.equal('new');
        await Promise.all(stores.splice(0).map((store) => store.close()));
        expectNoTrouble(trouble);
      });
    }

    it('an entry held long before the loss is answered for outageStaleness counted from the loss (fake Date)', async () => {
      const a = make(redis.url);
      const b = make(proxy.url, { outageStaleness: '5s' });
      await busUp(a, b);
      await promoted(a, b, 'k', 'v');
      // Only Date is faked: connections, heartbeats and waits run on real timers.
      const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
      try {
        clock.tick(50_000); // the copy entered L1 long before the loss (the bus heard nothing against it)
        expect(answersFromL1(b, ns, 'k'), 'bus up: L1 answers').to.equal(true);
        proxy.cut('bus');
        await until(() => b.stats.bus === 'down', { what: "b's bus down after the cut", state: statsOf(b) });
        expect(answersFromL1(b, ns, 'k'), 'just after the loss').to.equal(true);
        clock.tick(4_999);
        expect(answersFromL1(b, ns, 'k'), 'outageStaleness - 1 ms after the loss').to.equal(true);
        clock.tick(1);
        expect(answersFromL1(b, ns, 'k'), 'outageStaleness after the loss: read through').to.equal(false);
      } finally {
        clock.restore();
      }
      proxy.heal();
      await until(() => b.stats.bus === 'up', { what: "b's bus up again", state: statsOf(b) });
      await Promise.all(stores.splice(0).map((store) => store.close()));
      expectNoTrouble(trouble);
    });

    it('after its bus went down, B answers an entry it held no longer than outageStaleness after the loss', async () => {
      const a = make(redis.url);
      const b = make(proxy.url, { outageStaleness: '1500ms' });
      await busUp(a, b);
      await promoted(a, b, 'k', 'v');
      proxy.cut('bus');
      await until(() => b.stats.bus === 'down', { what: "b's bus down after the cut", state: statsOf(b) });
      // The store marked the loss no later than this: every L1 answer must come before this + 1.5 s.
      const downSeenAt = Date.now();
      const l1AnswersAt: number[] = [];
      await until(
        async () => {
          const read = b.get(ns, 'k');
          if (!(read instanceof Promise)) {
            l1AnswersAt.push(Date.now());
            return false;
          }
          expect((await read)?.value, 'read through from L2, which B still reaches').to.equal('v');
          return true;
        },
        { what: 'b to stop answering from L1', state: statsOf(b) },
      );
      for (const at of l1AnswersAt) expect(at - downSeenAt).to.be.below(1_500);
      // A value read from L2 during the outage is kept for outageStaleness from its read.
      expect(b.get(ns, 'k')).to.not.be.instanceOf(Promise);
      proxy.heal();
      await until(() => b.stats.bus === 'up', { what: "b's bus up again", state: statsOf(b) });
      expect(b.l1.size, 'cleared on resubscribe').to.equal(0);
      await Promise.all(stores.splice(0).map((store) => store.close()));
      expectNoTrouble(trouble);
    });
  });

  describe('the outside probe: 32 callers, 50 keys, Redis killed for 3 s and restarted', () => {
    const redis = redisSuite('tieredStore outage probe', { ownServer: true });
    let trouble: ProcessTrouble;
    let cache: Cache | undefined;

    beforeEach(() => {
      trouble = watchProcessTrouble();
    });
    afterEach(async () => {
      await cache?.close();
      cache = undefined;
      trouble.restore();
      if (redis.server && !redis.server.running) await redis.server.restart();
    });

    it('0 errors, 0 wrong values, loads during the outage bounded by keys x the L1 bound, caching resumes after the restart', async () => {
      const server = redis.server!;
      const L1_TTL_MS = 1_000;
      const OUTAGE_MS = 3_000;
      const CALLERS = 32;
      const KEYS = Array.from({ length: 50 }, (_, i) => `probe:k${i}`);
      const prefix = uniqueNamespace('probe');
      const store = tieredStore({
        l1: memoryStore(),
        l2: redisStore({ url: redis.url, prefix, commandTimeoutMs: 200, maxReconnectDelayMs: 100 }),
        l1Ttl: L1_TTL_MS,
        heartbeatMs: 200,
      });
      const probe = createCache({ store, ttl: '1m' });
      cache = probe;
      probe.on('backend-error', () => undefined); // handled: no process warning

      const loadTimes: number[] = [];
      let errors = 0;
      let wrong = 0;
      let calls = 0;
      let running = true;
      const callers = Array.from({ length: CALLERS }, async (_, c) => {
        for (let i = c; running; i++) {
          const key = KEYS[i % KEYS.length] as string;
          try {
            const value = await probe.getOrSet(key, async () => {
              loadTimes.push(Date.now());
              return `v:${key}`;
            });
            if (value !== `v:${key}`) wrong++;
          } catch {
            errors++;
          }
          calls++;
          if (i % KEYS.length === 0) await turn();
        }
      });

      try {
        await busUp(store);
        // warm: every key cached (loads stop) before the kill
        await until(
          async () => {
            const before = loadTimes.length;
            await Promise.all(KEYS.map((key) => probe.getOrSet(key, () => `v:${key}`)));
            return loadTimes.length === before && KEYS.every((key) => answersFromL1(store, 'probe', key.slice('probe:'.length)));
          },
          { what: 'every key cached before the outage', state: statsOf(store) },
        );

        const killAt = Date.now();
        await server.kill();
        await until(() => store.stats.bus === 'down', { what: 'the bus down after the kill', state: statsOf(store) });
        const callsAtKill = calls;
        await sleep(OUTAGE_MS); // the outage itself (not an assertion)
        const outageCalls = calls - callsAtKill;
        await server.restart();
        await until(() => store.stats.bus === 'up', { what: 'the bus up again after the restart', state: statsOf(store) });
        const upAt = Date.now();
        const outageLoads = loadTimes.filter((at) => at >= killAt && at <= upAt).length;

        // Each key, in the window [kill, bus seen up again] of length D:
        // - a load keeps its value in L1 for B = min(l1Ttl, outageStaleness) = 1 s (the memory
        //   store's clock may read up to 1 ms early: B - 1 ms), so its regular loads are at most
        //   floor(D / (B - 1 ms)) + 1;
        // - +1 at the kill: a write whose L2 failure arrives while the bus still looks up and no
        //   L2 read has failed yet is dropped from L1 (once per key: its next read fails, and
        //   from then on failed writes are kept);
        // - +1 at the restart: the bus coming up clears L1.
        const windowMs = upAt - killAt;
        const perKey = Math.floor(windowMs / (L1_TTL_MS - 1)) + 1 + 1 + 1;
        const bound = KEYS.length * perKey;
        const summary = { outageLoads, bound, windowMs, outageCalls, stats: store.stats };
        expect(outageCalls, `callers kept being answered during the outage: ${JSON.stringify(summary)}`).to.be.greaterThan(KEYS.length * 10);
        expect(outageLoads, `loads during the outage: ${JSON.stringify(summary)}`).to.be.at.most(bound);
        expect(store.stats.outageHits).to.be.greaterThan(0);

        // Caching resumes: a pass over every key loads nothing, and every key is in Redis again.
        const raw = rawRedis(redis.url);
        try {
          await until(
            async () => {
              const before = loadTimes.length;
              await Promise.all(KEYS.map((key) => probe.getOrSet(key, () => `v:${key}`)));
              if (loadTimes.length !== before) return false;
              const found = await raw.exists(...KEYS.map((key) => store.l2.redisKey(key)));
              return found === KEYS.length;
            },
            { what: 'caching to resume after the restart (no loads, every key in Redis)', state: statsOf(store) },
          );
        } finally {
          raw.disconnect();
        }
        const settled = loadTimes.length;
        const callsBefore = calls;
        await until(() => calls - callsBefore >= CALLERS * KEYS.length * 4, { what: 'the callers to run a few more passes' });
        expect(loadTimes.length - settled, 'no loads once caching resumed').to.equal(0);
      } finally {
        running = false;
        await Promise.all(callers);
      }
      expect(errors, 'errors to callers').to.equal(0);
      expect(wrong, 'wrong values').to.equal(0);
      await probe.close();
      cache = undefined;
      expectNoTrouble(trouble);
    });
  });
});
