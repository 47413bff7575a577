/** CancelledCalls: the cancels one worker process heard of, by call id (pure, no broker). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CancelledCalls } from '../../src/transport/CancelledCalls.ts';
import type { Delivery } from '../../src/transport/Transport.ts';

function delivery(callId: string | undefined): Delivery {
  return { call: { method: 's.m', params: '{}', deadline: Date.now() + 10_000, principal: null }, redelivered: false, attempts: 0, expectsReply: true, callId };
}

describe('CancelledCalls', () => {
  it('tells each run of the call watched now, once, and remembers the id for a later delivery', () => {
    const cancelled = new CancelledCalls();
    const told: Delivery[] = [];
    const [first, copy, other] = [delivery('a'), delivery('a'), delivery('b')];
    cancelled.watch(first, (d) => told.push(d));
    cancelled.watch(copy, (d) => told.push(d));
    cancelled.watch(other, (d) => told.push(d));
    cancelled.cancel('a', Date.now() + 1000);
    assert.equal(told.length, 2);
    assert.ok(told.includes(first) && told.includes(copy), 'both runs of the call, and not the other call');
    cancelled.cancel('a', Date.now() + 1000);
    assert.equal(told.length, 2, 'a second cancel tells nobody again');
    assert.equal(cancelled.has('a'), true);
    assert.equal(cancelled.has('b'), false);
    assert.equal(cancelled.has(undefined), false, 'a notification is never cancelled');
    assert.equal(cancelled.running, 1);
  });

  it('tells nothing of a run that ended, and leaves nothing watched behind, in any order', () => {
    const cancelled = new CancelledCalls();
    let told = 0;
    const ends = [delivery('a'), delivery('a'), delivery('a')].map((d) => cancelled.watch(d, () => told++));
    ends[0]!();
    ends[2]!();
    ends[1]!();
    assert.equal(cancelled.running, 0);
    cancelled.cancel('a', Date.now() + 1000);
    assert.equal(told, 0);
  });

  it('forgets an id at its deadline, ignores a cancel past it, and keeps at most `max` ids', async () => {
    const cancelled = new CancelledCalls(2);
    cancelled.cancel('late', Date.now() - 1);
    assert.equal(cancelled.has('late'), false);
    cancelled.cancel('soon', Date.now() + 30);
    assert.equal(cancelled.has('soon'), true);
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(cancelled.has('soon'), false, 'forgotten after the deadline');
    for (const id of ['x', 'y', 'z']) cancelled.cancel(id, Date.now() + 10_000);
    assert.deepEqual(['x', 'y', 'z'].map((id) => cancelled.has(id)), [false, true, true], 'the oldest is evicted');
  });
});
