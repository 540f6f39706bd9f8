/** Summary statistics of samples (timings, sizes), one implementation for benches, tests and reports. */

function ascending(xs: readonly number[]): number[] {
  return [...xs].sort((a, b) => a - b);
}

/** The q-quantile (0..1) by nearest rank, of samples in any order; NaN when there are none. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = ascending(xs);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

/** The median of samples in any order (the mean of the middle two for an even count); NaN when none. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = ascending(xs);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Median, p90, min, max and count: the figures a bench prints for a set of samples. */
export function summarize(xs: readonly number[]): {
  median: number;
  p90: number;
  min: number;
  max: number;
  samples: number;
} {
  const s = ascending(xs);
  return {
    median: median(s),
    p90: quantile(s, 0.9),
    min: s[0] ?? NaN,
    max: s[s.length - 1] ?? NaN,
    samples: s.length,
  };
}
