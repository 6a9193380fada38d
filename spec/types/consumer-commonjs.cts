// A CommonJS consumer: `require` resolves the package's CommonJS build and its declarations.
import cacheflight = require('cacheflight');

const cache: cacheflight.Cache = cacheflight.createCache({ ttl: '1m' });
cacheflight.registerCache(cache);
export const health: Promise<cacheflight.CacheHealth> = cache.health();
