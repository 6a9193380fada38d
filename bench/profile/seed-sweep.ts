/**
 * How much a trace's W-TinyLFU hit ratio depends on the store's hash seed: the trace replayed
 * (as in `npm run bench:hitratio`: a hit when the key is present, else a write) at one bound with
 * each of a fixed list of seeds, then the min / median / max and how many seeds fall below a
 * floor. A frequency sketch's collisions differ per seed; exact counts would give one value.
 *
 *   node --import <bench tsx> bench/profile/seed-sweep.ts [trace=gli] [entries=1000] [seeds=100] [floor=50]
 *
 * `trace` is a file of ../shared/traces/ without `.keys.gz` (gli = glimpse, oltp = OLTP); the
 * seeds are 1..seeds mixed with the golden ratio, the same on every run.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { MemoryStore } from '../../lib/stores/memory.js';
import { mix32 } from '../../lib/stores/memory/sketch.js';
import { BENCH_DIR } from '../harness/child.js';

const [trace = 'gli', entriesArg = '1000', seedsArg = '100', floorArg = '50'] = process.argv.slice(2);
const entries = Number(entriesArg);
const seeds = Number(seedsArg);
const floor = Number(floorArg);

const text = execFileSync('gzip', ['-dc', join(BENCH_DIR, '..', '..', 'shared', 'traces', `${trace}.keys.gz`)], { encoding: 'utf8', maxBuffer: 1 << 30 });
const ids = new Map<string, string>();
const keys = text
  .split('\n')
  .filter((line) => line.length > 0)
  .map((line) => {
    let id = ids.get(line);
    if (id === undefined) ids.set(line, (id = String(ids.size)));
    return id;
  });

const ratios: number[] = [];
const write = { ttlMs: Infinity };
for (let s = 1; s <= seeds; s++) {
  const store = new MemoryStore({ maxEntries: entries }, { hashSeed: mix32(Math.imul(s, 0x9e3779b9)) });
  let hits = 0;
  for (const id of keys) {
    if (store.get('t', id) !== undefined) hits++;
    else store.set('t', id, true, write);
  }
  ratios.push((100 * hits) / keys.length);
}
ratios.sort((a, b) => a - b);
const at = (q: number): number => ratios[Math.min(ratios.length - 1, Math.floor(q * ratios.length))] as number;
const below = ratios.filter((ratio) => ratio < floor).length;
console.log(
  `${trace} at ${entries.toLocaleString('en-US')} entries, ${seeds} seeds: min ${at(0).toFixed(2)}  median ${at(0.5).toFixed(2)}  max ${at(1).toFixed(2)}  below ${floor}: ${below}`,
);
