import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { ModulesContainer } from '@nestjs/core';
import { STATIC_CONTEXT } from '@nestjs/core/injector/constants.js';
import { createCache, type Cache } from '../cache/cache.js';
import { isRegistered, registerCache, scopeTable, unregisterCache, type CacheScope } from '../cache/registry.js';
import { CACHE_BRAND, hasBrand } from '../core/brands.js';
import { InvalidOptionError, NoCacheRegisteredError } from '../core/errors.js';
import { cacheHealthIndicator, type CacheHealthIndicator, type CacheHealthIndicatorOptions } from './health.js';
import { namesRequestedBy } from './inject-cache.js';
import type { CacheDeclaration, CacheflightModuleOptions } from './module.js';

const OPTION_NAMES: ReadonlySet<string> = new Set(['cache', 'caches', 'closeOnShutdown', 'registerGlobally']);

/** Something in a Nest container that holds instances (a provider, controller, enhancer...). */
interface Wrapper {
  readonly metatype: unknown;
  readonly isTransient: boolean;
  isDependencyTreeStatic(): boolean;
  getInstanceByContextId(contextId: typeof STATIC_CONTEXT): { readonly instance: unknown; readonly isResolved?: boolean } | undefined;
}

/** What the module reads of a Nest module: its instance wrappers. */
interface ModuleRef {
  readonly providers: ReadonlyMap<unknown, Wrapper>;
  readonly controllers: ReadonlyMap<unknown, Wrapper>;
  readonly injectables: ReadonlyMap<unknown, Wrapper>;
  readonly middlewares: ReadonlyMap<unknown, Wrapper>;
}

function* wrappersOf(container: ModulesContainer): Generator<Wrapper> {
  for (const moduleRef of container.values() as Iterable<unknown> as Iterable<ModuleRef>) {
    for (const wrappers of [moduleRef.providers, moduleRef.controllers, moduleRef.injectables, moduleRef.middlewares]) yield* wrappers.values();
  }
}

function isCache(value: unknown): value is Cache {
  return hasBrand(value, CACHE_BRAND);
}

/**
 * The caches of one application, provided (and exported) by `CacheflightModule`: inject it to
 * reach a cache by name or to build a health indicator. It owns the caches made from options
 * (closed at application shutdown) and binds the application's instances to its caches, so that
 * their decorated methods use them.
 */
export class CacheflightCaches implements OnModuleInit, OnApplicationShutdown {
  private readonly scope: CacheScope;
  private readonly owned: Cache[] = [];
  private readonly given: Cache[] = [];
  /** Weak: an application whose creation failed is never closed, and must not be kept alive by the binder. */
  private readonly container: WeakRef<ModulesContainer>;
  private readonly bind: () => void;
  private readonly registerGlobally: boolean;
  private readonly closeGiven: boolean;
  private registered = false;
  private closed = false;

  /**
   * Made by `CacheflightModule`; inject it rather than making one.
   *
   * @param options - the module's options
   * @param container - the application's modules, whose instances it binds
   */
  constructor(options: CacheflightModuleOptions | undefined, container: ModulesContainer) {
    const checked = checkOptions(options);
    this.registerGlobally = checked.registerGlobally !== false;
    this.closeGiven = checked.closeOnShutdown === true;
    const named = new Map<string, Cache>();
    for (const [name, declaration] of Object.entries(checked.caches ?? {})) named.set(name, this.adopt(declaration, `caches.${name}`));
    this.scope = { default: this.adopt(checked.cache ?? {}, 'cache'), named };
    const table = scopeTable();
    this.container = new WeakRef(container);
    const bind = (): void => {
      const modules = this.container.deref();
      if (modules === undefined) {
        table.binders.delete(bind); // the application was never created, and is gone
        return;
      }
      let complete = true;
      for (const wrapper of wrappersOf(modules)) {
        if (wrapper.isTransient || !wrapper.isDependencyTreeStatic()) continue; // request-scoped / transient: see the README
        const host = wrapper.getInstanceByContextId(STATIC_CONTEXT);
        if (host === undefined || host.isResolved !== true) {
          complete = false;
          continue;
        }
        const instance = host.instance;
        if (typeof instance === 'object' && instance !== null) table.byInstance.set(instance, this.scope);
      }
      if (complete) table.binders.delete(bind);
    };
    this.bind = bind;
    table.binders.add(bind);
  }

  /** The default cache, or the one declared under `name`. */
  get(name?: string): Cache {
    const cache = name === undefined ? this.scope.default : this.scope.named.get(name);
    if (cache !== undefined) return cache;
    throw new NoCacheRegisteredError(`CacheflightModule declares no cache named '${String(name)}' (it declares ${this.describeNames()}).`);
  }

  /** Whether the module declares a cache under `name` (the default cache always exists). */
  has(name?: string): boolean {
    return name === undefined || this.scope.named.has(name);
  }

