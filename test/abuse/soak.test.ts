/**
 * Soak, short form (`npm run soak` is the long one): steady mixed load with reconnects on a
 * gateway in a child process. Tolerance: the least-squares slope of heapUsed after GC over
 * the second half stays under 64 KiB/s (a leak of a few bytes per call at this rate would
 * pass it), and nothing is left in flight or pending at the end.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeSoak, runSoak } from './soak.ts';

const DURATION_MS = Number(process.env.SOAK_CI_MS ?? 15_000);
const SLOPE_TOLERANCE = 64 * 1024;

describe('soak (short form)', () => {
  it(`keeps heap and pending tables flat under ${DURATION_MS / 1000} s of steady load`, async () => {
    const result = await runSoak({ durationMs: DURATION_MS });
    console.log(describeSoak(result, DURATION_MS));
    assert.deepEqual(
      result.failures.slice(0, 5),
      [],
      `every call answered once, as expected (the gateway's event loop was held up ${result.final.loopDelayMaxMs.toFixed(0)} ms at the longest)`,
    );
    assert.ok(result.calls > 1000, `load actually ran (${result.calls} calls)`);
    assert.ok(result.reconnects > 0, 'connections were made and torn down during the run');
    assert.ok(result.heapSlope < SLOPE_TOLERANCE, `heap slope ${(result.heapSlope / 1024).toFixed(1)} KiB/s over the second half`);
    assert.equal(result.final.inFlight, 0);
    assert.equal(result.final.pendingCount, 0);
    assert.equal(result.final.connections, 0);
  });
});
