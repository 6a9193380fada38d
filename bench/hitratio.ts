/**
 * `npm run bench:hitratio`: replays access traces against caches of several sizes and compares
 * hit ratios: the memory store under each policy (driven through its public get/set, infinite
 * TTL), raw lru-cache, and the optimum (Belady's MIN, from next-use distances). A request is a hit
 * when the key is present; on a miss the key is inserted.
 *
 * Traces: the real ones of ../shared/traces/ (OLTP of the ARC paper, glimpse of the LIRS paper;
 * see their README for the citations), plus synthetic adversarial workloads (pure recency, scans
 * over a hot set, loops larger than the cache, shifting hot sets, Zipf with several exponents).
 *
 * Prints PASS/MISS per target, writes bench/hitratio.svg, and updates only its own section of
 * bench/RESULTS.md (between the hit-ratio marker comments; `npm run bench` keeps that section).
 *
 * Options: --quick (synthetic workloads shortened, RESULTS.md untouched), --traces=DIR,
 * --workloads=OLTP,recency (only those; RESULTS.md untouched).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LRUCache } from 'lru-cache';
import { memoryStore, type MemoryStorePolicy } from '../lib/stores/memory.js';
import { mulberry32 } from '../spec/helpers/random-values.js';
import { BENCH_DIR } from './harness/child.js';
import { HITRATIO_END, HITRATIO_START } from './harness/hitratio-section.js';

const quick = process.argv.includes('--quick');
const tracesDir = process.argv.find((arg) => arg.startsWith('--traces='))?.slice('--traces='.length) ?? join(BENCH_DIR, '..', '..', 'shared', 'traces');
const onlyWorkloads = process.argv.find((arg) => arg.startsWith('--workloads='))?.slice('--workloads='.length).split(',');
const SIZES = [250, 500, 1_000, 2_500, 5_000, 10_000];
const POLICIES: readonly MemoryStorePolicy[] = ['tinylfu', 'lru'];

/** One workload: integer keys in request order. */
interface Trace {
  readonly name: string;
  readonly description: string;
  readonly keys: Int32Array;
  readonly real: boolean;
}

/** Hit ratios (percent) of one workload at one size. */
interface Row {
  readonly trace: string;
  readonly size: number;
  readonly ratios: Record<string, number>;
}

// ---------------------------------------------------------------------------------------------
// Workloads

