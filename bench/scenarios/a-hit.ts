/**
 * Scenario A: the in-memory hit path. `await service.getProduct(42, 'abc', { a: 1, b: [1, 2] })`
 * on a warm key, ns per call, every row in this one process, interleaved. Each row's loader must
 * have run exactly once (the warm-up); afterwards the probes check that distinct argument lists
 * get distinct answers.
 */
import { benchConfig, emitResult, prepareRows, progress, type RowResult, type ScenarioResult } from '../harness/child.js';
import { freshHitLoop, hitRowResult, hitSampling, probeRow, type HitRow } from '../harness/hit.js';
import { sampleInterleaved, type Timed } from '../harness/sampling.js';
import { A_FILTER, A_ID, A_QUERY, makeLoader } from '../harness/workload.js';
import { memoryRows, standardDecoratorsCompiled } from '../peers/memory.js';

const config = benchConfig();
const MAX_ENTRIES = 10_000;


const rows = memoryRows.filter((row) => !config.only || row.name.includes(config.only) || row.role === 'floor');
const { prepared, failed } = await prepareRows(rows, async (row): Promise<HitRow> => {
  const loader = makeLoader();
  const instance = await row.create({ loader, maxEntries: MAX_ENTRIES, prefix: 'a' });
  const first = await instance.call(A_ID, A_QUERY, A_FILTER);
  if (first?.id !== A_ID) throw new Error(`the warm-up call answered ${JSON.stringify(first)}`);
  return { row, instance, loader, calls: 1 };
});

const timed: Timed[] = prepared.map((p) => {
  const loop = freshHitLoop();
  return {
    name: p.row.name,
    run: async (n) => {
      const start = process.hrtime.bigint();
      await loop(p.instance.call, n, A_ID, A_QUERY, A_FILTER);
      const ns = Number(process.hrtime.bigint() - start);
      p.calls += n;
      return ns;
    },
  };
});

const sampled = await sampleInterleaved(timed, hitSampling(config.smoke, 'A', progress));

const results: RowResult[] = [];
for (const p of prepared) {
  const probesWrong = await probeRow(p.row, { maxEntries: MAX_ENTRIES, prefix: 'a-probe' });
  results.push(hitRowResult(p, sampled, probesWrong, { calls: String(p.calls) }));
  await p.instance.close();
}

const result: ScenarioResult = {
  scenario: 'A',
  tables: [
    {
      id: 'A',
      title: "A. In-memory hit: await getProduct(42, 'abc', { a: 1, b: [1, 2] }) on a warm key",
      unit: 'ns/call',
      better: 'lower',
      floor: 'floor: Map + JSON.stringify(args)',
      cacheflight: 'cacheflight @Cacheable()',
      rows: [...results, ...failed],
      notes: [
        `cacheflight standard row compiled with ${standardDecoratorsCompiled ? 'TC39 standard decorators' : 'LEGACY decorators (tsconfig has experimentalDecorators!)'} by tsx; the legacy row applies the same decorator through the experimentalDecorators calling convention in the same process.`,
        'loads = loader runs over the whole run (1 = the warm-up only); probes = argument pairs answered with the other call\'s cached value.',
      ],
    },
  ],
  notes: [],
};
emitResult(result);
process.exit(0);
