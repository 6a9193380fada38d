/**
 * A NestJS consumer of `cacheflight/nestjs`: type-checked against dist/*.d.ts by
 * `npm run test:types` with TypeScript 5.0 and the current TypeScript, in both decorator modes
 * (decorators themselves are used in consumer-nestjs-legacy.ts only: Nest's are legacy ones).
 * Every `@ts-expect-error` is a misuse the types must reject.
 */
import type { DynamicModule } from '@nestjs/common';
import { createCache, memoryStore, type Cache } from 'cacheflight';
import {
  CacheflightCaches,
  CacheflightModule,
  CacheHealthCheckError,
  cacheHealthIndicator,
  getCacheToken,
  InjectCache,
  type CacheflightModuleAsyncOptions,
  type CacheflightModuleOptions,
  type CacheHealthDetails,
  type CacheHealthIndicatorResult,
} from 'cacheflight/nestjs';

const options: CacheflightModuleOptions = {
  cache: { store: memoryStore({ maxEntries: 100 }), ttl: '5m' },
  caches: { sessions: { ttl: '1h' }, given: createCache() },
  closeOnShutdown: false,
  registerGlobally: true,
};
const root: DynamicModule = CacheflightModule.forRoot({ ...options, global: false });
const empty: DynamicModule = CacheflightModule.forRoot();

class Config {
  readonly ttl = '30s';
}
const asyncOptions: CacheflightModuleAsyncOptions = {
  inject: [Config],
  useFactory: (config: Config) => ({ cache: { ttl: config.ttl } }),
};
const fromConfig: DynamicModule = CacheflightModule.forRootAsync(asyncOptions);
const fromPromise: DynamicModule = CacheflightModule.forRootAsync({ useFactory: async () => ({}) });
void [root, empty, fromConfig, fromPromise];

// @ts-expect-error: 'ttl' belongs to a cache, not to the module
CacheflightModule.forRoot({ ttl: '5m' });
// @ts-expect-error: a named cache is options or a Cache
CacheflightModule.forRoot({ caches: { sessions: 'redis' } });
// @ts-expect-error: forRootAsync needs useFactory
CacheflightModule.forRootAsync({ inject: [Config] });
// @ts-expect-error: the factory returns module options
CacheflightModule.forRootAsync({ useFactory: () => 42 });

const token: string = getCacheToken('sessions');
const decorator: ParameterDecorator & PropertyDecorator = InjectCache('sessions');
void [token, decorator];

declare const caches: CacheflightCaches;
const cache: Cache = caches.get('sessions');
const names: readonly string[] = caches.names;
void [cache, names, caches.has('x')];

async function ready(): Promise<void> {
  const check = cacheHealthIndicator(cache, { key: 'redis' });
  const result: CacheHealthIndicatorResult<'redis'> = await check();
  const details: CacheHealthDetails = result.redis;
  const status: 'up' | 'down' = details.status;
  // @ts-expect-error: the result is under its key only
  void result.cache;
  const named = await caches.healthIndicator('sessions')();
  void [status, named.cache.status];
  try {
    await cacheHealthIndicator(cache, { throwOnDown: true })();
  } catch (error) {
    if (error instanceof CacheHealthCheckError) {
      const flag: true = error.isHealthCheckError;
      void [flag, error.causes];
    }
  }
}
void ready;
