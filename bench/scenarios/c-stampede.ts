/**
 * Scenario C: stampede. 1,000 concurrent calls on one cold key, the loader taking 20 ms.
 *
 * - In one process: every in-memory row, rounds interleaving the rows, a new cold key per round.
 * - Across N processes sharing Redis (N = 2 and 8, a table each): 8 worker processes (this file
 *   with --worker) hold every Redis row, the N-process table using the first N of them (the
 *   smoke run: 1 round, 100 calls per process); for each round and row the parent first has every worker
 *   measure the Redis round trip (median of 5 `health()` PINGs through a cacheflight store of its
 *   own), then sends all of them the same cold key at once and each fires 1,000 concurrent calls.
 *   Loads are summed over the processes; wall time is the slowest worker's, each timed from the
 *   moment it got the start message. cacheflight's target: 1 load in total, wall within
 *   1.1x one loader call + k round trips (bench/harness/report.ts, k derived in bench/README.md).
 *
 * The reference ("floor") is one loader call alone: the best a stampede can do is one load's time.
 */
import type { ChildProcess } from 'node:child_process';
import { benchConfig, emitResult, messageOf, progress, runChild, type RowResult, type ScenarioResult, type TableResult } from '../harness/child.js';
import type { RowDef, RowInstance } from '../harness/rows.js';
import { summarize } from '../harness/stats.js';
import { A_FILTER, A_QUERY, makeLoader, type Loader } from '../harness/workload.js';
import { memoryRows } from '../peers/memory.js';
import { openRoundTripProbe, redisRows } from '../peers/redis.js';
import { C_CROSS_PROCESSES, C_CROSS_ROUND_TRIPS, C_RTT, crossWallBound } from '../harness/report.js';

const config = benchConfig();
const CONCURRENCY = 1_000;
const LOADER_MS = 20;
const ONE_LOAD = 'one loader call alone (20 ms)';
/** Cross-process tables: the fastest process's wall (cacheflight's: the leader's, which waits for no notice). */
const C_FASTEST = 'fastest process (ms)';

/** A stampede of `CONCURRENCY` calls on one key; answers the wall time (ms) and the loads it caused. */
async function stampede(instance: RowInstance, loader: Loader, id: number, concurrency = CONCURRENCY): Promise<{ wallMs: number; loads: number; wrong: number; backendErrors: number }> {
  const before = loader.runs;
  const errorsBefore = instance.backendErrors?.() ?? 0;
  const start = process.hrtime.bigint();
  const calls: Array<Promise<unknown> | unknown> = new Array(concurrency);
  for (let i = 0; i < concurrency; i++) calls[i] = instance.call(id, A_QUERY, A_FILTER);
  const answers = (await Promise.all(calls)) as Array<{ id?: number } | undefined>;
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  return { wallMs, loads: loader.runs - before, wrong: answers.filter((a) => a?.id !== id).length, backendErrors: (instance.backendErrors?.() ?? 0) - errorsBefore };
}

async function oneLoad(loader: Loader, id: number): Promise<{ wallMs: number; loads: number; wrong: number; backendErrors?: number }> {
  const start = process.hrtime.bigint();
  const answer = await loader.fn(id, A_QUERY, A_FILTER);
  return { wallMs: Number(process.hrtime.bigint() - start) / 1e6, loads: 1, wrong: answer.id === id ? 0 : 1 };
}

interface Tally {
  readonly row: RowDef | undefined;
  readonly walls: number[];
  readonly loads: number[];
  /** Cross-process tables: the Redis round trip before each counted round (median over the workers, ms). */
  readonly rtts: number[];
  /** Cross-process tables: the fastest process's wall in each counted round (cacheflight's leader). */
  readonly fastest: number[];
  wrong: number;
  /** cacheflight rows: store errors during the counted rounds (a claim that failed loads process-locally). */
  backendErrors: number;
  error?: string;
}

function newTally(row: RowDef | undefined): Tally {
  return { row, walls: [], loads: [], rtts: [], fastest: [], wrong: 0, backendErrors: 0 };
}

