/**
 * The rows of scenario F (a hot key at expiry): every row memoizes the workload's loader in
 * memory with a 200 ms TTL, and answers calls on the hot key once it expires: cacheflight as it
 * is by default, with `staleWhileRevalidate` and with `earlyRefresh`, and each peer's feature for
 * the same thing (serving the old value while one refresh runs, or refreshing before the TTL
 * ends). The reference row keeps the key for 5 minutes: every one of its calls is a hit, so its
 * latencies are what "a hit" costs in this loop.
 *
 * Each row's `config` string is what the results table prints about its setup.
 */
import { Cacheable, createCache, memoryStore, registerCache } from '../../lib/index.js';
import { importPeer, type RowDef } from '../harness/rows.js';
import type { Loader, Product } from '../harness/workload.js';

/** The hot key's TTL. */
export const F_TTL_MS = 200;
/** cacheflight's and bentocache's window after the TTL in which the old value answers at once. */
const STALE_WINDOW = '1s';
/** cache-manager: refresh in the background when a read finds less than this left (2.5x the 20 ms loader). */
const REFRESH_THRESHOLD_MS = 50;

/** A cache of its own for each cacheflight row (registered as an application does at startup). */
function registerRowCache(name: string, maxEntries: number): ReturnType<typeof createCache> {
  const cache = createCache({ store: memoryStore({ maxEntries }) });
  registerCache(cache, name);
  return cache;
}

class HitReferenceService {
  constructor(readonly loader: Loader) {}
  @Cacheable({ cache: 'f-hit', ttl: '5m' })
  getProduct(id: number, query: string, filter: unknown): Promise<Product> {
    return this.loader.fn(id, query, filter);
  }
}

class PlainTtlService {
  constructor(readonly loader: Loader) {}
  @Cacheable({ cache: 'f-plain', ttl: F_TTL_MS })
  getProduct(id: number, query: string, filter: unknown): Promise<Product> {
    return this.loader.fn(id, query, filter);
  }
}

class StaleWhileRevalidateService {
  constructor(readonly loader: Loader) {}
  @Cacheable({ cache: 'f-swr', ttl: F_TTL_MS, staleWhileRevalidate: STALE_WINDOW })
  getProduct(id: number, query: string, filter: unknown): Promise<Product> {
    return this.loader.fn(id, query, filter);
  }
}

class EarlyRefreshService {
  constructor(readonly loader: Loader) {}
  @Cacheable({ cache: 'f-early', ttl: F_TTL_MS, earlyRefresh: true })
  getProduct(id: number, query: string, filter: unknown): Promise<Product> {
    return this.loader.fn(id, query, filter);
  }
}

function cacheflightRow(
  name: string,
  role: 'floor' | 'cacheflight',
  cacheName: string,
  Service: new (loader: Loader) => { getProduct(id: number, q: string, f: unknown): Promise<Product> },
  config: string,
): RowDef {
  return {
    name,
    role,
    pkg: 'cacheflight',
    config,
    caches: true,
    singleFlight: true,
    async create({ loader, maxEntries }) {
      const cache = registerRowCache(cacheName, maxEntries);
      const service = new Service(loader);
      return {
        call: (id, query, filter) => service.getProduct(id, query, filter),
        reset: () => cache.clear(),
        close: () => cache.close(),
        loadWaits: () => {
          const stats = cache.stats();
          return stats.misses + stats.joined;
        },
      };
    },
  };
}

export const F_HIT_REFERENCE = 'hit reference: cacheflight, ttl 5m (never expires here)';
export const F_PLAIN = 'cacheflight @Cacheable({ ttl: 200 })';
export const F_SWR = "cacheflight staleWhileRevalidate: '1s'";
export const F_EARLY = 'cacheflight earlyRefresh: true';

const hitReference = cacheflightRow(
  F_HIT_REFERENCE,
  'floor',
  'f-hit',
  HitReferenceService,
  "registerCache(createCache({ store: memoryStore({ maxEntries }) }), 'f-hit'); @Cacheable({ cache: 'f-hit', ttl: '5m' }): the key never expires during a round, so every call is a hit",
);
const plain = cacheflightRow(
  F_PLAIN,
  'cacheflight',
  'f-plain',
  PlainTtlService,
  "registerCache(createCache({ store: memoryStore({ maxEntries }) }), 'f-plain'); @Cacheable({ cache: 'f-plain', ttl: 200 }): no freshness options (an expired key is a miss; its callers join one load)",
);
const swr = cacheflightRow(
  F_SWR,
  'cacheflight',
  'f-swr',
  StaleWhileRevalidateService,
  "same, own cache 'f-swr'; @Cacheable({ ttl: 200, staleWhileRevalidate: '1s' })",
);
const early = cacheflightRow(
  F_EARLY,
  'cacheflight',
  'f-early',
  EarlyRefreshService,
  "same, own cache 'f-early'; @Cacheable({ ttl: 200, earlyRefresh: true }) (XFetch, beta 1)",
);

