/**
 * Where scenario A's hit time goes, piece by piece: each step of cacheflight's hit path timed
 * alone (same arguments, fresh strings every call as in the real path), next to the floor's
 * pieces. Complements the sampling profile, whose attribution blurs once TurboFan inlines.
 *
 *   node --import <bench tsx> bench/profile/ablation.ts
 */
import { encodeArgs } from '../../lib/keys/encode-args.js';
import { Cacheable, createCache, memoryStore, registerCache } from '../../lib/index.js';
import { A_FILTER, A_ID, A_QUERY, makeLoader, type Loader, type Product } from '../harness/workload.js';

const N = Number(process.argv[2] ?? 3_000_000);
const ROUNDS = 7;
const NAMESPACE = 'CacheflightProductService.getProduct';
const args: unknown[] = [A_ID, A_QUERY, A_FILTER];

let sink: unknown;
const cases: Array<[string, () => unknown]> = [];
const add = (name: string, fn: () => unknown): void => {
  cases.push([name, fn]);
};

// --- key building
add('JSON.stringify(args)', () => JSON.stringify(args));
add('encodeArgs(args)', () => encodeArgs(args, 'X.getProduct'));
add("namespace + ':' + encodeArgs(args)", () => NAMESPACE + ':' + encodeArgs(args, 'X.getProduct'));

// --- map lookups with a fresh key each call (hash not cached, as on the real path)
const flatKey = JSON.stringify(args);
const cfKey = NAMESPACE + ':' + encodeArgs(args, 'X.getProduct');
const floorMap = new Map<string, unknown>([[flatKey, { id: 42 }]]);
const cfMap = new Map<string, unknown>([[cfKey, { id: 42 }]]);
add('map.get(JSON.stringify(args))  [floor minus await]', () => floorMap.get(JSON.stringify(args)));
add("map.get(namespace + ':' + encodeArgs(args))", () => cfMap.get(NAMESPACE + ':' + encodeArgs(args, 'X.getProduct')));
const idOnlyMap = new Map<string, unknown>([[encodeArgs(args, 'X.getProduct'), { id: 42 }]]);
add('map.get(encodeArgs(args))  [per-namespace map: no prefix]', () => idOnlyMap.get(encodeArgs(args, 'X.getProduct')));

// --- store and cache
const store = memoryStore({ maxEntries: 10_000 });
store.set(cfKey, { id: 42 }, { ttlMs: 300_000 });
add("memoryStore.get(namespace + ':' + encodeArgs(args))", () => store.get(NAMESPACE + ':' + encodeArgs(args, 'X.getProduct')));
add('memoryStore.get(same key string, hash cached)', () => store.get(cfKey));
const storeInf = memoryStore({ maxEntries: 10_000 });
storeInf.set(cfKey, { id: 42 }, { ttlMs: Infinity });
add('memoryStore.get(same key, ttl Infinity: no Date.now)', () => storeInf.get(cfKey));
add('Date.now()', () => Date.now());
add('Promise.resolve(value)', () => Promise.resolve(sink));

// --- the decorated method, without and with the await
const cache = registerCache(createCache({ store: memoryStore({ maxEntries: 10_000 }), ttl: '5m' }));
class AblationProductService {
  constructor(readonly loader: Loader) {}

  @Cacheable()
  getProduct(id: number, query: string, filter: unknown): Promise<Product> {
    return this.loader.fn(id, query, filter);
  }
}
const service = new AblationProductService(makeLoader());
await service.getProduct(A_ID, A_QUERY, A_FILTER);
add('service.getProduct(...) (no await)', () => service.getProduct(A_ID, A_QUERY, A_FILTER));
void cache;

function measure(fn: () => unknown): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) sink = fn();
  return Number(process.hrtime.bigint() - start) / N;
}

async function measureAwait(fn: () => unknown): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) sink = await fn();
  return Number(process.hrtime.bigint() - start) / N;
}

const results = new Map<string, number[]>();
const awaited: Array<[string, () => unknown]> = [
  ['await map.get(JSON.stringify(args))  [the floor]', () => floorMap.get(JSON.stringify(args))],
  ['await service.getProduct(...)  [cacheflight row]', () => service.getProduct(A_ID, A_QUERY, A_FILTER)],
  ['await Promise.resolve(value)', () => Promise.resolve(sink)],
  ['await value (non-promise)', () => sink],
];
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, fn] of cases) (results.get(name) ?? results.set(name, []).get(name))?.push(measure(fn));
  for (const [name, fn] of awaited) (results.get(name) ?? results.set(name, []).get(name))?.push(await measureAwait(fn));
}
const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
for (const [name, xs] of results) console.log(`${med(xs).toFixed(1).padStart(8)} ns  ${name}`);
void sink;
