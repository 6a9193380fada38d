/**
 * The package's two builds in one process, as an application that loads both gets them (its own
 * `import` and a dependency's `require`): the real outputs of `npm run build` (dist/esm and
 * dist/cjs; npm test builds first). A Cache or store made by one build is accepted by the other,
 * and an error thrown by one is an instance of the other's classes.
 */
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { until } from './helpers/deferred.js';
import { redisSuite } from './helpers/redis-server.js';
import { uniqueNamespace } from './helpers/unique.js';

type Build = typeof import('../lib/index.js');

/** What the build throws when `run` is called. */
function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('the ESM and CommonJS builds in one process', function () {
  this.timeout(20_000);
  const redis = redisSuite('the ESM and CommonJS builds in one process');
  const builds: Record<'ESM' | 'CommonJS', Build> = {} as never;

  before(async () => {
    if (!existsSync('dist/cjs/index.js') || !existsSync('dist/esm/index.js')) throw new Error('dist/ is missing: run `npm run build` first (npm test does).');
    builds.CommonJS = createRequire(import.meta.url)(resolve('dist/cjs/index.js')) as Build;
    builds.ESM = (await import(pathToFileURL(resolve('dist/esm/index.js')).href)) as Build;
    expect(builds.ESM.Cache).to.not.equal(builds.CommonJS.Cache); // really two builds, two sets of classes
  });
  afterEach(() => builds.ESM.unregisterCache());

  for (const [maker, taker] of [
    ['CommonJS', 'ESM'],
    ['ESM', 'CommonJS'],
  ] as const) {
    describe(`made by the ${maker} build, used by the ${taker} build`, () => {
      it('registerCache accepts the Cache, and decorated methods of the other build cache through it', async () => {
        const made = builds[maker];
        const used = builds[taker];
        const cache = made.createCache();
        expect(used.registerCache(cache)).to.equal(cache);
        expect(used.getCache()).to.equal(cache);
        let loads = 0;
        class Service {
          @used.Cacheable({ namespace: uniqueNamespace() })
          async read(id: number): Promise<string> {
            loads++;
            return `value ${id}`;
          }
        }
        const svc = new Service();
        expect(await svc.read(1)).to.equal('value 1');
        expect(await svc.read(1)).to.equal('value 1');
        expect(loads).to.equal(1);
        expect(cache.stats()).to.include({ hits: 1, misses: 1 });
        // Something that merely looks like a cache is still refused.
        expect(() => used.registerCache({ load() {}, get() {} } as never)).to.throw(used.InvalidOptionError, /createCache/);
        await cache.close();
      });

      it('tieredStore accepts the memory and Redis stores, and the tiers work', async () => {
        const made = builds[maker];
        const used = builds[taker];
        const l1 = made.memoryStore();
        const l2 = made.redisStore({ url: redis.url, prefix: `${redis.prefix}-${uniqueNamespace('dual')}` });
        const store = used.tieredStore({ l1, l2 });
        const cache = used.createCache({ store });
        void store.health(); // starts the bus
        await until(() => store.stats.bus === 'up');
        await cache.set('ns:k', { n: 1 });
        expect(await cache.get('ns:k')).to.deep.equal({ n: 1 });
        expect(l1.get('ns', 'k')).to.not.equal(undefined); // kept in L1
        expect((await l2.get('ns', 'k'))?.value).to.deep.equal({ n: 1 }); // and written to L2
        // A tier is claimed once, whichever build claimed it.
        expect(() => made.tieredStore({ l1, l2: made.redisStore({ url: redis.url }) })).to.throw(made.InvalidOptionError, /already a tier/);
        // The wrong kind of store in a tier is still refused, saying what it is.
        expect(() => used.tieredStore({ l1: made.memoryStore(), l2: made.memoryStore() as never })).to.throw(used.InvalidOptionError, /"l2" is a memory store/);
        await cache.close();
      });

      it("an error of one build is an instance of the other build's class with its code, and of no other", () => {
        const made = builds[maker];
        const used = builds[taker];
        const ttl = thrownBy(() => made.createCache({ ttl: -1 }));
        expect(ttl).to.be.instanceOf(made.InvalidTtlError);
        expect(ttl instanceof used.InvalidTtlError).to.equal(true);
        expect(ttl instanceof used.CacheflightError).to.equal(true);
        expect(ttl instanceof used.InvalidOptionError).to.equal(false);
        expect(ttl instanceof Error).to.equal(true);
        const key = thrownBy(() => made.encodeArgs([() => 1], 'Svc.read'));
        expect(key instanceof used.CacheKeyError).to.equal(true);
        expect(key instanceof used.DecoratorTargetError).to.equal(false);
        const classes = ['InvalidOptionError', 'InvalidTtlError', 'CacheKeyError', 'NamespaceConflictError', 'DecoratorTargetError', 'NoCacheRegisteredError', 'UnknownMethodError', 'CacheClosedError', 'BackendError', 'TimeoutError', 'DecodeError', 'MissingDependencyError'] as const;
        for (const name of classes) {
          const error = new (made[name] as new (message: string) => Error)('x');
          for (const other of classes) expect(error instanceof used[other], `${maker} ${name} instanceof ${taker} ${other}`).to.equal(name === other);
          expect(error instanceof used.CacheflightError).to.equal(true);
        }
        // Without the package's brand, a code alone does not make an instance.
        expect(Object.assign(new Error('x'), { code: 'E_CACHE_KEY' }) instanceof used.CacheKeyError).to.equal(false);
        expect({ code: 'E_CACHE_KEY' } instanceof used.CacheflightError).to.equal(false);
        // Subclasses of the package's errors keep working with ordinary instanceof.
        class AppError extends made.BackendError {}
        expect(new AppError('x') instanceof AppError).to.equal(true);
        expect(new AppError('x') instanceof used.BackendError).to.equal(true);
        expect(new made.BackendError('x') instanceof AppError).to.equal(false);
      });
    });
  }
});
