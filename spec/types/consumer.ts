/**
 * A consumer of the published package: type-checked against dist/*.d.ts by `npm run test:types`
 * with TypeScript 5.0 and the current TypeScript, each in both decorator modes. Every
 * `@ts-expect-error` is a misuse the types must reject (an unused one fails the check).
 */
import {
  Cacheable,
  CacheEvict,
  CachePut,
  createCache,
  memoryStore,
  redisStore,
  registerCache,
  tieredStore,
  type Cache,
  type CacheStats,
  type CacheflightErrorCode,
  cacheKey,
  type CacheKeyed,
  memoize,
  type MemoizedFunction,
  type LoadCoordinator,
  type MemoryStorePolicy,
} from 'cacheflight';
import { Cluster, Redis } from 'ioredis';

interface Product {
  id: number;
  sku: string;
}

interface User {
  id: number;
  isAdmin: boolean;
}

const cache: Cache = registerCache(createCache({ store: memoryStore({ maxEntries: 100 }), ttl: '5m' }));
const stats: CacheStats = cache.stats();
const policy: MemoryStorePolicy = 'lru';
const lruStore = memoryStore({ maxEntries: 100, policy });
const defaultPolicy: MemoryStorePolicy = lruStore.policy;
void defaultPolicy;
// @ts-expect-error the policy is 'tinylfu' or 'lru'
memoryStore({ policy: 'lfu' });
const code: CacheflightErrorCode = 'E_CACHE_KEY';
void stats;
void code;

export class ProductService {
  @Cacheable({ ttl: '5m' })
  async getProduct(id: number): Promise<Product> {
    return { id, sku: String(id) };
  }

  @Cacheable({ ttl: (p: Product | null) => (p ? '5m' : '10s'), tags: (sku: string) => [`sku:${sku}`] })
  async findBySku(sku: string): Promise<Product | null> {
    return sku ? { id: 1, sku } : null;
  }

  @Cacheable({ key: (id: number) => `p${id}`, unless: (p: Product) => p.id < 0 })
  async keyed(id: number): Promise<Product> {
    return { id, sku: '' };
  }

  // The README's examples, as written there.
  @Cacheable({
    ttl: (p: Product | null) => (p ? '5m' : '10s'),
    tags: (sku: string) => [`sku:${sku}`],
    resultTags: (p: Product | null) => (p ? [`product:${p.id}`] : []),
  })
  async findBySkuWithTags(sku: string): Promise<Product | null> {
    return sku ? { id: 1, sku } : null;
  }

  @Cacheable({ key: (user: User) => user.id, condition: (user: User) => !user.isAdmin, unless: (r: string[]) => r.length === 0 })
  async permissions(user: User): Promise<string[]> {
    return user.isAdmin ? [] : ['read'];
  }

  @CacheEvict({ tags: (sku: string) => [`sku:${sku}`] })
  async restock(sku: string): Promise<void> {
    void sku;
  }

  @Cacheable()
  static async config(): Promise<string> {
    return 'static';
  }

  @CacheEvict({ method: 'getProduct', args: (p: Product) => [p.id] })
  async updateProduct(p: Product): Promise<void> {
    void p;
  }

  @CacheEvict({ method: 'getProduct', allEntries: true })
  async reindex(): Promise<void> {}

  @CachePut({ method: 'getProduct', args: (p: Product) => [p.id] })
  async saveProduct(p: Product): Promise<Product> {
    return p;
  }

  // Functions of the arguments may take fewer parameters than the method.
  @Cacheable({ key: () => 'fixed' })
  async fixedKey(id: number): Promise<number> {
    return id;
  }

  // Functions of one options object that take different numbers of parameters: name the
  // method's arguments once (TypeScript infers them from one function only).
  @Cacheable<[id: number, force: boolean]>({ key: (id) => id, tags: () => ['all'], condition: (id, force) => !force })
  async mixedArities(id: number, force: boolean): Promise<number> {
    return force ? 0 : id;
  }

  @CacheEvict({ method: 'getProduct', args: (id: number) => [id] })
  async write(id: number, value: string): Promise<void> {
    void value;
  }

  @CacheEvict({ method: 'getProduct', args: () => [] })
  async writeFixed(id: number): Promise<void> {
    void id;
  }

  @CachePut({ method: 'getProduct', args: (p: Product) => [p.id] })
  async savePartly(p: Product, note: string): Promise<Product> {
    void note;
    return p;
  }

  @CacheEvict({ method: 'config' })
  static async reloadConfig(): Promise<void> {}

  // A name the types cannot check (e.g. a private method), given as a plain string.
  @CacheEvict({ method: 'getProduct' as string })
  async untyped(id: number): Promise<void> {
    void id;
  }

  // @ts-expect-error the arguments function's parameters must match the method's
  @CacheEvict({ method: 'getProduct', args: (id: number) => [id] })
  async wrongWriterArgs(name: string): Promise<void> {
    void name;
  }

  // @ts-expect-error a misspelt method name is a type error
  @CacheEvict({ method: 'getProdcut' })
  async misspeltEvict(id: number): Promise<void> {
    void id;
  }

  // @ts-expect-error a misspelt method name is a type error
  @CachePut({ method: 'getProdcut', args: (p: Product) => [p.id] })
  async misspeltPut(p: Product): Promise<Product> {
    return p;
  }

