import { Cacheable, CacheEvict, createCache, registerCache } from 'cacheflight';

interface Product {
  id: number;
  name: string;
}

// Startup, once: one cache for the whole process (in memory, bounded, by default).
const cache = registerCache(createCache({ ttl: '5m' }));

class ProductService {
  dbCalls = 0;

  @Cacheable({ ttl: '5m' })
  async getProduct(id: number): Promise<Product> {
    this.dbCalls++;
    await new Promise((resolve) => setTimeout(resolve, 20)); // a slow database
    return { id, name: `Product ${id}` };
  }

  @CacheEvict({ method: 'getProduct', args: (p: Product) => [p.id] })
  async renameProduct(p: Product): Promise<void> {
    this.dbCalls++; // the database write of p.name would go here
  }
}

const service = new ProductService();

const first = await service.getProduct(1);
console.log(`getProduct(1) -> ${first.name}  (database calls so far: ${service.dbCalls})`);

await service.getProduct(1);
console.log(`getProduct(1) again -> served from the cache (database calls: ${service.dbCalls})`);

const burst = await Promise.all(Array.from({ length: 100 }, () => service.getProduct(2)));
console.log(`100 concurrent getProduct(2) -> ${burst.length} answers, one database call (database calls: ${service.dbCalls})`);

await service.renameProduct({ id: 1, name: 'Renamed' });
await service.getProduct(1);
console.log(`after renameProduct, getProduct(1) loads again (database calls: ${service.dbCalls})`);

console.log('stats:', cache.stats());
await cache.close();
