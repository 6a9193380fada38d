// Two processes sharing one Redis, each answering hot keys from its own memory: a tiered store
// (memory L1 + Redis L2) per "process", in one script. An eviction in one process reaches the
// other's L1 through Redis pub/sub. Run with a local Redis: `REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/tiered.ts`
// (after `npm run build`).
import { Cacheable, CacheEvict, createCache, memoryStore, redisStore, registerCache, tieredStore, type Cache, type TieredStore } from 'cacheflight';

interface Product {
  id: number;
  name: string;
  price: number;
}

const url = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
let databaseCalls = 0;
let price = 10;

class ProductService {
  @Cacheable({ ttl: '5m' })
  async getProduct(id: number): Promise<Product> {
    databaseCalls++;
    await new Promise((resolve) => setTimeout(resolve, 20)); // a slow query
    return { id, name: `Product ${id}`, price };
  }

  @CacheEvict({ method: 'getProduct', args: (id: number, _price: number) => [id] })
  async setPrice(id: number, newPrice: number): Promise<void> {
    databaseCalls++;
    price = newPrice;
  }
}

function processCache(): { cache: Cache; store: TieredStore } {
  const store = tieredStore({ l1: memoryStore({ maxEntries: 10_000 }), l2: redisStore({ url, prefix: 'cacheflight-tiered-example' }), l1Ttl: '1m' });
  const cache = createCache({ store, ttl: '5m' });
  cache.on('backend-error', ({ operation, error }) => console.log(`  (redis ${operation} failed: ${error.message}; the call ran uncached)`));
  return { cache, store };
}

/** Wait until the store's invalidation bus is subscribed (until then every read goes to Redis). */
async function subscribed(store: TieredStore): Promise<void> {
  await store.health(); // the first operation connects and subscribes
  for (let i = 0; i < 100 && store.stats.bus !== 'up'; i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

const processA = processCache();
const processB = processCache();
await Promise.all([subscribed(processA.store), subscribed(processB.store)]);
await processA.cache.clear(); // a clean start for this example
const service = new ProductService();
const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50)); // writes and bus messages land

registerCache(processA.cache);
await service.getProduct(1);
console.log(`process A: getProduct(1) -> loaded (database calls: ${databaseCalls})`);
await pause();

registerCache(processB.cache);
await service.getProduct(1);
console.log(`process B: getProduct(1) -> from Redis, now in its memory (Redis reads: ${processB.store.stats.l2Reads}, database calls: ${databaseCalls})`);
await service.getProduct(1);
console.log(`process B: getProduct(1) again -> from memory (Redis reads: ${processB.store.stats.l2Reads}, database calls: ${databaseCalls})`);

registerCache(processA.cache);
await service.setPrice(1, 12);
console.log('process A: setPrice(1, 12) evicts getProduct(1), and tells the other processes');
await pause();

registerCache(processB.cache);
const fresh = await service.getProduct(1);
console.log(`process B: getProduct(1) -> price ${fresh.price}, loaded again (database calls: ${databaseCalls})`);
console.log('health of process B:', JSON.stringify(await processB.cache.health()));
await Promise.all([processA.cache.close(), processB.cache.close()]);
