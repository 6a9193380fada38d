/**
 * Scenario G: the in-memory hit path over many warm keys. A's argument shape,
 * `await getProduct(100_000 + k, 'abc', { a: 1, b: [1, 2] })`, for G_KEYS keys, every one loaded
 * once before timing; the timed loop cycles through them, so consecutive calls never repeat their
 * arguments (no row can reuse the previous call's key) and every call is a hit. The argument
 * lists (the ids and one filter object per key) are built before the loop, so no row pays for
 * building them. Every row's bound holds all the keys; each row's loader must have run exactly
 * G_KEYS times (the warm-up) by the end.
 */
import { benchConfig, emitResult, prepareRows, progress, type RowResult, type ScenarioResult } from '../harness/child.js';
import { hitRowResult, hitSampling, probeRow, type HitRow } from '../harness/hit.js';
import { freshFunction, sampleInterleaved, type Timed } from '../harness/sampling.js';
import { A_QUERY, G_FIRST_ID, G_KEYS, makeLoader, manyKeyArguments } from '../harness/workload.js';
import { memoryRows, standardDecoratorsCompiled } from '../peers/memory.js';

const config = benchConfig();
const KEYS = config.smoke ? 500 : G_KEYS;
/**
 * The bound of every bounded row: all the keys fit, with room to spare. Four times the keys: the
 * standard and legacy cacheflight rows share the default cache (two namespaces of KEYS entries
 * each), and type-cacheable's one adapter keeps the probes' entries too.
 */
const MAX_ENTRIES = 4 * KEYS;

const { ids, filters } = manyKeyArguments(KEYS);

type ManyKeyLoop = (call: HitRow['instance']['call'], n: number, ids: readonly number[], query: string, filters: readonly unknown[], start: number) => Promise<number>;

const rows = memoryRows.filter((row) => !config.only || row.name.includes(config.only) || row.role === 'floor');
const { prepared, failed } = await prepareRows(rows, async (row): Promise<HitRow & { next: number }> => {
  const loader = makeLoader();
  const instance = await row.create({ loader, maxEntries: MAX_ENTRIES, prefix: 'g' });
  for (let k = 0; k < KEYS; k++) {
    const first = await instance.call(ids[k] as number, A_QUERY, filters[k]);
    if (first?.id !== ids[k]) throw new Error(`the warm-up call of key ${k} answered ${JSON.stringify(first)}`);
  }
  return { row, instance, loader, calls: KEYS, next: 0 };
});

const timed: Timed[] = prepared.map((p) => {
  // Compiled for this row alone, like A's loop; it answers where the next batch continues.
  const loop = freshFunction<ManyKeyLoop>(
    'async (call, n, ids, query, filters, start) => { let k = start; const last = ids.length - 1; for (let i = 0; i < n; i++) { await call(ids[k], query, filters[k]); k = k === last ? 0 : k + 1; } return k; }',
  );
  return {
    name: p.row.name,
    run: async (n) => {
      const start = process.hrtime.bigint();
      const next = await loop(p.instance.call, n, ids, A_QUERY, filters, p.next);
      const ns = Number(process.hrtime.bigint() - start);
      p.next = next;
      p.calls += n;
      return ns;
    },
  };
});

const sampled = await sampleInterleaved(timed, hitSampling(config.smoke, 'G', progress));

const results: RowResult[] = [];
for (const p of prepared) {
  const probesWrong = await probeRow(p.row, { maxEntries: MAX_ENTRIES, prefix: 'g-probe' });
  const base = hitRowResult(p, sampled, probesWrong, { calls: String(p.calls) });
  // Every key loaded once in the warm-up, every timed call a hit.
  const loads = p.loader.runs;
  results.push({ ...base, expectedLoads: p.row.caches ? KEYS : undefined, cachingOk: p.row.caches ? loads === KEYS : loads === p.calls });
  await p.instance.close();
}

const result: ScenarioResult = {
  scenario: 'G',
  tables: [
    {
      id: 'G',
      title: `G. In-memory hit over ${KEYS.toLocaleString('en-US')} warm keys: await getProduct(${G_FIRST_ID.toLocaleString('en-US')} + k, 'abc', { a: 1, b: [1, 2] }), k cycling, so consecutive calls never repeat their arguments`,
      unit: 'ns/call',
      better: 'lower',
      floor: 'floor: Map + JSON.stringify(args)',
      cacheflight: 'cacheflight @Cacheable()',
      rows: [...results, ...failed],
      notes: [
        `cacheflight standard row compiled with ${standardDecoratorsCompiled ? 'TC39 standard decorators' : 'LEGACY decorators (tsconfig has experimentalDecorators!)'} by tsx; the legacy row applies the same decorator through the experimentalDecorators calling convention in the same process.`,
        `The argument lists are built before timing (the ids and one { a: 1, b: [1, 2] } object per key), so the timed loop only indexes them; every bounded row holds ${MAX_ENTRIES.toLocaleString('en-US')} entries, so every key stays.`,
        `loads = loader runs over the whole run (${KEYS.toLocaleString('en-US')} = the warm-up of every key only); probes = argument pairs answered with the other call's cached value.`,
      ],
    },
  ],
  notes: [],
};
emitResult(result);
process.exit(0);
