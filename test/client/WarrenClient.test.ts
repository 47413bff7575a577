/**
 * The client runtime against a live in-process stack over a real loopback socket, with `ws`
 * as its WebSocket.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { ErrorCode, type WarrenError } from 'warren-client/protocol';
import { stackForBlock } from '../helpers/stack.ts';
import { TcpProxy } from '../helpers/TcpProxy.ts';
import { clientsClosedAfterEach, eventually, publishShout, recordingWebSocket, rejectsWith } from '../helpers/clients.ts';

const SERVICE = 'cli';
const m = (name: string) => `${SERVICE}.${name}`;
const SHOUTED = m('shouted');

interface Shouted {
  text: string;
  pid: number;
}

describe('WarrenClient', () => {
  const stack = stackForBlock({ service: SERVICE });
  const client = clientsClosedAfterEach(() => ({ url: stack.url }));

  /** A second client that emits `shouted` events through `shout`. */
  const shout = (topic: string, text: string) => publishShout(stack.url, SERVICE, topic, text);

  describe('client.call(method, params)', () => {
    it('calls with named params', async () => {
      const c = client();
      assert.deepEqual(await c.call(m('echo'), { value: { nested: [1, 'two'] }, tag: 'named' }), {
        value: { nested: [1, 'two'] },
        tag: 'named',
        pid: process.pid,
      });
      assert.deepEqual(await c.call('math.divide', { dividend: 9, divisor: 3 }), { quotient: 3 });
    });

    it('calls with positional params', async () => {
      const c = client();
      assert.equal(await c.call<number>(m('add'), [2, 3]), 5);
      assert.equal(await c.call<number>('math.add', [0.5, -1]), -0.5);
    });

    it('calls before the connection is open (waits for it)', async () => {
      const c = client();
      const results = await Promise.all([c.call(m('add'), [1, 1]), c.ready().then(() => c.call(m('add'), [2, 2]))]);
      assert.deepEqual(results, [2, 4]);
    });
  });

  describe('WarrenError', () => {
    it('a declared error keeps its code and typed data', async () => {
      const error = await rejectsWith(client().call(m('fail'), { reason: 'because' }), 4001);
      assert.deepEqual(error.data, { reason: 'because' });
      assert.equal(error.name, 'WarrenError');
      await rejectsWith(client().call('math.divide', { dividend: 1, divisor: 0 }), 2001);
    });

    it('a validation error is INVALID_PARAMS with data.issues', async () => {
      const error = await rejectsWith(client().call(m('add'), [1, 'two']), ErrorCode.INVALID_PARAMS);
      const issues = (error.data as { issues: { path: unknown[] }[] }).issues;
      assert.deepEqual(issues.map((issue) => issue.path), [[1]]);
      await rejectsWith(client().call(m('add'), { a: 1 }), ErrorCode.INVALID_PARAMS);
    });

    it('a failing or misbehaving handler is INTERNAL_ERROR with nothing leaked', async () => {
      const c = client();
      const error = await rejectsWith(c.call(m('boom'), {}), ErrorCode.INTERNAL_ERROR);
      assert.equal(error.message, 'Internal error');
      assert.equal(error.data, undefined);
      assert.ok(!String(error.stack).includes('secret internal detail'));
      await rejectsWith(c.call(m('wrongShape'), {}), ErrorCode.INTERNAL_ERROR);
    });

    it('an unknown method is METHOD_NOT_FOUND', async () => {
      await rejectsWith(client().call('nope.nothing', {}), ErrorCode.METHOD_NOT_FOUND);
    });
  });

  describe('call options', () => {
    it('timeoutMs rejects with TIMEOUT', async () => {
      const c = client();
      const started = Date.now();
      await rejectsWith(c.call(m('sleep'), { ms: 2500, id: 'timeout' }, { timeoutMs: 150 }), ErrorCode.TIMEOUT);
      assert.ok(Date.now() - started < 2000, 'rejected at the deadline, not when the work ended');
      assert.equal(await c.call(m('add'), [1, 2]), 3, 'the client keeps working');
    });

    it("the client's own default timeoutMs rejects with TIMEOUT before the server's deadline", async () => {
      const c = client({ timeoutMs: 150 });
      await rejectsWith(c.call(m('sleep'), { ms: 2500, id: 'client-default' }), ErrorCode.TIMEOUT);
    });

    it('aborting the signal rejects with CANCELLED, and a late reply is ignored', async () => {
      const sent: any[] = [];
      const c = client({ WebSocket: recordingWebSocket(sent) });
      const controller = new AbortController();
      const call = c.call(m('sleep'), { ms: 300, id: 'abort' }, { signal: controller.signal });
      await eventually(() => sent.length === 1, 'the call was sent');
      controller.abort();
      await rejectsWith(call, ErrorCode.CANCELLED);
      // The reply to the cancelled call arrives later and must not disturb the next one.
      await delay(400);
      assert.equal(await c.call(m('add'), [4, 4]), 8);
    });

    it('an already-aborted signal rejects at once and sends nothing', async () => {
      const sent: any[] = [];
      const c = client({ WebSocket: recordingWebSocket(sent) });
      const call = c.call(m('add'), [1, 1], { signal: AbortSignal.abort() });
      await rejectsWith(call, ErrorCode.CANCELLED);
      await c.ready();
      assert.equal(await c.call(m('add'), [1, 2]), 3);
      assert.deepEqual(sent.map((frame) => frame.params), [[1, 2]]);
    });
    it('a signal aborted while the connection opens rejects with CANCELLED and sends nothing', async () => {
      const sent: any[] = [];
      const c = client({ WebSocket: recordingWebSocket(sent) });
      const controller = new AbortController();
      const call = c.call(m('add'), [1, 1], { signal: controller.signal });
      controller.abort();
      await rejectsWith(call, ErrorCode.CANCELLED);
      await c.ready();
      assert.equal(await c.call(m('add'), [1, 2]), 3);
      assert.deepEqual(sent.map((frame) => frame.params), [[1, 2]]);
    });
  });

  describe('client.notify(method, params)', () => {
    it('runs the method and gets no answer', async () => {
      const sent: any[] = [];
      const c = client({ WebSocket: recordingWebSocket(sent) });
      const received: [Shouted, string][] = [];
      await c.subscribe<Shouted>(SHOUTED, 'notify', (payload, topic) => received.push([payload, topic]));
      await c.notify(m('shout'), { topic: 'notify', text: 'by notification' });
      await eventually(() => received.length === 1, 'the notification ran');
      assert.deepEqual(received, [[{ text: 'by notification', pid: process.pid }, 'notify']]);
      assert.ok(!Object.hasOwn(sent.at(-1), 'id'), 'a notification has no id');
    });
  });

  describe('client.subscribe(event, topic, handler)', () => {
    it('hands payload and topic to the handler; the returned function unsubscribes', async () => {
      const c = client();
      const lobby: [Shouted, string][] = [];
      const sentinel: string[] = [];
      const stop = await c.subscribe<Shouted>(SHOUTED, 'lobby', (payload, topic) => lobby.push([payload, topic]));
      await c.subscribe<Shouted>(SHOUTED, 'sentinel', (payload) => sentinel.push(payload.text));
      await shout('lobby', 'first');
      await eventually(() => lobby.length === 1, 'the event arrived');
      assert.deepEqual(lobby, [[{ text: 'first', pid: process.pid }, 'lobby']]);

      await stop();
      await stop(); // twice is harmless
      await shout('lobby', 'after unsubscribe');
      await shout('sentinel', 'later');
      // Pushes arrive in order on one socket: once the later event is here, the earlier one would be too.
      await eventually(() => sentinel.length === 1, 'the sentinel event arrived');
      assert.equal(lobby.length, 1);
    });

    it('without a topic receives every topic', async () => {
      const c = client();
      const received: string[] = [];
      await c.subscribe<Shouted>(SHOUTED, undefined, (payload, topic) => received.push(`${topic}:${payload.text}`));
      await shout('one', 'a');
      await shout('two', 'b');
      await eventually(() => received.length === 2, 'both events arrived');
      assert.deepEqual(received, ['one:a', 'two:b']);
    });

    it('rejects with INVALID_PARAMS for an unknown event or invalid topic, and keeps no handler', async () => {
      const c = client();
      await rejectsWith(c.subscribe('nope.nothing', 'x', () => {}), ErrorCode.INVALID_PARAMS);
      await rejectsWith(c.subscribe(SHOUTED, 'a.b', () => {}), ErrorCode.INVALID_PARAMS);
      // The failed key must not stop a later, valid subscription from reaching the server.
      const received: string[] = [];
      await c.subscribe<Shouted>(SHOUTED, 'retry', (payload) => received.push(payload.text));
      await shout('retry', 'ok');
      await eventually(() => received.length === 1, 'the event arrived');
    });

    it('a second subscription for a key resolves only once the server confirmed it, and fails with it', async () => {
      const c = client();
      const outcomes = await Promise.allSettled([
        c.subscribe(SHOUTED, 'a.b', () => {}),
        c.subscribe(SHOUTED, 'a.b', () => {}),
      ]);
      for (const outcome of outcomes) {
        assert.equal(outcome.status, 'rejected');
        assert.equal((outcome.reason as WarrenError).code, ErrorCode.INVALID_PARAMS);
      }
      const received: string[][] = [[], []];
      const [, stopSecond] = await Promise.all([
        c.subscribe<Shouted>(SHOUTED, 'raced', (payload) => received[0]!.push(payload.text)),
        c.subscribe<Shouted>(SHOUTED, 'raced', (payload) => received[1]!.push(payload.text)),
      ]);
      await stopSecond();
      await shout('raced', 'confirmed');
      await eventually(() => received[0]!.length === 1, 'the first handler ran');
      assert.deepEqual(received, [['confirmed'], []]);
    });

    it('two subscriptions for the same key share one rpc.subscribe', async () => {
      const sent: any[] = [];
      const c = client({ WebSocket: recordingWebSocket(sent) });
      const first: string[] = [];
      const second: string[] = [];
      const stopFirst = await c.subscribe<Shouted>(SHOUTED, 'shared', (payload) => first.push(payload.text));
      const stopSecond = await c.subscribe<Shouted>(SHOUTED, 'shared', (payload) => second.push(payload.text));
      const methods = () => sent.map((frame) => frame.method);
      assert.deepEqual(methods(), ['rpc.subscribe']);
      await shout('shared', 'both');
      await eventually(() => first.length === 1 && second.length === 1, 'both handlers ran');

      await stopFirst();
      assert.deepEqual(methods(), ['rpc.subscribe'], 'the other handler still needs the subscription');
      await shout('shared', 'second only');
      await eventually(() => second.length === 2, 'the remaining handler ran');
      assert.deepEqual(first, ['both']);

      await stopSecond();
      assert.deepEqual(methods(), ['rpc.subscribe', 'rpc.unsubscribe']);
    });
  });

  describe('connection loss', () => {
    it('pending calls reject with CONNECTION_LOST when the connection drops (reconnect: false)', async () => {
      // A proxy resets the connection: no close frame, and no answer from a shutting-down gateway.
      const proxy = new TcpProxy();
      try {
        const c = client({ url: await proxy.listen(Number(new URL(stack.url).port)), reconnect: false });
        const calls = [
          c.call(m('sleep'), { ms: 800, id: 'lost-1' }),
          c.call(m('sleep'), { ms: 800, id: 'lost-2' }),
        ];
        const rejected = Promise.all(calls.map((call) => rejectsWith(call, ErrorCode.CONNECTION_LOST)));
        await eventually(() => stack.gateway.inFlight === 2, 'both calls reached the gateway');
        proxy.cut();
        await rejected;
        assert.equal(c.state, 'closed');
        // A call made after the loss fails the same way instead of hanging.
        await rejectsWith(c.call(m('add'), [1, 2]), ErrorCode.CONNECTION_LOST);
      } finally {
        await proxy.close();
      }
    });

    it('client.close() rejects pending calls with CONNECTION_LOST', async () => {
      const c = client();
      const call = c.call(m('sleep'), { ms: 500, id: 'closed-by-client' });
      await eventually(() => stack.gateway.inFlight >= 1, 'the call reached the gateway');
      c.close();
      await rejectsWith(call, ErrorCode.CONNECTION_LOST);
      await eventually(() => stack.gateway.connections === 0, 'the gateway saw the close');
    });

    it('a refused connection rejects ready() and calls with CONNECTION_LOST (reconnect: false)', async () => {
      const c = client({ url: stack.url.replace(/\/rpc$/, '/not-rpc'), reconnect: false });
      await rejectsWith(c.ready(), ErrorCode.CONNECTION_LOST);
      await rejectsWith(c.call(m('add'), [1, 2]), ErrorCode.CONNECTION_LOST);
    });

    it('a refused connection keeps retrying by default: calls wait within their deadline, then TIMEOUT', async () => {
      const c = client({ url: stack.url.replace(/\/rpc$/, '/not-rpc'), reconnect: { initialDelayMs: 10, maxDelayMs: 50 } });
      const attempts: number[] = [];
      c.onState(({ state, attempt }) => state === 'reconnecting' && attempts.push(attempt));
      await rejectsWith(c.call(m('add'), [1, 2], { timeoutMs: 300 }), ErrorCode.TIMEOUT);
      assert.ok(attempts.length >= 2, `tried again: ${attempts.length} attempts`);
      assert.deepEqual(attempts, attempts.map((_, i) => i + 1), 'attempts are counted 1, 2, 3, …');
      assert.equal(c.state, 'reconnecting');
    });
  });

  describe('many clients', () => {
    it('20 clients × 50 concurrent calls each get only their own replies', async () => {
      const many = Array.from({ length: 20 }, () => client());
      await Promise.all(
        many.map(async (c, n) => {
          const replies = await Promise.all(
            Array.from({ length: 50 }, (_, i) => c.call<{ value: number; tag: string }>(m('echo'), { value: i, tag: `client-${n}-call-${i}` })),
          );
          replies.forEach((reply, i) => {
            assert.equal(reply.tag, `client-${n}-call-${i}`);
            assert.equal(reply.value, i);
          });
        }),
      );
      assert.equal(stack.gateway.inFlight, 0);
    });
  });
});
