/**
 * Scenario B's miss loop counted instead of timed: instructions, cache misses and allocation per
 * miss under valgrind's callgrind, the same on every run whatever else the machine is doing. The
 * time figures of a shared 2-core machine move by 10% between runs; these move by well under 1%,
 * so a change worth 2% shows.
 *
 *   npm run build && node bench/profile/miss-counts.mjs [floor] [freeze] [none] [freeze-lru] [none-lru]
 *
 * For each row: two runs of the loop (10 and 30 passes of 5,000 fresh keys, each pass from an
 * emptied cache, as in B), the difference divided by the 100,000 misses in between, so start-up
 * and compilation cancel out. Node runs with --single-threaded --predictable (no background
 * compiler or collector threads, whose work would land anywhere). Columns: instructions (Ir),
 * first-level instruction and data cache misses, last-level misses, callgrind's cycle estimate
 * Ir + 10 x L1 misses + 100 x LL misses, the share of that in the garbage collector, and the
 * ratio to the floor. Needs valgrind, and the library built into dist/ (the loop imports it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { callgrindCounts } from './callgrind.mjs';

const PASS = 5_000;
const self = fileURLToPath(import.meta.url);

if (process.argv[2] === '--loop') {
  await runLoop(process.argv[3], Number(process.argv[4]));
} else {
  const rows = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['floor', 'freeze', 'none'];
  const dir = mkdtempSync(join(tmpdir(), 'miss-counts-'));
  try {
    const results = rows.map((row) => ({ row, ...perMiss(row, dir) }));
    const floor = results.find((r) => r.row === 'floor');
    console.log('row      Ir/miss  I1 miss  D1 miss  LL miss  estimate  (gc)    vs floor');
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

/** Per-miss counts of one row: runs of 10 and 30 passes, differenced. */
function perMiss(row, dir) {
  const [a, b] = [10, 30].map((passes) => count(row, passes, dir));
  const misses = 20 * PASS;
  const d = (key) => (b[key] - a[key]) / misses;
  const estimate = d('Ir') + 10 * (d('I1mr') + d('D1mr') + d('D1mw')) + 100 * (d('ILmr') + d('DLmr') + d('DLmw'));
  const gcEstimate = d('gcIr') + 10 * d('gcL1');
  return { ir: d('Ir'), i1: d('I1mr'), d1: d('D1mr') + d('D1mw'), ll: d('ILmr') + d('DLmr') + d('DLmw'), estimate, gcShare: gcEstimate / estimate };
}

/** Callgrind totals of one run, and the part spent in V8's garbage collector. */
function count(row, passes, dir) {
  const out = join(dir, `${row}.${passes}.out`);
  return callgrindCounts([self, '--loop', row, String(passes)], out);
}

/** The measured loop: B's workload on the built library, or the floor. */
async function runLoop(row, passes) {
  let runs = 0;
  const loader = async (id, query, filter) => {
    runs++;
    return { id, name: `Product ${id}`, price: 9.99, tags: ['a', 'b'] };
  };
  let call;
  let reset;
  if (row === 'floor') {
    let map = new Map();
    call = (...args) => {
      const key = JSON.stringify(args);
      const hit = map.get(key);
      if (hit !== undefined) return hit;
      return loader(...args).then((value) => {
        map.set(key, value);
        return value;
      });
    };
    reset = () => (map = new Map());
  } else {
    // Only here: the floor row runs without the library loaded at all.
    const lib = await import(new URL('../../dist/esm/index.js', import.meta.url).href);
    // `none-lru`: the same row on the memory store's LRU policy instead of the default W-TinyLFU.
    const [immutability, policy = 'tinylfu'] = row.split('-');
    const cache = lib.registerCache(lib.createCache({ store: lib.memoryStore({ maxEntries: 200_000, policy }), ttl: '5m', immutability }));
    class Service {
      getProduct(id, query, filter) {
        return loader(id, query, filter);
      }
    }
    // The legacy decorator convention: plain JavaScript has no decorator syntax.
    const descriptor = Object.getOwnPropertyDescriptor(Service.prototype, 'getProduct');
    Object.defineProperty(Service.prototype, 'getProduct', lib.Cacheable()(Service.prototype, 'getProduct', descriptor) ?? descriptor);
    const service = new Service();
    call = (...args) => service.getProduct(...args);
    reset = () => cache.clear();
  }
  const loop = async (c, n, base, query, filter) => {
    for (let i = 0; i < n; i++) await c(base + i, query, filter);
  };
  const filter = { a: 1, b: [1, 2] };
  let next = 10_000_000;
  for (let pass = 0; pass < passes; pass++) {
    await reset();
    await loop(call, PASS, next, 'abc', filter);
    next += PASS;
  }
  if (runs !== passes * PASS) throw new Error(`${row}: ${runs} loads for ${passes * PASS} misses`);
}
