/**
 * When a handler's events are published, on the memory transport: queued by ctx.emit, named
 * `<callId>:<index>`, published in emit order once the handler returned a result and before the
 * result reaches the caller; none at all when the handler throws, returns an invalid result or
 * outlives its deadline; and a call whose events could not be published goes back to the queue,
 * its next run publishing the same ids.
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { defineContract } from '../../src/contract/defineContract.ts';
import { implement } from '../../src/contract/implement.ts';
import type { Call, ReplyBody } from '../../src/protocol/call.ts';
import { MemoryBroker } from '../../src/transport/MemoryBroker.ts';
import { MemoryTransport } from '../../src/transport/MemoryTransport.ts';
import type { EventMessage, Transport } from '../../src/transport/Transport.ts';
import { Worker } from '../../src/worker/Worker.ts';
import { sleep, waitFor } from '../helpers/async.ts';

const WAIT = 5000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const contract = defineContract({
  service: 'ev',
  methods: {
    /** Emits `count` events, `pauseMs` apart, then returns. */
    twice: { input: z.object({ count: z.number().int().min(0), pauseMs: z.number().int().min(0) }), output: z.object({ ok: z.boolean() }) },
    /** Emits, then throws: a declared error, or any other. */
    fails: { input: z.object({ declared: z.boolean() }), output: z.object({}) },
    /** Emits, then returns a value outside its output schema. */
    wrong: { input: z.object({}), output: z.object({ n: z.number() }) },
    /** Emits, then sleeps past its deadline (without looking at the signal). */
    late: { input: z.object({ ms: z.number() }), output: z.object({}) },
    /** Checks that emit refuses bad events at once, then returns what it saw. */
    invalid: { input: z.object({}), output: z.object({ refused: z.array(z.string()) }) },
    /** Leaves an emit behind on a timer, to run after it returned. */
    leaves: { input: z.object({}), output: z.object({}) },
    /** Counts its runs; emits its run number. */
    counted: { input: z.object({}), output: z.object({ run: z.number() }) },
  },
  events: {
    tick: { payload: z.object({ i: z.number() }) },
  },
  errors: {
    Nope: { code: 4100, message: 'Nope' },
  },
});

let runs = 0;
const pendingTimers = new Set<ReturnType<typeof setTimeout>>();

const implementation = implement(contract, {
  async twice({ count, pauseMs }, ctx) {
    for (let i = 0; i < count; i++) {
      if (i > 0 && pauseMs > 0) await sleep(pauseMs);
      await ctx.emit('tick', { i }, { topic: 't' });
    }
    return { ok: true };
  },
  async fails({ declared }, ctx) {
    await ctx.emit('tick', { i: 0 }, { topic: 't' });
    if (declared) throw ctx.error('Nope');
    throw new Error('broken');
  },
  async wrong(_input, ctx) {
    await ctx.emit('tick', { i: 0 }, { topic: 't' });
    return { n: 'no' } as unknown as { n: number };
  },
  async late({ ms }, ctx) {
    await ctx.emit('tick', { i: 0 }, { topic: 't' });
    await sleep(ms);
    return {};
  },
  async invalid(_input, ctx) {
    const refused: string[] = [];
    const attempts: [string, unknown, string][] = [
      ['nope', { i: 1 }, 't'],
      ['tick', { i: 'x' }, 't'],
      ['tick', { i: 1 }, 'bad.topic'],
    ];
    for (const [event, payload, topic] of attempts) {
      // Thrown at once, not when the events are published: the handler can still catch it.
      await (ctx.emit as (e: string, p: unknown, o: { topic: string }) => Promise<void>)(event, payload, { topic }).then(
        () => {},
        (err: Error) => refused.push(err.name),
      );
    }
    return { refused };
  },
  async leaves(_input, ctx) {
    const timer = setTimeout(() => {
      pendingTimers.delete(timer);
      void ctx.emit('tick', { i: 99 }, { topic: 't' });
    }, 20);
    pendingTimers.add(timer);
    return {};
  },
  async counted(_input, ctx) {
    const run = ++runs;
    await ctx.emit('tick', { i: run }, { topic: 't' });
    return { run };
  },
});

/** What reached the gateway side, in the order it arrived: events and replies. */
type Seen = { event: EventMessage } | { reply: ReplyBody };

interface Harness {
  caller: MemoryTransport;
  seen: Seen[];
  events(): EventMessage[];
  call(method: string, params: unknown, timeoutMs?: number): { reply: Promise<any> };
  close(): Promise<void>;
}

const open: Harness[] = [];
afterEach(async () => {
  for (const timer of pendingTimers) clearTimeout(timer);
  pendingTimers.clear();
  await Promise.all(open.splice(0).map((harness) => harness.close()));
});

/** A caller transport bound to `ev.tick` and a worker, on one broker; `wrap` may stand between the worker and its transport. */
async function harness(wrap: (inner: MemoryTransport) => Transport = (inner) => inner): Promise<Harness> {
  const broker = new MemoryBroker();
  const caller = new MemoryTransport({ broker });
  const inner = new MemoryTransport({ broker });
  caller.start();
  inner.start();
  const seen: Seen[] = [];
  caller.onEvent((event) => seen.push({ event }));
  await caller.bindEvent('ev.tick');
  const worker = new Worker({ transport: wrap(inner), implementations: [implementation], maxDeliveries: 3 });
  await worker.start();
  const h: Harness = {
    caller,
    seen,
    events: () => seen.flatMap((entry) => ('event' in entry ? [entry.event] : [])),
    call(method, params, timeoutMs = WAIT) {
      const call: Call = { method: `ev.${method}`, params: JSON.stringify(params), deadline: Date.now() + timeoutMs, principal: null };
      const reply = new Promise<any>((resolve) => {
        caller.request(call, (body) => {
          seen.push({ reply: body });
          resolve(JSON.parse(body));
        });
      });
      return { reply };
    },
    async close() {
      await worker.stop();
      await inner.close();
      await caller.close();
    },
  };
  open.push(h);
  return h;
}

