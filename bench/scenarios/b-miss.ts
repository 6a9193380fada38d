/**
 * Scenario B: the in-memory miss path.
 *
 * - Time: every call uses a new id, so every call misses, loads and stores; ns per call, rows
 *   interleaved in this process. A sample sums several passes, each starting from an emptied
 *   cache (the library's clear, untimed), so it spans several garbage collections. Every call must
 *   run the loader (a row answering without loading caches wrongly), and each pass's last key must
 *   then hit (a row that does not store is not caching).
 * - Heap: bytes per entry after 100k entries, each row in a fresh child process started with
 *   --expose-gc: gc, heapUsed, insert, gc, heapUsed; the delta over the entries. Rounds interleave
 *   the rows; the figure is the median of the rounds.
 */
import { benchConfig, emitResult, messageOf, prepareRows, progress, rowIdentity, type RowResult, runChild, type ScenarioResult } from '../harness/child.js';
import type { RowDef, RowInstance } from '../harness/rows.js';
import { freshFunction, sampleInterleaved, type Timed } from '../harness/sampling.js';
import { summarize } from '../harness/stats.js';
import { A_FILTER, A_QUERY, makeLoader, type Loader } from '../harness/workload.js';
import { memoryRows } from '../peers/memory.js';

const config = benchConfig();
const MAX_ENTRIES = 200_000;
const HEAP_ENTRIES = config.smoke ? 2_000 : 100_000;
const HEAP_ROUNDS = config.smoke ? 1 : 3;
const BATCH = config.smoke ? 50 : 5_000;
/** Passes of BATCH fresh keys summed into one time sample. */
const PASSES = config.smoke ? 2 : 8;
const heapRow = process.argv.find((arg) => arg.startsWith('--heap='))?.slice('--heap='.length);

const rows = memoryRows.filter((row) => !config.only || row.name.includes(config.only) || row.role === 'floor');

if (heapRow !== undefined) {
  await measureHeap(rows.find((row) => row.name === heapRow) as RowDef);
} else {
  await measureTimeAndHeap();
}

/** Child mode: one row's heap per entry, in this fresh process. */
async function measureHeap(row: RowDef): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  const settle = async (): Promise<number> => {
    for (let i = 0; i < 4; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      gc();
    }
    return process.memoryUsage().heapUsed;
  };
  // Warm the code paths on a throw-away instance (unreachable before the baseline is taken) so
  // compiled code and lazily built internals are not counted as entries.
  await warmUp(row);

  // The baseline comes before the instance exists, and the bound is exactly the number of
  // entries: a store that preallocates for its bound (lru-cache) pays for it here too.
  const before = await settle();
  const loader = makeLoader();
  const instance = await row.create({ loader, maxEntries: HEAP_ENTRIES, prefix: 'b-heap' });
  for (let i = 0; i < HEAP_ENTRIES; i++) await instance.call(1_000_000 + i, A_QUERY, A_FILTER);
  const after = await settle();
  const loadsAfterFill = loader.runs;
  // Still there? (a store that kept nothing would also show a tiny heap)
  await instance.call(1_000_000 + HEAP_ENTRIES - 1, A_QUERY, A_FILTER);
  await instance.call(1_000_000, A_QUERY, A_FILTER);
  const reloads = loader.runs - loadsAfterFill;
  emitResult({ bytesPerEntry: (after - before) / HEAP_ENTRIES, loads: loadsAfterFill, reloads });
  await instance.close();
  process.exit(0);
}

async function warmUp(row: RowDef): Promise<void> {
  const warm = await row.create({ loader: makeLoader(), maxEntries: MAX_ENTRIES, prefix: 'b-warm' });
  for (let i = 0; i < 2_000; i++) await warm.call(-1 - i, A_QUERY, A_FILTER);
  await warm.reset();
  await warm.close();
}

interface Prepared {
  readonly row: RowDef;
  readonly instance: RowInstance;
  readonly loader: Loader;
  calls: number;
  /** Calls inside the timed loops (each must load). */
  timedCalls: number;
  /** Passes whose last key did not hit right after. */
  notStored: number;
}

