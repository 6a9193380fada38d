/**
 * One callgrind run of a Node script and its totals (shared by miss-counts.mjs and
 * hit-counts.mjs): instructions and cache misses per event, plus the part spent in V8's garbage
 * collector. Counts, not seconds: the same on every run whatever else the machine is doing.
 */
import { execFileSync, spawnSync } from 'node:child_process';

/**
 * Run `node --single-threaded --predictable <args>` under callgrind, writing to `out`; answers
 * the program totals by event (`Ir`, `I1mr`, `D1mr`...) and `gcIr`/`gcL1`, the collector's share.
 */
export function callgrindCounts(args, out) {
  const run = spawnSync(
    'valgrind',
    ['--tool=callgrind', '--cache-sim=yes', `--callgrind-out-file=${out}`, process.execPath, '--single-threaded', '--predictable', ...args],
    { encoding: 'utf8' },
  );
  if (run.status !== 0) throw new Error(`valgrind failed (is it installed?): ${run.stderr.slice(-500)}`);
  const text = execFileSync('callgrind_annotate', ['--threshold=100', out], { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] });
  const events = /^Events shown:\s+(.*)$/m.exec(text)[1].trim().split(/\s+/);
  // A line: one count per event ("1,234 (5.6%)" or "."), then the function.
  const countsOf = (line) => {
    const values = line.trim().split(/\s+(?:\([^)]*\)\s+)?/).slice(0, events.length);
    return Object.fromEntries(events.map((event, i) => [event, Number(values[i].replace(/,/g, '')) || 0]));
  };
  let totals = {};
  let gcIr = 0;
  let gcL1 = 0;
  for (const line of text.split('\n')) {
    if (/PROGRAM TOTALS/.test(line)) {
      totals = countsOf(line);
    } else if (/^\s*[\d,]+ /.test(line) && /Scaveng|Marking|Sweep|Evacuat|RememberedSet|MarkCompact|HeapObject::SizeFromMap|Heap::/.test(line)) {
      const counts = countsOf(line);
      gcIr += counts.Ir;
      gcL1 += counts.I1mr + counts.D1mr + counts.D1mw;
    }
  }
  return { ...totals, gcIr, gcL1 };
}