  // @ts-expect-error static methods name static methods
  @CacheEvict({ method: 'getProduct', allEntries: true })
  static async staticNamesInstance(): Promise<void> {}

  // @ts-expect-error instance methods name instance methods
  @CacheEvict({ method: 'config', allEntries: true })
  async instanceNamesStatic(): Promise<void> {}

  // @ts-expect-error a decorated method must return a Promise
  @Cacheable()
  syncValue(): number {
    return 1;
  }

  // @ts-expect-error the key function's arguments must match the method's
  @Cacheable({ key: (id: number) => `p${id}` })
  async wrongArgs(name: string): Promise<string> {
    return name;
  }

  @Cacheable({ ttl: '1m', staleWhileRevalidate: '5m', grace: '1h', softTimeout: 100, hardTimeout: '1s', earlyRefresh: true })
  async freshness(id: number): Promise<number> {
    return id;
  }

  // @ts-expect-error the result functions must match the method's result
  @Cacheable({ unless: (p: Product) => p.id < 0 })
  async wrongResult(): Promise<string> {
    return '';
  }
}

async function use(): Promise<void> {
  const service = new ProductService();
  const product: Product = await service.getProduct(1);
  const maybe: Product | null = await service.findBySku('a');
  const value = await cache.getOrSet('k', async () => ({ n: 1 }), { ttl: (v) => (v.n > 0 ? '1m' : 0) });
  const n: number = value.n;
  const fresh: number = await cache.getOrSet('f', async () => 1, { staleWhileRevalidate: '5m', grace: '1h', graceBackoff: 5_000, softTimeout: '200ms', hardTimeout: '2s', earlyRefresh: { beta: 2 }, forceFresh: true });
  // @ts-expect-error earlyRefresh takes true, false or { beta }
  await cache.getOrSet('f', async () => 1, { earlyRefresh: 2 });
  const expired: boolean = await cache.expire('f');
  cache.on('graced', ({ reason }) => void (reason === 'load-failed' || reason === 'timeout' || reason === 'backoff'));
  cache.on('timeout', ({ kind }) => void (kind === 'soft' || kind === 'hard'));
  const graced: number = cache.stats().graced;
  void createCache({ staleWhileRevalidate: '30s', earlyRefresh: true });
  void fresh;
  void expired;
  void graced;
  const read: number | undefined = await cache.get<number>('k');
  cache.on('backend-error', ({ operation, error }) => void `${operation}: ${error.message}`);
  // @ts-expect-error unknown event names are rejected
  cache.on('nope', () => undefined);
  void product;
  void maybe;
  void n;
  void read;
}
void use;

/** An application-made ioredis client, standalone or Cluster, fits the `client` option. */
function withClients(): Cache[] {
  return [
    createCache({ store: redisStore({ client: new Redis({ lazyConnect: true }), prefix: 'app' }) }),
    createCache({ store: redisStore({ client: new Cluster([{ host: '127.0.0.1', port: 7000 }], { lazyConnect: true }) }) }),
  ];
}
void withClients;
// @ts-expect-error a client must be an ioredis client
void redisStore({ client: { status: 'ready' } });

/** The README's tiered set-up. */
function tiered(): Cache {
  return createCache({
    store: tieredStore({ l1: memoryStore({ maxEntries: 10_000 }), l2: redisStore({ url: 'redis://127.0.0.1:6379', prefix: 'orders' }), l1Ttl: '1m' }),
    ttl: '5m',
  });
}
void tiered;

/** The README's keyed class: `[cacheKey]()` says what identifies an instance in a key. */
class UserRef implements CacheKeyed {
  #token: string;
  constructor(
    readonly id: number,
    token: string,
  ) {
    this.#token = token;
  }
  [cacheKey](): unknown {
    return this.id;
  }
  token(): string {
    return this.#token;
  }
}
const keyedSymbol: typeof cacheKey = cacheKey;
void keyedSymbol;
void new UserRef(1, 't');
// @ts-expect-error a CacheKeyed class must define the [cacheKey]() method
const notKeyed: CacheKeyed = { id: 1 };
void notKeyed;

// memoize keeps the function's signature, and its helpers take the same arguments.
const rates: MemoizedFunction<[currency: string], number> = memoize(async (currency: string) => currency.length, { ttl: '1m', key: (currency) => currency });
void rates('EUR').then((rate: number) => rate);
void rates.peek('EUR').then((rate: number | undefined) => rate);
void rates.refresh('EUR');
void rates.invalidate('EUR').then((existed: boolean) => existed);
// @ts-expect-error the memoized function takes the original's arguments
void rates(42);
// @ts-expect-error a key function must match the function's parameters
memoize(async (id: number) => id, { key: (id: string) => id });
// The Redis and tiered stores coordinate loads across processes (distributed single-flight).
const coordinator: LoadCoordinator = redisStore({ url: 'redis://127.0.0.1:6379' }).coordinator;
void coordinator;
createCache({ singleFlight: 'process', lockTtl: '5s', lockTimeout: '10s' });
// @ts-expect-error singleFlight is 'distributed' or 'process'
createCache({ singleFlight: 'fleet' });
