/**
 * Profiling target: cacheflight's decorated method in a long loop and nothing else, on the hit
 * path of scenario A (same warm key), the hit path of scenario G (10,000 warm keys, cycled, so
 * consecutive calls never repeat their arguments) or the miss path of scenario B (a new key per
 * call). See
 * bench/README.md for the commands (node --cpu-prof, then summarize-cpuprofile.mjs).
 *
 *   node --cpu-prof --cpu-prof-dir=prof --import <bench tsx> bench/profile/hot-path.ts hit|miss [calls] [legacy]
 */
import { Cacheable, createCache, memoryStore, registerCache } from '../../lib/index.js';
import { applyLegacyMethodDecorator } from '../harness/rows.js';
import { A_FILTER, A_ID, A_QUERY, G_KEYS, makeLoader, manyKeyArguments, type Loader, type Product } from '../harness/workload.js';

const mode = process.argv[2] === 'miss' ? 'miss' : process.argv[2] === 'many' ? 'many' : 'hit';
const calls = Number(process.argv[3] ?? (mode === 'miss' ? 1_000_000 : 10_000_000));
const legacy = process.argv[4] === 'legacy';

// As in scenario B: the miss path starts from an emptied cache every 5,000 calls, bound 200,000.
const cache = registerCache(createCache({ store: memoryStore({ maxEntries: 200_000 }), ttl: '5m' }));

class ProfiledProductService {
  constructor(readonly loader: Loader) {}

  @Cacheable()
  getProduct(id: number, query: string, filter: unknown): Promise<Product> {
    return this.loader.fn(id, query, filter);
  }
}

class ProfiledLegacyProductService {
  constructor(readonly loader: Loader) {}

  getProduct(id: number, query: string, filter: unknown): Promise<Product> {
    return this.loader.fn(id, query, filter);
  }
}
applyLegacyMethodDecorator(ProfiledLegacyProductService.prototype, 'getProduct', Cacheable());

const loader = makeLoader();
const service = legacy ? new ProfiledLegacyProductService(loader) : new ProfiledProductService(loader);
await service.getProduct(A_ID, A_QUERY, A_FILTER);
// Scenario G's argument lists, built ahead and warmed (every key loaded once).
const { ids: G_IDS, filters: G_FILTERS } = manyKeyArguments(G_KEYS);
if (mode === 'many') for (let k = 0; k < G_IDS.length; k++) await service.getProduct(G_IDS[k] as number, A_QUERY, G_FILTERS[k]);
const start = process.hrtime.bigint();
if (mode === 'hit') for (let i = 0; i < calls; i++) await service.getProduct(A_ID, A_QUERY, A_FILTER);
else if (mode === 'many') {
  let k = 0;
  for (let i = 0; i < calls; i++) {
    await service.getProduct(G_IDS[k] as number, A_QUERY, G_FILTERS[k]);
    k = k === G_IDS.length - 1 ? 0 : k + 1;
  }
} else {
  for (let i = 0; i < calls; i++) {
    if (i % 5_000 === 0) await cache.clear();
    await service.getProduct(1_000_000 + i, A_QUERY, A_FILTER);
  }
}
const ns = Number(process.hrtime.bigint() - start);
console.log(`${mode}, ${legacy ? 'legacy' : 'standard'} decorators: ${(ns / calls).toFixed(1)} ns/call over ${calls.toLocaleString('en-US')} calls; loader runs: ${loader.runs}`);
