/**
 * Profiling target for scenario D's cacheflight row: the Redis hit path at concurrency 64 over 64
 * warm keys, on a redis-server of its own (free loopback port, stopped at the end).
 *
 *   node --cpu-prof --cpu-prof-dir=prof --import <bench tsx> bench/profile/redis-hit.ts [calls]
 */
import { Cacheable, createCache, redisStore, registerCache } from '../../lib/index.js';
import { startRedisServer } from '../../spec/helpers/redis-server.js';
import { A_FILTER, A_QUERY, makeLoader, type Loader, type Product } from '../harness/workload.js';

const calls = Number(process.argv[2] ?? 300_000);
const CONCURRENCY = 64;
const KEYS = 64;

const server = await startRedisServer();
const cache = registerCache(createCache({ store: redisStore({ url: server.url, prefix: 'profile' }), ttl: '5m' }));

class ProfiledRedisProductService {
  constructor(readonly loader: Loader) {}

  @Cacheable()
  getProduct(id: number, query: string, filter: unknown): Promise<Product> {
    return this.loader.fn(id, query, filter);
  }
}

const loader = makeLoader();
const service = new ProfiledRedisProductService(loader);
for (let k = 0; k < KEYS; k++) await service.getProduct(k, A_QUERY, A_FILTER);
const start = process.hrtime.bigint();
await Promise.all(
  Array.from({ length: CONCURRENCY }, async (_, w) => {
    for (let i = 0; i < calls / CONCURRENCY; i++) await service.getProduct((w + i) % KEYS, A_QUERY, A_FILTER);
  }),
);
const ns = Number(process.hrtime.bigint() - start);
console.log(`redis hit, c=${CONCURRENCY}, ${KEYS} keys: ${Math.round((calls * 1e9) / ns).toLocaleString('en-US')} ops/s; loader runs: ${loader.runs}`);
await cache.close();
await server.stop();
