/**
 * The hit loops of scenarios A (one warm key, the same argument list every call) and G (many
 * warm keys, consecutive calls never repeating their arguments) counted instead of timed:
 * instructions, cache misses and callgrind's cycle estimate per hit under valgrind, the same on
 * every run whatever else the machine is doing (see miss-counts.mjs for the method).
 *
 *   npm run build && node bench/profile/hit-counts.mjs A|G [floor] [freeze] [none]
 *
 * For each row: two runs of the loop (after the same warm-up), with HITS and 3 x HITS hits, the
 * difference divided by the 2 x HITS hits in between, so start-up, warm-up and compilation
 * cancel out. G's argument lists are built before the loop, as in the bench (`[id, 'abc',
 * { a: 1, b: [1, 2] }]`, ids 100,000 + k, a filter object of its own per key), and the loop
 * cycles through them. Needs valgrind, and the library built into dist/.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { callgrindCounts } from './callgrind.mjs';

/** G's warm keys (the bench's G_KEYS). */
const KEYS = 10_000;
const HITS = 50_000;
const self = fileURLToPath(import.meta.url);

if (process.argv[2] === '--loop') {
  await runLoop(process.argv[3], process.argv[4], Number(process.argv[5]));
} else {
  const scenario = process.argv[2] === 'G' ? 'G' : 'A';
  const given = process.argv.slice(3);
  const rows = given.length > 0 ? given : ['floor', 'freeze', 'none'];
  const dir = mkdtempSync(join(tmpdir(), 'hit-counts-'));
  try {
    const results = rows.map((row) => ({ row, ...perHit(scenario, row, dir) }));
    const floor = results.find((r) => r.row === 'floor');
    console.log(`scenario ${scenario}: per hit`);
    console.log('row      Ir/hit   I1 miss  D1 miss  LL miss  estimate  (gc)    vs floor');
    for (const r of results) {
      const vs = floor ? (r.estimate / floor.estimate).toFixed(2) + 'x' : '';
      console.log(
        `${r.row.padEnd(8)} ${f(r.ir, 8)} ${f(r.i1, 8, 1)} ${f(r.d1, 8, 1)} ${f(r.ll, 8, 1)} ${f(r.estimate, 9)}  ${f(r.gcShare * 100, 3)}%  ${vs}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function f(n, width, digits = 0) {
  return n.toFixed(digits).padStart(width);
}

function perHit(scenario, row, dir) {
  const [a, b] = [HITS, 3 * HITS].map((hits) => count(scenario, row, hits, dir));
  const hits = 2 * HITS;
  const d = (key) => (b[key] - a[key]) / hits;
  const estimate = d('Ir') + 10 * (d('I1mr') + d('D1mr') + d('D1mw')) + 100 * (d('ILmr') + d('DLmr') + d('DLmw'));
  const gcEstimate = d('gcIr') + 10 * d('gcL1');
  return { ir: d('Ir'), i1: d('I1mr'), d1: d('D1mr') + d('D1mw'), ll: d('ILmr') + d('DLmr') + d('DLmw'), estimate, gcShare: gcEstimate / estimate };
}

function count(scenario, row, hits, dir) {
  const out = join(dir, `${scenario}.${row}.${hits}.out`);
  return callgrindCounts([self, '--loop', scenario, row, String(hits)], out);
}

/** The measured loop: the scenario's hits on the built library, or the floor. */
async function runLoop(scenario, row, hits) {
  let runs = 0;
  const loader = async (id, query, filter) => {
    runs++;
    return { id, name: `Product ${id}`, price: 9.99, tags: ['a', 'b'] };
  };
  let call;
  if (row === 'floor') {
    const map = new Map();
    call = (...args) => {
      const key = JSON.stringify(args);
      const hit = map.get(key);
      if (hit !== undefined) return hit;
      return loader(...args).then((value) => {
        map.set(key, value);
        return value;
      });
    };
  } else {
    const lib = await import(new URL('../../dist/esm/index.js', import.meta.url).href);
    lib.registerCache(lib.createCache({ store: lib.memoryStore({ maxEntries: 4 * KEYS }), ttl: '5m', immutability: row }));
    class Service {
      getProduct(id, query, filter) {
        return loader(id, query, filter);
      }
    }
    const descriptor = Object.getOwnPropertyDescriptor(Service.prototype, 'getProduct');
    Object.defineProperty(Service.prototype, 'getProduct', lib.Cacheable()(Service.prototype, 'getProduct', descriptor) ?? descriptor);
    const service = new Service();
    call = (...args) => service.getProduct(...args);
  }
  const keys = scenario === 'G' ? KEYS : 1;
  const ids = Array.from({ length: keys }, (_, k) => (scenario === 'G' ? 100_000 + k : 42));
  const filters = Array.from({ length: keys }, () => ({ a: 1, b: [1, 2] }));
  const loop = async (c, n, ids, query, filters, start) => {
    let k = start;
    const last = ids.length - 1;
    for (let i = 0; i < n; i++) {
      await c(ids[k], query, filters[k]);
      k = k === last ? 0 : k + 1;
    }
    return k;
  };
  // Warm-up: every key loaded, then hits enough for the optimizing compiler.
  let k = await loop(call, keys, ids, 'abc', filters, 0);
  k = await loop(call, 30_000, ids, 'abc', filters, k);
  await loop(call, hits, ids, 'abc', filters, k);
  if (runs !== keys) throw new Error(`${scenario} ${row}: ${runs} loads for ${keys} keys`);
}
