/**
 * The B miss path taken apart: the floor, then the floor with one of cacheflight's pieces added
 * at a time, up to a minimal single-flight memoizer ("ideal") and the decorated method, so each
 * piece's cost shows as a difference. Prints the median and the 12.5th percentile per row.
 *
 *   node --import <bench tsx> bench/profile/miss-ablation.ts           all rows, interleaved
 *   ONLY=ideal,@Cacheable node --import <bench tsx> ...                 the floor and matching rows
 *   SOLO=1 ONLY='@Cacheable none' node --import <bench tsx> ...         one row alone (absolute ns):
 *                                                                       no other row's garbage is
 *                                                                       collected during its batches
 *   ROUNDS=30                                                           rounds (default 60)
 */
import { Cacheable, createCache, memoryStore, registerCache } from '../../lib/index.js';
import { encodeArgs } from '../../lib/keys/encode-args.js';
import { A_FILTER, A_QUERY, makeLoader, type Product } from '../harness/workload.js';
import { freshFunction } from '../harness/sampling.js';

type Call = (id: number, q: string, f: unknown) => Promise<Product> | Product;
interface Variant { name: string; make: () => { call: Call; reset: () => void } }

const loader = makeLoader();
const NS = 'MissAblationService.getProduct';
const cache = registerCache(createCache({ store: memoryStore({ maxEntries: 200_000 }), ttl: '5m' }));

const cacheNone = createCache({ store: memoryStore({ maxEntries: 200_000 }), ttl: '5m', immutability: 'none' });

class MissAblationNoneService {
  @Cacheable({ cache: 'none' })
  getProduct(id: number, query: string, filter: unknown): Promise<Product> {
    return loader.fn(id, query, filter);
  }
}
registerCache(cacheNone, 'none');

class MissAblationService {
  @Cacheable()
  getProduct(id: number, query: string, filter: unknown): Promise<Product> {
    return loader.fn(id, query, filter);
  }
}

function mapRow(keyOf: (args: [number, string, unknown]) => string, withFlights: boolean): Variant['make'] {
  return () => {
    let map = new Map<string, Product>();
    const flights = new Map<string, Promise<Product>>();
    return {
      call: (...args: [number, string, unknown]) => {
        const key = keyOf(args);
        const hit = map.get(key);
        if (hit !== undefined) return hit;
        const p = loader.fn(...args).then((value) => {
          map.set(key, value);
          if (withFlights) flights.delete(key);
          return value;
        });
        if (withFlights) flights.set(key, p);
        return p;
      },
      reset: () => { map = new Map(); },
    };
  };
}

const variants: Variant[] = [
  { name: 'floor: JSON.stringify key', make: mapRow((a) => JSON.stringify(a), false) },
  { name: 'encodeArgs key', make: mapRow((a) => encodeArgs(a, 'x'), false) },
  { name: 'ns + encodeArgs key', make: mapRow((a) => NS + ':' + encodeArgs(a, 'x'), false) },
  { name: 'ns + encodeArgs key, flattened', make: mapRow((a) => { const k = NS + ':' + encodeArgs(a, 'x'); k.charCodeAt(0); return k; }, false) },
  
  {
    name: 'MemoryStore get/set',
    make: () => {
      const store = memoryStore({ maxEntries: 200_000 });
      return {
        call: (id, q, f) => {
          const key = encodeArgs([id, q, f], 'x');
          const hit = store.get(NS, key);
          if (hit !== undefined) return hit.value as Product;
          return loader.fn(id, q, f).then((v) => { store.set(NS, key, v, { ttlMs: 300000 }); return v; });
        },
        reset: () => store.clear(),
      };
    },
  },
  {
    name: 'MemoryStore get/set + flight map',
    make: () => {
      const store = memoryStore({ maxEntries: 200_000 });
      const flying = new Map<string, Promise<Product>>();
      return {
        call: (id, q, f) => {
          const key = encodeArgs([id, q, f], 'x');
          const hit = store.get(NS, key);
          if (hit !== undefined) return hit.value as Product;
          const p = loader.fn(id, q, f).then((v) => { store.set(NS, key, v, { ttlMs: 300000 }); flying.delete(key); return v; });
          flying.set(key, p);
          return p;
        },
        reset: () => store.clear(),
      };
    },
  },
  {
    name: 'MemoryStore get/set + flight list',
    make: () => {
      const store = memoryStore({ maxEntries: 200_000 });
      const ids: string[] = [];
      const flying: Array<Promise<Product>> = [];
      return {
        call: (id, q, f) => {
          const key = encodeArgs([id, q, f], 'x');
          const hit = store.get(NS, key);
          if (hit !== undefined) return hit.value as Product;
          for (let i = 0; i < ids.length; i++) if (ids[i] === key) return flying[i]!;
          const p = loader.fn(id, q, f).then((v) => {
            store.set(NS, key, v, { ttlMs: 300000 });
            const at = ids.indexOf(key);
            const last = ids.length - 1;
            ids[at] = ids[last]!; flying[at] = flying[last]!; ids.pop(); flying.pop();
            return v;
          });
          ids.push(key); flying.push(p);
          return p;
        },
        reset: () => store.clear(),
      };
    },
  },
  {
    name: 'ideal: store + flights + then',
    make: () => idealRow(false),
  },
  {
    name: 'ideal: store + flights + then + freeze',
    make: () => idealRow(true),
  },
  { name: 'ns + encodeArgs key + flights', make: mapRow((a) => NS + ':' + encodeArgs(a, 'x'), true) },
  {
    name: '@Cacheable',
    make: () => {
      const s = new MissAblationService();
      return { call: (id, q, f) => s.getProduct(id, q, f), reset: () => void cache.clear() };
    },
  },
  {
    name: 'Cache.load none',
    make: () => {
      const policy = { label: 'x', ttlMs: undefined, ttlOf: undefined, tagsOf: undefined, resultTagsOf: undefined, unless: undefined };
      const fn = (id: number, q: string, f: unknown): Promise<Product> => loader.fn(id, q, f);
      return {
        call: (id, q, f) => {
          const args = [id, q, f];
          return cacheNone.load(NS + 'L', encodeArgs(args, 'x'), policy, undefined, fn, args) as Promise<Product>;
        },
        reset: () => void cacheNone.clear(),
      };
    },
  },
  {
    name: '@Cacheable none',
    make: () => {
      const s = new MissAblationNoneService();
      return { call: (id, q, f) => s.getProduct(id, q, f), reset: () => void cacheNone.clear() };
    },
  },
];

