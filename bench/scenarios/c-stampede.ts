/**
 * Scenario C: stampede. 1,000 concurrent calls on one cold key, the loader taking 20 ms.
 *
 * - In one process: every in-memory row, rounds interleaving the rows, a new cold key per round.
 * - Across two processes sharing Redis: two worker processes (this file with --worker) hold every
 *   Redis row; for each round and row the parent sends both workers the same cold key at once and
 *   each fires 1,000 concurrent calls. Loads are summed over both processes; wall time is the
 *   slower worker's, each timed from the moment it got the start message.
 *
 * The reference ("floor") is one loader call alone: the best a stampede can do is one load's time.
 */
import type { ChildProcess } from 'node:child_process';
import { benchConfig, emitResult, messageOf, progress, runChild, type RowResult, type ScenarioResult, type TableResult } from '../harness/child.js';
import type { RowDef, RowInstance } from '../harness/rows.js';
import { summarize } from '../harness/stats.js';
import { A_FILTER, A_QUERY, makeLoader, type Loader } from '../harness/workload.js';
import { memoryRows } from '../peers/memory.js';
import { redisRows } from '../peers/redis.js';

const config = benchConfig();
const CONCURRENCY = 1_000;
const LOADER_MS = 20;
const ONE_LOAD = 'one loader call alone (20 ms)';

/** A stampede of `CONCURRENCY` calls on one key; answers the wall time (ms) and the loads it caused. */
async function stampede(instance: RowInstance, loader: Loader, id: number): Promise<{ wallMs: number; loads: number; wrong: number }> {
  const before = loader.runs;
  const start = process.hrtime.bigint();
  const calls: Array<Promise<unknown> | unknown> = new Array(CONCURRENCY);
  for (let i = 0; i < CONCURRENCY; i++) calls[i] = instance.call(id, A_QUERY, A_FILTER);
  const answers = (await Promise.all(calls)) as Array<{ id?: number } | undefined>;
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  return { wallMs, loads: loader.runs - before, wrong: answers.filter((a) => a?.id !== id).length };
}

async function oneLoad(loader: Loader, id: number): Promise<{ wallMs: number; loads: number; wrong: number }> {
  const start = process.hrtime.bigint();
  const answer = await loader.fn(id, A_QUERY, A_FILTER);
  return { wallMs: Number(process.hrtime.bigint() - start) / 1e6, loads: 1, wrong: answer.id === id ? 0 : 1 };
}

interface Tally {
  readonly row: RowDef | undefined;
  readonly walls: number[];
  readonly loads: number[];
  wrong: number;
  error?: string;
}

function tableRows(tallies: Map<string, Tally>, expectedPerRound: number): RowResult[] {
  return [...tallies.entries()].map(([name, t]) => {
    const row = t.row;
    const base = { name, role: row?.role ?? 'floor', pkg: row?.pkg ?? 'node', config: row?.config ?? 'await loader(...) once: setTimeout(20 ms)' } as const;
    if (t.error !== undefined) return { ...base, error: t.error };
    const worst = Math.max(...t.loads);
    const singleFlight = row === undefined || row.singleFlight;
    return {
      ...base,
      summary: summarize(t.walls),
      loads: worst,
      expectedLoads: row === undefined ? 1 : expectedPerRound,
      cachingOk: t.wrong === 0 && (!singleFlight || worst <= (row === undefined ? 1 : expectedPerRound)),
      informational: !singleFlight,
      extra: { 'loads per round (median)': String(summarize(t.loads).median), 'wrong answers': String(t.wrong) },
    };
  });
}

let nextId = 50_000_000;

// ------------------------------------------------------------------------------------------------
// worker mode (cross-process): hold the Redis rows, run a stampede on command

