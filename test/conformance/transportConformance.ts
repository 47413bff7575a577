/**
 * The one conformance suite every Transport must pass. memory.test.ts and amqp.test.ts run
 * it; a test uses several transports on one broker, a "gateway side" that calls and a
 * "worker side" that serves, exactly as separate processes would.
 *
 * Method and event names are unique per test because RabbitMQ's durable method queues
 * outlive a run. Every wait is bounded, and every transport a test makes is closed after it
 * (blocked serve functions are released first, since close() waits for in-flight calls).
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Call, CallLocal, Principal } from '../../src/protocol/call.ts';
import { ErrorCode, resultBody } from 'warren-client/protocol';
import type { Delivery, EventMessage, ServeFn, StoredEvent, Transport } from '../../src/transport/Transport.ts';
import { uniqueName } from '../helpers/broker.ts';
import { gate, sleep, waitFor, withTimeout, type Gate } from '../helpers/async.ts';

export interface TransportHarness {
  /** A new, unstarted transport on the same broker as every other one this harness made. */
  make(): Transport;
  /** Removes and returns the dead-lettered calls of one method, oldest first. */
  takeDeadLetters(method: string): Promise<DeadLettered[]>;
  /** Removes what the suite left on the broker. */
  cleanup(): Promise<void>;
  /**
   * Calls a full bounded queue still takes before it refuses: RabbitMQ 3.10's quorum queues
   * check the length before adding a call, so they hold maxQueueLength + 1. @default 0
   */
  queueLengthOvershoot?: number;
}

/** A call found in the dead-letter queue. */
export interface DeadLettered {
  params: string;
  attempts: number;
  reason: string;
}

export type TransportFactory = () => Promise<TransportHarness>;

export interface ConformanceOptions {
  /** Skips the whole suite with this reason (see needsBroker()). */
  skip?: string | boolean;
}