  /** The names of the named caches. */
  get names(): readonly string[] {
    return [...this.scope.named.keys()];
  }

  /**
   * A `@nestjs/terminus` health indicator of the default cache or the named one.
   *
   * @see cacheHealthIndicator
   */
  healthIndicator<Key extends string = 'cache'>(name?: string, options?: CacheHealthIndicatorOptions<Key>): CacheHealthIndicator<Key> {
    return cacheHealthIndicator(this.get(name), options);
  }

  /**
   * Binds the application's instances to its caches and, unless `registerGlobally: false`,
   * registers the caches with `registerCache` (for objects Nest did not create). Nest's
   * lifecycle hook; not for the application to call.
   */
  onModuleInit(): void {
    this.bind();
    if (!this.registerGlobally || this.closed) return;
    registerCache(this.scope.default as Cache);
    for (const [name, cache] of this.scope.named) registerCache(cache, name);
    this.registered = true;
  }

  /**
   * Unbinds the instances, unregisters the caches it registered (those still registered) and
   * closes the caches it made (and the given ones with `closeOnShutdown: true`). Nest's
   * lifecycle hook (`app.close()`, or a signal with `enableShutdownHooks()`); idempotent.
   */
  async onApplicationShutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const table = scopeTable();
    table.binders.delete(this.bind);
    const modules = this.container.deref();
    for (const wrapper of modules === undefined ? [] : wrappersOf(modules)) {
      const instance = wrapper.getInstanceByContextId(STATIC_CONTEXT)?.instance;
      if (typeof instance === 'object' && instance !== null && table.byInstance.get(instance) === this.scope) table.byInstance.delete(instance);
    }
    if (this.registered) {
      if (isRegistered(this.scope.default as Cache)) unregisterCache();
      for (const [name, cache] of this.scope.named) if (isRegistered(cache, name)) unregisterCache(name);
    }
    const closing = this.closeGiven ? [...this.owned, ...this.given] : this.owned;
    await Promise.all(closing.map((cache) => cache.close()));
  }

  /**
   * Fails when a class of the application asks for a cache name the module does not declare.
   *
   * @internal
   */
  checkRequests(name: string, container: ModulesContainer): Cache | null {
    if (this.scope.named.has(name)) return this.get(name);
    const askers = new Set<string>();
    for (const wrapper of wrappersOf(container)) {
      if (namesRequestedBy(wrapper.metatype).includes(name)) askers.add((wrapper.metatype as Function).name || 'an anonymous class');
    }
    if (askers.size === 0) return null; // asked for by a class of another application
    // The application will not be created: forget it, and close what was made for it.
    void this.onApplicationShutdown();
    throw new NoCacheRegisteredError(
      `@InjectCache('${name}') in ${[...askers].join(', ')}: CacheflightModule declares no cache named '${name}' (it declares ${this.describeNames()}). Declare it in forRoot({ caches: { ${name}: { ... } } }).`,
    );
  }

  private adopt(declaration: CacheDeclaration, option: string): Cache {
    if (isCache(declaration)) {
      this.given.push(declaration);
      return declaration;
    }
    if (typeof declaration !== 'object' || declaration === null) {
      throw new InvalidOptionError(`CacheflightModule option '${option}' must be a Cache (createCache(...)) or createCache options, not ${String(declaration)}.`);
    }
    const cache = createCache(declaration);
    this.owned.push(cache);
    return cache;
  }

  private describeNames(): string {
    const names = this.names;
    return names.length === 0 ? 'only the default cache' : `the default cache and ${names.map((n) => `'${n}'`).join(', ')}`;
  }
}

function checkOptions(options: CacheflightModuleOptions | undefined): CacheflightModuleOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('CacheflightModule options must be an object, e.g. { cache: { ttl: "5m" } }.');
  for (const name of Object.keys(options)) {
    if (!OPTION_NAMES.has(name)) throw new InvalidOptionError(`Unknown CacheflightModule option '${name}' (known: ${[...OPTION_NAMES].join(', ')}).`);
  }
  const { caches, closeOnShutdown, registerGlobally } = options;
  if (caches !== undefined && (typeof caches !== 'object' || caches === null || isCache(caches))) {
    throw new InvalidOptionError("CacheflightModule option 'caches' must be an object of named caches, e.g. { sessions: { ttl: '1h' } }.");
  }
  for (const name of Object.keys(caches ?? {})) if (name.length === 0) throw new InvalidOptionError('CacheflightModule cache names must be non-empty strings.');
  if (closeOnShutdown !== undefined && typeof closeOnShutdown !== 'boolean') throw new InvalidOptionError("CacheflightModule option 'closeOnShutdown' must be true or false.");
  if (registerGlobally !== undefined && typeof registerGlobally !== 'boolean') throw new InvalidOptionError("CacheflightModule option 'registerGlobally' must be true or false.");
  return options;
}