function loadTrace(file: string, name: string, description: string): Trace | undefined {
  const path = join(tracesDir, file);
  if (!existsSync(path)) {
    console.error(`hitratio: ${path} not found; the ${name} trace is skipped`);
    return undefined;
  }
  const text = execFileSync('gzip', ['-dc', path], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const ids = new Map<string, number>();
  const lines = text.split('\n').filter((line) => line.length > 0);
  const keys = new Int32Array(lines.length);
  lines.forEach((line, i) => {
    let id = ids.get(line);
    if (id === undefined) ids.set(line, (id = ids.size));
    keys[i] = id;
  });
  return { name, description, keys, real: true };
}

/** A Zipf(`s`) sampler over `n` ranks (0 = most popular), by inverse CDF. */
function zipf(n: number, s: number, random: () => number): () => number {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) cdf[i] = total += 1 / Math.pow(i + 1, s);
  for (let i = 0; i < n; i++) cdf[i] = (cdf[i] as number) / total;
  return () => {
    const u = random();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cdf[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

function synthetic(length: number): Trace[] {
  const traces: Trace[] = [];
  const make = (name: string, description: string, seed: number, next: (random: () => number, i: number) => number): void => {
    const random = mulberry32(seed);
    const keys = new Int32Array(length);
    for (let i = 0; i < length; i++) keys[i] = next(random, i);
    traces.push({ name, description, keys, real: false });
  };
  for (const s of [0.6, 0.8, 1.0, 1.2]) {
    let sample: (() => number) | undefined;
    make(`zipf-${s.toFixed(1)}`, `Zipf(${s}) over 100,000 keys, independent requests`, 1000 + s * 10, (random) => (sample ??= zipf(100_000, s, random))());
  }
  {
    // Pure recency: a request is a new key, or one of those requested lately (an LRU-stack
    // distance drawn uniformly from 1 to 12,000), so the last use predicts everything.
    const recent: number[] = [];
    let fresh = 0;
    make('recency', 'pure recency: 30% new keys, else a repeat at a stack distance uniform in 1..12,000', 7, (random) => {
      let key: number;
      if (recent.length === 0 || random() < 0.3) key = fresh++;
      else key = recent[recent.length - 1 - Math.floor(random() * Math.min(recent.length, 12_000))] as number;
      recent.push(key);
      if (recent.length > 50_000) recent.splice(0, 25_000);
      return key;
    });
  }
  {
    let sample: (() => number) | undefined;
    let scan = 1 << 24;
    make('scan+hot', 'a Zipf(0.9) hot set of 5,000 keys (70%) interleaved with a scan of one-off keys (30%)', 11, (random) => {
      sample ??= zipf(5_000, 0.9, random);
      return random() < 0.3 ? scan++ : sample();
    });
  }
  for (const loop of [600, 3_000, 12_000]) make(`loop-${loop}`, `a loop over ${loop.toLocaleString('en-US')} keys, in order, again and again`, 13, (_random, i) => i % loop);
  {
    let sample: (() => number) | undefined;
    make('shifting', 'a Zipf(0.9) hot set of 3,000 keys out of 50,000 that moves to fresh keys every 100,000 requests', 17, (random, i) => {
      sample ??= zipf(50_000, 0.9, random);
      return Math.floor(i / 100_000) * 1_000_000 + sample();
    });
  }
  {
    // The workload's character changes: recency-friendly, then frequency-friendly, then back.
    const recent: number[] = [];
    let fresh = 1 << 26;
    let sample: (() => number) | undefined;
    make('phases', 'alternating phases of 200,000 requests: pure recency (as above) / Zipf(1.0) over 100,000 keys', 19, (random, i) => {
      sample ??= zipf(100_000, 1.0, random);
      if (Math.floor(i / 200_000) % 2 === 1) return sample();
      let key: number;
      if (recent.length === 0 || random() < 0.3) key = fresh++;
      else key = recent[recent.length - 1 - Math.floor(random() * Math.min(recent.length, 12_000))] as number;
      recent.push(key);
      if (recent.length > 50_000) recent.splice(0, 25_000);
      return key;
    });
  }
  return traces;
}

// ---------------------------------------------------------------------------------------------
// Replays

function replayStore(keys: Int32Array, size: number, policy: MemoryStorePolicy): number {
  const store = memoryStore({ maxEntries: size, policy });
  const write = { ttlMs: Infinity };
  let hits = 0;
  for (let i = 0; i < keys.length; i++) {
    const id = String(keys[i]);
    if (store.get('t', id) !== undefined) hits++;
    else store.set('t', id, true, write);
  }
  return (100 * hits) / keys.length;
}

function replayLruCache(keys: Int32Array, size: number): number {
  const cache = new LRUCache<number, boolean>({ max: size });
  let hits = 0;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as number;
    if (cache.get(key) !== undefined) hits++;
    else cache.set(key, true);
  }
  return (100 * hits) / keys.length;
}

/** For each request, the index of the next request of the same key (`length` = never again). */
function nextUses(keys: Int32Array): Int32Array {
  const next = new Int32Array(keys.length);
  const seen = new Map<number, number>();
  for (let i = keys.length - 1; i >= 0; i--) {
    const key = keys[i] as number;
    next[i] = seen.get(key) ?? keys.length;
    seen.set(key, i);
  }
  return next;
}

/** Belady's MIN: on a miss with the cache full, evict the entry used again farthest in the future. */
function replayOptimal(keys: Int32Array, next: Int32Array, size: number): number {
  // A max-heap of [next use, key] with stale pairs skipped (a key's current next use is in `due`).
  const heapUse: number[] = [];
  const heapKey: number[] = [];
  const due = new Map<number, number>();
  const push = (use: number, key: number): void => {
    let i = heapUse.length;
    heapUse.push(use);
    heapKey.push(key);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((heapUse[parent] as number) >= use) break;
      heapUse[i] = heapUse[parent] as number;
      heapKey[i] = heapKey[parent] as number;
      i = parent;
    }
    heapUse[i] = use;
    heapKey[i] = key;
  };
  const pop = (): number => {
    const top = heapKey[0] as number;
    const lastUse = heapUse.pop() as number;
    const lastKey = heapKey.pop() as number;
    const n = heapUse.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= n) break;
        if (child + 1 < n && (heapUse[child + 1] as number) > (heapUse[child] as number)) child++;
        if ((heapUse[child] as number) <= lastUse) break;
        heapUse[i] = heapUse[child] as number;
        heapKey[i] = heapKey[child] as number;
        i = child;
      }
      heapUse[i] = lastUse;
      heapKey[i] = lastKey;
    }
    return top;
  };
  let hits = 0;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as number;
    const use = next[i] as number;
    if (due.has(key)) {
      hits++;
    } else if (due.size >= size) {
      for (;;) {
        const topUse = heapUse[0] as number;
        const victim = pop();
        if (due.get(victim) === topUse) {
          due.delete(victim);
          break;
        }
      }
    }
    due.set(key, use);
    push(use, key);
  }
  return (100 * hits) / keys.length;
}