/** `expected(row)`: the loads per round a single-flight row should not exceed. */
function tableRows(tallies: Map<string, Tally>, expected: (row: RowDef) => number): RowResult[] {
  return [...tallies.entries()].map(([name, t]) => {
    const row = t.row;
    const base = { name, role: row?.role ?? 'floor', pkg: row?.pkg ?? 'node', config: row?.config ?? 'await loader(...) once: setTimeout(20 ms)' } as const;
    if (t.error !== undefined) return { ...base, error: t.error };
    const worst = Math.max(...t.loads);
    const singleFlight = row === undefined || row.singleFlight;
    const expectedLoads = row === undefined ? 1 : expected(row);
    return {
      ...base,
      summary: summarize(t.walls),
      loads: worst,
      expectedLoads,
      cachingOk: t.wrong === 0 && (!singleFlight || worst <= expectedLoads),
      informational: !singleFlight,
      extra: {
        'loads per round (median)': String(summarize(t.loads).median),
        'wrong answers': String(t.wrong),
        ...(t.backendErrors > 0 ? { 'backend errors (a failed claim loads process-locally)': String(t.backendErrors) } : {}),
        ...(t.rtts.length > 0 ? { [C_RTT]: summarize(t.rtts).median.toFixed(2) } : {}),
        ...(t.fastest.length > 0 ? { [C_FASTEST]: summarize(t.fastest).median.toFixed(1) } : {}),
      },
    };
  });
}

let nextId = 50_000_000;

// ------------------------------------------------------------------------------------------------
// worker mode (cross-process): hold the Redis rows, run a stampede on command

if (process.argv.includes('--worker')) {
  const instances = new Map<string, { instance: RowInstance; loader: Loader }>();
  const prefix = 'c-cross';
  const probe = openRoundTripProbe(config.redisUrl as string, `${prefix}-rtt`);
  probe.catch(() => undefined); // reported by the first 'rtt'
  const send = (message: unknown): void => {
    process.send?.(message);
  };
  process.on('message', (message: { type: string; row: string; id: number; warmId: number; concurrency: number }) => {
    void (async () => {
      if (message.type === 'prepare') {
        try {
          if (message.row !== ONE_LOAD && !instances.has(message.row)) {
            const row = redisRows.find((r) => r.name === message.row) as RowDef;
            const loader = makeLoader({ delayMs: LOADER_MS });
            const instance = await row.create({ loader, maxEntries: 10_000, redisUrl: config.redisUrl, prefix });
            // One call on a key of this worker's own: connections made, scripts loaded, before any round.
            await instance.call(message.warmId, A_QUERY, A_FILTER);
            instances.set(message.row, { instance, loader });
          }
          send({ type: 'ready' });
        } catch (error) {
          send({ type: 'ready', error: messageOf(error) });
        }
      } else if (message.type === 'rtt') {
        try {
          send({ type: 'rtt', ms: await (await probe).measure() });
        } catch (error) {
          send({ type: 'rtt', error: messageOf(error) });
        }
      } else if (message.type === 'go') {
        try {
          const held = instances.get(message.row);
          const outcome = held === undefined ? await oneLoad(makeLoader({ delayMs: LOADER_MS }), message.id) : await stampede(held.instance, held.loader, message.id, message.concurrency);
          send({ type: 'done', ...outcome });
        } catch (error) {
          send({ type: 'done', error: messageOf(error) });
        }
      } else if (message.type === 'exit') {
        await Promise.all([...instances.values()].map((held) => held.instance.close().catch(() => undefined)));
        await probe.then((p) => p.close()).catch(() => undefined);
        emitResult({ ok: true });
        process.exit(0);
      }
    })();
  });
  send({ type: 'started' });
} else {
  await main();
}