async function measureTimeAndHeap(): Promise<void> {
  const { prepared, failed } = await prepareRows(rows, async (row): Promise<Prepared> => {
    const loader = makeLoader();
    const instance = await row.create({ loader, maxEntries: MAX_ENTRIES, prefix: 'b' });
    return { row, instance, loader, calls: 0, timedCalls: 0, notStored: 0 };
  });

  type MissLoop = (call: RowInstance['call'], n: number, base: number, query: string, filter: unknown) => Promise<void>;
  let nextId = 10_000_000;
  const timed: Timed[] = prepared.map((p) => {
    const loop = freshFunction<MissLoop>('async (call, n, base, query, filter) => { for (let i = 0; i < n; i++) await call(base + i, query, filter); }');
    return {
      name: p.row.name,
      // One sample = PASSES passes of BATCH fresh keys, each from an emptied cache (untimed), the
      // passes' times summed: a sample spans several garbage collections, so each row is charged
      // its own collection work on average instead of all or nothing of whatever fell in one pass.
      run: async (n) => {
        let ns = 0;
        for (let pass = 0; pass < n / BATCH; pass++) {
          await p.instance.reset();
          const base = nextId;
          nextId += BATCH;
          const start = process.hrtime.bigint();
          await loop(p.instance.call, BATCH, base, A_QUERY, A_FILTER);
          ns += Number(process.hrtime.bigint() - start);
          p.calls += BATCH;
          p.timedCalls += BATCH;
          if (p.row.caches) {
            const loadsBefore = p.loader.runs;
            await p.instance.call(base + BATCH - 1, A_QUERY, A_FILTER);
            p.calls++;
            if (p.loader.runs !== loadsBefore) p.notStored++;
          }
        }
        return ns;
      },
    };
  });

  const sampled = await sampleInterleaved(timed, {
    samples: config.smoke ? 2 : 15,
    warmupRounds: config.smoke ? 1 : 2,
    batchMs: 1,
    minBatch: BATCH * PASSES,
    maxBatch: BATCH * PASSES,
    progress: (line) => progress(`B time ${line}`),
  });

  const timeRows: RowResult[] = prepared.map((p) => {
    // Every timed call misses (fresh ids) and must load; the re-read of each pass's last key must not.
    const expectedLoads = p.timedCalls;
    const loads = p.loader.runs;
    return {
      ...rowIdentity(p.row),
      summary: sampled.get(p.row.name)?.summary,
      loads,
      expectedLoads,
      cachingOk: loads === expectedLoads && p.notStored === 0,
      extra: { calls: String(p.calls), 'last key re-read missed': `${p.notStored} passes` },
    };
  });
  await Promise.all(prepared.map((p) => p.instance.close()));

  // Heap: fresh child process per row and round, rounds interleaving the rows.
  const heapSamples = new Map<string, number[]>(prepared.map((p) => [p.row.name, []]));
  const heapLoads = new Map<string, { loads: number; reloads: number }>();
  const heapErrors = new Map<string, string>();
  for (let round = 0; round < HEAP_ROUNDS; round++) {
    for (let k = 0; k < prepared.length; k++) {
      const p = prepared[(k + round) % prepared.length] as Prepared;
      if (heapErrors.has(p.row.name)) continue;
      try {
        const out = await runChild<{ bytesPerEntry: number; loads: number; reloads: number }>(new URL(import.meta.url).pathname, {
          nodeFlags: ['--expose-gc'],
          args: [`--heap=${p.row.name}`],
          label: `B heap ${p.row.name}`,
          timeoutMs: 10 * 60_000,
        });
        heapSamples.get(p.row.name)?.push(out.bytesPerEntry);
        heapLoads.set(p.row.name, { loads: out.loads, reloads: out.reloads });
      } catch (error) {
        heapErrors.set(p.row.name, messageOf(error));
      }
    }
    progress(`B heap round ${round + 1}/${HEAP_ROUNDS}`);
  }
  const heapRows: RowResult[] = prepared.map((p) => {
    const error = heapErrors.get(p.row.name);
    if (error !== undefined) return { ...rowIdentity(p.row), error };
    const counts = heapLoads.get(p.row.name);
    const samples = heapSamples.get(p.row.name) as number[];
    return {
      ...rowIdentity(p.row),
      summary: summarize(samples),
      loads: counts?.loads,
      expectedLoads: HEAP_ENTRIES,
      // All entries loaded once, and the first and last ones still answer from the cache.
      cachingOk: p.row.caches ? counts?.loads === HEAP_ENTRIES && counts.reloads === 0 : true,
      extra: { 're-reads that loaded again': String(counts?.reloads ?? '?') },
    };
  });

  const result: ScenarioResult = {
    scenario: 'B',
    tables: [
      {
        id: 'B-time',
        title: `B. In-memory miss: getProduct(newId, 'abc', { a: 1, b: [1, 2] }), ${BATCH} fresh keys per pass from an emptied cache, ${PASSES} passes per sample`,
        unit: 'ns/call',
        better: 'lower',
        floor: 'floor: Map + JSON.stringify(args)',
        cacheflight: 'cacheflight @Cacheable()',
        rows: [...timeRows, ...failed],
        notes: ['Each call loads (instant async loader) and stores; loads must equal the timed calls, and each pass\'s last key must hit when read again.'],
      },
      {
        id: 'B-heap',
        title: `B. Heap per entry after ${HEAP_ENTRIES.toLocaleString('en-US')} entries (fresh process per row and round, --expose-gc)`,
        unit: 'bytes/entry',
        better: 'lower',
        floor: 'floor: Map + JSON.stringify(args)',
        cacheflight: 'cacheflight @Cacheable()',
        rows: [...heapRows, ...failed],
        notes: [
          'heapUsed after minus before the inserts, over the entries; includes each row\'s key, its entry bookkeeping and the stored value (the same small record for every row; serializing rows store a JSON string instead).',
          `Baseline taken before the row's cache is created; bounded rows get a bound of exactly ${HEAP_ENTRIES.toLocaleString('en-US')} entries (so preallocated index arrays, e.g. lru-cache's, count); unbounded rows (Map, p-memoize, memoize, cache-manager's default) hold them all too. The first and last keys are read back afterwards and must not load again.`,
        ],
      },
    ],
    notes: [],
  };
  emitResult(result);
  process.exit(0);
}
