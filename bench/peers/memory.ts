/**
 * The in-memory rows (scenarios A, B and C in one process): baselines, cacheflight, and every
 * peer configured as its own README shows, with a 5-minute TTL where the library has TTLs and a
 * bound of `maxEntries` where it has one. Keys: cacheflight derives its own; peers that key by a
 * single value get `JSON.stringify(args)` as their docs suggest for multi-argument functions.
 *
 * Each row's `config` string is what the results table prints about its setup.
 */
import { Cacheable, createCache, memoryStore, registerCache, type Cache, type MemoryStore } from '../../lib/index.js';
import { applyLegacyMethodDecorator, importPeer, type RowContext, type RowDef, type RowInstance } from '../harness/rows.js';
import type { Loader, Product } from '../harness/workload.js';

const TTL_MS = 5 * 60_000;

/** The floor of A and B: `await map.get(JSON.stringify(args))`, loading on a miss (no single-flight, no TTL, no bound). */
const floor: RowDef = {
  name: 'floor: Map + JSON.stringify(args)',
  role: 'floor',
  pkg: 'node',
  config: 'new Map(); key = JSON.stringify(args); load + set on a miss',
  caches: true,
  singleFlight: false,
  async create({ loader }) {
    let map = new Map<string, Product>();
    return {
      call: (...args: [number, string, unknown]) => {
        const key = JSON.stringify(args);
        const hit = map.get(key);
        if (hit !== undefined) return hit;
        return loader.fn(...args).then((value) => {
          map.set(key, value);
          return value;
        });
      },
      reset: async () => {
        map = new Map();
      },
      close: async () => undefined,
    };
  },
};

/** The method itself, not memoized: its loader runs on every call. */
const unmemoized: RowDef = {
  name: 'un-memoized method',
  role: 'baseline',
  pkg: 'node',
  config: 'the async method, called directly',
  caches: false,
  singleFlight: false,
  async create({ loader }) {
    const service = new (class PlainProductService {
      getProduct(id: number, query: string, filter: unknown): Promise<Product> {
        return loader.fn(id, query, filter);
      }
    })();
    return { call: (id, query, filter) => service.getProduct(id, query, filter), reset: async () => undefined, close: async () => undefined };
  },
};

/** Raw lru-cache with the same key as the floor. */
const rawLru: RowDef = {
  name: 'raw lru-cache',
  role: 'baseline',
  pkg: 'lru-cache',
  config: 'new LRUCache({ max, ttl: 5 min }); key = JSON.stringify(args); load + set on a miss',
  caches: true,
  singleFlight: false,
  async create({ loader, maxEntries }) {
    const { LRUCache } = await importPeer('lru-cache');
    const lru = new LRUCache({ max: maxEntries, ttl: TTL_MS });
    return {
      call: (...args: [number, string, unknown]) => {
        const key = JSON.stringify(args);
        const hit = lru.get(key) as Product | undefined;
        if (hit !== undefined) return hit;
        return loader.fn(...args).then((value) => {
          lru.set(key, value);
          return value;
        });
      },
      reset: async () => lru.clear(),
      close: async () => lru.clear(),
    };
  },
};

// ------------------------------------------------------------------------------------------------
// cacheflight, through its public API as a user writes it

/** The caches registered so far, by registry name (`''`: the default cache). */
const registered = new Map<string, Cache>();

/**
 * The cache registered under `name` (as an application does once at startup), registered again
 * only when a row asks for another bound (B's heap child warms up with one bound and measures
 * with another: the measured store must have the bound every other row gets).
 */
function registeredCache(name: string, maxEntries: number, immutability: 'freeze' | 'none'): Cache {
  let cache = registered.get(name);
  if (cache === undefined || (cache.store as MemoryStore).maxEntries !== maxEntries) {
    cache = createCache({ store: memoryStore({ maxEntries }), ttl: '5m', immutability });
    registerCache(cache, name === '' ? undefined : name);
    registered.set(name, cache);
  }
  return cache;
}

