/**
 * The Redis rows (scenarios C across processes, and D): raw ioredis read-through (the floor of D,
 * default options and with auto-pipelining), cacheflight's Redis store, and the peers that have a
 * Redis path of their own, each set up as its README shows with a 5-minute TTL. Every row keys
 * under its own prefix (or its own key format) so rows never read each other's entries.
 *
 * Not here: p-memoize and memoize (in-process only); cacheable (its documented Redis setup is
 * L1 memory + L2 Redis, so a hit never reaches Redis: that is scenario E's shape).
 */
import { Cacheable, createCache, registerCache, type Cache } from '../../lib/index.js';
import { applyLegacyMethodDecorator, importPeer, type RowDef } from '../harness/rows.js';
import type { Loader, Product } from '../harness/workload.js';

const TTL_MS = 5 * 60_000;

function hostPort(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port) };
}

function rawIoredis(autoPipelining: boolean): RowDef {
  return {
    name: autoPipelining ? 'raw ioredis GET + JSON.parse (auto-pipelining)' : 'floor: raw ioredis GET + JSON.parse',
    role: autoPipelining ? 'baseline' : 'floor',
    pkg: 'ioredis',
    config: `new Redis({ host, port${autoPipelining ? ', enableAutoPipelining: true' : ''} }); GET key -> JSON.parse; miss: load, SET key json PX 300000`,
    caches: true,
    singleFlight: false,
    async create({ loader, redisUrl, prefix }) {
      const { Redis } = await importPeer('ioredis');
      const redis = new Redis({ ...hostPort(redisUrl as string), ...(autoPipelining ? { enableAutoPipelining: true } : {}) });
      return {
        call: async (...args: [number, string, unknown]) => {
          const key = prefix + (autoPipelining ? '-raw-ap:' : '-raw:') + JSON.stringify(args);
          const raw: string | null = await redis.get(key);
          if (raw !== null) return JSON.parse(raw) as Product;
          const value = await loader.fn(...args);
          await redis.set(key, JSON.stringify(value), 'PX', TTL_MS);
          return value;
        },
        reset: async () => undefined,
        close: async () => {
          redis.disconnect();
        },
      };
    },
  };
}

// ------------------------------------------------------------------------------------------------
// cacheflight: redisStore, from the public API when index.ts exports it, else from its module

let registered: Cache | undefined;

async function loadRedisStore(): Promise<(options: { url: string; prefix: string }) => unknown> {
  const index = (await import('../../lib/index.js')) as Record<string, unknown>;
  if (typeof index['redisStore'] === 'function') return index['redisStore'] as never;
  const modulePath = '../../lib/stores/redis.js'; // not exported from lib/index.ts yet
  const mod = (await import(modulePath)) as Record<string, unknown>;
  if (typeof mod['redisStore'] !== 'function') throw new Error('lib/stores/redis.ts has no redisStore export');
  return mod['redisStore'] as never;
}

/** Whether the Redis store came from the public index (reported in the notes). */
export async function redisStoreSource(): Promise<string> {
  const index = (await import('../../lib/index.js')) as Record<string, unknown>;
  return typeof index['redisStore'] === 'function' ? "lib/index.ts (public API)" : 'lib/stores/redis.ts (not exported from lib/index.ts yet)';
}

/**
 * The Redis round trip as cacheflight's store sees it: the median of `samples` sequential
 * `health()` calls (a PING through the store's own connection code) on a store of its own, so
 * that the probe never queues behind a row's commands. Answers ms.
 */
