/**
 * What the hit scenarios (A in memory, E with two tiers) share: the timed loop, the sampling
 * settings, and the probes run on a fresh instance of each row afterwards.
 */
import { messageOf, rowIdentity, type RowResult } from './child.js';
import type { RowContext, RowDef, RowInstance } from './rows.js';
import { freshFunction, type Sampled, type SamplingOptions } from './sampling.js';
import { makeLoader, runProbes, type Loader } from './workload.js';

/** A row of a hit scenario, ready to time. */
export interface HitRow {
  readonly row: RowDef;
  readonly instance: RowInstance;
  readonly loader: Loader;
  /** Calls made on `instance` so far. */
  calls: number;
}

/** `n` awaited calls with the same arguments. */
export type HitLoop = (call: RowInstance['call'], n: number, id: number, query: string, filter: unknown) => Promise<void>;

/** A hit loop compiled for one row alone (no call site shared with the other rows). */
export function freshHitLoop(): HitLoop {
  return freshFunction<HitLoop>('async (call, n, id, query, filter) => { for (let i = 0; i < n; i++) await call(id, query, filter); }');
}

/** Sampling of a hit scenario: many short batches (a smoke run: a few tiny ones). */
export function hitSampling(smoke: boolean, scenario: string, progress: (line: string) => void): SamplingOptions {
  return {
    samples: smoke ? 2 : 21,
    warmupRounds: smoke ? 1 : 3,
    batchMs: smoke ? 2 : 40,
    minBatch: smoke ? 8 : 64,
    maxBatch: smoke ? 2_000 : 4_000_000,
    progress: (line) => progress(`${scenario} ${line}`),
  };
}

/**
 * The probes (argument lists that must not share an entry) on a fresh instance of `row`: the
 * pairs it answered with the other call's value, or why the probe could not run.
 */
export async function probeRow(row: RowDef, context: Omit<RowContext, 'loader'>): Promise<string[]> {
  try {
    const instance = await row.create({ ...context, loader: makeLoader({ withSignature: true }) });
    const wrong = await runProbes(async (id, query, filter) => instance.call(id, query, filter));
    await instance.close();
    return wrong;
  } catch (error) {
    return [`probe failed: ${messageOf(error)}`];
  }
}

/**
 * A hit row's result: a caching row must have loaded once (its warm-up) and kept the probes
 * apart; a row that does not cache must have loaded on every call.
 */
export function hitRowResult(p: HitRow, sampled: ReadonlyMap<string, Sampled>, probesWrong: readonly string[], extra: Record<string, string>): RowResult {
  const loads = p.loader.runs;
  return {
    ...rowIdentity(p.row),
    summary: sampled.get(p.row.name)?.summary,
    loads,
    expectedLoads: p.row.caches ? 1 : undefined,
    cachingOk: p.row.caches ? loads === 1 : loads === p.calls,
    probesWrong: p.row.caches ? probesWrong : undefined,
    extra,
  };
}