// ---------------------------------------------------------------------------------------------
// Targets and output

const COLUMNS = ['tinylfu', 'lru', 'lru-cache', 'optimal'] as const;
const COLUMN_TITLES: Record<string, string> = {
  tinylfu: "memory store, policy 'tinylfu' (default)",
  lru: "memory store, policy 'lru'",
  'lru-cache': 'raw lru-cache',
  optimal: 'optimal (Belady)',
};

interface Verdict {
  readonly target: string;
  readonly measured: string;
  readonly pass: boolean;
}

function verdicts(rows: readonly Row[]): Verdict[] {
  const at = (trace: string, size: number): Row | undefined => rows.find((row) => row.trace === trace && row.size === size);
  const out: Verdict[] = [];
  const floor = (trace: string, size: number, minimum: number, label: string): void => {
    const row = at(trace, size);
    if (row === undefined) return;
    const value = row.ratios['tinylfu'] as number;
    out.push({ target: `${trace} at ${size.toLocaleString('en-US')} entries >= ${minimum.toFixed(1)}% (${label})`, measured: `${value.toFixed(2)}%`, pass: value >= minimum });
  };
  floor('OLTP', 1_000, 40.0, "Caffeine's W-TinyLFU figure");
  floor('OLTP', 10_000, 64.8, "ARC's 64.81%");
  floor('glimpse', 1_000, 50.0, "Caffeine's W-TinyLFU ~51%");
  for (const trace of [...new Set(rows.map((row) => row.trace))]) {
    let worst = Infinity;
    let worstSize = 0;
    for (const row of rows.filter((r) => r.trace === trace)) {
      const gap = (row.ratios['tinylfu'] as number) - (row.ratios['lru'] as number);
      if (gap < worst) [worst, worstSize] = [gap, row.size];
    }
    out.push({
      target: `${trace}: at no size more than 1 point below LRU`,
      measured: `worst ${worst >= 0 ? '+' : ''}${worst.toFixed(2)} points (at ${worstSize.toLocaleString('en-US')})`,
      pass: worst >= -1,
    });
  }
  return out;
}

