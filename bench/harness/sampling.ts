/**
 * Interleaved sampling: every row of a scenario runs in the same process, one batch per row per
 * round, the rows' order rotating each round, so a slow phase of a noisy machine hits every row
 * alike and the ratios between rows hold even when the absolute figures drift.
 */
import { summarize, type Summary } from './stats.js';

/** Something measured in batches: `run(n)` performs `n` operations and answers the elapsed ns of the timed part. */
export interface Timed {
  readonly name: string;
  run(n: number): Promise<number>;
}

export interface SamplingOptions {
  /** Rounds; each gives one sample per row. */
  readonly samples: number;
  /** Aim of one batch's duration; the batch size of each row is calibrated to it. */
  readonly batchMs: number;
  /** Untimed rounds first (JIT warm-up, caches filled). */
  readonly warmupRounds: number;
  /** Largest batch (e.g. the number of fresh keys a miss batch may use). */
  readonly maxBatch?: number;
  /** Smallest batch. */
  readonly minBatch?: number;
  /** Called with a short progress line. */
  readonly progress?: (line: string) => void;
}

export interface Sampled {
  /** ns per operation of every round. */
  readonly perOp: readonly number[];
  readonly summary: Summary;
  /** Operations per batch. */
  readonly batch: number;
}

/** A batch size whose run takes about `batchMs` (doubling, then scaling). */
export async function calibrate(timed: Timed, batchMs: number, minBatch = 1, maxBatch = 1 << 24): Promise<number> {
  let n = Math.max(1, minBatch);
  const target = batchMs * 1e6;
  for (;;) {
    const ns = await timed.run(n);
    if (ns >= target / 8 || n >= maxBatch) {
      const scaled = Math.round((n * target) / Math.max(ns, 1));
      return Math.min(maxBatch, Math.max(minBatch, scaled));
    }
    n = Math.min(maxBatch, n * 4);
  }
}

/** Sample every row, interleaved (round-robin, rotating start). */
export async function sampleInterleaved(rows: readonly Timed[], options: SamplingOptions): Promise<Map<string, Sampled>> {
  const batches = new Map<string, number>();
  for (const row of rows) {
    const n = await calibrate(row, options.batchMs, options.minBatch ?? 1, options.maxBatch);
    batches.set(row.name, n);
  }
  const perOp = new Map<string, number[]>(rows.map((row) => [row.name, []]));
  const rounds = options.warmupRounds + options.samples;
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < rows.length; k++) {
      const row = rows[(k + round) % rows.length] as Timed;
      const n = batches.get(row.name) as number;
      const ns = await row.run(n);
      if (round >= options.warmupRounds) perOp.get(row.name)?.push(ns / n);
    }
    options.progress?.(`round ${round + 1}/${rounds}`);
  }
  const out = new Map<string, Sampled>();
  for (const row of rows) {
    const list = perOp.get(row.name) as number[];
    out.set(row.name, { perOp: list, summary: summarize(list), batch: batches.get(row.name) as number });
  }
  return out;
}

let loopSerial = 0;

/**
 * Compile `source` (an expression evaluating to a function) into a function of its own: a unique
 * comment makes V8 compile a distinct copy, so each row's measuring loop gathers its own type
 * feedback and stays monomorphic instead of sharing one megamorphic call site with every row.
 */
export function freshFunction<F>(source: string): F {
  loopSerial++;
  return new Function(`/* bench loop ${loopSerial} */ return (${source});`)() as F;
}

/** Elapsed ns of an async function (high-resolution clock). */
export async function timeNs(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start);
}
