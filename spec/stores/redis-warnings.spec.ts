/**
 * A failing Redis is never silent: the first store error of a cache is reported once as a process
 * warning (code CACHEFLIGHT_BACKEND) unless the application listens to `backend-error`, and the
 * errors themselves say which server, what failed and what to check, with the client's error as
 * `cause`. Against a port where nothing listens and a real redis-server that is stopped.
 */
import { expect } from 'chai';
import { BACKEND_WARNING_CODE, BackendError, createCache, redisStore, type Cache, type CacheEventMap } from '../../lib/index.js';
import { freePort, REDIS_HOST, requireRedisServer, startRedisServer, type RedisServerHandle } from '../helpers/redis-server.js';

/** The warnings the process emits while `run` runs (and the turn after it). */
async function warningsDuring(run: () => Promise<void>): Promise<Error[]> {
  const seen: Error[] = [];
  const onWarning = (warning: Error): void => {
    seen.push(warning);
  };
  process.on('warning', onWarning);
  try {
    await run();
    // emitWarning delivers on the next tick: let it.
    await new Promise<void>((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', onWarning);
  }
  return seen.filter((warning) => (warning as Error & { code?: string }).code === BACKEND_WARNING_CODE);
}

/** Wait (real clock) until the async `condition` holds. */
async function until(condition: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms: ${condition.toString()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A few uncached calls and direct operations, each answering despite the store. */
async function calls(cache: Cache): Promise<void> {
  for (let i = 0; i < 3; i++) {
    expect(await cache.getOrSet(`user:${i}`, async () => `loaded ${i}`, { ttl: '1m' })).to.equal(`loaded ${i}`);
  }
  expect(await cache.get('user:9')).to.equal(undefined);
  await cache.set('user:9', 9, { ttl: '1m' });
  await cache.invalidateTags(['t']);
}

describe('a failing Redis is reported', function () {
  this.timeout(20_000);

  describe('nothing listening on the port', () => {
    let port: number;
    let url: string;
    before(async () => {
      port = await freePort();
      url = `redis://:s3cret-pw@${REDIS_HOST}:${port}/0`;
    });

    it('warns once, with its code, naming the server and the refused connection (never the password)', async () => {
      const cache = createCache({ store: redisStore({ url, commandTimeoutMs: 2_000 }) });
      try {
        const warnings = await warningsDuring(() => calls(cache));
        expect(warnings).to.have.length(1);
        const warning = warnings[0] as Error & { code?: string };
        expect(warning.name).to.equal('CacheflightWarning');
        expect(warning.code).to.equal(BACKEND_WARNING_CODE);
        expect(warning.message).to.contain(`redis(${REDIS_HOST}:${port}/0)`);
        expect(warning.message).to.contain(`connection refused by ${REDIS_HOST}:${port}`);
        expect(warning.message).to.contain("cache.on('backend-error'");
        expect(warning.message).to.not.match(/max retries/i);
        expect(warning.message).to.not.contain('s3cret-pw');
        expect(cache.stats().backendErrors).to.be.greaterThan(3);
        // Still once, however many calls fail afterwards.
        expect(await warningsDuring(() => calls(cache))).to.have.length(0);
      } finally {
        await cache.close();
      }
    });

    it('gives backend-error listeners the package\'s own error, with the client\'s as cause, and no warning', async () => {
      const cache = createCache({ store: redisStore({ url, commandTimeoutMs: 2_000 }) });
      const errors: Array<CacheEventMap['backend-error']> = [];
      cache.on('backend-error', (event) => errors.push(event));
      try {
        expect(await warningsDuring(() => calls(cache))).to.have.length(0);
        expect(errors.length).to.be.greaterThan(3);
        const first = errors[0]?.error as BackendError;
        expect(first).to.be.instanceOf(BackendError);
        expect(first.message).to.match(new RegExp(`^redis store "redis\\(${REDIS_HOST}:${port}/0\\)": get failed: not connected: connection refused by ${REDIS_HOST}:${port}\\. Check that Redis is running`));
        expect(first.message).to.not.match(/max retries/i);
        const cause = first.cause as Error & { code?: string };
        expect(cause).to.be.instanceOf(Error);
        expect(cause.code).to.equal('ECONNREFUSED');
        expect(cause.message).to.contain(`${REDIS_HOST}:${port}`);
        for (const { error } of errors) {
          expect(error.message).to.match(/connection refused|not connected/);
          expect(`${error.message} ${String((error as Error).cause)}`).to.not.contain('s3cret-pw');
        }
      } finally {
        await cache.close();
      }
    });

    it('does not warn for a required cache: its calls reject with that error', async () => {
      const cache = createCache({ store: redisStore({ url, commandTimeoutMs: 2_000 }), required: true });
      try {
        const warnings = await warningsDuring(async () => {
          const error = await cache.get('user:1').then(() => undefined, (e: unknown) => e);
          expect(error).to.be.instanceOf(BackendError);
          expect((error as Error).message).to.contain(`connection refused by ${REDIS_HOST}:${port}`);
        });
        expect(warnings).to.have.length(0);
      } finally {
        await cache.close();
      }
    });
  });

  describe('a redis-server that is stopped', () => {
    let server: RedisServerHandle | undefined;
    beforeEach(async function () {
      this.timeout(30_000);
      requireRedisServer(this, 'redis warnings');
      server = await startRedisServer();
    });
    afterEach(async () => {
      await server?.stop();
    });

    for (const listening of [false, true]) {
      it(listening ? 'reports through the listener only' : 'warns once when the server goes away', async () => {
        const live = server as RedisServerHandle;
        const cache = createCache({ store: redisStore({ url: live.url, commandTimeoutMs: 2_000 }) });
        const errors: Error[] = [];
        if (listening) cache.on('backend-error', ({ error }) => errors.push(error));
        try {
          const before = await warningsDuring(async () => {
            await cache.set('user:1', 'one', { ttl: '1m' });
            expect(await cache.get('user:1')).to.equal('one');
          });
          expect(before).to.have.length(0);
          await live.stop();
          const warnings = await warningsDuring(() => calls(cache));
          expect(cache.stats().backendErrors).to.be.greaterThan(3);
          if (listening) {
            expect(warnings).to.have.length(0);
            for (const error of errors) {
              expect(error).to.be.instanceOf(BackendError);
              expect(error.message).to.contain(`redis store "redis(${REDIS_HOST}:${live.port}/0)"`);
              expect(error.message).to.match(new RegExp(`not connected(:| to) .*${REDIS_HOST}:${live.port}`));
              expect(error.message).to.contain('. Check ');
              expect(error.message).to.not.match(/max retries/i);
            }
            // Once the client tried to reconnect, the errors say the connection is refused, with its error as cause.
            await until(async () => {
              await cache.get('user:1');
              return /connection refused by/.test(errors[errors.length - 1]?.message ?? '');
            });
            const last = errors[errors.length - 1] as Error;
            expect(last.message).to.contain(`not connected: connection refused by ${REDIS_HOST}:${live.port}`);
            expect((last.cause as Error & { code?: string }).code).to.equal('ECONNREFUSED');
          } else {
            expect(warnings).to.have.length(1);
            expect(warnings[0]?.message).to.contain(`redis(${REDIS_HOST}:${live.port}/0)`);
            expect(warnings[0]?.message).to.match(new RegExp(`not connected(:| to) .*${REDIS_HOST}:${live.port}`));
            expect(warnings[0]?.message).to.contain('. Check ');
            expect(warnings[0]?.message).to.not.match(/max retries/i);
          }
        } finally {
          await cache.close();
        }
      });
    }
  });
});