function deepFreeze(o: object): void {
  const values = Array.isArray(o) ? o : Object.values(o);
  for (let i = 0; i < values.length; i++) {
    const c: unknown = values[i];
    if (typeof c === 'object' && c !== null) deepFreeze(c);
  }
  Object.freeze(o);
}

function idealRow(freeze: boolean): { call: Call; reset: () => void } {
  const store = memoryStore({ maxEntries: 200_000 });
  const flights = new Map<string, Map<string, Promise<Product>>>();
  flights.set(NS, new Map());
  return {
    call: (id, q, f) => {
      const key = encodeArgs([id, q, f], 'x');
      const inner = flights.get(NS)!;
      const flying = inner.get(key);
      if (flying !== undefined) return flying;
      const hit = store.get(NS, key);
      if (hit !== undefined) return hit.value as Product;
      const p = loader.fn(id, q, f).then((v) => {
        if (freeze) deepFreeze(v);
        store.set(NS, key, v, { ttlMs: 300000 });
        inner.delete(key);
        return v;
      });
      inner.set(key, p);
      return p;
    },
    reset: () => store.clear(),
  };
}

const BATCH = 5_000;
const ROUNDS = Number(process.env.ROUNDS ?? 60);
const ONLY = process.env.ONLY?.split(',');
let nextId = 1e7;
const loops = variants.filter((v, i) => ONLY === undefined || (i === 0 && process.env.SOLO === undefined) || ONLY.some((o) => v.name.includes(o))).map((v) => ({ v, inst: v.make(), loop: freshFunction<(c: Call, n: number, b: number, q: string, f: unknown) => Promise<void>>('async (c, n, b, q, f) => { for (let i = 0; i < n; i++) await c(b + i, q, f); }'), samples: [] as number[] }));
for (let round = 0; round < ROUNDS; round++) {
  for (let k = 0; k < loops.length; k++) {
    const l = loops[(k + round) % loops.length]!;
    l.inst.reset();
    const base = nextId;
    nextId += BATCH;
    const t = process.hrtime.bigint();
    await l.loop(l.inst.call, BATCH, base, A_QUERY, A_FILTER);
    if (round >= 5) l.samples.push(Number(process.hrtime.bigint() - t) / BATCH);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const floor = process.env.SOLO === undefined ? median(loops[0]!.samples) : 1;
const low = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 3]!;
const floorLow = process.env.SOLO === undefined ? low(loops[0]!.samples) : 1;
for (const l of loops) {
  const m = median(l.samples);
  const p = low(l.samples);
  console.log(`${m.toFixed(0).padStart(6)} ns  ${(m / floor).toFixed(2)}x   p12.5 ${p.toFixed(0).padStart(6)} ns  ${(p / floorLow).toFixed(2)}x  ${l.v.name}`);
}