/** The default cache. */
const cacheflightCache = (maxEntries: number): Cache => registeredCache('', maxEntries, 'freeze');

/** A second, named cache that shares values by reference (`immutability: 'none'`), like the floor and most peers. */
const unprotectedCache = (maxEntries: number): Cache => registeredCache('unprotected', maxEntries, 'none');

/** Decorated with the compile's decorator mode (bench runs tsx without experimentalDecorators: TC39 standard). */
class CacheflightProductService {
  constructor(readonly loader: Loader) {}

  @Cacheable()
  getProduct(id: number, query: string, filter: unknown): Promise<Product> {
    return this.loader.fn(id, query, filter);
  }
}

/** The method on the cache that does not freeze values. */
class CacheflightUnprotectedProductService {
  constructor(readonly loader: Loader) {}

  @Cacheable({ cache: 'unprotected' })
  getProduct(id: number, query: string, filter: unknown): Promise<Product> {
    return this.loader.fn(id, query, filter);
  }
}

/** The same method decorated through the legacy (`experimentalDecorators`) calling convention. */
class CacheflightLegacyProductService {
  constructor(readonly loader: Loader) {}

  getProduct(id: number, query: string, filter: unknown): Promise<Product> {
    return this.loader.fn(id, query, filter);
  }
}
applyLegacyMethodDecorator(CacheflightLegacyProductService.prototype, 'getProduct', Cacheable());

/** Which convention `@Cacheable` on CacheflightProductService was actually called with. */
export const standardDecoratorsCompiled: boolean = (() => {
  let arity = 0;
  const probe = (...args: unknown[]): void => {
    arity = args.length;
  };
  class Probe {
    @(probe as (...args: unknown[]) => void) m(): void {}
  }
  void Probe;
  return arity === 2;
})();

function cacheflightRow(
  name: string,
  Service: new (loader: Loader) => { getProduct(id: number, q: string, f: unknown): Promise<Product> },
  config: string,
  cacheOf: (maxEntries: number) => Cache = cacheflightCache,
): RowDef {
  return {
    name,
    role: 'cacheflight',
    pkg: 'cacheflight',
    config,
    caches: true,
    singleFlight: true,
    async create({ loader, maxEntries }) {
      const cache = cacheOf(maxEntries);
      const service = new Service(loader);
      return {
        call: (id, query, filter) => service.getProduct(id, query, filter),
        reset: () => cache.clear(),
        close: async () => undefined,
      };
    },
  };
}

const cacheflightStandard = cacheflightRow(
  'cacheflight @Cacheable()',
  CacheflightProductService,
  "registerCache(createCache({ store: memoryStore({ maxEntries }), ttl: '5m' })); @Cacheable() (TC39 standard decorators, tsx)",
);
const cacheflightLegacy = cacheflightRow(
  'cacheflight @Cacheable() legacy',
  CacheflightLegacyProductService,
  'same cache; @Cacheable() applied through the experimentalDecorators convention (as TypeScript __decorate does)',
);
const cacheflightUnprotected = cacheflightRow(
  "cacheflight @Cacheable() immutability: 'none'",
  CacheflightUnprotectedProductService,
  "registerCache(createCache({ store: memoryStore({ maxEntries }), ttl: '5m', immutability: 'none' }), 'unprotected'); @Cacheable({ cache: 'unprotected' }): values shared by reference, not frozen (what the floor and most peers do)",
  unprotectedCache,
);

// ------------------------------------------------------------------------------------------------
// peers

