/**
 * Marks on the package's own objects that hold across its ESM and CommonJS builds. An application
 * (or two of its dependencies) may load both builds; each has its own classes, so `instanceof`
 * refuses a Cache or store made by the other one. A registered symbol (`Symbol.for`) is the same
 * in both, so a brand under one recognises them.
 */

/** Brand of a {@link Cache}. */
export const CACHE_BRAND: unique symbol = Symbol.for('cacheflight.cache') as never;
/** Brand of a `MemoryStore`. */
export const MEMORY_STORE_BRAND: unique symbol = Symbol.for('cacheflight.memory-store') as never;
/** Brand of a `RedisStore`. */
export const REDIS_STORE_BRAND: unique symbol = Symbol.for('cacheflight.redis-store') as never;
/** Brand of a `CacheflightError`. */
export const ERROR_BRAND: unique symbol = Symbol.for('cacheflight.error') as never;

/**
 * The version of the internal contract between the package's objects (a Cache calling its
 * store's and its decorators' internal members). Two builds recognise each other's objects only
 * when they agree on it; raise it when that contract changes.
 */
const BRAND_VERSION = 1;

/** Put `brand` on a class's prototype (not enumerable, not writable). */
export function brandPrototype(prototype: object, brand: symbol): void {
  Object.defineProperty(prototype, brand, { value: BRAND_VERSION });
}

/**
 * `true` when `value` carries `brand` (from either build of this version of the package).
 *
 * @typeParam T - the package's type that `brand` marks
 */
export function hasBrand<T extends object = object>(value: unknown, brand: symbol): value is T {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === BRAND_VERSION;
}
