/**
 * Scenario F: a hot key at expiry. One key with a 200 ms TTL, a 20 ms loader, 64 concurrent
 * callers each calling in a loop (yielding to the event loop with setImmediate between calls, as
 * a server does between requests, so timers and background refreshes run). Every row in this
 * process, interleaved: each round runs every row in turn (rotating order) from an emptied cache
 * whose key was loaded once (the warm-up load), for ROUND_MS. Per row: loader runs during the
 * measured phase (and per TTL period elapsed), call latency quantiles, calls slower than
 * WAIT_THRESHOLD_MS (calls that waited for a load: a hit takes microseconds, the loader 20 ms),
 * and calls per second.
 */
import { F_LOAD_WAITS } from '../harness/report.js';
import { benchConfig, emitResult, messageOf, progress, rowIdentity, type RowResult, type ScenarioResult } from '../harness/child.js';
import { LatencyHistogram } from '../harness/latency.js';
import type { RowDef, RowInstance } from '../harness/rows.js';
import { freshFunction } from '../harness/sampling.js';
import { summarize } from '../harness/stats.js';
import { A_FILTER, A_QUERY, makeLoader, type Loader } from '../harness/workload.js';
import { F_HIT_REFERENCE, F_SWR, F_TTL_MS, freshnessRows } from '../peers/freshness.js';

const config = benchConfig();
const CALLERS = 64;
const LOADER_MS = 20;
const WAIT_THRESHOLD_MS = 10; // bench/harness/report.ts reads the same threshold (F_WAIT_MS)
const ROUND_MS = config.smoke ? 300 : 2_000;
const ROUNDS = config.smoke ? 2 : 6; // the first of 6 is a warm-up round (JIT), not counted
const ID = 60_000_000;

type CallerLoop = (
  call: RowInstance['call'],
  id: number,
  query: string,
  filter: unknown,
  deadline: number,
  hist: LatencyHistogram,
) => Promise<number[]>;

const CALLER_SOURCE = `async (call, id, query, filter, deadline, hist) => {
  let calls = 0, wrong = 0;
  while (performance.now() < deadline) {
    const t0 = performance.now();
    const value = await call(id, query, filter);
    hist.record((performance.now() - t0) * 1e6);
    if (value === undefined || value === null || value.id !== id) wrong++;
    calls++;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return [calls, wrong];
}`;

interface Round {
  readonly loads: number;
  readonly periods: number;
  readonly calls: number;
  readonly wrong: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly waited: number;
  /** cacheflight rows: calls that waited for a load by the cache's counters (see RowInstance.loadWaits). */
  readonly loadWaits: number | undefined;
}

