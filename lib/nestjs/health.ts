import type { Cache } from '../cache/cache.js';

/** What a cache's health indicator reports under its key: terminus's `{ status, ...details }`. */
export interface CacheHealthDetails {
  /** `up` when the store answered its probe and the cache is open. */
  readonly status: 'up' | 'down';
  /** The cache's name. */
  readonly cache: string;
  /** The store's name. */
  readonly store: string;
  /** Round-trip time of the probe, when it answered. */
  readonly latencyMs?: number;
  /** Why it is down. */
  readonly message?: string;
  /** Loads in flight. */
  readonly inFlight: number;
}

/** A `HealthIndicatorResult` of `@nestjs/terminus`: one entry, under the indicator's key. */
export type CacheHealthIndicatorResult<Key extends string = string> = { readonly [K in Key]: CacheHealthDetails };

/** A health indicator function as `HealthCheckService.check([...])` takes them. */
export type CacheHealthIndicator<Key extends string = string> = () => Promise<CacheHealthIndicatorResult<Key>>;

/** Options of {@link cacheHealthIndicator}. */
export interface CacheHealthIndicatorOptions<Key extends string = string> {
  /** The key of the result. Default: `'cache'`. */
  readonly key?: Key;
  /**
   * `false` (default, terminus 11's `HealthIndicatorService` convention): a down cache resolves
   * to a result whose status is `down`. `true` (terminus 10 and older): it rejects with a
   * {@link CacheHealthCheckError}, as terminus's deprecated `HealthCheckError` did.
   */
  readonly throwOnDown?: boolean;
}

/**
 * Rejection of a down cache's indicator with `throwOnDown: true`. Has what terminus looks for in
 * a `HealthCheckError` (`isHealthCheckError` and `causes`), without depending on terminus.
 */
export class CacheHealthCheckError<Key extends string = string> extends Error {
  /** What terminus looks for to tell a health check error from a crash. */
  readonly isHealthCheckError = true;
  /** The indicator's result, status `down`. */
  readonly causes: CacheHealthIndicatorResult<Key>;

  /**
   * @param message - what is down
   * @param causes - the indicator's result
   */
  constructor(message: string, causes: CacheHealthIndicatorResult<Key>) {
    super(message);
    this.name = 'CacheHealthCheckError';
    this.causes = causes;
  }
}

/**
 * A readiness check of `cache` for `@nestjs/terminus`: maps `cache.health()` to
 * `{ [key]: { status: 'up' | 'down', cache, store, latencyMs?, message?, inFlight } }`.
 *
 * @example
 * @Get('ready') @HealthCheck()
 * ready() { return this.health.check([cacheHealthIndicator(this.cache, { key: 'cache' })]); }
 */
export function cacheHealthIndicator<Key extends string = 'cache'>(cache: Cache, options: CacheHealthIndicatorOptions<Key> = {}): CacheHealthIndicator<Key> {
  const key = (options.key ?? 'cache') as Key;
  const throwOnDown = options.throwOnDown === true;
  return async () => {
    const health = await cache.health();
    const details: CacheHealthDetails = {
      status: health.ok ? 'up' : 'down',
      cache: health.cache,
      store: health.store.store,
      ...(health.store.latencyMs === undefined ? {} : { latencyMs: health.store.latencyMs }),
      ...(health.ok ? {} : { message: health.store.error ?? (health.store.ok ? `cache '${health.cache}' is closed` : 'the store did not answer') }),
      inFlight: health.inFlight,
    };
    const result = { [key]: details } as CacheHealthIndicatorResult<Key>;
    if (!health.ok && throwOnDown) throw new CacheHealthCheckError(`Cache '${health.cache}' is down: ${details.message ?? ''}`, result);
    return result;
  };
}