if (process.argv.includes('--worker')) {
  const instances = new Map<string, { instance: RowInstance; loader: Loader }>();
  const send = (message: unknown): void => {
    process.send?.(message);
  };
  process.on('message', (message: { type: string; row: string; id: number }) => {
    void (async () => {
      if (message.type === 'prepare') {
        try {
          if (message.row !== ONE_LOAD && !instances.has(message.row)) {
            const row = redisRows.find((r) => r.name === message.row) as RowDef;
            const loader = makeLoader({ delayMs: LOADER_MS });
            instances.set(message.row, { instance: await row.create({ loader, maxEntries: 10_000, redisUrl: config.redisUrl, prefix: 'c-cross' }), loader });
          }
          send({ type: 'ready' });
        } catch (error) {
          send({ type: 'ready', error: messageOf(error) });
        }
      } else if (message.type === 'go') {
        try {
          const held = instances.get(message.row);
          const outcome = held === undefined ? await oneLoad(makeLoader({ delayMs: LOADER_MS }), message.id) : await stampede(held.instance, held.loader, message.id);
          send({ type: 'done', ...outcome });
        } catch (error) {
          send({ type: 'done', error: messageOf(error) });
        }
      } else if (message.type === 'exit') {
        await Promise.all([...instances.values()].map((held) => held.instance.close().catch(() => undefined)));
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
  const local = new Map<string, Tally>([[ONE_LOAD, { row: undefined, walls: [], loads: [], wrong: 0 }]]);
  const held = new Map<string, { instance: RowInstance; loader: Loader }>();
  for (const row of rows) {
    const tally: Tally = { row, walls: [], loads: [], wrong: 0 };
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
    rows: tableRows(local, 1),
    notes: ['loads = the most loader runs in one round (target 1); rows without single-flight (the floor Map, raw lru-cache) are shown for reference.'],
  });

  // -------------------------------------------------------------------------- two processes
  if (config.redisUrl === undefined) {
    tables.push({
      id: 'C-cross',
      title: 'C. Stampede across two processes sharing Redis',
      unit: 'ms wall',
      better: 'lower',
      floor: ONE_LOAD,
      rows: [],
      notes: [`not run: ${config.redisMissing ?? 'no redis-server'}`],
    });
  } else {
    tables.push(await crossProcess());
  }

  const result: ScenarioResult = { scenario: 'C', tables, notes: [] };
  emitResult(result);
  process.exit(0);
}

interface Worker {
  child?: ChildProcess;
  readonly done: Promise<unknown>;
  next(): Promise<{ type: string; error?: string; wallMs?: number; loads?: number; wrong?: number }>;
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

async function crossProcess(): Promise<TableResult> {
  const rows = redisRows.filter((row) => !config.only || row.name.includes(config.only) || row.role === 'floor');
  const workers = [startWorker(1), startWorker(2)];
  await Promise.all(workers.map((w) => w.next())); // 'started'
  const tallies = new Map<string, Tally>([[ONE_LOAD, { row: undefined, walls: [], loads: [], wrong: 0 }]]);
  for (const row of rows) tallies.set(row.name, { row, walls: [], loads: [], wrong: 0 });
  for (const [name, tally] of tallies) {
    for (const w of workers) w.child?.send({ type: 'prepare', row: name });
    const ready = await Promise.all(workers.map((w) => w.next()));
    const error = ready.find((m) => m.error !== undefined)?.error;
    if (error !== undefined) tally.error = error;
  }
  const names = [...tallies.keys()];
  const rounds = config.smoke ? 1 : 8;
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + round) % names.length] as string;
      const tally = tallies.get(name) as Tally;
      if (tally.error !== undefined) continue;
      const id = nextId++;
      for (const w of workers) w.child?.send({ type: 'go', row: name, id });
      const outcomes = await Promise.all(workers.map((w) => w.next()));
      const failed = outcomes.find((o) => o.error !== undefined);
      if (failed !== undefined) {
        tally.error = failed.error;
        continue;
      }
      if (round === 0 && rounds > 2) continue; // warm-up round
      tally.walls.push(Math.max(...outcomes.map((o) => o.wallMs as number)));
      tally.loads.push(name === ONE_LOAD ? 1 : outcomes.reduce((sum, o) => sum + (o.loads as number), 0));
      tally.wrong += outcomes.reduce((sum, o) => sum + (o.wrong as number), 0);
    }
    progress(`C cross round ${round + 1}/${rounds}`);
  }
  for (const w of workers) w.child?.send({ type: 'exit' });
  await Promise.all(workers.map((w) => w.done.catch(() => undefined)));
  return {
    id: 'C-cross',
    title: `C. Stampede across two processes sharing Redis: ${CONCURRENCY.toLocaleString('en-US')} concurrent calls in each, one cold key, ${LOADER_MS} ms loader`,
    unit: 'ms wall',
    better: 'lower',
    floor: ONE_LOAD,
    cacheflight: 'cacheflight @Cacheable() redisStore',
    rows: tableRows(tallies, 2),
    notes: [
      'loads = loader runs summed over both processes in the worst round: 2 = one per process (per-process single-flight), 1 = cross-process single-flight; raw ioredis has none (2,000 expected).',
      'wall = the slower process, each timed from its start message (sent to both at once).',
    ],
  };
}
