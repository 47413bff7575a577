/**
 * Rates and quantiles over a recent window, from two readings of the same cumulative series:
 * what Prometheus' `rate(x[w])` and `histogram_quantile(q, rate(x_bucket[w]))` give, computed
 * in the process for the status page. Pure functions of numbers: no registry, no clock.
 *
 * A counter that went down between two readings was reset (a process restart, or
 * `registry.resetMetrics()`), as Prometheus assumes: the increase is then the later value
 * itself, counted from the reset.
 */

/** How much a counter grew from `before` to `after`; `after` itself when it was reset in between. */
export function counterDelta(before: number | undefined, after: number): number {
  if (before === undefined || after < before) return after;
  return after - before;
}

/** Events per second; 0 over an empty or negative span rather than Infinity or NaN. */
export function perSecond(delta: number, seconds: number): number {
  return seconds > 0 ? delta / seconds : 0;
}

/**
 * The growth of one histogram child's cumulative bucket counts (`le` order, the last one
 * +Inf). If any bucket went down the histogram was reset, and the later counts are the
 * growth. Without an earlier reading (a child first seen now) the later counts are too.
 */
export function bucketDeltas(before: readonly number[] | undefined, after: readonly number[]): number[] {
  if (before === undefined || before.length !== after.length || after.some((count, i) => count < before[i]!)) return [...after];
  return after.map((count, i) => count - before[i]!);
}

/**
 * The q-quantile (0 ≤ q ≤ 1) of the observations in a histogram, as Prometheus'
 * `histogram_quantile` estimates it: find the bucket that holds the observation of rank
 * q × count, and interpolate linearly inside it, assuming its observations are spread evenly
 * between its lower and upper bound. The first bucket's lower bound is 0 (durations); a rank
 * in the +Inf bucket gives the highest finite bound, the most the buckets can tell.
 *
 * `bounds` are the finite upper bounds, ascending; `cumulative` the counts of observations ≤
 * each bound, with one more entry for +Inf (the total). Undefined when it holds no
 * observation. Counts that go down from one bucket to the next (which a histogram never
 * has, but two readings taken apart could) are raised to the count before them, as
 * Prometheus does.
 *
 * One difference: for q = 0 Prometheus divides 0 by an empty first bucket's count (NaN);
 * here the rank-0 observation is looked for in the first bucket that holds any, which gives
 * that bucket's lower bound and keeps the estimate monotone in q.
 */
export function histogramQuantile(q: number, bounds: readonly number[], cumulative: readonly number[]): number | undefined {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`q must be from 0 to 1, got ${q}`);
  if (cumulative.length !== bounds.length + 1) throw new RangeError(`${bounds.length} bounds need ${bounds.length + 1} counts, got ${cumulative.length}`);
  const counts: number[] = [];
  let highest = 0;
  for (const count of cumulative) counts.push((highest = Math.max(highest, count)));
  const total = counts[counts.length - 1]!;
  if (!(total > 0)) return undefined;
  const rank = q * total;
  let b = 0;
  // The +Inf bucket is not searched: reaching it means the rank is past every finite bound.
  while (b < bounds.length && !(counts[b]! >= rank && counts[b]! > 0)) b++;
  if (b === bounds.length) return bounds.length > 0 ? bounds[bounds.length - 1]! : undefined;
  const start = b === 0 ? Math.min(0, bounds[0]!) : bounds[b - 1]!;
  const below = b === 0 ? 0 : counts[b - 1]!;
  return start + (bounds[b]! - start) * ((rank - below) / (counts[b]! - below));
}
