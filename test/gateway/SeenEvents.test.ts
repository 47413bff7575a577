/**
 * The gateway's window of delivered event ids: an id is a copy while it is within the window,
 * which ends after `ttlMs` or once `max` newer ids came, whichever is first.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEFAULT_SEEN_MAX, DEFAULT_SEEN_TTL_MS, SeenEvents } from '../../src/gateway/SeenEvents.ts';

/** A clock the test moves; it starts well above 0, as performance.now() does after a while. */
function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe('SeenEvents', () => {
  it('reports an id seen the second time, not the first', () => {
    const seen = new SeenEvents();
    assert.equal(seen.check('c1:0'), false);
    assert.equal(seen.check('c1:0'), true);
    assert.equal(seen.check('c1:1'), false);
    assert.equal(seen.check('c1:0'), true);
  });

  it('never reports an event without an id as seen', () => {
    const seen = new SeenEvents();
    assert.equal(seen.check(undefined), false);
    assert.equal(seen.check(undefined), false);
    assert.equal(seen.size, 0);
  });

  it('forgets an id once ttlMs passed since it was first seen', () => {
    const time = clock();
    const seen = new SeenEvents({ ttlMs: 1000, now: time.now });
    assert.equal(seen.check('a'), false);
    time.advance(600);
    assert.equal(seen.check('a'), true, 'within the window');
    time.advance(400);
    assert.equal(seen.check('a'), true, 'at the edge: 1000 ms after it was first seen');
    time.advance(1);
    assert.equal(seen.check('a'), false, 'past the window: a repeat check did not extend it');
    assert.equal(seen.check('a'), true, 'recorded again');
  });

  it('forgets the oldest id once max newer ids came', () => {
    const seen = new SeenEvents({ max: 3 });
    for (const id of ['a', 'b', 'c']) assert.equal(seen.check(id), false);
    assert.equal(seen.check('a'), true, 'a check does not make an id newer');
    assert.equal(seen.check('d'), false);
    assert.equal(seen.size, 3);
    assert.equal(seen.check('b'), true);
    assert.equal(seen.check('a'), false, 'the oldest went when d came');
  });

  it('defaults to 2 minutes and 100,000 ids', () => {
    assert.equal(DEFAULT_SEEN_TTL_MS, 120_000);
    assert.equal(DEFAULT_SEEN_MAX, 100_000);
    const time = clock();
    const seen = new SeenEvents({ now: time.now });
    seen.check('x');
    time.advance(DEFAULT_SEEN_TTL_MS);
    assert.equal(seen.check('x'), true);
    time.advance(1);
    assert.equal(seen.check('x'), false);
  });

  it('refuses a window that is not a positive integer', () => {
    assert.throws(() => new SeenEvents({ ttlMs: 0 }), TypeError);
    assert.throws(() => new SeenEvents({ max: 1.5 }), TypeError);
  });

  it('reports an id seen iff it was recorded within the window (property)', () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('check' as const), id: fc.integer({ min: 0, max: 9 }).map(String) }),
      fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 40 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 8 }), fc.array(step, { maxLength: 200 }), (ttlMs, max, steps) => {
        const time = clock();
        const seen = new SeenEvents({ ttlMs, max, now: time.now });
        // The model: ids in the order they were recorded, each with the time it was recorded.
        let recorded: { id: string; at: number }[] = [];
        for (const s of steps) {
          if (s.kind === 'wait') {
            time.advance(s.ms);
            continue;
          }
          const entry = recorded.find((e) => e.id === s.id);
          const expected = entry !== undefined && time.now() - entry.at <= ttlMs;
          assert.equal(seen.check(s.id), expected, `check(${s.id}) at ${time.now()}`);
          if (expected) continue;
          // Recorded now: an expired entry moves to the newest place; a new one may push out the oldest.
          if (entry) recorded = recorded.filter((e) => e !== entry);
          else if (recorded.length >= max) recorded.shift();
          recorded.push({ id: s.id, at: time.now() });
        }
      }),
      { numRuns: 500 },
    );
  });
});