/**
 * bentocache's grace period with a soft timeout of 0: its docs' stale-while-revalidate. An
 * expired entry is kept for `grace` (counted from the write: bentocache's physical TTL is the
 * grace duration); a read of it starts the factory under the key's lock and, the timeout being 0,
 * answers the old value instead of waiting; readers that find the lock taken answer it too.
 */
const bentocacheGrace: RowDef = {
  name: "bentocache grace: '1s', timeout: 0",
  role: 'peer',
  pkg: 'bentocache',
  config:
    "new BentoCache({ default, ttl: 200, grace: '1s', timeout: 0, hardTimeout: undefined, stores: { cache: bentostore().useL1Layer(memoryDriver({ maxItems, serialize: false })) } }); getOrSet({ key: 'getProduct:' + JSON.stringify(args), factory })",
  caches: true,
  singleFlight: true,
  async create({ loader, maxEntries }) {
    const { BentoCache, bentostore } = await importPeer('bentocache');
    const { memoryDriver } = await importPeer('bentocache/drivers/memory');
    const bento = new BentoCache({
      default: 'cache',
      ttl: F_TTL_MS,
      grace: STALE_WINDOW,
      timeout: 0,
      stores: { cache: bentostore().useL1Layer(memoryDriver({ maxItems: maxEntries, serialize: false })) },
    });
    return {
      call: (id, query, filter) => bento.getOrSet({ key: 'getProduct:' + JSON.stringify([id, query, filter]), factory: () => loader.fn(id, query, filter) }),
      reset: () => bento.clear(),
      close: () => bento.disconnectAll(),
    };
  },
};

/**
 * cache-manager's `refreshThreshold`: a `wrap` that finds less than the threshold left answers
 * the cached value and refreshes it in the background (coalesced: one refresh per key). Past the
 * TTL the entry is gone (Keyv), so the threshold must exceed the loader's time for the refresh
 * to land before the TTL ends.
 */
const cacheManagerRefresh: RowDef = {
  name: 'cache-manager refreshThreshold: 50',
  role: 'peer',
  pkg: 'cache-manager',
  config: "createCache({ ttl: 200, refreshThreshold: 50 }) (default in-memory Keyv); wrap('getProduct:' + JSON.stringify(args), fn)",
  caches: true,
  singleFlight: true,
  async create({ loader }) {
    const { createCache: createManager } = await importPeer('cache-manager');
    const cache = createManager({ ttl: F_TTL_MS, refreshThreshold: REFRESH_THRESHOLD_MS });
    return {
      call: (id, query, filter) => cache.wrap('getProduct:' + JSON.stringify([id, query, filter]), () => loader.fn(id, query, filter)),
      reset: () => cache.clear(),
      close: () => cache.disconnect(),
    };
  },
};

/**
 * lru-cache's `fetch` with `allowStale`: a stale entry answers at once while one `fetchMethod`
 * call (deduplicated per key) replaces it. lru-cache keeps stale entries until they are read
 * (no `ttlAutopurge`), so its stale window is unbounded.
 */
const lruFetch: RowDef = {
  name: 'lru-cache fetch, allowStale',
  role: 'peer',
  pkg: 'lru-cache',
  config: 'new LRUCache({ max, ttl: 200, allowStale: true, fetchMethod: (key, stale, { context }) => loader(...context) }); fetch(JSON.stringify(args), { context: args })',
  caches: true,
  singleFlight: true,
  async create({ loader, maxEntries }) {
    const { LRUCache } = await importPeer('lru-cache');
    const lru = new LRUCache({
      max: maxEntries,
      ttl: F_TTL_MS,
      allowStale: true,
      fetchMethod: (_key: string, _stale: unknown, { context }: { context: [number, string, unknown] }) => loader.fn(...context),
    });
    return {
      call: (id, query, filter) => {
        const args: [number, string, unknown] = [id, query, filter];
        return lru.fetch(JSON.stringify(args), { context: args }) as Promise<Product>;
      },
      reset: async () => lru.clear(),
      close: async () => lru.clear(),
    };
  },
};

/** Every row of scenario F, the hit reference first. */
export const freshnessRows: readonly RowDef[] = [hitReference, plain, swr, early, bentocacheGrace, cacheManagerRefresh, lruFetch];