function renderTable(rows: readonly Row[], traces: readonly Trace[]): string {
  const lines = [`| workload | entries | ${COLUMNS.map((c) => COLUMN_TITLES[c]).join(' | ')} | tinylfu − lru |`, `| --- | ---: | ${COLUMNS.map(() => '---:').join(' | ')} | ---: |`];
  for (const trace of traces) {
    for (const row of rows.filter((r) => r.trace === trace.name)) {
      const cells = COLUMNS.map((c) => (row.ratios[c] as number).toFixed(2));
      const gap = (row.ratios['tinylfu'] as number) - (row.ratios['lru'] as number);
      lines.push(`| ${row.trace} | ${row.size.toLocaleString('en-US')} | ${cells.join(' | ')} | ${gap >= 0 ? '+' : ''}${gap.toFixed(2)} |`);
    }
  }
  return lines.join('\n');
}

const COLORS: Record<string, string> = { tinylfu: '#d62728', lru: '#1f77b4', 'lru-cache': '#7fb3e0', optimal: '#2ca02c' };

/** A hand-written SVG: one panel per workload, hit ratio against size (log scale). */
function renderSvg(rows: readonly Row[], traces: readonly Trace[]): string {
  const panelW = 300;
  const panelH = 200;
  const perRow = 4;
  const pad = { left: 40, top: 28, right: 12, bottom: 30 };
  const cols = Math.min(perRow, traces.length);
  const gridRows = Math.ceil(traces.length / perRow);
  const width = cols * panelW;
  const height = gridRows * panelH + 30;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="10">`,
    `<rect width="100%" height="100%" fill="white"/>`,
  ];
  const minLog = Math.log10(SIZES[0] as number);
  const maxLog = Math.log10(SIZES[SIZES.length - 1] as number);
  traces.forEach((trace, index) => {
    const ox = (index % perRow) * panelW;
    const oy = Math.floor(index / perRow) * panelH;
    const w = panelW - pad.left - pad.right;
    const h = panelH - pad.top - pad.bottom;
    const x = (size: number): number => ox + pad.left + ((Math.log10(size) - minLog) / (maxLog - minLog)) * w;
    const y = (ratio: number): number => oy + pad.top + h - (ratio / 100) * h;
    parts.push(`<text x="${ox + pad.left}" y="${oy + 16}" font-size="12" font-weight="bold">${trace.name}</text>`);
    parts.push(`<rect x="${ox + pad.left}" y="${oy + pad.top}" width="${w}" height="${h}" fill="none" stroke="#999"/>`);
    for (const tick of [0, 25, 50, 75, 100]) {
      parts.push(`<line x1="${ox + pad.left}" x2="${ox + pad.left + w}" y1="${y(tick)}" y2="${y(tick)}" stroke="#eee"/>`);
      parts.push(`<text x="${ox + pad.left - 4}" y="${y(tick) + 3}" text-anchor="end">${tick}%</text>`);
    }
    for (const size of SIZES) parts.push(`<text x="${x(size)}" y="${oy + pad.top + h + 12}" text-anchor="middle">${size >= 1000 ? `${size / 1000}k` : size}</text>`);
    const mine = rows.filter((r) => r.trace === trace.name);
    for (const column of COLUMNS) {
      const points = mine.map((r) => `${x(r.size).toFixed(1)},${y(r.ratios[column] as number).toFixed(1)}`).join(' ');
      const dash = column === 'lru-cache' ? ' stroke-dasharray="4 3"' : '';
      parts.push(`<polyline points="${points}" fill="none" stroke="${COLORS[column]}" stroke-width="${column === 'tinylfu' ? 2.5 : 1.5}"${dash}/>`);
    }
  });
  let lx = 10;
  for (const column of COLUMNS) {
    parts.push(`<line x1="${lx}" x2="${lx + 20}" y1="${height - 12}" y2="${height - 12}" stroke="${COLORS[column]}" stroke-width="2.5"/>`);
    parts.push(`<text x="${lx + 24}" y="${height - 9}">${COLUMN_TITLES[column]}</text>`);
    lx += 60 + (COLUMN_TITLES[column] as string).length * 5.5;
  }
  parts.push('</svg>');
  return parts.join('\n');
}

/** Replace the hit-ratio section of `markdown` (or append one). */
export function withHitRatioSection(markdown: string, section: string): string {
  const block = `${HITRATIO_START}\n${section.trim()}\n${HITRATIO_END}`;
  const start = markdown.indexOf(HITRATIO_START);
  const end = markdown.indexOf(HITRATIO_END);
  if (start !== -1 && end > start) return markdown.slice(0, start) + block + markdown.slice(end + HITRATIO_END.length);
  return `${markdown.trimEnd()}\n\n${block}\n`;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const started = Date.now();
  const traces: Trace[] = [];
  const oltp = loadTrace('oltp.keys.gz', 'OLTP', 'OLTP trace of the ARC paper (914,145 requests)');
  if (oltp) traces.push(oltp);
  const gli = loadTrace('gli.keys.gz', 'glimpse', 'glimpse trace of the LIRS paper (6,015 requests)');
  if (gli) traces.push(gli);
  traces.push(...synthetic(quick ? 200_000 : 1_000_000));

  const rows: Row[] = [];
  for (const trace of traces) {
    if (onlyWorkloads && !onlyWorkloads.includes(trace.name)) continue;
    const next = nextUses(trace.keys);
    for (const size of SIZES) {
      const ratios: Record<string, number> = {};
      for (const policy of POLICIES) ratios[policy] = replayStore(trace.keys, size, policy);
      ratios['lru-cache'] = replayLruCache(trace.keys, size);
      ratios['optimal'] = replayOptimal(trace.keys, next, size);
      rows.push({ trace: trace.name, size, ratios });
      console.error(`hitratio: ${trace.name.padEnd(10)} ${String(size).padStart(6)}  ${COLUMNS.map((c) => `${c} ${(ratios[c] as number).toFixed(2)}`).join('  ')}`);
    }
  }
  const results = verdicts(rows);
  const table = renderTable(rows, traces);
  const targetLines = ['| target | measured | verdict |', '| --- | --- | --- |', ...results.map((v) => `| ${v.target} | ${v.measured} | ${v.pass ? 'PASS' : 'MISS'} |`)];
  console.log(table);
  console.log();
  for (const v of results) console.log(`${v.pass ? 'PASS' : 'MISS'}  ${v.target}: ${v.measured}`);
  console.error(`hitratio: ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (quick || onlyWorkloads) {
    console.error('hitratio: --quick/--workloads: bench/RESULTS.md and the chart left as they were');
    return;
  }
  writeFileSync(join(BENCH_DIR, 'hitratio.svg'), renderSvg(rows, traces));
  const section = [
    '## Hit ratios (npm run bench:hitratio)',
    '',
    `Produced by \`npm run bench:hitratio\` (bench/hitratio.ts) on ${new Date().toISOString().slice(0, 10)}, Node ${process.version}. Each workload is replayed against a cache bounded to N entries: a request is a hit when the key is present; on a miss the key is inserted. The memory store is driven through its public \`get\`/\`set\` (infinite TTL); "optimal" is Belady's MIN computed from next-use distances. Figures are hit ratios in percent. The store draws its hash seed at random per process, so W-TinyLFU's figures move by a few tenths of a point between runs (hash collisions in the sketch differ); LRU's and the optimum's do not move.`,
    '',
    'Workloads:',
    '',
    ...traces.map((t) => `- **${t.name}**: ${t.description}${t.real ? ' (../shared/traces/; citations in its README)' : `, ${t.keys.length.toLocaleString('en-US')} requests`}`),
    '',
    '### Targets',
    '',
    ...targetLines,
    '',
    '### Hit ratio by workload and size (%)',
    '',
    table,
    '',
    '![hit ratio by size](hitratio.svg)',
  ].join('\n');
  const resultsPath = join(BENCH_DIR, 'RESULTS.md');
  const current = existsSync(resultsPath) ? readFileSync(resultsPath, 'utf8') : '# cacheflight benchmarks\n';
  writeFileSync(resultsPath, withHitRatioSection(current, section));
  console.error('hitratio: wrote bench/hitratio.svg and the hit-ratio section of bench/RESULTS.md');
}

await main();