async function main(): Promise<void> {
  const tables: TableResult[] = [];

  // -------------------------------------------------------------------------------- one process
  const rows = memoryRows.filter((row) => row.caches && (!config.only || row.name.includes(config.only) || row.role === 'floor'));
  const local = new Map<string, Tally>([[ONE_LOAD, newTally(undefined)]]);
  const held = new Map<string, { instance: RowInstance; loader: Loader }>();
  for (const row of rows) {
    const tally = newTally(row);
    local.set(row.name, tally);
    try {
      const loader = makeLoader({ delayMs: LOADER_MS });
      held.set(row.name, { instance: await row.create({ loader, maxEntries: 10_000, prefix: 'c' }), loader });
    } catch (error) {
      tally.error = messageOf(error);
    }
  }
  const names = [...local.keys()];
  const localRounds = config.smoke ? 2 : 11;
  for (let round = 0; round < localRounds; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + round) % names.length] as string;
      const tally = local.get(name) as Tally;
      if (tally.error !== undefined) continue;
      const h = held.get(name);
      try {
        const outcome = h === undefined ? await oneLoad(makeLoader({ delayMs: LOADER_MS }), nextId++) : await stampede(h.instance, h.loader, nextId++);
        if (round === 0 && localRounds > 2) continue; // warm-up round
        tally.walls.push(outcome.wallMs);
        tally.loads.push(outcome.loads);
        tally.wrong += outcome.wrong;
      } catch (error) {
        tally.error = messageOf(error);
      }
    }
    progress(`C local round ${round + 1}/${localRounds}`);
  }
  await Promise.all([...held.values()].map((h) => h.instance.close().catch(() => undefined)));
  tables.push({
    id: 'C-local',
    title: `C. Stampede in one process: ${CONCURRENCY.toLocaleString('en-US')} concurrent calls on one cold key, ${LOADER_MS} ms loader`,
    unit: 'ms wall',
    better: 'lower',
    floor: ONE_LOAD,
    cacheflight: 'cacheflight @Cacheable()',
    rows: tableRows(local, () => 1),
    notes: ['loads = the most loader runs in one round (target 1); rows without single-flight (the floor Map, raw lru-cache) are shown for reference.'],
  });

  // ------------------------------------------------------------------------ N processes
  if (config.redisUrl === undefined) {
    for (const processes of C_CROSS_PROCESSES) {
      tables.push({
        id: `C-cross-${processes}`,
        title: `C. Stampede across ${processes} processes sharing Redis`,
        unit: 'ms wall',
        better: 'lower',
        floor: ONE_LOAD,
        rows: [],
        notes: [`not run: ${config.redisMissing ?? 'no redis-server'}`],
      });
    }
  } else {
    // One pool of workers for every table: the N-process table uses the first N of them (the
    // others stay idle), so that workers start and prepare their rows once.
    const pool = await startPool(Math.max(...C_CROSS_PROCESSES));
    for (const processes of C_CROSS_PROCESSES) tables.push(await crossProcess(pool, processes));
    for (const w of pool.workers) w.child?.send({ type: 'exit' });
    await Promise.all(pool.workers.map((w) => w.done.catch(() => undefined)));
  }

  const result: ScenarioResult = { scenario: 'C', tables, notes: [] };
  emitResult(result);
  process.exit(0);
}

interface Worker {
  child?: ChildProcess;
  readonly done: Promise<unknown>;
  next(): Promise<{ type: string; error?: string; wallMs?: number; loads?: number; wrong?: number; backendErrors?: number; ms?: number }>;
}

function startWorker(index: number): Worker {
  const queue: Array<Record<string, unknown>> = [];
  const waiters: Array<(m: Record<string, unknown>) => void> = [];
  const worker: Worker = {
    done: Promise.resolve(),
    next: () =>
      new Promise((resolve) => {
        const message = queue.shift();
        if (message !== undefined) resolve(message as never);
        else waiters.push(resolve as never);
      }),
  };
  (worker as { done: Promise<unknown> }).done = runChild(new URL(import.meta.url).pathname, {
    args: ['--worker'],
    ipc: true,
    label: `C worker ${index}`,
    onSpawn: (child) => {
      worker.child = child;
      child.on('message', (message: Record<string, unknown>) => {
        const waiter = waiters.shift();
        if (waiter !== undefined) waiter(message);
        else queue.push(message);
      });
    },
  });
  return worker;
}

/** Rounds of a cross-process table (the first is a warm-up when there are more than 2). */
function crossRounds(processes: number): number {
  if (config.smoke) return 1;
  return processes <= 2 ? 8 : 6;
}

interface Pool {
  readonly workers: readonly Worker[];
  /** The rows (floor first), each with the error of its preparation in any worker. */
  readonly rows: ReadonlyArray<{ readonly row: RowDef | undefined; readonly name: string; readonly error?: string }>;
}

/** Start `count` workers; each creates every Redis row and warms it with one call. */
async function startPool(count: number): Promise<Pool> {
  const rows = redisRows.filter((row) => !config.only || row.name.includes(config.only) || row.role === 'floor');
  const workers = Array.from({ length: count }, (_, i) => startWorker(i + 1));
  await Promise.all(workers.map((w) => w.next())); // 'started'
  progress(`C ${count} workers started`);
  const prepared: Array<Pool['rows'][number]> = [];
  for (const [name, row] of [[ONE_LOAD, undefined] as const, ...rows.map((r) => [r.name, r] as const)]) {
    workers.forEach((w, i) => w.child?.send({ type: 'prepare', row: name, warmId: nextId + i }));
    nextId += workers.length;
    const ready = await Promise.all(workers.map((w) => w.next()));
    const error = ready.find((m) => m.error !== undefined)?.error;
    prepared.push(error === undefined ? { row, name } : { row, name, error });
  }
  progress(`C ${count} workers: rows prepared`);
  return { workers, rows: prepared };
}

