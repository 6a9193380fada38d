// A CommonJS consumer: `require` resolves the package's CommonJS build and its declarations.
import cacheflight = require('cacheflight');

const cache: cacheflight.Cache = cacheflight.createCache({ ttl: '1m' });
cacheflight.registerCache(cache);
export const health: Promise<cacheflight.CacheHealth> = cache.health();

// The NestJS subpath through the CommonJS build's declarations too.
import nestjs = require('cacheflight/nestjs');

export const module: ReturnType<typeof nestjs.CacheflightModule.forRoot> = nestjs.CacheflightModule.forRoot({ cache });
export const ready: nestjs.CacheHealthIndicator<'cache'> = nestjs.cacheHealthIndicator(cache);