interface ReplyBodyJson {
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

/** A request in flight: every body its onReply received, and the first one. */
interface Asked {
  bodies: string[];
  first: Promise<ReplyBodyJson>;
  startedAt: number;
  answeredAt: number | undefined;
  cancel: () => void;
}

const WAIT = 5_000;
/** How long we watch for something that must not happen (a second reply, a stray delivery). */
const QUIET = 150;

interface CallOptions {
  timeoutMs?: number;
  principal?: Principal | null;
  traceparent?: string;
}

function makeCall(method: string, params: unknown, options: CallOptions = {}): Call {
  return {
    method,
    params: JSON.stringify(params),
    deadline: Date.now() + (options.timeoutMs ?? WAIT),
    principal: options.principal ?? null,
    ...(options.traceparent ? { traceparent: options.traceparent } : {}),
  };
}

/** @param local what the gateway would pass beside the call (`bounded` from the contract's maxQueueLength). */
function ask(transport: Transport, call: Call, local?: CallLocal): Asked {
  let resolve!: (body: ReplyBodyJson) => void;
  const asked: Asked = {
    bodies: [],
    first: new Promise((r) => (resolve = r)),
    startedAt: Date.now(),
    answeredAt: undefined,
    cancel: () => {},
  };
  asked.cancel = transport.request(call, (body) => {
    asked.bodies.push(body);
    asked.answeredAt ??= Date.now();
    resolve(JSON.parse(body) as ReplyBodyJson);
  }, local);
  return asked;
}

function answer(asked: Asked, what = 'a reply'): Promise<ReplyBodyJson> {
  return withTimeout(asked.first, WAIT, what);
}

/** A serve function that replies `{result: {by, params}}` and records its deliveries. */
function echo(by: string, seen: Delivery[] = []): ServeFn {
  return async (delivery) => {
    seen.push(delivery);
    return resultBody({ by, params: JSON.parse(delivery.call.params) });
  };
}

export function defineTransportConformance(name: string, factory: TransportFactory, options: ConformanceOptions = {}): void {
  describe(`Transport conformance: ${name}`, options, () => {
    let harness: TransportHarness | undefined;
    const made: Transport[] = [];
    const gates: Gate[] = [];

    before(async () => {
      harness = await factory();
    });
    afterEach(async () => {
      for (const g of gates.splice(0)) g.open();
      await Promise.all(made.splice(0).map((t) => withTimeout(t.close(), WAIT, `close() of a ${t.kind} transport`)));
    });
    after(async () => {
      await harness?.cleanup();
    });

    /** A started, ready transport that the suite closes after the test. */
    async function ready(): Promise<Transport> {
      const transport = harness!.make();
      made.push(transport);
      transport.start();
      await transport.whenReady(WAIT);
      return transport;
    }

    function blocker(): Gate {
      const g = gate();
      gates.push(g);
      return g;
    }

    describe('whenReady() and isReady()', () => {
      it('is not ready before start(), and ready once whenReady() resolves', async () => {
        const transport = harness!.make();
        made.push(transport);
        assert.equal(transport.isReady(), false);
        transport.start();
        await withTimeout(transport.whenReady(WAIT), WAIT + 500, 'whenReady()');
        assert.equal(transport.isReady(), true);
      });
    });

    describe('request(call, onReply) → serve(method, fn)', () => {
      it("delivers the call as sent and answers onReply once with the worker's body", async () => {
        const method = uniqueName('conf.roundTrip');
        const [caller, worker] = [await ready(), await ready()];
        const seen: Delivery[] = [];
        await worker.serve(method, echo('w', seen));
        const call = makeCall(method, { a: 1, s: 'é' }, {
          principal: { id: 'user-1', roles: ['admin'] },
          traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        });
        const asked = ask(caller, call);
        assert.deepEqual(await answer(asked), { result: { by: 'w', params: { a: 1, s: 'é' } } });
        await sleep(QUIET);
        assert.equal(asked.bodies.length, 1, 'onReply called exactly once');
        assert.equal(seen.length, 1);
        const { callId, ...delivery } = seen[0]!;
        assert.deepEqual(delivery, { call, redelivered: false, attempts: 0, expectsReply: true });
        assert.equal(typeof callId, 'string');
      });

      it('matches 200 concurrent replies to their own requests across two callers and two workers', async () => {
        const method = uniqueName('conf.correlate');
        const callers = [await ready(), await ready()];
        const workers = [await ready(), await ready()];
        for (const [i, worker] of workers.entries()) {
          await worker.serve(method, async (delivery) => {
            // Answer out of order so that a reply matched by arrival order would be caught.
            await sleep(Math.floor(Math.random() * 5));
            return resultBody({ by: i, n: (JSON.parse(delivery.call.params) as { n: number }).n });
          });
        }
        const asks = Array.from({ length: 200 }, (_, n) => ask(callers[n % 2]!, makeCall(method, { n })));
        const replies = await Promise.all(asks.map((a, n) => answer(a, `reply ${n}`)));
        for (const [n, reply] of replies.entries()) assert.equal((reply.result as { n: number }).n, n);
        await sleep(QUIET);
        assert.ok(asks.every((a) => a.bodies.length === 1), 'every onReply called exactly once');
        assert.deepEqual(callers.map((c) => c.pendingCount), [0, 0], 'nothing left waiting');
      });

      it('routes each method to its own queue and consumer', async () => {
        const [one, two] = [uniqueName('conf.one'), uniqueName('conf.two')];
        const [caller, worker] = [await ready(), await ready()];
        const seenOne: Delivery[] = [];
        const seenTwo: Delivery[] = [];
        await worker.serve(one, echo('one', seenOne));
        await worker.serve(two, echo('two', seenTwo));
        const asks = Array.from({ length: 10 }, (_, n) => ask(caller, makeCall(n % 2 ? two : one, { n })));
        const replies = await Promise.all(asks.map((a) => answer(a)));
        for (const [n, reply] of replies.entries()) assert.equal((reply.result as { by: string }).by, n % 2 ? 'two' : 'one');
        assert.equal(seenOne.length, 5);
        assert.equal(seenTwo.length, 5);
        assert.ok(seenOne.every((d) => d.call.method === one));
        assert.ok(seenTwo.every((d) => d.call.method === two));
      });

      it('answers UNAVAILABLE at once for a method nobody ever served', async () => {
        const caller = await ready();
        const asked = ask(caller, makeCall(uniqueName('conf.nobody'), {}, { timeoutMs: 5_000 }));
        assert.equal((await answer(asked)).error?.code, ErrorCode.UNAVAILABLE);
        assert.ok(asked.answeredAt! - asked.startedAt < 1_000, `answered after ${asked.answeredAt! - asked.startedAt} ms`);
        await sleep(QUIET);
        assert.equal(asked.bodies.length, 1);
      });

      it('answers TIMEOUT at the deadline and drops the late reply', async () => {
        const method = uniqueName('conf.slow');
        const [caller, worker] = [await ready(), await ready()];
        const release = blocker();
        let served = false;
        await worker.serve(method, async () => {
          await release.promise;
          served = true;
          return resultBody('late');
        });
        const asked = ask(caller, makeCall(method, {}, { timeoutMs: 300 }));
        assert.equal((await answer(asked)).error?.code, ErrorCode.TIMEOUT);
        const elapsed = asked.answeredAt! - asked.startedAt;
        assert.ok(elapsed >= 290 && elapsed < 1_000, `TIMEOUT after ${elapsed} ms, deadline 300 ms`);
        assert.equal(caller.pendingCount, 0, 'a timed-out call leaves nothing behind');
        release.open();
        await waitFor(() => served, WAIT, 'the late reply to be sent');
        await sleep(QUIET);
        assert.equal(asked.bodies.length, 1, 'the late reply is dropped');
        assert.equal(caller.pendingCount, 0);
      });

      it('never calls onReply once the returned cancel function ran', async () => {
        const method = uniqueName('conf.cancelled');
        const [caller, worker] = [await ready(), await ready()];
        let served = false;
        await worker.serve(method, async () => {
          await sleep(50);
          served = true;
          return resultBody('unwanted');
        });
        const asked = ask(caller, makeCall(method, {}, { timeoutMs: 400 }));
        asked.cancel();
        await waitFor(() => served, WAIT, 'the worker to answer');
        // Past the deadline too: a dropped call gets no TIMEOUT either.
        await sleep(Math.max(QUIET, asked.startedAt + 400 + 100 - Date.now()));
        assert.deepEqual(asked.bodies, []);
      });
    });

    describe('notify(call)', () => {
      it('runs the serve function with expectsReply false and sends nothing back', async () => {
        const method = uniqueName('conf.notify');
        const [caller, worker] = [await ready(), await ready()];
        const seen: Delivery[] = [];
        await worker.serve(method, echo('w', seen));
        const note = makeCall(method, { kind: 'notification' }, { principal: { id: 'u' } });
        caller.notify(note);
        // A request behind it on the same queue: its onReply must get its own body, once.
        const asked = ask(caller, makeCall(method, { kind: 'request' }));
        assert.deepEqual((await answer(asked)).result, { by: 'w', params: { kind: 'request' } });
        await waitFor(() => seen.length === 2, WAIT, 'both deliveries');
        await sleep(QUIET);
        const delivered = seen.find((d) => d.call.params === note.params);
        assert.deepEqual(delivered, { call: note, redelivered: false, attempts: 0, expectsReply: false, callId: undefined });
        assert.equal(seen.find((d) => d !== delivered)?.expectsReply, true);
        assert.equal(asked.bodies.length, 1);
        assert.equal(seen.length, 2);
      });
    });

    describe('serve(method, fn, { prefetch })', () => {
      it('holds at most `prefetch` deliveries at once and delivers the rest as they finish', async () => {
        const method = uniqueName('conf.prefetch');
        const [caller, worker] = [await ready(), await ready()];
        const release = blocker();
        let inFlight = 0;
        let most = 0;
        let delivered = 0;
        await worker.serve(
          method,
          async (delivery) => {
            delivered++;
            most = Math.max(most, ++inFlight);
            await release.promise;
            await sleep(5);
            inFlight--;
            return resultBody(JSON.parse(delivery.call.params));
          },
          { prefetch: 2 },
        );
        const asks = Array.from({ length: 6 }, (_, n) => ask(caller, makeCall(method, n)));
        await waitFor(() => delivered === 2, WAIT, 'two deliveries');
        await sleep(QUIET);
        assert.equal(delivered, 2, 'no third delivery while two are in flight');
        release.open();
        const replies = await Promise.all(asks.map((a) => answer(a)));
        assert.deepEqual(replies.map((r) => r.result), [0, 1, 2, 3, 4, 5]);
        assert.equal(delivered, 6);
        assert.equal(most, 2);
      });

      it('shares one method between competing consumers', async () => {
        const method = uniqueName('conf.compete');
        const caller = await ready();
        const workers = [await ready(), await ready()];
        const counts = [0, 0];
        for (const [i, worker] of workers.entries()) {
          await worker.serve(method, async () => {
            counts[i]!++;
            await sleep(5);
            return resultBody(i);
          });
        }
        const asks = Array.from({ length: 20 }, (_, n) => ask(caller, makeCall(method, n)));
        await Promise.all(asks.map((a) => answer(a)));
        assert.equal(counts[0]! + counts[1]!, 20);
        assert.ok(counts[0]! > 0 && counts[1]! > 0, `both consumers served some calls: ${counts.join(' / ')}`);
      });

      it('redelivers a call whose serve function rejected, marked redelivered', async () => {
        const method = uniqueName('conf.redeliver');
        const [caller, worker] = [await ready(), await ready()];
        const seen: Delivery[] = [];
        await worker.serve(method, async (delivery) => {
          seen.push(delivery);
          if (seen.length === 1) throw new Error('worker failed before answering');
          return resultBody('second try');
        });
        const asked = ask(caller, makeCall(method, { n: 1 }));
        assert.equal((await answer(asked)).result, 'second try');
        assert.deepEqual(seen.map((d) => d.redelivered), [false, true]);
        assert.deepEqual(seen.map((d) => d.attempts), [0, 1]);
        assert.deepEqual(seen[1]!.call, seen[0]!.call);
        assert.ok(seen[0]!.callId, 'a request has a call id');
        assert.equal(seen[1]!.callId, seen[0]!.callId, 'the same call id on the redelivery');
      });

      it('never delivers a call whose deadline passed while it waited in the queue', async () => {
        const method = uniqueName('conf.expired');
        const [caller, worker] = [await ready(), await ready()];
        const release = blocker();
        const seen: string[] = [];
        await worker.serve(
          method,
          async (delivery) => {
            const label = JSON.parse(delivery.call.params) as string;
            seen.push(label);
            if (label === 'blocking') await release.promise;
            return resultBody(label);
          },
          { prefetch: 1 },
        );
        const blocking = ask(caller, makeCall(method, 'blocking'));
        await waitFor(() => seen.length === 1, WAIT, 'the blocking delivery');
        const expiring = ask(caller, makeCall(method, 'expiring', { timeoutMs: 200 }));
        assert.equal((await answer(expiring)).error?.code, ErrorCode.TIMEOUT);
        await sleep(100);
        release.open();
        assert.equal((await answer(blocking)).result, 'blocking');
        const after = ask(caller, makeCall(method, 'after'));
        assert.equal((await answer(after)).result, 'after');
        assert.deepEqual(seen, ['blocking', 'after']);
        assert.equal(expiring.bodies.length, 1);
      });
    });

    describe('serve(method, fn, { maxDeliveries })', () => {
      it('dead-letters a call that fails on every delivery, answers INTERNAL_ERROR once, and keeps serving', async () => {
        const method = uniqueName('conf.poison');
        const [caller, worker] = [await ready(), await ready()];
        const seen: Delivery[] = [];
        await worker.serve(
          method,
          async (delivery) => {
            const { poison } = JSON.parse(delivery.call.params) as { poison: boolean };
            if (!poison) return resultBody('fine');
            seen.push(delivery);
            throw new Error('this call always fails');
          },
          { maxDeliveries: 3 },
        );
        const poisoned = ask(caller, makeCall(method, { poison: true }));
        assert.equal((await answer(poisoned)).error?.code, ErrorCode.INTERNAL_ERROR);
        assert.deepEqual(seen.map((d) => [d.attempts, d.redelivered]), [[0, false], [1, true], [2, true]]);
        const dead = await harness!.takeDeadLetters(method);
        assert.deepEqual(dead, [{ params: JSON.stringify({ poison: true }), attempts: 3, reason: 'max-deliveries' }]);
        const healthy = ask(caller, makeCall(method, { poison: false }));
        assert.equal((await answer(healthy)).result, 'fine');
        await sleep(QUIET);
        assert.equal(seen.length, 3, 'no delivery after the dead letter');
        assert.equal(poisoned.bodies.length, 1);
        assert.equal(caller.pendingCount, 0);
      });

      it('dead-letters a notification that fails on every delivery, sending nothing back', async () => {
        const method = uniqueName('conf.poisonNote');
        const [caller, worker] = [await ready(), await ready()];
        let deliveries = 0;
        await worker.serve(
          method,
          async () => {
            deliveries++;
            throw new Error('this call always fails');
          },
          { maxDeliveries: 2 },
        );
        caller.notify(makeCall(method, { note: 1 }));
        let dead: DeadLettered[] = [];
        await waitFor(() => deliveries === 2, WAIT, 'two deliveries');
        const until = Date.now() + WAIT;
        while (dead.length === 0 && Date.now() < until) {
          dead = await harness!.takeDeadLetters(method);
          if (dead.length === 0) await sleep(50);
        }
        assert.deepEqual(dead, [{ params: '{"note":1}', attempts: 2, reason: 'max-deliveries' }]);
        await sleep(QUIET);
        assert.equal(deliveries, 2);
      });
    });

    describe('serve(method, fn, { maxQueueLength })', () => {
      it('refuses calls past the queue length with OVERLOADED, at once, and serves the ones it took', async () => {
        const method = uniqueName('conf.bounded');
        const [caller, worker] = [await ready(), await ready()];
        const release = blocker();
        let delivered = 0;
        await worker.serve(
          method,
          async (delivery) => {
            delivered++;
            await release.promise;
            return resultBody(JSON.parse(delivery.call.params));
          },
          { prefetch: 1, maxQueueLength: 2 },
        );
        const bounded: CallLocal = { bounded: true, schema: undefined, value: undefined };
        const first = ask(caller, makeCall(method, 0), bounded);
        await waitFor(() => delivered === 1, WAIT, 'the first delivery');
        // The one in flight does not count: the queue holds 2 more (and the overshoot), the next is refused.
        const holds = 2 + (harness!.queueLengthOvershoot ?? 0);
        const queued: Asked[] = [];
        for (let n = 1; n <= holds; n++) {
          queued.push(ask(caller, makeCall(method, n), bounded));
          // In order: a quorum queue takes each call through its Raft log.
          await sleep(20);
        }
        const refused = ask(caller, makeCall(method, holds + 1), bounded);
        assert.equal((await answer(refused)).error?.code, ErrorCode.OVERLOADED);
        assert.ok(refused.answeredAt! - refused.startedAt < 1_000, `refused after ${refused.answeredAt! - refused.startedAt} ms`);
        release.open();
        const replies = await Promise.all([first, ...queued].map((a) => answer(a)));
        assert.deepEqual(replies.map((r) => r.result), Array.from({ length: holds + 1 }, (_, n) => n));
        await sleep(QUIET);
        assert.equal(refused.bodies.length, 1);
        assert.equal(delivered, holds + 1);
      });

      it('keeps serving, this method and others, when a consumer declares other queue arguments', async () => {
        const [method, other] = [uniqueName('conf.mismatch'), uniqueName('conf.besides')];
        const [caller, first, second] = [await ready(), await ready(), await ready()];
        await first.serve(method, echo('first'), { maxQueueLength: 5 });
        await second.serve(method, echo('second'), { maxQueueLength: 7 });
        await second.serve(other, echo('other'));
        const asks = Array.from({ length: 6 }, (_, n) => ask(caller, makeCall(n % 2 ? other : method, n)));
        const replies = await Promise.all(asks.map((a) => answer(a)));
        for (const [n, reply] of replies.entries()) {
          const by = (reply.result as { by: string }).by;
          assert.ok(n % 2 ? by === 'other' : by === 'first' || by === 'second', `call ${n} answered by ${by}`);
        }
      });
    });

    describe('serve(method, fn, { ordered }) and CallLocal.orderKey', () => {
      /** What the gateway passes beside a call of an ordered method. */
      const keyed = (orderKey: string): CallLocal => ({ bounded: false, orderKey, schema: undefined, value: undefined });

      it('runs the calls of one key one at a time, in publish order, and spreads keys over the consumers', async () => {
        const method = uniqueName('conf.ordered');
        const caller = await ready();
        const workers = [await ready(), await ready()];
        const keys = Array.from({ length: 8 }, (_, i) => `room-${i}`);
        const running = new Set<string>();
        const seen = new Map<string, number[]>(keys.map((key) => [key, []]));
        const byWorker = [0, 0];
        let overlaps = 0;
        for (const [i, worker] of workers.entries()) {
          await worker.serve(
            method,
            async (delivery) => {
              const { key, n } = JSON.parse(delivery.call.params) as { key: string; n: number };
              if (running.has(key)) overlaps++;
              running.add(key);
              await sleep(n % 3);
              seen.get(key)!.push(n);
              running.delete(key);
              byWorker[i]!++;
              return resultBody(n);
            },
            { ordered: true },
          );
        }
        // Sent without waiting, round after round, until both consumers have run calls: a
        // transport may take a moment to deal the shards out (RabbitMQ's workers balance them).
        let n = 0;
        for (let round = 0; round < 40 && !(byWorker[0]! > 0 && byWorker[1]! > 0); round++) {
          const asks: Asked[] = [];
          for (let i = 0; i < 5; i++, n++) for (const key of keys) asks.push(ask(caller, makeCall(method, { key, n }), keyed(key)));
          const answers = await Promise.all(asks.map((a) => answer(a)));
          assert.ok(answers.every((body) => body.error === undefined), 'every call answered with its result');
          await sleep(100);
        }
        assert.equal(overlaps, 0, 'never two calls of one key at once');
        for (const [key, ns] of seen) {
          assert.deepEqual(ns, [...ns].sort((a, b) => a - b), `the calls of ${key} ran in publish order`);
          assert.equal(ns.length, n, `every call of ${key} ran once`);
        }
        assert.ok(byWorker[0]! > 0 && byWorker[1]! > 0, `both consumers ran calls: ${byWorker.join(' / ')}`);
      });

      it("puts a call whose serve function rejected back at the head of its key's calls", async () => {
        const method = uniqueName('conf.orderedRetry');
        const [caller, worker] = [await ready(), await ready()];
        const seen: { n: number; redelivered: boolean }[] = [];
        await worker.serve(
          method,
          async (delivery) => {
            const { n } = JSON.parse(delivery.call.params) as { n: number };
            seen.push({ n, redelivered: delivery.redelivered });
            if (n === 0 && !delivery.redelivered) throw new Error('worker failed before answering');
            return resultBody(n);
          },
          { ordered: true },
        );
        const asks = [0, 1, 2, 3].map((n) => ask(caller, makeCall(method, { n }), keyed('one-key')));
        assert.deepEqual((await Promise.all(asks.map((a) => answer(a)))).map((body) => body.result), [0, 1, 2, 3]);
        assert.deepEqual(seen, [
          { n: 0, redelivered: false },
          { n: 0, redelivered: true },
          { n: 1, redelivered: false },
          { n: 2, redelivered: false },
          { n: 3, redelivered: false },
        ]);
      });

      it('answers UNAVAILABLE at once for a call to an ordered method without an order key', async () => {
        const method = uniqueName('conf.orderedNoKey');
        const [caller, worker] = [await ready(), await ready()];
        await worker.serve(method, echo('w'), { ordered: true });
        const asked = ask(caller, makeCall(method, 1));
        assert.equal((await answer(asked)).error?.code, ErrorCode.UNAVAILABLE);
      });
    });

    describe('consumer.cancel()', () => {
      it('resolves once in-flight deliveries are answered and stops new ones', async () => {
        const method = uniqueName('conf.consumerCancel');
        const [caller, worker] = [await ready(), await ready()];
        const release = blocker();
        let delivered = 0;
        const consumer = await worker.serve(method, async () => {
          delivered++;
          await release.promise;
          return resultBody('done');
        });
        const inFlight = ask(caller, makeCall(method, 1));
        await waitFor(() => delivered === 1, WAIT, 'the first delivery');
        let cancelled = false;
        const cancelling = consumer.cancel().then(() => {
          cancelled = true;
        });
        await sleep(QUIET);
        assert.equal(cancelled, false, 'cancel() waits for the delivery in flight');
        release.open();
        await withTimeout(cancelling, WAIT, 'cancel()');
        assert.equal((await answer(inFlight)).result, 'done');
        const later = ask(caller, makeCall(method, 2, { timeoutMs: 300 }));
        // The queue outlives its consumer: the call waits there until its deadline.
        assert.equal((await answer(later)).error?.code, ErrorCode.TIMEOUT);
        assert.equal(delivered, 1);
      });
    });

    describe('publishEvent(message) → bindEvent(event, topic?) / unbindEvent / onEvent', () => {
      it('routes events by event and topic, fans out to every bound transport, and stops on unbind', async () => {
        const event = `${uniqueName('conf')}.changed`;
        const [publisher, exact, every, idle] = [await ready(), await ready(), await ready(), await ready()];
        const got = new Map<Transport, EventMessage[]>([[exact, []], [every, []], [idle, []], [publisher, []]]);
        for (const [transport, list] of got) transport.onEvent((message) => list.push(message));
        await exact.bindEvent(event, 'red');
        await exact.bindEvent(event, 'red'); // idempotent: still one copy per event
        await every.bindEvent(event);
        await every.bindEvent(event, 'red'); // overlapping bindings: still one copy per event
        await idle.bindEvent(`${event}x`);

        const red: EventMessage = { event, topic: 'red', payload: '{"n":1,"s":"é"}' };
        const blue: EventMessage = { event, topic: 'blue', payload: '[2]' };
        await publisher.publishEvent(red);
        await publisher.publishEvent(blue);
        await waitFor(() => got.get(every)!.length >= 2 && got.get(exact)!.length >= 1, WAIT, 'the events');
        await sleep(QUIET);
        assert.deepEqual(got.get(exact), [red]);
        assert.deepEqual(
          [...got.get(every)!].sort((a, b) => a.topic.localeCompare(b.topic)),
          [blue, red],
        );
        assert.deepEqual(JSON.parse(got.get(exact)![0]!.payload), { n: 1, s: 'é' });
        assert.deepEqual(got.get(idle), []);
        assert.deepEqual(got.get(publisher), []);

        await exact.unbindEvent(event, 'red');
        await every.unbindEvent(event, 'red'); // the every-topic binding still holds
        const again: EventMessage = { event, topic: 'red', payload: '3' };
        await publisher.publishEvent(again);
        await waitFor(() => got.get(every)!.length === 3, WAIT, 'the event after unbind');
        await sleep(QUIET);
        assert.deepEqual(got.get(exact), [red], 'nothing after unbindEvent');
        assert.deepEqual(got.get(every)!.at(-1), again);
        assert.equal(got.get(every)!.length, 3);
      });

      it("carries an event's id as it was published, and every copy of it (dropping copies is the gateway's part)", async () => {
        const event = `${uniqueName('conf')}.named`;
        const [publisher, subscriber] = [await ready(), await ready()];
        const got: EventMessage[] = [];
        subscriber.onEvent((message) => got.push(message));
        await subscriber.bindEvent(event);

        const named: EventMessage = { event, topic: 't', payload: '{"n":1}', id: 'm1.7:0' };
        const uuid: EventMessage = { event, topic: 't', payload: '{"n":2}', id: '0b6c6a36-2f4e-4c55-9d4e-5a0c8e4f2b61' };
        const unnamed: EventMessage = { event, topic: 't', payload: '{"n":3}' };
        for (const message of [named, uuid, named, unnamed]) await publisher.publishEvent(message);
        await waitFor(() => got.length >= 4, WAIT, 'the events');
        await sleep(QUIET);
        assert.deepEqual(got, [named, uuid, named, unnamed]);
      });
    });

    describe('publishEvent(message, retention) → history(event, retention)', () => {
      const retention = { maxAge: '1h' };
      /** Collects what a reader delivers. */
      function collector(): { events: StoredEvent[]; onEvent(event: StoredEvent): void } {
        const events: StoredEvent[] = [];
        return { events, onEvent: (event) => events.push(event) };
      }

      it('stores events in publish order, each with its offset and id, and replays them from any offset, then live', async () => {
        const event = `${uniqueName('conf')}.stored`;
        const [publisher, reader] = [await ready(), await ready()];
        const history = reader.history(event, retention);
        // The history is made by its first user, whichever side that is.
        const live = collector();
        const following = await history.read('next', live.onEvent);
        for (let n = 0; n < 5; n++) await publisher.publishEvent({ event, topic: n % 2 ? 'odd' : 'even', payload: `{"n":${n}}`, id: `call-1:${n}` }, retention);
        await waitFor(() => live.events.length === 5, WAIT, 'the live events');
        const offsets = live.events.map((e) => e.position.offset);
        assert.deepEqual(offsets, [0, 1, 2, 3, 4].map((i) => offsets[0]! + i), 'consecutive offsets, in publish order');
        assert.deepEqual(live.events.map((e) => [e.topic, JSON.parse(e.payload).n, e.id, e.position.epoch]), [0, 1, 2, 3, 4].map((n) => [n % 2 ? 'odd' : 'even', n, `call-1:${n}`, `call-1:${n}`]));
        assert.deepEqual(await history.tail(), live.events[4]!.position);

        const replay = collector();
        const replaying = await history.read(offsets[2]!, replay.onEvent);
        await waitFor(() => replay.events.length === 3, WAIT, 'the replay from the third event');
        await publisher.publishEvent({ event, topic: 'even', payload: '{"n":5}', id: 'call-2:0' }, retention);
        await waitFor(() => replay.events.length === 4 && live.events.length === 6, WAIT, 'the next event on both readers');
        assert.deepEqual(replay.events.map((e) => JSON.parse(e.payload).n), [2, 3, 4, 5]);
        await sleep(QUIET);
        assert.equal(replay.events.length, 4, 'each event once');
        await following.stop();
        await replaying.stop();
        await publisher.publishEvent({ event, topic: 'even', payload: '{"n":6}' }, retention);
        await sleep(QUIET);
        assert.equal(live.events.length, 6, 'nothing after stop()');
        assert.equal(replay.events.length, 4, 'nothing after stop()');
      });

      it('reads from an offset older than the history from the oldest event kept, and tail() is undefined for an empty history', async () => {
        const event = `${uniqueName('conf')}.empty`;
        const transport = await ready();
        const history = transport.history(event, retention);
        const none = collector();
        const reading = await history.read(0, none.onEvent);
        assert.equal(await history.tail(), undefined);
        await transport.publishEvent({ event, topic: 't', payload: '1', id: 'only' }, retention);
        await waitFor(() => none.events.length === 1, WAIT, 'the first event');
        assert.equal(none.events[0]!.id, 'only');
        await reading.stop();
      });

      it('does not deliver a replayable event to volatile bindings', async () => {
        const event = `${uniqueName('conf')}.kept`;
        const [publisher, bound] = [await ready(), await ready()];
        const got: EventMessage[] = [];
        bound.onEvent((message) => got.push(message));
        await bound.bindEvent(event);
        bound.history(event, retention);
        await publisher.publishEvent({ event, topic: 't', payload: '1' }, retention);
        await sleep(QUIET);
        assert.deepEqual(got, []);
      });
    });

    describe('close()', () => {
      it('answers pending requests UNAVAILABLE, is no longer ready, and refuses new requests', async () => {
        const method = uniqueName('conf.close');
        const [caller, worker] = [await ready(), await ready()];
        const release = blocker();
        let delivered = 0;
        await worker.serve(method, async () => {
          delivered++;
          await release.promise;
          return resultBody('too late');
        });
        const pending = ask(caller, makeCall(method, {}));
        await waitFor(() => delivered === 1, WAIT, 'the delivery');
        await withTimeout(caller.close(), WAIT, 'close()');
        assert.equal((await answer(pending)).error?.code, ErrorCode.UNAVAILABLE);
        assert.equal(caller.isReady(), false);
        const refused = ask(caller, makeCall(method, {}));
        assert.equal((await answer(refused)).error?.code, ErrorCode.UNAVAILABLE);
        release.open();
        await sleep(QUIET);
        assert.equal(pending.bodies.length, 1);
        assert.equal(refused.bodies.length, 1);
      });
    });
  });
}
