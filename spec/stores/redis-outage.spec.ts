/**
 * The Redis store while Redis misbehaves: killed mid-run and restarted on the same port, paused
 * (hanging), unreachable from the start, or a socket that accepts and never answers. Every
 * operation must reject within its timeout with a typed error, never leave an unhandled
 * rejection or an "Unhandled error event", and caching must resume by itself.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { expect } from 'chai';
import { BackendError, TimeoutError } from '../../lib/core/errors.js';
import { redisStore, type RedisStore } from '../../lib/stores/redis.js';
import { WAIT_MS } from '../helpers/deferred.js';
import { freePort, REDIS_HOST, redisSuite } from '../helpers/redis-server.js';
import { type ProcessTrouble, sleep, watchProcessTrouble } from '../helpers/redis-tools.js';
import { timedAgainst } from '../helpers/timing.js';

const TIMEOUT_MS = 200;
/** Scheduling slack allowed on top of the timeout (itself stretched by how late timers fire: see timedAgainst). */
const SLACK_MS = 150;

/** Every Store operation, as thunks. */
function operations(store: RedisStore): Array<[string, () => Promise<unknown>]> {
  return [
    ['get', () => store.get('ns', 'a')],
    ['getMany', () => store.getMany([['ns', 'a'], ['ns', 'b']])],
    ['set', () => store.set('ns', 'a', 1, { ttlMs: 60_000, tags: ['t'] })],
    ['setMany', () => store.setMany([{ namespace: 'ns', id: 'b', value: 2, ttlMs: 60_000 }])],
    ['delete', () => store.delete('ns', 'a')],
    ['deleteMany', () => store.deleteMany([['ns', 'a'], ['ns', 'b']])],
    ['deleteNamespace', () => store.deleteNamespace('ns')],
    ['invalidateTags', () => store.invalidateTags(['t'])],
    ['clear', () => store.clear()],
  ];
}

/** Run `op`, expecting a BackendError or TimeoutError within the timeout; answers the time taken. */
async function expectFastFailure(label: string, op: () => Promise<unknown>): Promise<number> {
  const { value: outcome, ms: elapsed, boundMs } = await timedAgainst(
    () =>
      op().then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      ),
    TIMEOUT_MS,
  );
  expect(outcome.ok, `${label} should reject`).to.equal(false);
  if (!outcome.ok) {
    const error = outcome.error;
    expect(error instanceof BackendError || error instanceof TimeoutError, `${label}: ${String(error)}`).to.equal(true);
  }
  expect(elapsed, `${label} took ${elapsed.toFixed(0)} ms (timers ran ${(boundMs - TIMEOUT_MS).toFixed(0)} ms late)`).to.be.below(boundMs + SLACK_MS);
  return elapsed;
}

/**
 * Retry `op` until it succeeds (answers how long that took); fails after `withinMs` (a bound
 * generous on a loaded machine, where a restarted server and a reconnect take their time).
 */
async function eventually(what: string, op: () => Promise<unknown>, withinMs = WAIT_MS): Promise<number> {
  const started = Date.now();
  let last: unknown;
  while (Date.now() - started < withinMs) {
    try {
      await op();
      return Date.now() - started;
    } catch (error) {
      last = error;
      await sleep(50);
    }
  }
  throw new Error(`timed out after ${withinMs} ms waiting for: ${what}; last error: ${String(last)}`);
}

function expectNoTrouble(trouble: ProcessTrouble): void {
  expect(trouble.unhandledRejections.map(String), 'unhandled rejections').to.deep.equal([]);
  expect(trouble.errorLogs.filter((line) => /unhandled error event/i.test(line)), 'console.error').to.deep.equal([]);
  expect(trouble.errorLogs, 'console.error').to.deep.equal([]);
  expect(trouble.warnings, 'process warnings').to.deep.equal([]);
}

