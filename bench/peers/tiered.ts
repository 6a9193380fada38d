/**
 * The two-tier rows (scenario E): an in-process L1 in front of a shared Redis L2, each set up as
 * its library documents it for several processes sharing Redis, with a 5-minute TTL. The floor and
 * cacheflight on the plain memory store are scenario A's own rows (same definitions), so E's
 * ratios read against A's.
 *
 * Every two-tier row keys under its own Redis prefix (or namespace), so rows never read each
 * other's entries.
 */
import { Cacheable, createCache, memoryStore, redisStore, registerCache, tieredStore, type Cache, type TieredStore } from '../../lib/index.js';
import { until } from '../../spec/helpers/deferred.js';
import { importPeer, type RowDef } from '../harness/rows.js';
import type { Loader, Product } from '../harness/workload.js';
import { memoryRows } from './memory.js';

const TTL = '5m';
/** Name of the cache the tiered row registers (the memory row uses the default cache). */
const TIERED_CACHE = 'bench-tiered';

function hostPort(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port) };
}

function fromA(name: string): RowDef {
  const row = memoryRows.find((candidate) => candidate.name === name);
  if (row === undefined) throw new Error(`scenario A has no row named ${name}`);
  return row;
}

// ------------------------------------------------------------------------------------------------
// cacheflight on tieredStore, through its public API as a user writes it

let tiered: { cache: Cache; store: TieredStore } | undefined;

/** One tiered cache per process, registered once under a name (as an application does at startup). */
async function tieredCache(redisUrl: string, prefix: string, maxEntries: number): Promise<{ cache: Cache; store: TieredStore }> {
  if (tiered === undefined) {
    const store = tieredStore({ l1: memoryStore({ maxEntries }), l2: redisStore({ url: redisUrl, prefix: `${prefix}-cf` }) });
    tiered = { cache: registerCache(createCache({ store, ttl: TTL }), TIERED_CACHE), store };
    void store.health(); // connects and subscribes the bus: L1 is served only once it is up
    await until(() => store.stats.bus === 'up', 10_000);
  }
  return tiered;
}

class CacheflightTieredProductService {
  constructor(readonly loader: Loader) {}

  @Cacheable({ cache: TIERED_CACHE })
  getProduct(id: number, query: string, filter: unknown): Promise<Product> {
    return this.loader.fn(id, query, filter);
  }
}

const cacheflightTiered: RowDef = {
  name: 'cacheflight @Cacheable() tieredStore',
  role: 'cacheflight',
  pkg: 'cacheflight',
  config:
    "registerCache(createCache({ store: tieredStore({ l1: memoryStore({ maxEntries }), l2: redisStore({ url, prefix }) }), ttl: '5m' }), name); @Cacheable({ cache: name }) (TC39 standard decorators, tsx)",
  caches: true,
  singleFlight: true,
  async create({ loader, redisUrl, prefix, maxEntries }) {
    const { cache } = await tieredCache(redisUrl as string, prefix, maxEntries);
    const service = new CacheflightTieredProductService(loader);
    return {
      call: (id, query, filter) => service.getProduct(id, query, filter),
      reset: () => cache.clear(),
      close: async () => undefined, // the process-wide cache is closed by closeTiered()
    };
  },
};

/** Close the tiered cache (once every row is done with it). */
export async function closeTiered(): Promise<void> {
  await tiered?.cache.close();
}

/** Reads the tiered row sent to L2 so far (an L1 hit sends none). */
export function tieredL2Reads(): number {
  return tiered?.store.stats.l2Reads ?? 0;
}

// ------------------------------------------------------------------------------------------------
// peers

function bentocacheTiered(serialize: boolean): RowDef {
  return {
    name: serialize ? 'bentocache getOrSet (L1 + L2 redis + bus)' : 'bentocache getOrSet (L1 serialize: false + L2 redis + bus)',
    role: 'peer',
    pkg: 'bentocache',
    config: serialize
      ? "new BentoCache({ default, ttl: '5m', prefix, stores: { multitier: bentostore().useL1Layer(memoryDriver({ maxItems })).useL2Layer(redisDriver({ connection })).useBus(redisBusDriver({ connection })) } }); getOrSet({ key: 'getProduct:' + JSON.stringify(args), factory })"
      : 'same, memoryDriver({ maxItems, serialize: false }) (docs: "much faster", values kept by reference)',
    caches: true,
    singleFlight: true,
    async create({ loader, redisUrl, prefix, maxEntries }) {
      const { BentoCache, bentostore } = await importPeer('bentocache');
      const { memoryDriver } = await importPeer('bentocache/drivers/memory');
      const { redisDriver, redisBusDriver } = await importPeer('bentocache/drivers/redis');
      const connection = hostPort(redisUrl as string);
      const bento = new BentoCache({
        default: 'multitier',
        ttl: TTL,
        prefix: `${prefix}-bento${serialize ? '' : '-ref'}`,
        stores: {
          multitier: bentostore()
            .useL1Layer(memoryDriver({ maxItems: maxEntries, ...(serialize ? {} : { serialize: false }) }))
            .useL2Layer(redisDriver({ connection }))
            .useBus(redisBusDriver({ connection })),
        },
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

/** cacheable: README "layer 1 and layer 2": `new Cacheable({ secondary: new KeyvRedis(url) })` (default in-memory primary) + `wrap`. */
const cacheableTiered: RowDef = {
  name: 'cacheable wrap (L1 memory + L2 @keyv/redis)',
  role: 'peer',
  pkg: 'cacheable',
  config:
    "new Cacheable({ secondary: new KeyvRedis(url, { namespace }), ttl: '5m' }).wrap(fn, { ttl: '5m', keyPrefix: 'getProduct' }); default in-memory primary; no CacheableSync (it needs a Qified message provider, not a bench dependency)",
  caches: true,
  singleFlight: true,
  async create({ loader, redisUrl, prefix }) {
    const { Cacheable: CacheableClass } = await importPeer('cacheable');
    const { default: KeyvRedis } = await importPeer('@keyv/redis');
    const secondary = new KeyvRedis(redisUrl as string, { namespace: `${prefix}-cacheable` });
    const cache = new CacheableClass({ secondary, ttl: TTL });
    const getProduct = cache.wrap((id: number, query: string, filter: unknown) => loader.fn(id, query, filter), { ttl: TTL, keyPrefix: 'getProduct' });
    return { call: getProduct, reset: () => cache.clear(), close: () => cache.disconnect() };
  },
};

/** Every E row, floor first. */
export const tieredRows: readonly RowDef[] = [
  fromA('floor: Map + JSON.stringify(args)'),
  fromA('cacheflight @Cacheable()'),
  cacheflightTiered,
  bentocacheTiered(true),
  bentocacheTiered(false),
  cacheableTiered,
];
