/**
 * The hold (src/transport/reconnectHold.ts): which calls made without a broker connection wait
 * for it, and for how long.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { holdDecision } from '../../src/transport/reconnectHold.ts';

describe('holdDecision(request)', () => {
  const base = { holdMs: 2000, maxHeld: 10, held: 0, now: 1_000_000, deadline: 1_010_000 };

  it('holds a call for the hold when its deadline is further', () => {
    assert.deepEqual(holdDecision(base), { hold: true, waitMs: 2000 });
    assert.deepEqual(holdDecision({ ...base, deadline: Number.POSITIVE_INFINITY }), { hold: true, waitMs: 2000 });
  });

  it('ends the hold a millisecond before a nearer deadline', () => {
    assert.deepEqual(holdDecision({ ...base, deadline: base.now + 500 }), { hold: true, waitMs: 499 });
  });

  it('refuses at once: no hold, a full hold, no time left', () => {
    assert.deepEqual(holdDecision({ ...base, holdMs: 0 }), { hold: false, reason: 'no hold' });
    assert.deepEqual(holdDecision({ ...base, held: 10 }), { hold: false, reason: 'hold full' });
    assert.deepEqual(holdDecision({ ...base, deadline: base.now + 1 }), { hold: false, reason: 'no time left' });
    assert.deepEqual(holdDecision({ ...base, deadline: base.now - 5 }), { hold: false, reason: 'no time left' });
  });

  it('for any input: held iff there is a hold, room and time; never past the hold nor up to the deadline', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 0, max: 120 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.oneof(fc.integer({ min: -5_000, max: 60_000 }), fc.constant(Number.POSITIVE_INFINITY)),
        (holdMs, maxHeld, held, now, left) => {
          const decision = holdDecision({ holdMs, maxHeld, held, now, deadline: now + left });
          const room = held < maxHeld;
          const time = Math.min(holdMs, left - 1) > 0;
          assert.equal(decision.hold, holdMs > 0 && room && time);
          if (decision.hold) {
            assert.ok(Number.isInteger(decision.waitMs) && decision.waitMs > 0);
            assert.ok(decision.waitMs <= holdMs, 'never past the hold');
            assert.ok(now + decision.waitMs < now + left, 'ends before the deadline');
          } else if (holdMs > 0 && !room) {
            assert.equal(decision.reason, 'hold full');
          }
        },
      ),
    );
  });
});
