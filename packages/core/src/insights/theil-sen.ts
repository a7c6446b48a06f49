/**
 * Theil–Sen line fit: the slope is the median of the slopes between every pair of points (pairs with equal x
 * are ignored), the intercept the median of `y - slope * x`. Unlike least squares, a few outliers (a GC that
 * ran late, a burst of cached data) do not tilt the line: up to ~29% of the points can be arbitrary.
 *
 * O(n²) time and memory in the number of points: meant for n ≤ 512.
 * Returns `undefined` when fewer than two distinct x values make a slope.
 */
export function theilSen(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
): { slope: number; intercept: number } | undefined {
  const n = Math.min(xs.length, ys.length);
  const slopes: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = (xs[j] as number) - (xs[i] as number);
      if (dx !== 0) slopes.push(((ys[j] as number) - (ys[i] as number)) / dx);
    }
  }
  if (slopes.length === 0) return undefined;
  const slope = median(Float64Array.from(slopes));
  const offsets = new Float64Array(n);
  for (let i = 0; i < n; i++) offsets[i] = (ys[i] as number) - slope * (xs[i] as number);
  return { slope, intercept: median(offsets) };
}

/** Median of a non-empty array; sorts it in place. */
export function median(values: Float64Array): number {
  values.sort();
  const mid = values.length >> 1;
  const upper = values[mid] as number;
  return values.length % 2 === 1 ? upper : ((values[mid - 1] as number) + upper) / 2;
}
