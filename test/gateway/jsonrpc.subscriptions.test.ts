/**
 * The gateway's JSON-RPC 2.0 behaviour over real loopback sockets: rpc.subscribe / rpc.unsubscribe
 * and the pushes they bring. Raw frames through FrameSocket, never the SDK, so what is asserted is
 * the wire itself.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from 'warren-client/protocol';
import type { FrameSocket } from '../helpers/FrameSocket.ts';
import { stackForBlock } from '../helpers/stack.ts';
import { SERVICE, m, SHOUTED, connect, request, assertError, assertIssues, closeSocketsAfterEach } from '../helpers/jsonrpc.ts';

describe('JSON-RPC 2.0 gateway', () => {
  closeSocketsAfterEach();

  describe('rpc.subscribe / rpc.unsubscribe', () => {
    let publisher: FrameSocket;
    let shoutId = 0;
    /** Emits one `shouted` event through another socket and waits until it was published. */
    async function shout(topic: string, text: string): Promise<void> {
      const reply = await publisher.request(request(`shout-${shoutId++}`, m('shout'), { topic, text }));
      assert.deepEqual(reply.result, { ok: true });
    }
    async function subscribe(socket: FrameSocket, params: unknown, method = 'rpc.subscribe'): Promise<any> {
      return socket.request(request(`${method}-${JSON.stringify(params)}`, method, params));
    }

    const subs = stackForBlock({ service: SERVICE, gateway: { maxSubscriptions: 3 } });

    it('subscribes by name {event, topic}; a push is a JSON-RPC notification {topic, payload}', async () => {
      publisher = await connect(subs.url);
      const socket = await connect(subs.url);
      assert.deepEqual(await subscribe(socket, { event: SHOUTED, topic: 'lobby' }), {
        jsonrpc: '2.0',
        id: `rpc.subscribe-${JSON.stringify({ event: SHOUTED, topic: 'lobby' })}`,
        result: true,
      });
      await shout('lobby', 'hello');
      const pushed = await socket.next();
      assert.deepEqual(pushed, { jsonrpc: '2.0', method: SHOUTED, params: { topic: 'lobby', payload: { text: 'hello', pid: process.pid } } });
      assert.ok(!Object.hasOwn(pushed, 'id'), 'a push is a notification');
    });

    it('subscribes by position [event, topic]', async () => {
      publisher = await connect(subs.url);
      const socket = await connect(subs.url);
      assert.equal((await subscribe(socket, [SHOUTED, 'pos'])).result, true);
      await shout('pos', 'by position');
      assert.equal((await socket.next()).params.payload.text, 'by position');
      assert.equal((await subscribe(socket, [SHOUTED, 'pos'], 'rpc.unsubscribe')).result, true);
    });

    it('-32602 for an unknown event or an invalid topic', async () => {
      const socket = await connect(subs.url);
      for (const params of [
        { event: 'nope.nothing', topic: 'a' },
        { event: m('echo'), topic: 'a' },
        { topic: 'a' },
        ['nope.nothing'],
        { event: SHOUTED, topic: 'a.b' },
        { event: SHOUTED, topic: '*' },
        { event: SHOUTED, topic: '#' },
        { event: SHOUTED, topic: '' },
        { event: SHOUTED, topic: 'has space' },
        { event: SHOUTED, topic: 'x'.repeat(201) },
        { event: SHOUTED, topic: 5 },
        [SHOUTED, 'a.b'],
      ]) {
        const reply = await subscribe(socket, params);
        assertError(reply, ErrorCode.INVALID_PARAMS);
        assertIssues(reply.error);
        const unsubscribed = await subscribe(socket, params, 'rpc.unsubscribe');
        assertError(unsubscribed, ErrorCode.INVALID_PARAMS);
      }
    });

    it('-32602 for positional params past [event, topic, since] (rpc.unsubscribe: [event, topic]), naming the count', async () => {
      const socket = await connect(subs.url);
      for (const [method, params] of [
        ['rpc.subscribe', [SHOUTED, 'r1', null, 'extra']],
        ['rpc.unsubscribe', [SHOUTED, 'r1', 'extra']],
      ] as const) {
        const reply = await subscribe(socket, [...params], method);
        assertError(reply, ErrorCode.INVALID_PARAMS);
        assertIssues(reply.error);
        assert.deepEqual(reply.error.data.issues.map((issue: any) => [issue.code, issue.path]), [['too_big', []]]);
      }
      // Nothing was subscribed: a push on that topic does not arrive.
      publisher = await connect(subs.url);
      await shout('r1', 'not for you');
      assert.ok(await socket.silentFor(200));
    });

    it('rpc.ping takes no positional params; named or absent params are fine', async () => {
      const socket = await connect(subs.url);
      assertError(await socket.request(request('p1', 'rpc.ping', ['extra'])), ErrorCode.INVALID_PARAMS, 'p1');
      assert.equal((await socket.request(request('p2', 'rpc.ping', []))).result, 'pong');
      assert.equal((await socket.request(request('p3', 'rpc.ping', {}))).result, 'pong');
      assert.equal((await socket.request(request('p4', 'rpc.ping'))).result, 'pong');
    });

    it('a socket subscribed to topic A does not get topic B', async () => {
      publisher = await connect(subs.url);
      const socket = await connect(subs.url);
      assert.equal((await subscribe(socket, { event: SHOUTED, topic: 'a' })).result, true);
      await shout('b', 'for b');
      await shout('a', 'for a');
      const pushed = await socket.next();
      assert.equal(pushed.params.topic, 'a');
      assert.equal(pushed.params.payload.text, 'for a');
      assert.ok(await socket.silentFor(200));
    });

    it('without a topic a socket gets every topic', async () => {
      publisher = await connect(subs.url);
      const socket = await connect(subs.url);
      assert.equal((await subscribe(socket, { event: SHOUTED })).result, true);
      await shout('x', 'one');
      await shout('y', 'two');
      assert.deepEqual(
        [await socket.next(), await socket.next()].map((push) => [push.params.topic, push.params.payload.text]),
        [['x', 'one'], ['y', 'two']],
      );
    });

    it('fans one event out to every subscribed socket as the same text frame', async () => {
      publisher = await connect(subs.url);
      const sockets = [await connect(subs.url), await connect(subs.url), await connect(subs.url)];
      const binary: boolean[] = [];
      for (const socket of sockets) socket.ws.on('message', (_data, isBinary) => binary.push(isBinary));
      for (const socket of sockets) assert.equal((await subscribe(socket, { event: SHOUTED, topic: 'fan' })).result, true);
      binary.length = 0;
      await shout('fan', 'to all é');
      const pushed = await Promise.all(sockets.map((socket) => socket.next()));
      for (const push of pushed) {
        assert.deepEqual(push, { jsonrpc: '2.0', method: SHOUTED, params: { topic: 'fan', payload: { text: 'to all é', pid: process.pid } } });
      }
      assert.deepEqual(binary, [false, false, false], 'text frames, not binary');
    });

    it('a socket subscribed to a topic and to every topic gets one notification per event', async () => {
      publisher = await connect(subs.url);
      const socket = await connect(subs.url);
      assert.equal((await subscribe(socket, { event: SHOUTED, topic: 'both' })).result, true);
      assert.equal((await subscribe(socket, [SHOUTED])).result, true);
      await shout('both', 'first');
      await shout('both', 'second');
      assert.equal((await socket.next()).params.payload.text, 'first');
      assert.equal((await socket.next()).params.payload.text, 'second', 'the first event came twice');
      assert.ok(await socket.silentFor(200));
    });

    it('pushes nothing after rpc.unsubscribe, which answers true once and then false', async () => {
      publisher = await connect(subs.url);
      const socket = await connect(subs.url);
      const other = await connect(subs.url);
      assert.equal((await subscribe(socket, { event: SHOUTED, topic: 'gone' })).result, true);
      assert.equal((await subscribe(socket, { event: SHOUTED, topic: 'kept' })).result, true);
      assert.equal((await subscribe(other, { event: SHOUTED, topic: 'gone' })).result, true);
      assert.equal((await subscribe(socket, { event: SHOUTED, topic: 'gone' }, 'rpc.unsubscribe')).result, true);
      assert.equal((await subscribe(socket, { event: SHOUTED, topic: 'gone' }, 'rpc.unsubscribe')).result, false);
      await shout('gone', 'after unsubscribe');
      await shout('kept', 'still subscribed');
      assert.equal((await socket.next()).params.payload.text, 'still subscribed');
      // Another socket's subscription to the same topic is untouched.
      assert.equal((await other.next()).params.payload.text, 'after unsubscribe');
    });

    it('answers -32003 beyond maxSubscriptions; a repeated subscription does not count', async () => {
      const socket = await connect(subs.url);
      for (const topic of ['s1', 's2', 's3', 's1']) assert.equal((await subscribe(socket, { event: SHOUTED, topic })).result, true);
      assertError(await subscribe(socket, { event: SHOUTED, topic: 's4' }), ErrorCode.OVERLOADED);
      assertError(await subscribe(socket, { event: SHOUTED }), ErrorCode.OVERLOADED);
      assert.equal((await subscribe(socket, { event: SHOUTED, topic: 's2' }, 'rpc.unsubscribe')).result, true);
      assert.equal((await subscribe(socket, { event: SHOUTED, topic: 's4' })).result, true);
      // The limit is per connection.
      const other = await connect(subs.url);
      assert.equal((await subscribe(other, { event: SHOUTED, topic: 's5' })).result, true);
    });
  });
});