interface Held {
  readonly row: RowDef;
  readonly instance?: RowInstance;
  readonly loader: Loader;
  readonly loop: CallerLoop;
  readonly rounds: Round[];
  error?: string;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function runRound(h: Held): Promise<Round> {
  const instance = h.instance as RowInstance;
  await instance.reset();
  const first = await instance.call(ID, A_QUERY, A_FILTER); // the warm-up load
  if (first?.id !== ID) throw new Error(`the warm-up call answered ${JSON.stringify(first)}`);
  const hist = new LatencyHistogram(WAIT_THRESHOLD_MS * 1e6);
  const before = h.loader.runs;
  const waitsBefore = instance.loadWaits?.();
  const start = performance.now();
  const deadline = start + ROUND_MS;
  const callers: Array<Promise<number[]>> = [];
  for (let i = 0; i < CALLERS; i++) callers.push(h.loop(instance.call, ID, A_QUERY, A_FILTER, deadline, hist));
  const outcomes = await Promise.all(callers);
  const elapsed = performance.now() - start;
  const loads = h.loader.runs - before;
  const loadWaits = waitsBefore === undefined ? undefined : (instance.loadWaits?.() ?? 0) - waitsBefore;
  await sleep(LOADER_MS * 3); // let a refresh in flight land before the next row runs
  const calls = outcomes.reduce((s, o) => s + (o[0] as number), 0);
  return {
    loads,
    periods: elapsed / F_TTL_MS,
    calls,
    wrong: outcomes.reduce((s, o) => s + (o[1] as number), 0),
    perSecond: calls / (elapsed / 1000),
    p50: hist.quantile(0.5) / 1e3,
    p99: hist.quantile(0.99) / 1e3,
    p999: hist.quantile(0.999) / 1e3,
    max: hist.maxNs / 1e3,
    waited: hist.above,
    loadWaits,
  };
}

const rows = freshnessRows.filter((row) => !config.only || row.name.includes(config.only) || row.role === 'floor');
const held: Held[] = [];
for (const row of rows) {
  const loader = makeLoader({ delayMs: LOADER_MS });
  const loop = freshFunction<CallerLoop>(CALLER_SOURCE);
  try {
    held.push({ row, instance: await row.create({ loader, maxEntries: 10_000, prefix: 'f' }), loader, loop, rounds: [] });
  } catch (error) {
    held.push({ row, loader, loop, rounds: [], error: messageOf(error) });
  }
}

for (let round = 0; round < ROUNDS; round++) {
  for (let k = 0; k < held.length; k++) {
    const h = held[(k + round) % held.length] as Held;
    if (h.error !== undefined) continue;
    try {
      const r = await runRound(h);
      if (round === 0 && ROUNDS > 2) continue; // warm-up round
      h.rounds.push(r);
    } catch (error) {
      h.error = messageOf(error);
    }
  }
  progress(`F round ${round + 1}/${ROUNDS}`);
}
await Promise.all(held.map((h) => h.instance?.close().catch(() => undefined)));

const med = (xs: number[]): number => summarize(xs).median;
const us = (x: number): string => (x >= 1000 ? `${(x / 1000).toFixed(1)} ms` : `${x.toFixed(1)} µs`);

const tableRows: RowResult[] = held.map((h) => {
  if (h.error !== undefined) return { ...rowIdentity(h.row), error: h.error };
  const rs = h.rounds;
  const loads = rs.reduce((s, r) => s + r.loads, 0);
  const calls = rs.reduce((s, r) => s + r.calls, 0);
  const wrong = rs.reduce((s, r) => s + r.wrong, 0);
  const worstOver = Math.max(...rs.map((r) => r.loads - (r.periods + 1)));
  return {
    ...rowIdentity(h.row),
    summary: summarize(rs.map((r) => r.p99)),
    loads,
    // Caches at all: far fewer loads than calls (the per-TTL bound is a target, not a smoke check).
    cachingOk: wrong === 0 && loads * 10 < calls,
    expectedLoads: Math.ceil(rs.reduce((s, r) => s + r.periods + 1, 0)),
    extra: {
      'runs/TTL': med(rs.map((r) => r.loads / r.periods)).toFixed(2),
      'worst round: runs − (elapsed/TTL + 1)': worstOver.toFixed(1),
      p50: us(med(rs.map((r) => r.p50))),
      'p99.9': us(med(rs.map((r) => r.p999))),
      max: us(Math.max(...rs.map((r) => r.max))),
      [`waited (> ${WAIT_THRESHOLD_MS} ms)`]: String(rs.reduce((s, r) => s + r.waited, 0)),
      [F_LOAD_WAITS]: rs.some((r) => r.loadWaits === undefined) ? '—' : String(rs.reduce((s, r) => s + (r.loadWaits ?? 0), 0)),
      'calls/s': Math.round(med(rs.map((r) => r.perSecond))).toLocaleString('en-US'),
      'wrong answers': String(wrong),
    },
  };
});

const result: ScenarioResult = {
  scenario: 'F',
  tables: [
    {
      id: 'F',
      title: `F. Hot key at expiry: TTL ${F_TTL_MS} ms, ${LOADER_MS} ms loader, ${CALLERS} concurrent callers in a loop, ${ROUND_MS} ms per round`,
      unit: 'µs p99',
      better: 'lower',
      floor: F_HIT_REFERENCE,
      cacheflight: F_SWR,
      columns: ['runs/TTL', 'worst round: runs − (elapsed/TTL + 1)', 'p50', 'p99.9', 'max', `waited (> ${WAIT_THRESHOLD_MS} ms)`, F_LOAD_WAITS, 'calls/s'],
      rows: tableRows,
      notes: [
        `figure = p99 call latency (median over the rounds); p50/p99.9/calls/s: medians over the rounds; max: the largest of all rounds; loader runs and "waited" (calls slower than ${WAIT_THRESHOLD_MS} ms, i.e. that waited for the ${LOADER_MS} ms loader) are summed over the measured rounds, after each round's warm-up load.`,
        `${F_LOAD_WAITS} (cacheflight rows): calls that missed or joined a load in flight, from the cache's own stats() over the measured rounds (stale answers do not wait); a call slower than ${WAIT_THRESHOLD_MS} ms that did neither was held up by something else (a collector pause, the machine).`,
        'the hit reference keeps the key for 5 minutes: its latencies are what a hit costs in this loop (each caller yields with setImmediate between calls).',
      ],
    },
  ],
  notes: [],
};
emitResult(result);
process.exit(0);