async function crossProcess(pool: Pool, processes: number): Promise<TableResult> {
  const workers = pool.workers.slice(0, processes);
  const tallies = new Map<string, Tally>();
  for (const { row, name, error } of pool.rows) {
    const tally = newTally(row);
    if (error !== undefined) tally.error = error;
    tallies.set(name, tally);
  }
  const names = [...tallies.keys()];
  const rounds = crossRounds(processes);
  // The smoke run checks counts only: 100 calls per process show the same loads, in less time.
  const concurrency = config.smoke ? 100 : CONCURRENCY;
  const allRtts: number[] = [];
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + round) % names.length] as string;
      const tally = tallies.get(name) as Tally;
      if (tally.error !== undefined) continue;
      // The round trip just before the round, in every worker (all at once, as they then load).
      for (const w of workers) w.child?.send({ type: 'rtt' });
      const rtts = await Promise.all(workers.map((w) => w.next()));
      const rttFailed = rtts.find((o) => o.error !== undefined);
      if (rttFailed !== undefined) {
        tally.error = `round-trip probe: ${rttFailed.error}`;
        continue;
      }
      const id = nextId++;
      for (const w of workers) w.child?.send({ type: 'go', row: name, id, concurrency });
      const outcomes = await Promise.all(workers.map((w) => w.next()));
      const failed = outcomes.find((o) => o.error !== undefined);
      if (failed !== undefined) {
        tally.error = failed.error;
        continue;
      }
      if (round === 0 && rounds > 2) continue; // warm-up round
      const rtt = summarize(rtts.map((o) => o.ms as number)).median;
      tally.rtts.push(rtt);
      allRtts.push(rtt);
      tally.walls.push(Math.max(...outcomes.map((o) => o.wallMs as number)));
      tally.fastest.push(Math.min(...outcomes.map((o) => o.wallMs as number)));
      tally.loads.push(name === ONE_LOAD ? 1 : outcomes.reduce((sum, o) => sum + (o.loads as number), 0));
      tally.wrong += outcomes.reduce((sum, o) => sum + (o.wrong as number), 0);
      tally.backendErrors += outcomes.reduce((sum, o) => sum + (o.backendErrors ?? 0), 0);
    }
    progress(`C ${processes} processes round ${round + 1}/${rounds}`);
  }
  const cfName = 'cacheflight @Cacheable() redisStore';
  const results = tableRows(tallies, (row) => (row.role === 'cacheflight' ? 1 : processes));
  const cf = results.find((row) => row.name === cfName);
  const oneLoad = results.find((row) => row.name === ONE_LOAD)?.summary?.median;
  const rtt = Number(cf?.extra?.[C_RTT]);
  const boundNote =
    cf?.summary !== undefined && oneLoad !== undefined && Number.isFinite(rtt)
      ? `cacheflight's wall bound: 1.1 x ${oneLoad.toFixed(1)} ms (one loader call, median) + ${C_CROSS_ROUND_TRIPS} x ${rtt.toFixed(2)} ms (${C_RTT}, median before its rounds) = ${crossWallBound(oneLoad, rtt).toFixed(1)} ms; measured ${cf.summary.median.toFixed(1)} ms. ${C_CROSS_ROUND_TRIPS} round trips: the leader's miss read and claim, its fenced write and the notice to a waiter (half a round trip each), and the waiter's read of the entry, which it no longer needs when the notice carries the entry (bench/README.md).`
      : 'cacheflight\'s wall bound: not measured.';
  return {
    id: `C-cross-${processes}`,
    title: `C. Stampede across ${processes} processes sharing Redis: ${concurrency.toLocaleString('en-US')} concurrent calls in each, one cold key, ${LOADER_MS} ms loader`,
    unit: 'ms wall',
    better: 'lower',
    floor: ONE_LOAD,
    cacheflight: cfName,
    columns: [C_RTT, C_FASTEST],
    rows: results,
    notes: [
      `loads = loader runs summed over the ${processes} processes in the worst round. cacheflight coordinates its loads across processes (expected 1 in total); the peers single-flight per process (expected ${processes}, one per process); raw ioredis has none (${(processes * concurrency).toLocaleString('en-US')} expected).`,
      `wall = the slowest process, each timed from its start message (sent to all at once); ${C_FASTEST} = the fastest one's, median over the rounds (for cacheflight: the leader, L + 2 round trips; the slowest is a waiter); ${rounds === 1 ? '1 round' : `${rounds} rounds, the first a warm-up`}.`,
      `${C_RTT} = before each round, each worker's median of 5 sequential health() PINGs through a cacheflight Redis store of its own; the row's figure is the median over its rounds of the workers' median (all rows: ${allRtts.length > 0 ? summarize(allRtts).median.toFixed(2) : '—'} ms).`,
      boundNote,
    ],
  };
}
