/**
 * The pure decisions behind fault handling: what a consumer does with a delivery, how long a
 * transport waits before reconnecting, and the AMQP properties and queue arguments they use.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  Header,
  deadLetterProperties,
  methodQueueArguments,
  queueTypeRefusal,
  readAttempts,
  readDeliveryCount,
  retryProperties,
} from '../../src/protocol/routing.ts';
import { checkMaxDeliveries, decideDelivery } from '../../src/transport/deliveryPolicy.ts';
import { backoffDelay } from 'warren-client/protocol';
import { reconnectPolicy } from '../../src/transport/amqpOptions.ts';

describe('decideDelivery(facts)', () => {
  const base = { attempts: 0, redelivered: false, brokerCounts: false, deadline: 2_000, now: 1_000, maxDeliveries: 3 };

  it('runs a first delivery, and a counted copy, as long as the deadline is ahead', () => {
    assert.deepEqual(decideDelivery(base), { kind: 'run', attempts: 0 });
    assert.deepEqual(decideDelivery({ ...base, attempts: 2 }), { kind: 'run', attempts: 2 });
  });

  it('counts a redelivery as a failed delivery and retries it', () => {
    assert.deepEqual(decideDelivery({ ...base, redelivered: true }), { kind: 'retry', attempts: 1 });
    assert.deepEqual(decideDelivery({ ...base, attempts: 1, redelivered: true }), { kind: 'retry', attempts: 2 });
  });

  it('dead-letters once maxDeliveries deliveries failed, even past the deadline', () => {
    assert.deepEqual(decideDelivery({ ...base, attempts: 2, redelivered: true }), { kind: 'dead-letter', attempts: 3 });
    assert.deepEqual(decideDelivery({ ...base, attempts: 3 }), { kind: 'dead-letter', attempts: 3 });
    assert.deepEqual(decideDelivery({ ...base, attempts: 2, redelivered: true, now: 5_000 }), { kind: 'dead-letter', attempts: 3 });
  });

  it('drops a call whose deadline passed', () => {
    assert.deepEqual(decideDelivery({ ...base, now: 2_000 }), { kind: 'expired' });
    assert.deepEqual(decideDelivery({ ...base, redelivered: true, now: 3_000 }), { kind: 'expired' });
  });

  it('never runs a handler more than maxDeliveries times, whatever the order of events', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.array(fc.boolean(), { maxLength: 40 }), (maxDeliveries, crashes) => {
        // A call's life: each run either crashes its worker (redelivered, then a counted copy) or not.
        let attempts = 0;
        let runs = 0;
        for (const crash of crashes) {
          const action = decideDelivery({ attempts, redelivered: false, brokerCounts: false, deadline: 10, now: 0, maxDeliveries });
          if (action.kind !== 'run') break;
          runs++;
          if (!crash) return runs <= maxDeliveries;
          const next = decideDelivery({ attempts, redelivered: true, brokerCounts: false, deadline: 10, now: 0, maxDeliveries });
          if (next.kind === 'dead-letter') return runs === maxDeliveries && next.attempts === maxDeliveries;
          attempts = (next as { attempts: number }).attempts;
        }
        return runs <= maxDeliveries;
      }),
    );
  });

  describe('on a queue that counts failed deliveries itself (quorum, x-delivery-count)', () => {
    const quorum = { ...base, brokerCounts: true };

    it('runs a redelivery at once, with the count as its attempts, and never asks for a copy', () => {
      assert.deepEqual(decideDelivery(quorum), { kind: 'run', attempts: 0 });
      assert.deepEqual(decideDelivery({ ...quorum, attempts: 1, redelivered: true }), { kind: 'run', attempts: 1 });
      assert.deepEqual(decideDelivery({ ...quorum, attempts: 2, redelivered: true }), { kind: 'run', attempts: 2 });
    });

    it('dead-letters the delivery whose count reached maxDeliveries, even past the deadline', () => {
      assert.deepEqual(decideDelivery({ ...quorum, attempts: 3, redelivered: true }), { kind: 'dead-letter', attempts: 3 });
      assert.deepEqual(decideDelivery({ ...quorum, attempts: 3, redelivered: true, now: 5_000 }), { kind: 'dead-letter', attempts: 3 });
    });

    it('drops a call whose deadline passed', () => {
      assert.deepEqual(decideDelivery({ ...quorum, attempts: 1, redelivered: true, now: 2_000 }), { kind: 'expired' });
    });

    it('runs a handler exactly min(failures + 1, maxDeliveries) times, and dead-letters after maxDeliveries failures', () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 10 }), fc.array(fc.boolean(), { maxLength: 40 }), (maxDeliveries, crashes) => {
          // The broker's count goes up by one on every failed delivery; the flag is set from the second on.
          let count = 0;
          let runs = 0;
          for (const crash of crashes) {
            const action = decideDelivery({ attempts: count, redelivered: count > 0, brokerCounts: true, deadline: 10, now: 0, maxDeliveries });
            if (action.kind === 'dead-letter') return runs === maxDeliveries && action.attempts === maxDeliveries;
            if (action.kind !== 'run' || action.attempts !== count) return false;
            runs++;
            if (!crash) return runs <= maxDeliveries;
            count++;
          }
          return runs <= maxDeliveries;
        }),
      );
    });
  });

  it('checkMaxDeliveries() rejects anything but a positive integer with a TypeError naming it', () => {
    assert.equal(checkMaxDeliveries(1), 1);
    for (const bad of [0, -1, 2.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => checkMaxDeliveries(bad), (err: Error) => err instanceof TypeError && /maxDeliveries/.test(err.message));
    }
  });
});

describe('reconnectPolicy(backoff)', () => {
  it("turns the transport's seconds into warren-client's backoff policy: ms, doubling per attempt", () => {
    assert.deepEqual(reconnectPolicy({ initialSeconds: 0.5, maxSeconds: 5 }), { initialDelayMs: 500, maxDelayMs: 5000, factor: 2 });
  });

  it('waits uniformly below a ceiling that doubles per attempt up to the cap (full jitter)', () => {
    const policy = reconnectPolicy({ initialSeconds: 0.5, maxSeconds: 5 });
    assert.deepEqual([0, 1, 2, 3, 4, 5].map((n) => backoffDelay(n, policy, () => 0.999999)), [499, 999, 1999, 3999, 4999, 4999]);
    assert.deepEqual([0, 1, 2, 3, 4, 5].map((n) => backoffDelay(n, policy, () => 0)), [0, 0, 0, 0, 0, 0]);
  });
});

describe('queue arguments and re-published properties', () => {
  it('methodQueueArguments() of a classic queue: empty without a length, reject-publish with one', () => {
    assert.deepEqual(methodQueueArguments({ queueType: 'classic', maxDeliveries: 5 }), {});
    assert.deepEqual(methodQueueArguments({ queueType: 'classic', maxDeliveries: 5, maxQueueLength: 10 }), {
      'x-max-length': 10,
      'x-overflow': 'reject-publish',
    });
  });

  it('methodQueueArguments() of a quorum queue: its type and maxDeliveries as the delivery limit', () => {
    assert.deepEqual(methodQueueArguments({ queueType: 'quorum', maxDeliveries: 5 }), { 'x-queue-type': 'quorum', 'x-delivery-limit': 5 });
    assert.deepEqual(methodQueueArguments({ queueType: 'quorum', maxDeliveries: 2, maxQueueLength: 10 }), {
      'x-queue-type': 'quorum',
      'x-delivery-limit': 2,
      'x-max-length': 10,
      'x-overflow': 'reject-publish',
    });
  });

  it("queueTypeRefusal() reads both types from RabbitMQ 3.10's refusals, and nothing from other ones", () => {
    // The texts amqplib reported for these declarations on RabbitMQ 3.10.8.
    const refusal = (detail: string) =>
      `Operation failed: QueueDeclare; 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - inequivalent arg ${detail}"`;
    assert.deepEqual(
      queueTypeRefusal(refusal("'x-queue-type' for queue 'q' in vhost '/': received the value 'quorum' of type 'longstr' but current is none")),
      { current: 'classic', wanted: 'quorum' },
    );
    assert.deepEqual(
      queueTypeRefusal(refusal("'x-queue-type' for queue 'q' in vhost '/': received none but current is the value 'quorum' of type 'longstr'")),
      { current: 'quorum', wanted: 'classic' },
    );
    assert.deepEqual(queueTypeRefusal(refusal("'x-queue-type' for queue 'q' in vhost '/': received 'classic' but current is 'quorum'")), {
      current: 'quorum',
      wanted: 'classic',
    });
    assert.equal(queueTypeRefusal(refusal("'x-delivery-limit' for queue 'q' in vhost '/': received '3' but current is '5'")), undefined);
  });

  it('readDeliveryCount() reads a quorum queue\'s count, absent or odd as 0', () => {
    assert.equal(readDeliveryCount({ 'x-delivery-count': 2 }), 2);
    for (const raw of [undefined, -1, 1.5, 'x']) assert.equal(readDeliveryCount({ 'x-delivery-count': raw }), 0);
    assert.equal(readDeliveryCount(undefined), 0);
  });

  it('readAttempts() reads a non-negative integer header, anything else as 0', () => {
    assert.equal(readAttempts({ [Header.ATTEMPTS]: 3 }), 3);
    for (const raw of [undefined, -1, 1.5, 'x', null, {}]) assert.equal(readAttempts({ [Header.ATTEMPTS]: raw }), 0);
    assert.equal(readAttempts(undefined), 0);
  });

  const original = {
    contentType: 'application/json',
    correlationId: 'c1',
    replyTo: 'warren.reply.x',
    headers: { [Header.DEADLINE]: 5_000, [Header.ATTEMPTS]: 1, traceparent: 't' },
  };

  it('retryProperties() keeps correlation and headers, counts the attempt, and expires at the deadline', () => {
    assert.deepEqual(retryProperties(original, 2, 5_000, 4_000), {
      contentType: 'application/json',
      correlationId: 'c1',
      replyTo: 'warren.reply.x',
      headers: { [Header.DEADLINE]: 5_000, [Header.ATTEMPTS]: 2, traceparent: 't' },
      persistent: true,
      expiration: '1000',
    });
    assert.equal(retryProperties({}, 1, Number.POSITIVE_INFINITY, 0).expiration, undefined);
  });

  it('deadLetterProperties() says where the call came from and why, and never expires', () => {
    const props = deadLetterProperties(original, { method: 's.m', queue: 'warren.rpc.s.m', attempts: 5, reason: 'max-deliveries' });
    assert.equal(props.persistent, true);
    assert.equal('expiration' in props, false);
    assert.deepEqual(props.headers, {
      [Header.DEADLINE]: 5_000,
      [Header.ATTEMPTS]: 5,
      traceparent: 't',
      [Header.DEAD_METHOD]: 's.m',
      [Header.DEAD_QUEUE]: 'warren.rpc.s.m',
      [Header.DEAD_REASON]: 'max-deliveries',
    });
  });
});