describe('redisStore when Redis misbehaves', function () {
  this.timeout(90_000);
  let trouble: ProcessTrouble;
  beforeEach(() => {
    trouble = watchProcessTrouble();
  });
  afterEach(() => trouble.restore());

  describe('a server killed mid-run and restarted on the same port', () => {
    const redis = redisSuite('redisStore outage', { ownServer: true });

    it('rejects every operation within the timeout while down, then resumes by itself', async () => {
      const server = redis.server;
      if (!server) throw new Error('no server');
      const store = redisStore({ url: redis.url, prefix: 'outage', commandTimeoutMs: TIMEOUT_MS });
      try {
        await store.set('ns', 'a', 'before', { ttlMs: 60_000 });
        expect((await store.get('ns', 'a'))?.value).to.equal('before');

        await server.kill();
        // Several rounds over more than a second: the first commands hit the dying socket, later
        // ones the reconnect loop (refused connections, backoff).
        const deadline = Date.now() + 1500;
        let rounds = 0;
        while (Date.now() < deadline) {
          for (const [label, op] of operations(store)) await expectFastFailure(`${label} (round ${rounds})`, op);
          rounds++;
        }
        // Many operations at once while down: all reject, none queue.
        const many = await timedAgainst(() => Promise.allSettled(Array.from({ length: 200 }, (_, i) => store.get('ns', `${i}`))), TIMEOUT_MS);
        expect(many.value.every((r) => r.status === 'rejected')).to.equal(true);
        expect(many.ms).to.be.below(many.boundMs + SLACK_MS);
        const health = await store.health();
        expect(health.ok).to.equal(false);
        expect(health.error).to.be.a('string');

        await server.restart();
        await eventually('a write to succeed after the restart', () => store.set('ns', 'a', 'after', { ttlMs: 60_000 }));
        expect((await store.get('ns', 'a'))?.value).to.equal('after');
        expect((await store.health()).ok).to.equal(true);
      } finally {
        await store.close();
      }
      expectNoTrouble(trouble);
    });

    it('keeps a write and a later delete or invalidation in order on a restarted server (empty script cache)', async () => {
      const server = redis.server;
      if (!server) throw new Error('no server');
      const store = redisStore({ url: redis.url, prefix: 'order', commandTimeoutMs: TIMEOUT_MS });
      try {
        await store.set('ns', 'warm', 1, { ttlMs: 60_000 }); // the write script is cached on the server
        await server.kill();
        await server.restart(); // ...and gone from it
        await eventually('health ok after the restart', async () => {
          if (!(await store.health()).ok) throw new Error('not reconnected yet');
        });
        await Promise.all([store.set('ns', 'k', 'stale', { ttlMs: 60_000 }), store.delete('ns', 'k')]);
        expect(await store.get('ns', 'k'), 'the delete, issued last, wins').to.equal(undefined);
        await server.kill();
        await server.restart();
        await eventually('health ok after the second restart', async () => {
          if (!(await store.health()).ok) throw new Error('not reconnected yet');
        });
        await Promise.all([store.set('ns', 't', 'stale', { ttlMs: 60_000, tags: ['t'] }), store.invalidateTags(['t'])]);
        await Promise.all([store.set('other', 'n', 'stale', { ttlMs: 60_000 }), store.deleteNamespace('other')]);
        expect(await store.get('ns', 't'), 'the tag invalidation, issued last, wins').to.equal(undefined);
        expect(await store.get('other', 'n'), 'the namespace deletion, issued last, wins').to.equal(undefined);
      } finally {
        await store.close();
      }
      expectNoTrouble(trouble);
    });

    it('a store created while the server is down connects once it is up', async () => {
      const server = redis.server;
      if (!server) throw new Error('no server');
      await server.kill();
      const store = redisStore({ url: redis.url, prefix: 'outage', commandTimeoutMs: TIMEOUT_MS });
      try {
        await expectFastFailure('get while down', () => store.get('ns', 'a'));
        await expectFastFailure('set while down', () => store.set('ns', 'a', 1, { ttlMs: 1000 }));
        await server.restart();
        await eventually('a write to succeed once the server is up', () => store.set('ns', 'a', 'up', { ttlMs: 60_000 }));
        expect((await store.get('ns', 'a'))?.value).to.equal('up');
      } finally {
        await store.close();
      }
      expectNoTrouble(trouble);
    });
  });

  describe('a server that hangs', () => {
    const redis = redisSuite('redisStore hang', { ownServer: true });

    it('times operations out while the server hangs, and works again afterwards', async () => {
      const server = redis.server;
      if (!server) throw new Error('no server');
      const store = redisStore({ url: redis.url, prefix: 'hang', commandTimeoutMs: TIMEOUT_MS });
      try {
        await store.set('ns', 'a', 'v', { ttlMs: 60_000 });
        // Hung (SIGSTOP) until every check below ran, however long they take under load.
        server.pause();
        try {
          for (const [label, op] of operations(store)) {
            const error = await op().then(() => undefined, (e: unknown) => e);
            expect(error, label).to.be.instanceOf(TimeoutError);
          }
          await expectFastFailure('get while paused', () => store.get('ns', 'a'));
          const health = await store.health();
          expect(health.ok).to.equal(false);
          expect(health.error).to.match(/timed out/);
        } finally {
          server.resume();
        }
        await eventually('a read to succeed once the server answers again', () => store.get('ns', 'a'));
        // (Commands that timed out client-side were still run by the server once it resumed:
        // the entry may be gone, which is why the check writes again.)
        await store.set('ns', 'a', 'v2', { ttlMs: 60_000 });
        expect((await store.get('ns', 'a'))?.value).to.equal('v2');
      } finally {
        await store.close();
      }
      expectNoTrouble(trouble);
    });
  });

  describe('nothing listening', () => {
    it('creation never throws; operations reject fast; close is clean', async () => {
      const port = await freePort();
      const store = redisStore({ url: `redis://${REDIS_HOST}:${port}`, commandTimeoutMs: TIMEOUT_MS });
      try {
        for (const [label, op] of operations(store)) await expectFastFailure(label, op);
        const health = await store.health();
        expect(health.ok).to.equal(false);
        expect(health.store).to.equal(`redis(${REDIS_HOST}:${port}/0)`);
        expect(health.error).to.match(/ECONNREFUSED|not connected|timed out/);
      } finally {
        await store.close();
      }
      // What is checked is an absence (no late rejection or error log after close): there is no
      // condition to wait for, only a short grace for anything late to surface.
      await sleep(100);
      expectNoTrouble(trouble);
    });
  });

  describe('a socket that accepts and never answers', () => {
    let server: Server;
    let port: number;
    const sockets = new Set<Socket>();
    before(async () => {
      server = createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => undefined);
      });
      await new Promise<void>((resolve) => server.listen(0, REDIS_HOST, resolve));
      const address = server.address();
      port = typeof address === 'object' && address ? address.port : 0;
    });
    after(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('times out every operation and health within the bound', async () => {
      const store = redisStore({ url: `redis://${REDIS_HOST}:${port}`, commandTimeoutMs: TIMEOUT_MS, connectTimeoutMs: 500 });
      try {
        for (const [label, op] of operations(store)) await expectFastFailure(label, op);
        const health = await timedAgainst(() => store.health(), TIMEOUT_MS);
        expect(health.value.ok).to.equal(false);
        expect(health.ms).to.be.below(health.boundMs + SLACK_MS);
      } finally {
        await store.close();
      }
      expectNoTrouble(trouble);
    });
  });
});
