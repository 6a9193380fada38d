/**
 * Turning scenario results into the printed tables, the issue's targets (PASS/MISS), the smoke
 * verdict, and bench/RESULTS.md.
 */
import type { Environment } from './env.js';
import type { RowResult, ScenarioResult, TableResult } from './child.js';

function formatFigure(value: number, unit: string): string {
  if (!Number.isFinite(value)) return '—';
  switch (unit) {
    case 'ns/call':
      return `${Math.round(value).toLocaleString('en-US')} ns`;
    case 'bytes/entry':
      return `${Math.round(value).toLocaleString('en-US')} B`;
    case 'ms wall':
      return `${value.toFixed(1)} ms`;
    case 'µs p99':
      return value >= 1000 ? `${(value / 1000).toFixed(1)} ms` : `${value.toFixed(1)} µs`;
    case 'ops/s':
      return `${Math.round(value).toLocaleString('en-US')}/s`;
    default:
      return String(value);
  }
}

function formatSpread(row: RowResult, unit: string): string {
  const s = row.summary;
  if (s === undefined) return '';
  const digits = unit === 'ms wall' || unit === 'µs p99' ? 1 : 0;
  const f = (x: number): string => (digits === 0 ? Math.round(x).toLocaleString('en-US') : x.toFixed(digits));
  return `${f(s.min)}–${f(s.max)} (IQR ${f(s.q1)}–${f(s.q3)}, n=${s.n})`;
}

function median(table: TableResult, name: string | undefined): number | undefined {
  if (name === undefined) return undefined;
  return table.rows.find((row) => row.name === name)?.summary?.median;
}

function ratio(value: number | undefined, reference: number | undefined): string {
  if (value === undefined || reference === undefined || !(reference > 0)) return '—';
  return `${(value / reference).toFixed(2)}x`;
}

function loadsCell(row: RowResult): string {
  if (row.loads === undefined) return '';
  const flag = row.cachingOk === false ? (row.informational ? ' (no single-flight)' : ` ✗ expected ${row.expectedLoads ?? '?'}`) : '';
  const every = row.expectedLoads === undefined && row.cachingOk ? ' (every call)' : '';
  return `${row.loads.toLocaleString('en-US')}${every}${flag}`;
}

function notesCell(row: RowResult, columns: readonly string[] = []): string {
  const parts: string[] = [];
  if (row.error !== undefined) parts.push(`NOT RUN: ${row.error}`);
  if (row.probesWrong !== undefined && row.probesWrong.length > 0) parts.push(`caches wrongly: ${row.probesWrong.join(', ')}`);
  for (const [key, value] of Object.entries(row.extra ?? {})) {
    if (key === 'calls' || columns.includes(key)) continue;
    if (key === 'last key re-read missed' && value === '0 batches') continue;
    if (key === 're-reads that loaded again' && value === '0') continue;
    if (key === 'wrong answers' && value === '0') continue;
    parts.push(`${key}: ${value}`);
  }
  return parts.join('; ');
}

/** One table as Markdown (also what the console shows). */
export function renderTable(table: TableResult): string {
  const floor = median(table, table.floor);
  const cf = median(table, table.cacheflight);
  const lines = [
    `### ${table.title}`,
    '',
    `${table.unit}, median of the samples (${table.better} is better); ratios are medians over the floor's median and over cacheflight's.`,
    '',
    `| row | median | spread: min–max (IQR) | vs floor | vs cacheflight | loader runs |${(table.columns ?? []).map((c) => ` ${c} |`).join('')} notes |`,
    `| --- | ---: | --- | ---: | ---: | ---: |${(table.columns ?? []).map(() => ' ---: |').join('')} --- |`,
  ];
  for (const row of table.rows) {
    const m = row.summary?.median;
    lines.push(
      `| ${row.name}${row.name === table.floor ? ' **(floor)**' : ''} | ${m === undefined ? '—' : formatFigure(m, table.unit)} | ${formatSpread(row, table.unit)} | ${ratio(m, floor)} | ${table.cacheflight ? ratio(m, cf) : '—'} | ${loadsCell(row)} |${(table.columns ?? []).map((c) => ` ${row.extra?.[c] ?? ''} |`).join('')} ${notesCell(row, table.columns)} |`,
    );
  }
  for (const note of table.notes) lines.push('', `- ${note}`);
  return lines.join('\n');
}