/** p-memoize: its README's decorator with the README's multi-argument key. No TTL (default Map cache, per instance). */
const pMemoize: RowDef = {
  name: 'p-memoize @pMemoizeDecorator',
  role: 'peer',
  pkg: 'p-memoize',
  config: '@pMemoizeDecorator({ cacheKey: args => JSON.stringify(args) }); default Map cache (no TTL, unbounded)',
  caches: true,
  singleFlight: true,
  async create({ loader }) {
    const { pMemoizeDecorator } = await importPeer('p-memoize');
    class PMemoizeProductService {
      @pMemoizeDecorator({ cacheKey: (args: unknown[]) => JSON.stringify(args) })
      getProduct(id: number, query: string, filter: unknown): Promise<Product> {
        return loader.fn(id, query, filter);
      }
    }
    let service = new PMemoizeProductService();
    return {
      call: (id, query, filter) => service.getProduct(id, query, filter),
      reset: async () => {
        service = new PMemoizeProductService(); // the decorator's cache is per instance
      },
      close: async () => undefined,
    };
  },
};

/** memoize: its README's decorator, JSON key, and `maxAge` (its TTL). Caches the promise itself. */
const memoize: RowDef = {
  name: 'memoize @memoizeDecorator',
  role: 'peer',
  pkg: 'memoize',
  config: '@memoizeDecorator({ cacheKey: args => JSON.stringify(args), maxAge: 5 min }); caches the promise (rejections too)',
  caches: true,
  singleFlight: true,
  async create({ loader }) {
    const { memoizeDecorator } = await importPeer('memoize');
    class MemoizeProductService {
      @memoizeDecorator({ cacheKey: (args: unknown[]) => JSON.stringify(args), maxAge: TTL_MS })
      getProduct(id: number, query: string, filter: unknown): Promise<Product> {
        return loader.fn(id, query, filter);
      }
    }
    let service = new MemoizeProductService();
    return {
      call: (id, query, filter) => service.getProduct(id, query, filter),
      reset: async () => {
        service = new MemoizeProductService(); // per-instance cache
      },
      close: async () => undefined,
    };
  },
};

// type-cacheable keeps one global client; one adapter per process, shared like cacheflight's cache.
let typeCacheableLru: { client: { clear(): void } } | undefined;

/** @type-cacheable/core + lru-cache adapter: README setup, default key (md5 of serialized args). Legacy decorators only. */
const typeCacheable: RowDef = {
  name: '@type-cacheable/core + lru-cache',
  role: 'peer',
  pkg: '@type-cacheable/core',
  config: 'useAdapter(new LRUCache({ max })); @Cacheable({ ttlSeconds: 300 }) via the legacy convention (its only one); default key',
  caches: true,
  singleFlight: true,
  async create({ loader, maxEntries }) {
    const core = await importPeer('@type-cacheable/core');
    if (typeCacheableLru === undefined) {
      const { LRUCache } = await importPeer('lru-cache');
      const { useAdapter } = await importPeer('@type-cacheable/lru-cache-adapter');
      // Its README writes `new LRUCache()`, which lru-cache 11 rejects: a bound is required.
      const client = new LRUCache({ max: maxEntries });
      useAdapter(client);
      typeCacheableLru = { client };
    }
    const shared = typeCacheableLru;
    class TypeCacheableProductService {
      getProduct(id: number, query: string, filter: unknown): Promise<Product> {
        return loader.fn(id, query, filter);
      }
    }
    applyLegacyMethodDecorator(TypeCacheableProductService.prototype, 'getProduct', core.Cacheable({ ttlSeconds: 300 }));
    const service = new TypeCacheableProductService();
    return {
      call: (id, query, filter) => service.getProduct(id, query, filter),
      reset: async () => shared.client.clear(),
      close: async () => undefined,
    };
  },
};

