/**
 * A latency histogram for runs of millions of calls: log-spaced buckets 1% wide (so a quantile
 * is exact to within 1%), the exact maximum, and counts above a threshold. Bounded memory, one
 * `Math.log` per recorded call, whatever the number of calls.
 */

const GROWTH = Math.log(1.01);
/** Bucket 0 holds everything up to 10 ns; the last one everything above ~100 s. */
const MIN_NS = 10;
const BUCKETS = Math.ceil(Math.log(1e11 / MIN_NS) / GROWTH) + 1;

export class LatencyHistogram {
  readonly counts = new Float64Array(BUCKETS);
  n = 0;
  maxNs = 0;
  /** Calls slower than `thresholdNs`. */
  above = 0;

  constructor(readonly thresholdNs: number) {}

  /** Record one latency, in ns. */
  record(ns: number): void {
    const index = ns <= MIN_NS ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(ns / MIN_NS) / GROWTH));
    (this.counts as Float64Array)[index]++;
    this.n++;
    if (ns > this.maxNs) this.maxNs = ns;
    if (ns > this.thresholdNs) this.above++;
  }

  /** The latency (ns) at quantile `q` (0..1): the upper edge of the bucket that holds it, at most the maximum. */
  quantile(q: number): number {
    if (this.n === 0) return NaN;
    const rank = Math.ceil(q * this.n);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i] as number;
      if (seen >= rank) return Math.min(this.maxNs, MIN_NS * Math.exp(i * GROWTH));
    }
    return this.maxNs;
  }
}