/** The callId the worker saw: the prefix of the ids of its events. */
function callIdOf(event: EventMessage): string {
  return event.id!.slice(0, event.id!.lastIndexOf(':'));
}

describe('a handler’s events', () => {
  it('are named <callId>:0, <callId>:1 and published in emit order, before the result reaches the caller', async () => {
    const h = await harness();
    const { reply } = h.call('twice', { count: 2, pauseMs: 5 });
    assert.deepEqual((await reply).result, { ok: true });
    const events = h.events();
    assert.equal(events.length, 2);
    const callId = callIdOf(events[0]!);
    assert.ok(callId.length > 0, `an id with the call's id: ${events[0]!.id}`);
    assert.deepEqual(
      events.map(({ id, payload }) => ({ id, payload: JSON.parse(payload) })),
      [
        { id: `${callId}:0`, payload: { i: 0 } },
        { id: `${callId}:1`, payload: { i: 1 } },
      ],
    );
    assert.deepEqual(
      h.seen.map((entry) => ('event' in entry ? 'event' : 'reply')),
      ['event', 'event', 'reply'],
      'both events before the reply',
    );
  });

  it('are not published while the handler still runs', async () => {
    const h = await harness();
    const { reply } = h.call('twice', { count: 3, pauseMs: 100 });
    await sleep(150);
    assert.deepEqual(h.events(), [], 'two emits done, none published yet');
    await reply;
    assert.equal(h.events().length, 3);
  });

  it('each call names its own: ids differ between calls, and count from 0 in each', async () => {
    const h = await harness();
    const replies = [h.call('twice', { count: 2, pauseMs: 0 }).reply, h.call('twice', { count: 2, pauseMs: 0 }).reply];
    await Promise.all(replies);
    const ids = h.events().map((event) => event.id!);
    assert.equal(new Set(ids).size, 4);
    assert.deepEqual(ids.map((id) => id.slice(id.lastIndexOf(':') + 1)).sort(), ['0', '0', '1', '1']);
  });

  it('a handler that emits then throws publishes nothing: declared error or not', async () => {
    const h = await harness();
    assert.equal((await h.call('fails', { declared: true }).reply).error.code, 4100);
    assert.equal((await h.call('fails', { declared: false }).reply).error.code, -32603);
    await sleep(50);
    assert.deepEqual(h.events(), []);
  });

  it('a handler that returns a result outside its output schema publishes nothing', async () => {
    const h = await harness();
    assert.equal((await h.call('wrong', {}).reply).error.code, -32603);
    await sleep(50);
    assert.deepEqual(h.events(), []);
  });

  it('a handler that outlives its deadline publishes nothing', async () => {
    const h = await harness();
    assert.equal((await h.call('late', { ms: 300 }, 100).reply).error.code, -32000);
    await sleep(400);
    assert.deepEqual(h.events(), []);
  });

  it('emit still refuses an unknown event, a bad payload and a bad topic at once', async () => {
    const h = await harness();
    assert.deepEqual((await h.call('invalid', {}).reply).result, { refused: ['TypeError', 'ZodError', 'TypeError'] });
    await sleep(50);
    assert.deepEqual(h.events(), [], 'nothing queued by the refused emits');
  });

  it('an emit after the handler returned is dropped', async () => {
    const h = await harness();
    assert.deepEqual((await h.call('leaves', {}).reply).result, {});
    await sleep(100);
    assert.deepEqual(h.events(), []);
  });

  it('a notification’s events are published with a UUID each', async () => {
    const h = await harness();
    h.caller.notify({ method: 'ev.twice', params: JSON.stringify({ count: 2, pauseMs: 0 }), deadline: Date.now() + WAIT, principal: null });
    await waitFor(() => h.events().length === 2, WAIT, 'the events');
    const [a, b] = h.events();
    assert.match(a!.id!, UUID);
    assert.match(b!.id!, UUID);
    assert.notEqual(a!.id, b!.id);
  });

  it('a call whose events cannot be published goes back to the queue, and its next run publishes the same ids', async () => {
    let failures = 1;
    const published: EventMessage[] = [];
    const h = await harness((inner) =>
      Object.assign(Object.create(inner) as Transport, {
        serve: inner.serve.bind(inner),
        publishEvent: async (message: EventMessage) => {
          published.push(message);
          if (failures > 0) {
            failures--;
            throw new Error('connection lost');
          }
          return inner.publishEvent(message);
        },
      }),
    );
    runs = 0;
    const { reply } = h.call('counted', {});
    assert.deepEqual((await reply).result, { run: 2 }, 'answered by the second run');
    await sleep(50);
    assert.equal(published.length, 2, 'one attempt per run');
    assert.equal(published[0]!.id, published[1]!.id, 'the same id on both runs');
    assert.match(published[0]!.id!, /:0$/);
    assert.deepEqual(
      h.events().map((event) => ({ id: event.id, payload: JSON.parse(event.payload) })),
      [{ id: published[0]!.id, payload: { i: 2 } }],
      "only the second run's event reached the caller side",
    );
    assert.equal(h.seen.filter((entry) => 'reply' in entry).length, 1, 'one reply');
  });
});
