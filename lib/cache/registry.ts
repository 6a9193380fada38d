import { CACHE_BRAND, hasBrand } from '../core/brands.js';
import type { Cache } from './cache.js';
import { InvalidOptionError, NoCacheRegisteredError } from '../core/errors.js';

/**
 * The caches decorators use. Kept on `globalThis` under a registered symbol so that the ESM and
 * the CommonJS builds of cacheflight, if an application loads both, still share one registry.
 */
interface Registry {
  default: Cache | undefined;
  readonly named: Map<string, Cache>;
  /** Set by the first {@link scopeTable} call (the NestJS module); absent, decorators skip scopes. */
  scopes?: ScopeTable;
}

/**
 * The caches of one application (a NestJS application or testing module), which the
 * decorators use for the calls of that application's instances instead of the registered ones.
 *
 * @internal
 */
export interface CacheScope {
  readonly default: Cache | undefined;
  readonly named: ReadonlyMap<string, Cache>;
}

/**
 * Which instance belongs to which scope. `binders` map the instances of applications that
 * may still gain some (a binder removes itself once every instance of its application exists);
 * a decorated call whose instance is in no scope runs them first.
 *
 * @internal
 */
export interface ScopeTable {
  readonly byInstance: WeakMap<object, CacheScope>;
  readonly binders: Set<() => void>;
}

const REGISTRY_KEY = Symbol.for('cacheflight.registry');
const holder = globalThis as typeof globalThis & { [REGISTRY_KEY]?: Registry };
const registry: Registry = (holder[REGISTRY_KEY] ??= { default: undefined, named: new Map() });

/**
 * Register the cache decorated methods use: the default one, or a named one that a decorator
 * selects with `cache: 'name'`. Registering again under the same name replaces the earlier cache
 * (it is not closed). Call it once at startup, before decorated methods run.
 *
 * @returns the cache, for chaining
 */
export function registerCache(cache: Cache, name?: string): Cache {
  // A brand rather than instanceof: a Cache of the package's other build (ESM / CommonJS) is welcome too.
  if (!hasBrand(cache, CACHE_BRAND)) throw new InvalidOptionError('registerCache needs a Cache made by createCache(...).');
  if (name === undefined) registry.default = cache;
  else if (typeof name === 'string' && name.length > 0) registry.named.set(name, cache);
  else throw new InvalidOptionError('registerCache name must be a non-empty string, or omitted for the default cache.');
  return cache;
}

/**
 * Remove a registered cache (the default one when `name` is omitted). Does not close it.
 *
 * @returns `true` when a cache was registered under that name
 */
export function unregisterCache(name?: string): boolean {
  if (name === undefined) {
    const had = registry.default !== undefined;
    registry.default = undefined;
    return had;
  }
  return registry.named.delete(name);
}

/**
 * The registered cache (the default one when `name` is omitted).
 *
 * @throws NoCacheRegisteredError when none is registered under that name
 */
export function getCache(name?: string): Cache {
  const cache = name === undefined ? registry.default : registry.named.get(name);
  if (cache !== undefined) return cache;
  throw new NoCacheRegisteredError(
    name === undefined
      ? 'No cache is registered. Call registerCache(createCache({ ... })) at startup, before any decorated method runs.'
      : `No cache is registered under the name '${name}'. Call registerCache(createCache({ ... }), '${name}') at startup.`,
  );
}

/**
 * The cache a decorated call of `self` uses: its scope's cache of that name when `self` belongs
 * to a scope that has one, the registered one otherwise. Costs one property read while no scope
 * was ever made, one WeakMap lookup afterwards.
 *
 * @throws NoCacheRegisteredError when neither has a cache of that name
 * @internal
 */
export function cacheFor(self: unknown, name: string | undefined): Cache {
  const scopes = registry.scopes;
  if (scopes !== undefined && typeof self === 'object' && self !== null) {
    const scope = scopes.byInstance.get(self) ?? (scopes.binders.size > 0 ? bindAndFind(scopes, self) : undefined);
    if (scope !== undefined) {
      const cache = name === undefined ? scope.default : scope.named.get(name);
      if (cache !== undefined) return cache;
    }
  }
  return name === undefined ? (registry.default ?? getCache()) : getCache(name);
}

function bindAndFind(scopes: ScopeTable, self: object): CacheScope | undefined {
  for (const bind of [...scopes.binders]) bind();
  return scopes.byInstance.get(self);
}

/**
 * The instance-to-scope table, made on first use (from then on the decorators consult it).
 *
 * @internal
 */
export function scopeTable(): ScopeTable {
  return (registry.scopes ??= { byInstance: new WeakMap(), binders: new Set() });
}

/**
 * Whether `cache` is the one registered under `name` (the default one when omitted).
 *
 * @internal
 */
export function isRegistered(cache: Cache, name?: string): boolean {
  return (name === undefined ? registry.default : registry.named.get(name)) === cache;
}