function bentocacheRow(serialize: boolean): RowDef {
  return {
    name: serialize ? 'bentocache getOrSet' : 'bentocache getOrSet (serialize: false)',
    role: 'peer',
    pkg: 'bentocache',
    config: serialize
      ? "new BentoCache({ default, ttl: '5m', stores: { cache: bentostore().useL1Layer(memoryDriver({ maxItems })) } }); getOrSet({ key: 'getProduct:' + JSON.stringify(args), factory })"
      : 'same, memoryDriver({ maxItems, serialize: false }) (docs: "much faster", values kept by reference)',
    caches: true,
    singleFlight: true,
    async create({ loader, maxEntries }) {
      const { BentoCache, bentostore } = await importPeer('bentocache');
      const { memoryDriver } = await importPeer('bentocache/drivers/memory');
      const bento = new BentoCache({
        default: 'cache',
        ttl: '5m',
        stores: { cache: bentostore().useL1Layer(memoryDriver({ maxItems: maxEntries, ...(serialize ? {} : { serialize: false }) })) },
      });
      return {
        call: (id, query, filter) =>
          bento.getOrSet({ key: 'getProduct:' + JSON.stringify([id, query, filter]), factory: () => loader.fn(id, query, filter) }),
        reset: () => bento.clear(),
        close: () => bento.disconnectAll(),
      };
    },
  };
}

/** cacheable: README `new Cacheable({ ttl })` + `wrap` (default key: keyPrefix + djb2 hash of JSON args; 32-bit). */
const cacheable: RowDef = {
  name: 'cacheable wrap',
  role: 'peer',
  pkg: 'cacheable',
  config: "new Cacheable({ ttl: '5m' }).wrap(fn, { ttl: '5m', keyPrefix: 'getProduct' }); default in-memory primary; default key = djb2(JSON.stringify(args))",
  caches: true,
  singleFlight: true,
  async create({ loader }) {
    const { Cacheable: CacheableClass } = await importPeer('cacheable');
    const cache = new CacheableClass({ ttl: '5m' });
    // wrap() calls the function without `this`, so it wraps the bound method body.
    const getProduct = cache.wrap((id: number, query: string, filter: unknown) => loader.fn(id, query, filter), { ttl: '5m', keyPrefix: 'getProduct' });
    return { call: getProduct, reset: () => cache.clear(), close: () => cache.disconnect() };
  },
};

/** cache-manager: README quick start (`createCache()` on its default in-memory Keyv) + `wrap(key, fn)`. */
const cacheManager: RowDef = {
  name: 'cache-manager wrap',
  role: 'peer',
  pkg: 'cache-manager',
  config: "createCache({ ttl: 5 min }) (default in-memory Keyv); wrap('getProduct:' + JSON.stringify(args), fn)",
  caches: true,
  singleFlight: true,
  async create({ loader }) {
    const { createCache: createManager } = await importPeer('cache-manager');
    const cache = createManager({ ttl: TTL_MS });
    return {
      call: (id, query, filter) => cache.wrap('getProduct:' + JSON.stringify([id, query, filter]), () => loader.fn(id, query, filter)),
      reset: () => cache.clear(),
      close: () => cache.disconnect(),
    };
  },
};

/** async-cache-dedupe: README `createCache({ ttl, storage: memory })` + `define`; one argument, so the args go as an array. */
const asyncCacheDedupe: RowDef = {
  name: 'async-cache-dedupe define',
  role: 'peer',
  pkg: 'async-cache-dedupe',
  config: "createCache({ ttl: 300, storage: { type: 'memory', options: { size: maxEntries } } }).define('getProduct', ([id, q, f]) => ...); called with [args]",
  caches: true,
  singleFlight: true,
  async create({ loader, maxEntries }) {
    const { createCache: createDedupe } = await importPeer('async-cache-dedupe');
    const cache = createDedupe({ ttl: 300, storage: { type: 'memory', options: { size: maxEntries } } });
    cache.define('getProduct', (args: [number, string, unknown]) => loader.fn(...args));
    return {
      call: (id, query, filter) => cache.getProduct([id, query, filter]),
      reset: () => cache.clear(),
      close: async () => undefined,
    };
  },
};

/** Every in-memory row, floor first. */
export const memoryRows: readonly RowDef[] = [
  floor,
  unmemoized,
  rawLru,
  cacheflightStandard,
  cacheflightLegacy,
  cacheflightUnprotected,
  pMemoize,
  memoize,
  typeCacheable,
  bentocacheRow(true),
  bentocacheRow(false),
  cacheable,
  cacheManager,
  asyncCacheDedupe,
];

export type { RowContext, RowInstance };
