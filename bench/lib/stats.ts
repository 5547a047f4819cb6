// Summary statistics shared by the benchmarks.

/** Median of a non-empty list (mean of the middle two for even lengths). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The q-th percentile (0 < q <= 100) of a non-empty list, nearest rank: the smallest value with at least q% of the list at or below it. */
export function percentile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((x, y) => x - y);
  const rank = Math.max(1, Math.ceil((q / 100) * s.length));
  return s[Math.min(rank, s.length) - 1]!;
}
