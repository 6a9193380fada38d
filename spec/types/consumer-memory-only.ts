/**
 * A consumer that uses only the in-memory store and has no ioredis installed (the Redis store's
 * peer dependency is optional): the published declarations must type-check without it.
 */
import { Cacheable, createCache, memoryStore, registerCache, type Cache, type Store } from 'cacheflight';

const cache: Cache = registerCache(createCache({ store: memoryStore({ maxEntries: 100 }), ttl: '5m' }));

class ProductService {
  @Cacheable({ ttl: '1m' })
  async getProduct(id: number): Promise<{ id: number }> {
    return { id };
  }
}

const store: Store = cache.store;
void new ProductService().getProduct(1);
void store;
