/**
 * Micro-benchmark of the key encoder alone (the miss path's encoding, scenario B's arguments)
 * and of the last-arguments memo's comparison (the hit path's, scenario A's): ns per call,
 * median of rounds. Run from the repo root:
 *
 *   npx tsx bench/profile/encode-args.ts [rounds]
 */
import { encodeArgs } from '../../lib/keys/encode-args.js';
import { LastArgsMemo } from '../../lib/keys/last-args-memo.js';

const rounds = Number(process.argv[2] ?? 15);
const N = 200_000;
const ids = Array.from({ length: N }, (_, i) => i);
const filters = Array.from({ length: N }, (_, i) => ({ a: i % 7, b: [1, 2] }));

function encodeRound(): number {
  let sink = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) sink += encodeArgs([ids[i], 'abc', filters[i]], 'P.get').length;
  const ns = Number(process.hrtime.bigint() - start) / N;
  if (sink === 0) throw new Error('unreachable');
  return ns;
}

const memo = new LastArgsMemo();
const warm = [42, 'abc', { a: 1, b: [1, 2] }] as const;
const key = encodeArgs(warm, 'P.get');
memo.observe(warm, key);
memo.observe(warm, key);
function memoRound(): number {
  let hits = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) if (memo.lookup([42, 'abc', { a: 1, b: [1, 2] }]) !== undefined) hits++;
  const ns = Number(process.hrtime.bigint() - start) / N;
  if (hits !== N) throw new Error('the memo missed');
  return ns;
}

const median = (xs: number[]): number => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const enc: number[] = [];
const look: number[] = [];
for (let r = 0; r < rounds; r++) {
  enc.push(encodeRound());
  look.push(memoRound());
}
console.log(`encodeArgs([i, 'abc', { a, b: [1, 2] }]): ${median(enc).toFixed(1)} ns (min ${Math.min(...enc).toFixed(1)})`);
console.log(`memo lookup, same arguments:            ${median(look).toFixed(1)} ns (min ${Math.min(...look).toFixed(1)})`);
