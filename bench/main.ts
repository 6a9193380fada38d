/**
 * The bench orchestrator (started by bench/run.mjs under tsx): starts its own redis-server on a
 * free loopback port, runs each scenario in a process of its own, prints the tables and the
 * issue's targets, and writes bench/RESULTS.md. With --smoke: a few iterations of every row,
 * exit 1 unless every row ran and cached (RESULTS.md untouched).
 *
 * Options: --smoke, --only=<row name part> (the floor rows always run), --scenarios=A,B,C,D,E,F,G
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { redisServerAvailable, startRedisServer, type RedisServerHandle } from '../spec/helpers/redis-server.js';
import { BENCH_DIR, messageOf, runChild, type BenchConfig, type ScenarioResult } from './harness/child.js';
import { describeEnvironment } from './harness/env.js';
import { HITRATIO_END, HITRATIO_START } from './harness/hitratio-section.js';
import { evaluateTargets, renderEnvironment, renderSetups, renderTable, renderTargets, smokeProblems } from './harness/report.js';

const smoke = process.argv.includes('--smoke') || process.env['BENCH_SMOKE'] === '1';
const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length);
const wanted = (process.argv.find((arg) => arg.startsWith('--scenarios='))?.slice('--scenarios='.length) ?? 'A,B,C,D,E,F,G').split(',');

const SCENARIOS: ReadonlyArray<{ id: string; file: string; needsRedis: boolean }> = [
  { id: 'A', file: 'a-hit.ts', needsRedis: false },
  { id: 'B', file: 'b-miss.ts', needsRedis: false },
  { id: 'C', file: 'c-stampede.ts', needsRedis: false },
  { id: 'D', file: 'd-redis.ts', needsRedis: true },
  { id: 'E', file: 'e-tiered.ts', needsRedis: true },
  { id: 'F', file: 'f-hot-expiry.ts', needsRedis: false },
  { id: 'G', file: 'g-many-keys.ts', needsRedis: false },
];

let redis: RedisServerHandle | undefined;
let redisMissing: string | undefined;
let redisVersion = 'not used';
// C needs Redis for its cross-process half only; D and E need it for every row.
if (wanted.includes('C') || SCENARIOS.some((scenario) => scenario.needsRedis && wanted.includes(scenario.id))) {
  if (redisServerAvailable()) {
    redis = await startRedisServer();
    const version = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout;
    redisVersion = /v=(\S+)/.exec(version)?.[1] ?? 'unknown';
    console.error(`bench: redis-server ${redisVersion} on ${redis.url} (its own, stopped at the end)`);
  } else {
    redisMissing = 'redis-server/redis-cli not found on PATH (Debian: apt-get install redis-server)';
    if (process.env['CI'] === 'true') {
      console.error(`bench: ${redisMissing}; CI=true, failing instead of skipping the Redis scenarios`);
      process.exit(1);
    }
    console.error(`bench: WARNING ${redisMissing}; C across processes, D and E are skipped`);
  }
}

const config: BenchConfig = { smoke, ...(redis ? { redisUrl: redis.url } : {}), ...(redisMissing ? { redisMissing } : {}), ...(only ? { only } : {}) };
const results: ScenarioResult[] = [];
let crashed = false;
try {
  for (const scenario of SCENARIOS) {
    if (!wanted.includes(scenario.id)) continue;
    console.error(`bench: scenario ${scenario.id}${smoke ? ' (smoke)' : ''}`);
    try {
      results.push(
        await runChild<ScenarioResult>(join(BENCH_DIR, 'scenarios', scenario.file), {
          env: { BENCH_CONFIG: JSON.stringify(config) },
          label: scenario.id,
          timeoutMs: 30 * 60_000,
        }),
      );
    } catch (error) {
      crashed = true;
      results.push({ scenario: scenario.id, tables: [], notes: [`${scenario.id}: the scenario process failed: ${messageOf(error)}`] });
    }
  }
} finally {
  await redis?.stop();
}

const env = describeEnvironment(redisVersion);
const targets = evaluateTargets(results.filter((r) => wanted.includes(r.scenario)));
const sections = [
  `# cacheflight benchmarks${smoke ? ' (SMOKE RUN: a few iterations, figures meaningless)' : ''}`,
  '',
  'Produced by `npm run bench` (bench/run.mjs). Each scenario ran in its own process with its rows interleaved (round-robin, rotating order); every figure is the median of its samples with the spread. "loader runs" counts how often the memoized method body ran, so a fast row that does not cache, or caches wrongly, shows.',
  '',
  renderEnvironment(env),
  '',
  renderTargets(targets),
  '',
  ...results.flatMap((result) => [...result.tables.map((table) => renderTable(table) + '\n'), ...result.notes.map((note) => `**${note}**\n`)]),
  renderSetups(results),
  '',
];
const markdown = sections.join('\n');
console.log(markdown);

if (smoke) {
  const problems = [...smokeProblems(results), ...(crashed ? ['a scenario process failed (see above)'] : [])];
  if (problems.length > 0) {
    console.error(`\nbench smoke: FAILED\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    process.exit(1);
  }
  console.error('\nbench smoke: every row ran and cached as expected');
  process.exit(0);
}
if (!only && wanted.length === SCENARIOS.length) {
  // The hit-ratio section (npm run bench:hitratio) is kept as it was.
  const resultsPath = join(BENCH_DIR, 'RESULTS.md');
  const previous = existsSync(resultsPath) ? readFileSync(resultsPath, 'utf8') : '';
  const start = previous.indexOf(HITRATIO_START);
  const end = previous.indexOf(HITRATIO_END);
  const kept = start !== -1 && end > start ? `\n${previous.slice(start, end + HITRATIO_END.length)}\n` : '';
  writeFileSync(resultsPath, markdown + kept);
  console.error('bench: wrote bench/RESULTS.md');
} else {
  console.error('bench: partial run (--only/--scenarios): bench/RESULTS.md left as it was');
}
process.exit(crashed ? 1 : 0);
