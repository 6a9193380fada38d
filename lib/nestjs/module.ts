import type { DynamicModule, FactoryProvider, ForwardReference, InjectionToken, OptionalFactoryDependency, Provider, Type } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import type { Cache, CacheOptions } from '../cache/cache.js';
import { InvalidOptionError } from '../core/errors.js';
import { CacheflightCaches } from './caches.js';
import { getCacheToken, namesRequested } from './inject-cache.js';

/** A cache of the module: options to make one with (the module owns it), or a Cache the application made. */
export type CacheDeclaration = CacheOptions | Cache;

/** Options of {@link CacheflightModule.forRoot}, and what the factory of `forRootAsync` returns. */
export interface CacheflightModuleOptions {
  /** The default cache (`@Cacheable()` without `cache`, `@InjectCache()`). Default: `createCache()`, in memory. */
  readonly cache?: CacheDeclaration;
  /** Named caches, for `@Cacheable({ cache: 'name' })` and `@InjectCache('name')`. */
  readonly caches?: Readonly<Record<string, CacheDeclaration>>;
  /**
   * Also close, at application shutdown, the caches given as `Cache` objects. Default `false`:
   * the module closes only the caches it made from options.
   */
  readonly closeOnShutdown?: boolean;
  /**
   * Also register the caches with `registerCache` when the module initializes, for decorated
   * objects that Nest did not create (the application's instances use the module's caches
   * either way). Default `true`; with several applications in one process, the last one
   * initialized is the registered one.
   */
  readonly registerGlobally?: boolean;
}

/** Options of {@link CacheflightModule.forRootAsync}. */
export interface CacheflightModuleAsyncOptions {
  /** Modules whose providers the factory injects (e.g. a config module). */
  readonly imports?: ReadonlyArray<Type<unknown> | DynamicModule | Promise<DynamicModule> | ForwardReference>;
  /** Providers to pass to the factory, in order. */
  readonly inject?: ReadonlyArray<InjectionToken | OptionalFactoryDependency>;
  /** Makes the options, from the injected providers. */
  readonly useFactory: (...args: never[]) => CacheflightModuleOptions | Promise<CacheflightModuleOptions>;
  /** Make the module global (its caches injectable everywhere). Default `true`. */
  readonly global?: boolean;
}

const OPTIONS = Symbol('cacheflight:module-options');

/**
 * The NestJS module of cacheflight: makes the application's caches (or takes the ones it made),
 * binds the application's instances to them when it is created, registers them when it
 * initializes and closes the caches it made at shutdown (`app.close()`, or a signal with
 * `enableShutdownHooks()`). Global by default.
 *
 * @example
 * @Module({ imports: [CacheflightModule.forRoot({ cache: { ttl: '5m' }, caches: { sessions: { ttl: '1h' } } })] })
 * export class AppModule {}
 */
export class CacheflightModule {
  /**
   * The module with caches made from `options` (or given in them).
   *
   * @param options - the caches; `global` (default `true`) makes them injectable everywhere
   */
  static forRoot(options: CacheflightModuleOptions & { readonly global?: boolean } = {}): DynamicModule {
    if (typeof options !== 'object' || options === null) throw new InvalidOptionError('CacheflightModule.forRoot takes an options object, e.g. { cache: { ttl: "5m" } }.');
    const { global, ...rest } = options;
    checkGlobal(global);
    const names = new Set([...Object.keys(rest.caches ?? {}), ...namesRequested()]);
    return moduleOf({ provide: OPTIONS, useValue: rest }, names, global, []);
  }

  /**
   * The module with caches made from the options that `useFactory` returns, e.g. from a
   * configuration provider.
   *
   * @example
   * CacheflightModule.forRootAsync({
   *   imports: [ConfigModule],
   *   inject: [ConfigService],
   *   useFactory: (config: ConfigService) => ({ cache: { store: redisStore({ url: config.get('REDIS_URL') }) } }),
   * })
   */
  static forRootAsync(options: CacheflightModuleAsyncOptions): DynamicModule {
    if (typeof options !== 'object' || options === null || typeof options.useFactory !== 'function') {
      throw new InvalidOptionError('CacheflightModule.forRootAsync needs { useFactory }, with the providers it takes in inject.');
    }
    checkGlobal(options.global);
    const factory: FactoryProvider = { provide: OPTIONS, useFactory: options.useFactory as (...args: unknown[]) => unknown, inject: [...(options.inject ?? [])] };
    return moduleOf(factory, new Set(namesRequested()), options.global, [...(options.imports ?? [])]);
  }
}

function checkGlobal(global: unknown): void {
  if (global !== undefined && typeof global !== 'boolean') throw new InvalidOptionError("CacheflightModule option 'global' must be true or false.");
}

function moduleOf(options: Provider, names: ReadonlySet<string>, global: boolean | undefined, imports: NonNullable<DynamicModule['imports']>): DynamicModule {
  const caches: FactoryProvider = {
    provide: CacheflightCaches,
    useFactory: (resolved: CacheflightModuleOptions | undefined, container: ModulesContainer) => new CacheflightCaches(resolved, container),
    inject: [OPTIONS, ModulesContainer],
  };
  const tokens: FactoryProvider[] = [
    { provide: getCacheToken(), useFactory: (all: CacheflightCaches) => all.get(), inject: [CacheflightCaches] },
    ...[...names].map(
      (name): FactoryProvider => ({
        provide: getCacheToken(name),
        useFactory: (all: CacheflightCaches, container: ModulesContainer) => all.checkRequests(name, container),
        inject: [CacheflightCaches, ModulesContainer],
      }),
    ),
  ];
  return {
    module: CacheflightModule,
    global: global !== false,
    imports,
    providers: [options, caches, ...tokens],
    exports: [CacheflightCaches, ...tokens.map((token) => token.provide)],
  };
}
