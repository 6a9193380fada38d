// Two processes sharing one Redis, in one script: each "process" has its own cache object on the
// same Redis prefix. Run with a local Redis: `npm run example:redis`
// (REDIS_URL defaults to redis://127.0.0.1:6379).
import { Cacheable, CacheEvict, createCache, redisStore, registerCache, type Cache } from 'cacheflight';

interface Order {
  id: number;
  total: number;
  placedAt: Date;
}

const url = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
let databaseCalls = 0;

class OrderService {
  @Cacheable({ ttl: '1m', tags: (id: number) => [`order:${id}`] })
  async getOrder(id: number): Promise<Order> {
    databaseCalls++;
    await new Promise((resolve) => setTimeout(resolve, 20)); // a slow query
    return { id, total: 42.5, placedAt: new Date('2026-01-02T03:04:05Z') };
  }

  @CacheEvict({ method: 'getOrder' })
  async cancelOrder(id: number): Promise<void> {
    databaseCalls++;
  }
}

function processCache(): Cache {
  const cache = createCache({ store: redisStore({ url, prefix: 'cacheflight-example' }) });
  cache.on('backend-error', ({ operation, error }) => console.log(`  (redis ${operation} failed: ${error.message}; the call ran uncached)`));
  return cache;
}

const processA = processCache();
const processB = processCache();
const service = new OrderService();
console.log(`store: ${processA.store.name}, health: ${JSON.stringify(await processA.health())}`);

registerCache(processA);
const order = await service.getOrder(7);
console.log(`process A: getOrder(7) -> total ${order.total}, placed ${order.placedAt.toISOString()} (database calls: ${databaseCalls})`);
await new Promise((resolve) => setTimeout(resolve, 20)); // the write lands in the background

registerCache(processB);
const shared = await service.getOrder(7);
console.log(`process B: getOrder(7) -> from Redis, placedAt is a ${shared.placedAt.constructor.name} (database calls: ${databaseCalls})`);

await service.cancelOrder(7);
await service.getOrder(7);
console.log(`process B: after cancelOrder(7), getOrder(7) loads again (database calls: ${databaseCalls})`);

await processA.clear();
console.log('stats of process B:', processB.stats());
await Promise.all([processA.close(), processB.close()]);
