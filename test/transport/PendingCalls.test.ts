import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, resultBody } from 'warren-client/protocol';
import { OVERLOADED_BODY, TIMEOUT_BODY, unavailableBody } from '../../src/protocol/errors.ts';
import { PendingCalls } from '../../src/transport/PendingCalls.ts';

/** A reply callback that records every body it gets. */
function recorder() {
  const bodies: string[] = [];
  const onReply = (body: string) => {
    bodies.push(body);
  };
  return { bodies, onReply };
}

function codeOf(body: string): number | undefined {
  return (JSON.parse(body) as { error?: { code: number } }).error?.code;
}

const LATER = () => Date.now() + 60_000;

describe('reply bodies', () => {
  it('carry the documented codes', () => {
    assert.equal(codeOf(TIMEOUT_BODY), ErrorCode.TIMEOUT);
    assert.equal(codeOf(OVERLOADED_BODY), ErrorCode.OVERLOADED);
    assert.equal(codeOf(unavailableBody('broker down')), ErrorCode.UNAVAILABLE);
    assert.equal((JSON.parse(unavailableBody('broker down')) as { error: { message: string } }).error.message, 'broker down');
  });
});

describe('pending.add(deadline, onReply)', () => {
  it('returns distinct ids that start with the prefix', () => {
    const pending = new PendingCalls('gw1.', 10);
    const ids = [pending.add(LATER(), () => {}), pending.add(LATER(), () => {}), pending.add(LATER(), () => {})];
    assert.equal(new Set(ids).size, 3);
    for (const id of ids) assert.ok(id?.startsWith('gw1.'), id);
    assert.equal(pending.size, 3);
    pending.settleAll(TIMEOUT_BODY);
  });

  it('answers TIMEOUT once the deadline passes', async () => {
    const pending = new PendingCalls('p.', 10);
    const { bodies, onReply } = recorder();
    const started = Date.now();
    const id = pending.add(started + 20, onReply);
    assert.ok(id);
    assert.deepEqual(bodies, []);
    await sleep(200);
    assert.deepEqual(bodies, [TIMEOUT_BODY]);
    assert.equal(codeOf(bodies[0]!), ErrorCode.TIMEOUT);
    assert.equal(pending.size, 0);
    assert.equal(pending.settle(id, resultBody(1)), false);
    assert.equal(bodies.length, 1);
  });

  it('answers a deadline already past with TIMEOUT, asynchronously', async () => {
    const pending = new PendingCalls('p.', 10);
    const { bodies, onReply } = recorder();
    pending.add(Date.now() - 1000, onReply);
    assert.deepEqual(bodies, [], 'never answered inside add()');
    await sleep(50);
    assert.deepEqual(bodies, [TIMEOUT_BODY]);
    assert.equal(pending.size, 0);
  });

  it('does not time out early when the deadline lies beyond what a timer can wait', async () => {
    const pending = new PendingCalls('p.', 10);
    const { bodies, onReply } = recorder();
    const far = pending.add(Date.now() + 2 ** 31 + 1000, onReply);
    const never = pending.add(Number.POSITIVE_INFINITY, onReply);
    await sleep(50);
    assert.deepEqual(bodies, []);
    assert.equal(pending.size, 2);
    assert.equal(pending.settle(far!, resultBody('far')), true);
    assert.equal(pending.settle(never!, resultBody('never')), true);
    assert.deepEqual(bodies, [resultBody('far'), resultBody('never')]);
  });

  it('answers the (max + 1)-th call OVERLOADED at once and returns undefined', () => {
    const pending = new PendingCalls('p.', 2);
    const first = recorder();
    const second = recorder();
    const third = recorder();
    assert.ok(pending.add(LATER(), first.onReply));
    assert.ok(pending.add(LATER(), second.onReply));
    assert.equal(pending.add(LATER(), third.onReply), undefined);
    assert.deepEqual(third.bodies, [OVERLOADED_BODY]);
    assert.deepEqual(first.bodies, []);
    assert.deepEqual(second.bodies, []);
    assert.equal(pending.size, 2);
    pending.settleAll(TIMEOUT_BODY);
  });

  it('takes calls again once the table has room', () => {
    const pending = new PendingCalls('p.', 1);
    const id = pending.add(LATER(), () => {});
    assert.equal(pending.add(LATER(), () => {}), undefined);
    pending.settle(id!, resultBody(null));
    const next = pending.add(LATER(), () => {});
    assert.ok(next);
    pending.drop(next);
    assert.equal(pending.size, 0);
  });
});

describe('pending.settle(id, body)', () => {
  it('answers a call exactly once', async () => {
    const pending = new PendingCalls('p.', 10);
    const { bodies, onReply } = recorder();
    const id = pending.add(Date.now() + 30, onReply)!;
    assert.equal(pending.settle(id, resultBody(42)), true);
    assert.equal(pending.size, 0);
    assert.equal(pending.settle(id, resultBody(43)), false, 'a duplicate reply is dropped');
    await sleep(100); // past the deadline: the timer must be gone
    assert.deepEqual(bodies, [resultBody(42)]);
  });

  it('returns false for an unknown id', () => {
    const pending = new PendingCalls('p.', 10);
    assert.equal(pending.settle('p.nope', resultBody(1)), false);
    assert.equal(pending.settle('', resultBody(1)), false);
    assert.equal(pending.size, 0);
  });

  it('settles each call with its own body', () => {
    const pending = new PendingCalls('p.', 10);
    const a = recorder();
    const b = recorder();
    const idA = pending.add(LATER(), a.onReply)!;
    const idB = pending.add(LATER(), b.onReply)!;
    pending.settle(idB, resultBody('b'));
    pending.settle(idA, resultBody('a'));
    assert.deepEqual(a.bodies, [resultBody('a')]);
    assert.deepEqual(b.bodies, [resultBody('b')]);
  });
});

describe('pending.drop(id)', () => {
  it('forgets a call so that neither a reply nor the deadline answers it', async () => {
    const pending = new PendingCalls('p.', 10);
    const { bodies, onReply } = recorder();
    const id = pending.add(Date.now() + 20, onReply)!;
    pending.drop(id);
    assert.equal(pending.size, 0);
    assert.equal(pending.settle(id, resultBody(1)), false);
    await sleep(100);
    assert.deepEqual(bodies, []);
  });

  it('ignores an unknown id', () => {
    const pending = new PendingCalls('p.', 10);
    pending.drop('p.unknown');
    assert.equal(pending.size, 0);
  });
});

describe('pending.settleAll(body)', () => {
  it('answers every waiting call once and empties the table', async () => {
    const pending = new PendingCalls('p.', 10);
    const calls = Array.from({ length: 5 }, () => recorder());
    for (const call of calls) pending.add(Date.now() + 30, call.onReply);
    pending.settleAll(unavailableBody('closing'));
    assert.equal(pending.size, 0);
    await sleep(100);
    for (const call of calls) assert.deepEqual(call.bodies, [unavailableBody('closing')]);
  });

  it('survives a reply callback that adds a new call', () => {
    const pending = new PendingCalls('p.', 10);
    const late = recorder();
    pending.add(LATER(), () => {
      pending.add(LATER(), late.onReply);
    });
    pending.settleAll(TIMEOUT_BODY);
    assert.equal(pending.size, 1, 'a call added while closing waits for its own answer');
    pending.settleAll(TIMEOUT_BODY);
    assert.deepEqual(late.bodies, [TIMEOUT_BODY]);
    assert.equal(pending.size, 0);
  });
});