export interface Target {
  readonly scenario: string;
  readonly target: string;
  readonly measured: string;
  readonly verdict: 'PASS' | 'MISS' | 'n/a';
}

function find(results: readonly ScenarioResult[], id: string): TableResult | undefined {
  for (const result of results) for (const table of result.tables) if (table.id === id) return table;
  return undefined;
}

function pass(ok: boolean | undefined): 'PASS' | 'MISS' | 'n/a' {
  return ok === undefined ? 'n/a' : ok ? 'PASS' : 'MISS';
}

/** The cacheflight row whose cache shares values by reference (no freezing), as the floor does. */
const UNPROTECTED_ROW = "cacheflight @Cacheable() immutability: 'none'";

/** The issue's targets, evaluated on this run's ratios. */
export function evaluateTargets(results: readonly ScenarioResult[]): Target[] {
  const targets: Target[] = [];
  // A (one warm key) and G (many warm keys, arguments never repeating): the same two targets.
  for (const id of ['A', 'G']) {
    const table = find(results, id);
    if (table !== undefined) targets.push(...hitTargets(id, table));
  }
  const bt = find(results, 'B-time');
  if (bt !== undefined) {
    const r = (median(bt, bt.cacheflight) ?? NaN) / (median(bt, bt.floor) ?? NaN);
    targets.push({ scenario: 'B', target: 'miss at most 1.3x the floor', measured: Number.isFinite(r) ? `${r.toFixed(2)}x` : 'not measured', verdict: pass(Number.isFinite(r) ? r <= 1.3 : undefined) });
    // The same target like for like: the floor shares its values by reference, and so does this
    // row; the default row also deep-freezes every loaded value (see the README's Performance notes).
    const shared = (median(bt, UNPROTECTED_ROW) ?? NaN) / (median(bt, bt.floor) ?? NaN);
    targets.push({
      scenario: 'B',
      target: "miss at most 1.3x the floor, values shared by reference as the floor does (immutability: 'none')",
      measured: Number.isFinite(shared) ? `${shared.toFixed(2)}x` : 'not measured',
      verdict: pass(Number.isFinite(shared) ? shared <= 1.3 : undefined),
    });
  }
  const bh = find(results, 'B-heap');
  if (bh !== undefined) {
    const cf = median(bh, bh.cacheflight);
    const lru = median(bh, 'raw lru-cache');
    targets.push({
      scenario: 'B',
      target: "heap per entry no more than raw lru-cache's",
      measured: cf === undefined || lru === undefined ? 'not measured' : `${Math.round(cf)} B vs ${Math.round(lru)} B (${ratio(cf, lru)})`,
      verdict: pass(cf === undefined || lru === undefined ? undefined : cf <= lru),
    });
  }
  const cLocal = find(results, 'C-local');
  if (cLocal !== undefined) {
    const cfRow = cLocal.rows.find((row) => row.name === cLocal.cacheflight);
    targets.push({
      scenario: 'C',
      target: 'one loader run (one process)',
      measured: cfRow?.loads === undefined ? `not measured${cfRow?.error ? `: ${cfRow.error}` : ''}` : `${cfRow.loads} in the worst round`,
      verdict: pass(cfRow?.loads === undefined ? undefined : cfRow.loads <= 1),
    });
    const r = (median(cLocal, cLocal.cacheflight) ?? NaN) / (median(cLocal, cLocal.floor) ?? NaN);
    targets.push({
      scenario: 'C',
      target: 'wall time at most 1.1x one loader call (one process)',
      measured: Number.isFinite(r) ? `${r.toFixed(2)}x (${formatFigure(median(cLocal, cLocal.cacheflight) as number, 'ms wall')})` : 'not measured',
      verdict: pass(Number.isFinite(r) ? r <= 1.1 : undefined),
    });
  }
  for (const processes of C_CROSS_PROCESSES) {
    const c = find(results, `C-cross-${processes}`);
    if (c === undefined) continue;
    const cfRow = c.rows.find((row) => row.name === c.cacheflight);
    targets.push({
      scenario: 'C',
      target: `${processes} processes sharing Redis: one loader run in total per round (cross-process single-flight)`,
      measured: cfRow?.loads === undefined ? `not measured${cfRow?.error ? `: ${cfRow.error}` : ''}` : `${cfRow.loads} in the worst round`,
      verdict: pass(cfRow?.loads === undefined ? undefined : cfRow.loads <= 1),
    });
    const wall = median(c, c.cacheflight);
    const oneLoad = median(c, c.floor);
    const rtt = Number(cfRow?.extra?.[C_RTT]);
    const measured = wall !== undefined && oneLoad !== undefined && Number.isFinite(rtt);
    const bound = measured ? crossWallBound(oneLoad, rtt) : NaN;
    targets.push({
      scenario: 'C',
      target: `${processes} processes sharing Redis: wall time at most 1.1x one loader call + ${C_CROSS_ROUND_TRIPS} Redis round trips`,
      measured: measured
        ? `${formatFigure(wall, 'ms wall')} against 1.1 x ${oneLoad.toFixed(1)} ms (one load) + ${C_CROSS_ROUND_TRIPS} x ${rtt.toFixed(2)} ms (RTT) = ${bound.toFixed(1)} ms (${(wall / oneLoad).toFixed(2)}x one load)`
        : 'not measured',
      verdict: pass(measured ? wall <= bound : undefined),
    });
  }
  const d64 = find(results, 'D-c64-k64');
  if (d64 !== undefined) {
    const r = (median(d64, d64.cacheflight) ?? NaN) / (median(d64, d64.floor) ?? NaN);
    targets.push({ scenario: 'D', target: '64 keys (concurrency 64): at least 1.3x raw ioredis (default options)', measured: Number.isFinite(r) ? `${r.toFixed(2)}x` : 'not measured', verdict: pass(Number.isFinite(r) ? r >= 1.3 : undefined) });
  }
  const d1 = find(results, 'D-c64-k1');
  if (d1 !== undefined) {
    const cmds = Number(d1.rows.find((row) => row.name === d1.cacheflight)?.extra?.['redis cmds/call']);
    targets.push({
      scenario: 'D',
      target: 'one hot key (concurrency 64): concurrent reads share one round trip (< 1 Redis command per call)',
      measured: Number.isFinite(cmds) ? `${cmds.toFixed(2)} commands per call` : 'not measured',
      verdict: pass(Number.isFinite(cmds) ? cmds < 1 : undefined),
    });
  }
  const e = find(results, 'E');
  if (e === undefined) {
    targets.push({ scenario: 'E', target: 'two tiers, key in L1', measured: 'not run', verdict: 'n/a' });
  } else {
    // The tiered store's L1 hit is meant to cost what the memory store's hit costs, and nothing in Redis.
    const tiered = median(e, e.cacheflight);
    const memory = median(e, 'cacheflight @Cacheable()');
    const floor = median(e, e.floor);
    const cmds = Number(e.rows.find((row) => row.name === e.cacheflight)?.extra?.['redis cmds/call']);
    const r = tiered !== undefined && memory !== undefined ? tiered / memory : undefined;
    targets.push({
      scenario: 'E',
      target: 'two tiers, key in L1: a hit within 1.15x of cacheflight on the memory store, no Redis command per hit',
      measured:
        r === undefined || !Number.isFinite(cmds)
          ? 'not measured'
          : `${formatFigure(tiered as number, 'ns/call')} = ${r.toFixed(2)}x the memory store's hit (${ratio(tiered, floor)} the floor); ${cmds.toFixed(4)} Redis commands per call`,
      verdict: pass(r === undefined || !Number.isFinite(cmds) ? undefined : r <= 1.15 && cmds < 0.01),
    });
  }
  const f = find(results, 'F');
  if (f !== undefined) {
    const hitP99 = median(f, f.floor);
    for (const name of [F_SWR_ROW, F_EARLY_ROW]) {
      const row = f.rows.find((r) => r.name === name);
      const waited = Number(row?.extra?.[F_WAITED]);
      // The cache's counters say whether a call waited for a load; a slow call that did not was
      // held up by something else (a collector pause, the machine), which latency alone cannot tell.
      const loadWaits = Number(row?.extra?.[F_LOAD_WAITS]);
      const counted = Number.isFinite(loadWaits);
      const p99 = row?.summary?.median;
      const over = Number(row?.extra?.[F_OVER]);
      const measured = row === undefined || row.error !== undefined || p99 === undefined;
      targets.push({
        scenario: 'F',
        target: `${name}: no caller waits for a load after the warm-up load (the cache's misses + joined calls = 0)`,
        measured: measured ? 'not measured' : `${counted ? `${loadWaits} calls waited for a load` : 'no counters'}; ${waited} calls took > ${F_WAIT_MS} ms`,
        verdict: pass(measured ? undefined : counted ? loadWaits === 0 : waited === 0),
      });
      targets.push({
        scenario: 'F',
        target: `${name}: p99 below ${F_WAIT_MS} ms (the waiting threshold) and within 2x the hit reference's p99`,
        measured: measured ? 'not measured' : `${formatFigure(p99, 'µs p99')} (${ratio(p99, hitP99)} the hit reference's ${hitP99 === undefined ? '—' : formatFigure(hitP99, 'µs p99')})`,
        verdict: pass(measured || hitP99 === undefined ? undefined : p99 < F_WAIT_MS * 1000 && p99 <= 2 * hitP99),
      });
      targets.push({
        scenario: 'F',
        target: `${name}: loader runs within one per TTL (every round: runs <= elapsed/TTL + 1)`,
        measured: measured ? 'not measured' : `${row?.extra?.['runs/TTL']} runs per TTL; worst round ${over >= 0 ? '+' : ''}${over.toFixed(1)} against the bound`,
        verdict: pass(measured ? undefined : over <= 0),
      });
    }
  }
  return targets;
}

