/**
 * Scenario D: the Redis hit path, ops per second, at concurrency 1 and 64, on one hot key and on
 * 64 keys. Every Redis row runs in this one process, interleaved; each row's 64 keys are loaded
 * once first (64 loader runs) and must never load again. Redis commands per call come from the
 * server's own counter (INFO stats, read untimed around each batch): below 1 means concurrent
 * reads shared round trips.
 */
import { rawCommand } from '../../spec/helpers/redis-server.js';
import { benchConfig, emitResult, prepareRows, progress, rowIdentity, type RowResult, type ScenarioResult, type TableResult } from '../harness/child.js';
import type { RowDef, RowInstance } from '../harness/rows.js';
import { freshFunction, sampleInterleaved, type Timed } from '../harness/sampling.js';
import { summarize } from '../harness/stats.js';
import { A_FILTER, A_QUERY, makeLoader, type Loader } from '../harness/workload.js';
import { redisRows, redisStoreSource } from '../peers/redis.js';

const config = benchConfig();
const KEYS = 64;
const FIRST_ID = 1_000;

if (config.redisUrl === undefined) {
  emitResult({ scenario: 'D', tables: [], notes: [`D: not run: ${config.redisMissing ?? 'no redis-server'}`] } satisfies ScenarioResult);
  process.exit(0);
}
const port = Number(new URL(config.redisUrl).port);

/** The server's counters: commands executed (those run inside Lua scripts included) and socket reads. */
async function serverCounters(): Promise<{ commands: number; reads: number }> {
  const info = await rawCommand(port, 'INFO stats', { timeoutMs: 2000 });
  const commands = /total_commands_processed:(\d+)/.exec(info);
  const reads = /total_reads_processed:(\d+)/.exec(info);
  if (commands === null || reads === null) throw new Error('INFO stats has no total_commands_processed/total_reads_processed');
  return { commands: Number(commands[1]), reads: Number(reads[1]) };
}

interface Prepared {
  readonly row: RowDef;
  readonly instance: RowInstance;
  readonly loader: Loader;
  loadsAfterWarm: number;
}

const rows = redisRows.filter((row) => !config.only || row.name.includes(config.only) || row.role === 'floor');
const { prepared, failed } = await prepareRows(rows, async (row): Promise<Prepared> => {
  const loader = makeLoader();
  const instance = await row.create({ loader, maxEntries: 10_000, redisUrl: config.redisUrl, prefix: 'd' });
  for (let k = 0; k < KEYS; k++) {
    const answer = await instance.call(FIRST_ID + k, A_QUERY, A_FILTER);
    if (answer?.id !== FIRST_ID + k) throw new Error(`warm-up answered ${JSON.stringify(answer)}`);
  }
  return { row, instance, loader, loadsAfterWarm: loader.runs };
});

type ConcurrentLoop = (call: RowInstance['call'], n: number, concurrency: number, keys: number, first: number, query: string, filter: unknown) => Promise<void>;
const LOOP_SOURCE = `async (call, n, concurrency, keys, first, query, filter) => {
  const perWorker = Math.ceil(n / concurrency);
  const workers = [];
  for (let w = 0; w < concurrency; w++) {
    workers.push((async () => {
      for (let i = 0; i < perWorker; i++) await call(first + ((w + i) % keys), query, filter);
    })());
  }
  await Promise.all(workers);
}`;

const tables: TableResult[] = [];
const source = await redisStoreSource();
for (const concurrency of [1, 64]) {
  for (const keys of [1, KEYS]) {
    const commands = new Map<string, { cmds: number; reads: number; ops: number }>();
    const timed: Timed[] = prepared.map((p) => {
      const loop = freshFunction<ConcurrentLoop>(LOOP_SOURCE);
      const tally = { cmds: 0, reads: 0, ops: 0 };
      commands.set(p.row.name, tally);
      return {
        name: p.row.name,
        run: async (n) => {
          const total = Math.ceil(n / concurrency) * concurrency;
          const before = await serverCounters();
          const start = process.hrtime.bigint();
          await loop(p.instance.call, total, concurrency, keys, FIRST_ID, A_QUERY, A_FILTER);
          const ns = Number(process.hrtime.bigint() - start);
          const after = await serverCounters();
          tally.cmds += after.commands - before.commands - 1; // the second INFO counts itself
          tally.reads += after.reads - before.reads - 1; // and is one read
          tally.ops += total;
          return (ns * n) / total;
        },
      };
    });
    const sampled = await sampleInterleaved(timed, {
      samples: config.smoke ? 2 : 9,
      warmupRounds: 1,
      batchMs: config.smoke ? 5 : 150,
      minBatch: concurrency,
      maxBatch: config.smoke ? 256 : 1_000_000,
      progress: (line) => progress(`D c=${concurrency} keys=${keys} ${line}`),
    });
    const rowsOut: RowResult[] = prepared.map((p) => {
      const s = sampled.get(p.row.name);
      const opsPerSec = (s?.perOp ?? []).map((ns) => 1e9 / ns);
      const tally = commands.get(p.row.name) as { cmds: number; reads: number; ops: number };
      const loads = p.loader.runs;
      return {
        ...rowIdentity(p.row),
        summary: summarize(opsPerSec),
        loads,
        expectedLoads: KEYS,
        cachingOk: loads === p.loadsAfterWarm && loads === KEYS,
        extra: {
          'redis cmds/call': (tally.cmds / Math.max(tally.ops, 1)).toFixed(2),
          'server reads/call': (tally.reads / Math.max(tally.ops, 1)).toFixed(2),
        },
      };
    });
    tables.push({
      id: `D-c${concurrency}-k${keys}`,
      title: `D. Redis hit, concurrency ${concurrency}, ${keys === 1 ? 'one hot key' : `${keys} keys`}`,
      unit: 'ops/s',
      better: 'higher',
      floor: 'floor: raw ioredis GET + JSON.parse',
      cacheflight: 'cacheflight @Cacheable() redisStore',
      rows: [...rowsOut, ...failed],
      notes:
        concurrency === 1 && keys === 1
          ? [
              `loads = loader runs since creation (${KEYS} = the warm-up of the ${KEYS} keys only).`,
              'redis cmds/call: commands the server executed per call (INFO total_commands_processed; commands run inside a Lua script count too). server reads/call: socket read events per call (INFO total_reads_processed), about the round trips (pipelined commands share a read).',
              `cacheflight's redisStore loaded from ${source}; it resolves ioredis from the repo root (the bench's own rows use bench/node_modules/ioredis).`,
            ]
          : [],
    });
  }
}

await Promise.all(prepared.map((p) => p.instance.close().catch(() => undefined)));
emitResult({ scenario: 'D', tables, notes: [] } satisfies ScenarioResult);
process.exit(0);
