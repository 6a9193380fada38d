/** Order statistics of a list of samples. */
export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** First and third quartiles (linear interpolation). */
  readonly q1: number;
  readonly q3: number;
  readonly n: number;
}

/** The value at quantile `q` (0..1) of sorted `xs`, interpolating linearly. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((x, y) => x - y);
  return {
    median: quantile(sorted, 0.5),
    min: sorted[0] ?? NaN,
    max: sorted[sorted.length - 1] ?? NaN,
    q1: quantile(sorted, 0.25),
    q3: quantile(sorted, 0.75),
    n: sorted.length,
  };
}