/** The hit targets of scenario `id` (A, G): at most 0.8x the floor, and faster than every peer. */
function hitTargets(id: string, table: TableResult): Target[] {
  const floor = median(table, table.floor);
  const cf = median(table, table.cacheflight);
  const r = cf !== undefined && floor !== undefined ? cf / floor : undefined;
  const peers = table.rows.filter((row) => row.role === 'peer' && row.summary !== undefined);
  const faster = peers.filter((row) => cf !== undefined && (row.summary?.median as number) <= cf);
  return [
    { scenario: id, target: 'hit at most 0.8x the floor', measured: r === undefined ? 'not measured' : `${r.toFixed(2)}x`, verdict: pass(r === undefined ? undefined : r <= 0.8) },
    {
      scenario: id,
      target: 'faster than every peer',
      measured: cf === undefined ? 'not measured' : faster.length === 0 ? `fastest of ${peers.length} peers` : `slower than ${faster.map((row) => `${row.name} (${ratio(row.summary?.median, cf)})`).join(', ')}`,
      verdict: pass(cf === undefined ? undefined : faster.length === 0),
    },
  ];
}

/** Scenario C across processes: the process counts (one table each, `C-cross-<n>`). */
export const C_CROSS_PROCESSES = [2, 8] as const;
/** Column of the cross-process tables: the Redis round trip measured in each worker before each round (median, ms). */
export const C_RTT = 'Redis RTT (ms)';
/**
 * Redis round trips on the critical path of the slowest process of a cross-process stampede
 * (derived in bench/README.md, "Scenario C across processes"): the leader's miss read and
 * claim, its fenced write reaching Redis and the notice reaching a waiter (half a round trip
 * each), the waiter's read of the entry.
 */
