/**
 * Scenario E: two tiers with the key in L1. The hit path of scenario A's method,
 * `await getProduct(42, 'abc', { a: 1, b: [1, 2] })` on a warm key, for libraries with an
 * in-process L1 in front of a Redis L2 (as several processes sharing Redis would run them), against
 * A's floor and cacheflight on the plain memory store. ns per call, every row in this one process,
 * interleaved. Each row's loader must have run exactly once (the warm-up), and its hits must send
 * nothing to Redis: the server's command counter (INFO stats, read untimed around each batch)
 * gives Redis commands per call. Afterwards the probes check that distinct argument lists get
 * distinct answers.
 */
import { rawCommand } from '../../spec/helpers/redis-server.js';
import { benchConfig, emitResult, prepareRows, progress, type RowResult, type ScenarioResult } from '../harness/child.js';
import { freshHitLoop, hitRowResult, hitSampling, probeRow, type HitRow } from '../harness/hit.js';
import { sampleInterleaved, type Timed } from '../harness/sampling.js';
import { A_FILTER, A_ID, A_QUERY, makeLoader } from '../harness/workload.js';
import { closeTiered, tieredL2Reads, tieredRows } from '../peers/tiered.js';

const config = benchConfig();
const MAX_ENTRIES = 10_000;

if (config.redisUrl === undefined) {
  emitResult({ scenario: 'E', tables: [], notes: [`E: not run: ${config.redisMissing ?? 'no redis-server'}`] } satisfies ScenarioResult);
  process.exit(0);
}
const redisUrl = config.redisUrl;
const port = Number(new URL(redisUrl).port);

/** Commands the server executed so far (those inside Lua scripts included). */
async function serverCommands(): Promise<number> {
  const info = await rawCommand(port, 'INFO stats', { timeoutMs: 2000 });
  const match = /total_commands_processed:(\d+)/.exec(info);
  if (match === null) throw new Error('INFO stats has no total_commands_processed');
  return Number(match[1]);
}

interface Prepared extends HitRow {
  /** Redis commands the row's calls caused. */
  commands: number;
}

const rows = tieredRows.filter((row) => !config.only || row.name.includes(config.only) || row.role === 'floor');
const { prepared, failed } = await prepareRows(rows, async (row): Promise<Prepared> => {
  const loader = makeLoader();
  const instance = await row.create({ loader, maxEntries: MAX_ENTRIES, redisUrl, prefix: 'e' });
  const first = await instance.call(A_ID, A_QUERY, A_FILTER);
  if (first?.id !== A_ID) throw new Error(`the warm-up call answered ${JSON.stringify(first)}`);
  // Let the write (and any bus message about it) land, then read once more: the key is in L1.
  await new Promise((resolve) => setTimeout(resolve, 50));
  await instance.call(A_ID, A_QUERY, A_FILTER);
  return { row, instance, loader, calls: 2, commands: 0 };
});

const tieredReadsAfterWarmUp = tieredL2Reads();

const timed: Timed[] = prepared.map((p) => {
  const loop = freshHitLoop();
  return {
    name: p.row.name,
    run: async (n) => {
      const before = await serverCommands();
      const start = process.hrtime.bigint();
      await loop(p.instance.call, n, A_ID, A_QUERY, A_FILTER);
      const ns = Number(process.hrtime.bigint() - start);
      p.commands += (await serverCommands()) - before - 1; // the second INFO counts itself
      p.calls += n;
      return ns;
    },
  };
});

const sampled = await sampleInterleaved(timed, hitSampling(config.smoke, 'E', progress));
const tieredReadsDuringRun = tieredL2Reads() - tieredReadsAfterWarmUp;

const results: RowResult[] = [];
for (const p of prepared) {
  const probesWrong = await probeRow(p.row, { maxEntries: MAX_ENTRIES, redisUrl, prefix: 'e-probe' });
  const extra: Record<string, string> = {
    calls: String(p.calls),
    'redis cmds/call': (p.commands / Math.max(p.calls, 1)).toFixed(4),
  };
  if (p.row.name === 'cacheflight @Cacheable() tieredStore') extra['L2 reads during the timed run'] = String(tieredReadsDuringRun);
  results.push(hitRowResult(p, sampled, probesWrong, extra));
  await p.instance.close();
}
await closeTiered();

const result: ScenarioResult = {
  scenario: 'E',
  tables: [
    {
      id: 'E',
      title: "E. Two tiers, key in L1: await getProduct(42, 'abc', { a: 1, b: [1, 2] }) on a warm key, L1 memory + L2 Redis",
      unit: 'ns/call',
      better: 'lower',
      floor: 'floor: Map + JSON.stringify(args)',
      cacheflight: 'cacheflight @Cacheable() tieredStore',
      rows: [...results, ...failed],
      notes: [
        "The floor and 'cacheflight @Cacheable()' (memoryStore) are scenario A's rows, measured again here in the same process as the two-tier rows.",
        'loads = loader runs over the whole run (1 = the warm-up only); probes = argument pairs answered with the other call\'s cached value.',
        'redis cmds/call: commands the Redis server executed per call during the timed batches (INFO total_commands_processed); background traffic (heartbeats, bus) shows as tiny fractions, a hit that reached Redis as about 1.',
      ],
    },
  ],
  notes: [],
};
emitResult(result);
process.exit(0);
