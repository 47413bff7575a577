/**
 * The status page's arithmetic: quantiles from bucket growth as Prometheus' histogram_quantile
 * estimates them, and counter growth as rates, resets included. Properties run over
 * histograms filled by the gateway's own HistogramCell, with its real buckets.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bucketDeltas, counterDelta, histogramQuantile, perSecond } from '../../src/metrics/window.ts';
import { HistogramCell } from '../../src/metrics/cells.ts';
import { CALL_BUCKETS } from '../../src/metrics/GatewayMetrics.ts';

/** Cumulative counts (le order, then +Inf) of a cell, as a scrape shows them. */
function cumulative(cell: HistogramCell): number[] {
  let sum = 0;
  return [...cell.counts].map((count) => (sum += count));
}

function histogramOf(values: readonly number[], bounds: readonly number[] = CALL_BUCKETS): number[] {
  const cell = new HistogramCell({}, bounds);
  for (const value of values) cell.observe(value);
  return cumulative(cell);
}

/** Durations from 0 to past the last bucket (30 s), weighted to the small ones calls take. */
const duration = fc.oneof(
  fc.double({ min: 0, max: 0.05, noNaN: true }),
  fc.double({ min: 0, max: 40, noNaN: true }),
  fc.constantFrom(...CALL_BUCKETS),
);
const durations = fc.array(duration, { minLength: 1, maxLength: 200 });
const quantile = fc.double({ min: 0, max: 1, noNaN: true });

describe('histogramQuantile(q, bounds, cumulative)', () => {
  it('interpolates inside the bucket of the rank, as Prometheus does', () => {
    // 10 observations in (1, 2]: the median is halfway through that bucket.
    assert.equal(histogramQuantile(0.5, [1, 2, 4], [0, 10, 10, 10]), 1.5);
    assert.equal(histogramQuantile(0.9, [1, 2, 4], [0, 10, 10, 10]), 1.9);
    // The first bucket starts at 0.
    assert.equal(histogramQuantile(0.5, [1, 2, 4], [4, 4, 4, 4]), 0.5);
    // 2 of 4 in the first bucket, 2 in the third: p75 is halfway through (2, 4].
    assert.equal(histogramQuantile(0.75, [1, 2, 4], [2, 2, 4, 4]), 3);
    assert.equal(histogramQuantile(1, [1, 2, 4], [2, 2, 4, 4]), 4);
  });

  it('gives the highest finite bound for a rank in the +Inf bucket', () => {
    assert.equal(histogramQuantile(0.99, [1, 2, 4], [1, 1, 1, 10]), 4);
    assert.equal(histogramQuantile(0.05, [1, 2, 4], [1, 1, 1, 10]), 0.5);
  });

  it('is undefined for a histogram without observations, and refuses q outside 0..1', () => {
    assert.equal(histogramQuantile(0.5, [1, 2], [0, 0, 0]), undefined);
    assert.throws(() => histogramQuantile(1.5, [1, 2], [1, 1, 1]), RangeError);
    assert.throws(() => histogramQuantile(Number.NaN, [1, 2], [1, 1, 1]), RangeError);
    assert.throws(() => histogramQuantile(0.5, [1, 2], [1, 1]), RangeError);
  });

  it('q = 0 is the lower bound of the first bucket holding an observation (Prometheus: NaN)', () => {
    assert.equal(histogramQuantile(0, [1, 2, 4], [0, 0, 3, 3]), 2);
  });

  it('raises counts that go down to the count before them', () => {
    assert.equal(histogramQuantile(0.5, [1, 2, 4], [4, 2, 4, 4]), histogramQuantile(0.5, [1, 2, 4], [4, 4, 4, 4]));
  });

  it('property: monotone in q', () => {
    fc.assert(
      fc.property(durations, quantile, quantile, (values, a, b) => {
        const counts = histogramOf(values);
        const [low, high] = a <= b ? [a, b] : [b, a];
        assert.ok(histogramQuantile(low, CALL_BUCKETS, counts)! <= histogramQuantile(high, CALL_BUCKETS, counts)!);
      }),
      { numRuns: 500 },
    );
  });

  it('property: within the bounds of the bucket that holds the observation of that rank', () => {
    fc.assert(
      fc.property(durations, fc.double({ min: Number.MIN_VALUE, max: 1, noNaN: true }), (values, q) => {
        const counts = histogramOf(values);
        const estimate = histogramQuantile(q, CALL_BUCKETS, counts)!;
        const sorted = [...values].sort((x, y) => x - y);
        const exact = sorted[Math.ceil(q * sorted.length) - 1]!;
        const bucket = CALL_BUCKETS.findIndex((bound) => exact <= bound);
        if (bucket === -1) return assert.equal(estimate, CALL_BUCKETS.at(-1));
        const lower = bucket === 0 ? 0 : CALL_BUCKETS[bucket - 1]!;
        assert.ok(estimate >= lower && estimate <= CALL_BUCKETS[bucket]!, `${estimate} outside (${lower}, ${CALL_BUCKETS[bucket]}] of ${exact}`);
      }),
      { numRuns: 500 },
    );
  });

  it('property: never NaN, and between 0 and the highest finite bound', () => {
    const counts = fc.array(fc.nat({ max: 1000 }), { minLength: CALL_BUCKETS.length + 1, maxLength: CALL_BUCKETS.length + 1 });
    fc.assert(
      fc.property(counts, quantile, (raw, q) => {
        const estimate = histogramQuantile(q, CALL_BUCKETS, raw);
        if (Math.max(...raw) === 0) return assert.equal(estimate, undefined);
        assert.ok(estimate! >= 0 && estimate! <= CALL_BUCKETS.at(-1)!, String(estimate));
      }),
      { numRuns: 500 },
    );
  });
});

describe('bucketDeltas(before, after)', () => {
  it('property: the growth of a histogram is the histogram of what was observed in between', () => {
    fc.assert(
      fc.property(fc.array(duration, { maxLength: 100 }), fc.array(duration, { maxLength: 100 }), (earlier, later) => {
        const cell = new HistogramCell({}, CALL_BUCKETS);
        for (const value of earlier) cell.observe(value);
        const before = cumulative(cell);
        for (const value of later) cell.observe(value);
        assert.deepEqual(bucketDeltas(before, cumulative(cell)), histogramOf(later));
      }),
    );
  });

  it('takes a reset histogram (a bucket went down) or a child first seen now as grown by all it holds', () => {
    assert.deepEqual(bucketDeltas([5, 8, 9], [1, 1, 2]), [1, 1, 2]);
    assert.deepEqual(bucketDeltas(undefined, [1, 1, 2]), [1, 1, 2]);
    assert.deepEqual(bucketDeltas([1, 2, 3], [1, 4, 7]), [0, 2, 4]);
  });
});

describe('counterDelta(before, after) and perSecond(delta, seconds)', () => {
  it('counts growth, a reset counter from its reset, a new counter from 0', () => {
    assert.equal(counterDelta(10, 15), 5);
    assert.equal(counterDelta(10, 3), 3);
    assert.equal(counterDelta(undefined, 4), 4);
  });

  it('gives 0 over an empty span, never Infinity', () => {
    assert.equal(perSecond(10, 2), 5);
    assert.equal(perSecond(10, 0), 0);
  });

  it('property: growth over two spans adds up to growth over both, without resets', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.nat(), (a, b, c) => {
        assert.equal(counterDelta(a, a + b) + counterDelta(a + b, a + b + c), counterDelta(a, a + b + c));
      }),
    );
  });
});
