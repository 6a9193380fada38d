/**
 * What two of cacheflight's own options cost on the A (hit) and B (miss) paths, measured through
 * the public API, interleaved against the floor: `immutability: 'none'` (no frozen copy on store)
 * and `ttl: Infinity` (the memory store skips its Date.now() on a hit). Each variant is a named
 * cache selected with `@Cacheable({ cache })`.
 *
 *   node --import <bench tsx> bench/profile/variants.ts
 */
import { Cacheable, createCache, memoryStore, registerCache, type Cache } from '../../lib/index.js';
import { freshFunction, sampleInterleaved, type Timed } from '../harness/sampling.js';
import { A_FILTER, A_ID, A_QUERY, makeLoader, type Product } from '../harness/workload.js';

const BATCH = 5_000;
const loader = makeLoader();
const caches: Record<string, Cache> = {
  default: registerCache(createCache({ store: memoryStore({ maxEntries: 200_000 }), ttl: '5m' }), 'v-default'),
  none: registerCache(createCache({ store: memoryStore({ maxEntries: 200_000 }), ttl: '5m', immutability: 'none' }), 'v-none'),
  infinity: registerCache(createCache({ store: memoryStore({ maxEntries: 200_000 }), ttl: Infinity }), 'v-infinity'),
  both: registerCache(createCache({ store: memoryStore({ maxEntries: 200_000 }), ttl: Infinity, immutability: 'none' }), 'v-both'),
};

class VariantDefault {
  @Cacheable({ cache: 'v-default' })
  getProduct(id: number, query: string, filter: unknown): Promise<Product> {
    return loader.fn(id, query, filter);
  }
}
class VariantNone {
  @Cacheable({ cache: 'v-none' })
  getProduct(id: number, query: string, filter: unknown): Promise<Product> {
    return loader.fn(id, query, filter);
  }
}
class VariantInfinity {
  @Cacheable({ cache: 'v-infinity' })
  getProduct(id: number, query: string, filter: unknown): Promise<Product> {
    return loader.fn(id, query, filter);
  }
}
class VariantBoth {
  @Cacheable({ cache: 'v-both' })
  getProduct(id: number, query: string, filter: unknown): Promise<Product> {
    return loader.fn(id, query, filter);
  }
}

const floorMap = new Map<string, Product>();
const floor = {
  getProduct: (...args: [number, string, unknown]): Product | Promise<Product> => {
    const key = JSON.stringify(args);
    const hit = floorMap.get(key);
    if (hit !== undefined) return hit;
    return loader.fn(...args).then((value) => {
      floorMap.set(key, value);
      return value;
    });
  },
};

const services: Array<[string, { getProduct(id: number, q: string, f: unknown): unknown }, () => unknown]> = [
  ['floor: Map + JSON.stringify(args)', floor, () => floorMap.clear()],
  ["cacheflight default (ttl '5m', freeze)", new VariantDefault(), () => caches['default']?.clear()],
  ["immutability: 'none'", new VariantNone(), () => caches['none']?.clear()],
  ['ttl: Infinity', new VariantInfinity(), () => caches['infinity']?.clear()],
  ["ttl: Infinity + immutability: 'none'", new VariantBoth(), () => caches['both']?.clear()],
];

type Loop = (svc: { getProduct(id: number, q: string, f: unknown): unknown }, n: number, base: number, query: string, filter: unknown) => Promise<void>;
let nextId = 10_000_000;
for (const mode of ['hit', 'miss'] as const) {
  const timed: Timed[] = services.map(([name, svc, clear]) => {
    const loop = freshFunction<Loop>(
      mode === 'hit'
        ? 'async (svc, n, base, query, filter) => { for (let i = 0; i < n; i++) await svc.getProduct(base, query, filter); }'
        : 'async (svc, n, base, query, filter) => { for (let i = 0; i < n; i++) await svc.getProduct(base + i, query, filter); }',
    );
    return {
      name,
      run: async (n) => {
        let base = A_ID;
        if (mode === 'miss') {
          await clear();
          base = nextId;
          nextId += n;
        }
        const start = process.hrtime.bigint();
        await loop(svc, n, base, A_QUERY, A_FILTER);
        return Number(process.hrtime.bigint() - start);
      },
    };
  });
  if (mode === 'hit') for (const [, svc] of services) await svc.getProduct(A_ID, A_QUERY, A_FILTER);
  const sampled = await sampleInterleaved(timed, {
    samples: 15,
    warmupRounds: 2,
    batchMs: 30,
    ...(mode === 'miss' ? { minBatch: BATCH, maxBatch: BATCH } : { minBatch: 64 }),
  });
  const floorMedian = sampled.get(services[0]?.[0] as string)?.summary.median as number;
  console.log(`\n${mode === 'hit' ? 'A hit' : 'B miss'} path, ns/call (median of 15, interleaved):`);
  for (const [name] of services) {
    const s = sampled.get(name)?.summary;
    if (s) console.log(`${s.median.toFixed(0).padStart(7)} ns  ${(s.median / floorMedian).toFixed(2)}x floor  (IQR ${s.q1.toFixed(0)}–${s.q3.toFixed(0)})  ${name}`);
  }
}
console.log(`\nloader runs: ${loader.runs}`);
