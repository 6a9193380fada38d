/**
 * A consumer compiled with `"types": []` and `skipLibCheck: false`: it names no Node type itself,
 * so the package's declarations that use `Buffer` or `node:tls` must bring Node's types along.
 */
import { createCache, redisStore, registerCache, type RedisStoreOptions, type Serializer } from 'cacheflight';

const options: RedisStoreOptions = { url: 'rediss://cache.internal:6380/0', prefix: 'orders', tls: { rejectUnauthorized: true } };
const serializer: Serializer = { encode: (value) => JSON.stringify(value), decode: (payload) => JSON.parse(payload.toString('utf8')) as unknown };
registerCache(createCache({ store: redisStore({ ...options, serializer }), ttl: '5m' }));