export const C_CROSS_ROUND_TRIPS = 4;
/** The wall bound of a cross-process stampede: 1.1x one loader call plus the coordination round trips. */
export function crossWallBound(oneLoadMs: number, rttMs: number): number {
  return 1.1 * oneLoadMs + C_CROSS_ROUND_TRIPS * rttMs;
}

/** Scenario F's rows and columns the targets read (bench/peers/freshness.ts, bench/scenarios/f-hot-expiry.ts). */
const F_SWR_ROW = "cacheflight staleWhileRevalidate: '1s'";
const F_EARLY_ROW = 'cacheflight earlyRefresh: true';
const F_WAIT_MS = 10;
const F_WAITED = `waited (> ${F_WAIT_MS} ms)`;
/** Scenario F's column of calls that waited for a load by the cache's own counters (cacheflight rows). */
export const F_LOAD_WAITS = 'waited for a load (cache counters)';
const F_OVER = 'worst round: runs − (elapsed/TTL + 1)';

export function renderTargets(targets: readonly Target[]): string {
  const lines = ['### Targets (issue 4), as ratios in this run', '', '| scenario | target | measured | verdict |', '| --- | --- | --- | --- |'];
  for (const t of targets) lines.push(`| ${t.scenario} | ${t.target} | ${t.measured} | ${t.verdict} |`);
  return lines.join('\n');
}

