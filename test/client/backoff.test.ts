/** The reconnect delay, a pure function: growth, cap and jitter bounds, with injected randomness. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, type BackoffPolicy } from '../../packages/warren-client/src/protocol/backoff.ts';

const policy: BackoffPolicy = { initialDelayMs: 100, maxDelayMs: 5000, factor: 2 };

/** A deterministic source in [0, 1): a linear congruential generator, so runs are reproducible. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('backoffDelay(attempt, policy, random)', () => {
  it('with random() just below 1 the delay is the ceiling: initial × factor^attempt, capped at maxDelayMs', () => {
    const top = () => 1 - 2 ** -40;
    const ceilings = Array.from({ length: 10 }, (_, attempt) => backoffDelay(attempt, policy, top));
    assert.deepEqual(ceilings, [99, 199, 399, 799, 1599, 3199, 4999, 4999, 4999, 4999]);
  });

  it('with random() = 0 the delay is 0 (full jitter reaches down to nothing)', () => {
    for (let attempt = 0; attempt < 10; attempt++) assert.equal(backoffDelay(attempt, policy, () => 0), 0);
  });

  it('scales the ceiling by random(): half of it at 0.5', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 10].map((attempt) => backoffDelay(attempt, policy, () => 0.5)),
      [50, 100, 200, 400, 2500],
    );
  });

  it('jittered delays stay in [0, ceiling), are whole ms, and spread over the range', () => {
    const random = seeded(42);
    for (let attempt = 0; attempt < 12; attempt++) {
      const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** attempt);
      const delays = Array.from({ length: 200 }, () => backoffDelay(attempt, policy, random));
      for (const delay of delays) {
        assert.ok(Number.isInteger(delay) && delay >= 0 && delay < ceiling, `attempt ${attempt}: ${delay} outside [0, ${ceiling})`);
      }
      // Jitter, not a constant: 200 draws cover both halves of the range.
      assert.ok(delays.some((d) => d < ceiling / 2) && delays.some((d) => d >= ceiling / 2), `attempt ${attempt} spreads`);
      assert.ok(new Set(delays).size > 20, `attempt ${attempt}: ${new Set(delays).size} distinct delays`);
    }
  });

  it('the mean delay grows with the attempt until the cap', () => {
    const random = seeded(7);
    const mean = (attempt: number) => {
      let sum = 0;
      for (let i = 0; i < 500; i++) sum += backoffDelay(attempt, policy, random);
      return sum / 500;
    };
    const means = [0, 1, 2, 3, 4, 5].map(mean);
    for (let i = 1; i < means.length; i++) assert.ok(means[i]! > means[i - 1]!, `mean grows: ${means.join(', ')}`);
    // Past the cap the mean stays near half of maxDelayMs.
    const capped = mean(30);
    assert.ok(capped > 2000 && capped < 3000, `capped mean ${capped}`);
  });

  it('a huge attempt number does not overflow past the cap', () => {
    assert.equal(backoffDelay(5000, policy, () => 0.5), 2500);
    assert.equal(backoffDelay(Number.MAX_SAFE_INTEGER, policy, () => 0.5), 2500);
  });

  it('a random source that misbehaves (1, above 1, negative) is clamped into [0, ceiling)', () => {
    assert.equal(backoffDelay(0, policy, () => 1), 99);
    assert.equal(backoffDelay(0, policy, () => 7), 99);
    assert.equal(backoffDelay(0, policy, () => -3), 0);
  });

  it('defaults to Math.random', () => {
    const delay = backoffDelay(3, policy);
    assert.ok(delay >= 0 && delay < 800);
  });
});