export async function openRoundTripProbe(redisUrl: string, prefix: string): Promise<{ measure(samples?: number): Promise<number>; close(): Promise<void> }> {
  const redisStore = await loadRedisStore();
  const store = redisStore({ url: redisUrl, prefix }) as { health(): Promise<{ ok: boolean; latencyMs?: number; error?: string }>; close(): Promise<void> };
  const once = async (): Promise<number> => {
    const health = await store.health();
    if (!health.ok || health.latencyMs === undefined) throw new Error(health.error ?? 'health() answered no latency');
    return health.latencyMs;
  };
  // Connect: the first health() also connects, and may time out while the machine is busy
  // starting the other workers; try again for a while.
  for (let attempt = 1; ; attempt++) {
    try {
      await once();
      break;
    } catch (error) {
      if (attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    async measure(samples = 5) {
      const times: number[] = [];
      for (let i = 0; i < samples; i++) times.push(await once());
      times.sort((a, b) => a - b);
      return times[Math.floor(times.length / 2)] as number;
    },
    close: () => store.close(),
  };
}

class CacheflightRedisProductService {
  constructor(readonly loader: Loader) {}

  @Cacheable()
  getProduct(id: number, query: string, filter: unknown): Promise<Product> {
    return this.loader.fn(id, query, filter);
  }
}

const cacheflightRedis: RowDef = {
  name: 'cacheflight @Cacheable() redisStore',
  role: 'cacheflight',
  pkg: 'cacheflight',
  config: "registerCache(createCache({ store: redisStore({ url, prefix }), ttl: '5m' })); @Cacheable()",
  caches: true,
  singleFlight: true,
  async create({ loader, redisUrl, prefix }) {
    if (registered === undefined) {
      const redisStore = await loadRedisStore();
      registered = registerCache(createCache({ store: redisStore({ url: redisUrl as string, prefix: `${prefix}-cf` }) as never, ttl: '5m' }));
    }
    const cache = registered;
    let backendErrors = 0;
    cache.on('backend-error', () => {
      backendErrors++;
    });
    const service = new CacheflightRedisProductService(loader);
    return {
      call: (id, query, filter) => service.getProduct(id, query, filter),
      reset: async () => undefined,
      close: () => cache.close(),
      backendErrors: () => backendErrors,
    };
  },
};

// ------------------------------------------------------------------------------------------------
// peers

const bentocacheRedis: RowDef = {
  name: 'bentocache getOrSet (L2 redis only)',
  role: 'peer',
  pkg: 'bentocache',
  config: "new BentoCache({ default, ttl: '5m', prefix, stores: { redis: bentostore().useL2Layer(redisDriver({ connection: { host, port } })) } }); getOrSet",
  caches: true,
  singleFlight: true,
  async create({ loader, redisUrl, prefix }) {
    const { BentoCache, bentostore } = await importPeer('bentocache');
    const { redisDriver } = await importPeer('bentocache/drivers/redis');
    const bento = new BentoCache({
      default: 'redis',
      ttl: '5m',
      prefix: `${prefix}-bento`,
      stores: { redis: bentostore().useL2Layer(redisDriver({ connection: hostPort(redisUrl as string) })) },
    });
    return {
      call: (id, query, filter) =>
        bento.getOrSet({ key: 'getProduct:' + JSON.stringify([id, query, filter]), factory: () => loader.fn(id, query, filter) }),
      reset: async () => undefined,
      close: () => bento.disconnectAll(),
    };
  },
};

const typeCacheableRedis: RowDef = {
  name: '@type-cacheable/core + ioredis',
  role: 'peer',
  pkg: '@type-cacheable/ioredis-adapter',
  config: 'useAdapter(new IoRedis({ host, port })); @Cacheable({ ttlSeconds: 300 }) via the legacy convention; default key',
  caches: true,
  singleFlight: true,
  async create({ loader, redisUrl }) {
    const core = await importPeer('@type-cacheable/core');
    const { Redis } = await importPeer('ioredis');
    const { useAdapter } = await importPeer('@type-cacheable/ioredis-adapter');
    const client = new Redis(hostPort(redisUrl as string));
    useAdapter(client);
    class TypeCacheableRedisProductService {
      getProduct(id: number, query: string, filter: unknown): Promise<Product> {
        return loader.fn(id, query, filter);
      }
    }
    applyLegacyMethodDecorator(TypeCacheableRedisProductService.prototype, 'getProduct', core.Cacheable({ ttlSeconds: 300 }));
    const service = new TypeCacheableRedisProductService();
    return {
      call: (id, query, filter) => service.getProduct(id, query, filter),
      reset: async () => undefined,
      close: async () => {
        client.disconnect();
      },
    };
  },
};

const asyncCacheDedupeRedis: RowDef = {
  name: 'async-cache-dedupe define (redis storage)',
  role: 'peer',
  pkg: 'async-cache-dedupe',
  config: "createCache({ ttl: 300, storage: { type: 'redis', options: { client: new Redis() } } }).define('getProduct', ...)",
  caches: true,
  singleFlight: true,
  async create({ loader, redisUrl }) {
    const { createCache: createDedupe } = await importPeer('async-cache-dedupe');
    const { Redis } = await importPeer('ioredis');
    const client = new Redis(hostPort(redisUrl as string));
    const cache = createDedupe({ ttl: 300, storage: { type: 'redis', options: { client } } });
    cache.define('getProduct', (args: [number, string, unknown]) => loader.fn(...args));
    return {
      call: (id, query, filter) => cache.getProduct([id, query, filter]),
      reset: async () => undefined,
      close: async () => {
        client.disconnect();
      },
    };
  },
};

const cacheManagerRedis: RowDef = {
  name: 'cache-manager wrap (@keyv/redis)',
  role: 'peer',
  pkg: 'cache-manager',
  config: "createCache({ stores: [createKeyv(url) from @keyv/redis], ttl: 5 min }); wrap('getProduct:' + JSON.stringify(args), fn)",
  caches: true,
  singleFlight: true,
  async create({ loader, redisUrl, prefix }) {
    const { createCache: createManager } = await importPeer('cache-manager');
    const { createKeyv } = await importPeer('@keyv/redis');
    const store = createKeyv(redisUrl as string, { namespace: `${prefix}-cm` });
    const cache = createManager({ stores: [store], ttl: TTL_MS });
    return {
      call: (id, query, filter) => cache.wrap('getProduct:' + JSON.stringify([id, query, filter]), () => loader.fn(id, query, filter)),
      reset: async () => undefined,
      close: () => cache.disconnect(),
    };
  },
};

/** Every Redis row, floor first. */
export const redisRows: readonly RowDef[] = [
  rawIoredis(false),
  rawIoredis(true),
  cacheflightRedis,
  bentocacheRedis,
  typeCacheableRedis,
  asyncCacheDedupeRedis,
  cacheManagerRedis,
];