/** Smoke verdict: every row ran, every caching row cached, cacheflight never answered wrongly. */
export function smokeProblems(results: readonly ScenarioResult[]): string[] {
  const problems: string[] = [];
  for (const result of results) {
    for (const table of result.tables) {
      for (const row of table.rows) {
        const where = `${table.id} / ${row.name}`;
        if (row.error !== undefined) problems.push(`${where}: did not run: ${row.error}`);
        else if (row.summary === undefined || !Number.isFinite(row.summary.median)) problems.push(`${where}: produced no figure`);
        if (row.cachingOk === false && !row.informational) problems.push(`${where}: loader ran ${row.loads} times, expected ${row.expectedLoads ?? 'once per call'}`);
        if (row.role === 'cacheflight' && row.probesWrong !== undefined && row.probesWrong.length > 0) problems.push(`${where}: wrong answers on probes ${row.probesWrong.join(', ')}`);
      }
    }
  }
  return problems;
}

export function renderEnvironment(env: Environment): string {
  const lines = [
    `- Date: ${env.date}`,
    `- Machine: ${env.cpu}, ${env.cores} cores, ${env.memoryGiB} GiB; 1-minute load average at start ${env.loadAtStart.toFixed(2)}${env.loadAtStart > 0.5 ? ' (other work was running: absolute figures are noisy, the interleaved ratios hold better)' : ''}`,
    `- Node: ${env.node}; Redis: ${env.redis}`,
    `- cacheflight: ${env.cacheflight}`,
    `- Peers (bench/node_modules): ${Object.entries(env.versions).map(([pkg, v]) => `${pkg} ${v}`).join(', ')}`,
    ...env.engineNotes.map((note) => `- ${note}: see its rows (a row that could not run says NOT RUN).`),
  ];
  return lines.join('\n');
}

export function renderSetups(results: readonly ScenarioResult[]): string {
  const seen = new Map<string, string>();
  for (const result of results) for (const table of result.tables) for (const row of table.rows) if (!seen.has(row.name)) seen.set(row.name, row.config);
  return ['### How each row is set up', '', ...[...seen.entries()].map(([name, config]) => `- **${name}**: \`${config}\``)].join('\n');
}
