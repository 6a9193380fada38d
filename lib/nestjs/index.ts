/**
 * cacheflight for NestJS: `CacheflightModule.forRoot` / `forRootAsync` make and register the
 * caches of an application, `@InjectCache` injects one, `cacheHealthIndicator` reports one to
 * `@nestjs/terminus`. Loaded only through `cacheflight/nestjs`; needs `@nestjs/common` and
 * `@nestjs/core` (optional peer dependencies of the package).
 *
 * Each application (or `@nestjs/testing` module) gets its own caches: the decorated calls of
 * its instances use them, whatever other application runs in the same process. See
 * "NestJS" in the README.
 *
 * @packageDocumentation
 */
export { CacheflightModule, type CacheflightModuleAsyncOptions, type CacheflightModuleOptions, type CacheDeclaration } from './module.js';
export { CacheflightCaches } from './caches.js';
export { getCacheToken, InjectCache } from './inject-cache.js';
export {
  cacheHealthIndicator,
  CacheHealthCheckError,
  type CacheHealthDetails,
  type CacheHealthIndicator,
  type CacheHealthIndicatorOptions,
  type CacheHealthIndicatorResult,
} from './health.js';
