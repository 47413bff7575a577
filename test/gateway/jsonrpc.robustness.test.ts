/**
 * The gateway's JSON-RPC 2.0 behaviour over real loopback sockets: limits and hostile input:
 * maxPayload, maxInFlight, garbage frames, deep nesting, abandoned calls. Raw frames through
 * FrameSocket, never the SDK, so what is asserted is the wire itself.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from 'warren-client/protocol';
import { m, connect, withStack, request, until, assertNextIsSentinel, assertError, closeSocketsAfterEach, sharedStack } from '../helpers/jsonrpc.ts';

describe('JSON-RPC 2.0 gateway', () => {
  closeSocketsAfterEach();
  const stack = sharedStack();

  describe('maxPayload', () => {
    it('closes a socket sending a larger frame with 1009 and keeps serving the others', async () => {
      await withStack({ gateway: { maxPayload: 1024 } }, async (s) => {
        const bystander = await connect(s.url);
        const offender = await connect(s.url);
        assert.equal((await offender.request(request(1, m('echo'), { value: 'x'.repeat(500) }))).result.value.length, 500);
        offender.send(request(2, m('echo'), { value: 'x'.repeat(2000) }));
        const { code } = await offender.closed;
        assert.equal(code, 1009);
        assert.equal((await bystander.request(request(3, m('add'), [1, 2]))).result, 3);
        const fresh = await connect(s.url);
        assert.equal((await fresh.request(request(4, m('add'), [2, 2]))).result, 4);
      });
    });
  });

  describe('maxInFlight', () => {
    it('answers -32003 to a call beyond the limit and lets the others succeed', async () => {
      await withStack({ gateway: { maxInFlight: 2 } }, async (s) => {
        const socket = await connect(s.url);
        for (const id of [1, 2, 3]) socket.send(request(id, m('sleep'), { ms: 300, id: `in-flight-${id}` }));
        const replies = new Map<unknown, any>();
        for (let i = 0; i < 3; i++) {
          const reply = await socket.next();
          replies.set(reply.id, reply);
        }
        assert.ok(replies.get(1).result.sleptMs >= 0);
        assert.ok(replies.get(2).result.sleptMs >= 0);
        assertError(replies.get(3), ErrorCode.OVERLOADED, 3);
        // The slots free up once the calls are answered.
        assert.equal((await socket.request(request(4, m('add'), [1, 1]))).result, 2);
      });
    });
  });

  describe('robustness', () => {
    it('answers a valid call after 200 garbage frames in a row', async () => {
      const socket = await connect(stack.url);
      let seed = 0x9e3779b9;
      const random = () => {
        seed ^= seed << 13;
        seed ^= seed >>> 17;
        seed ^= seed << 5;
        return (seed >>> 0) / 0x1_0000_0000;
      };
      const pieces = ['{', '}', '[', ']', '"', ':', ',', 'jsonrpc', '2.0', 'id', 'method', 'params', 'null', '1e999', '\\u0000', 'rpc.subscribe', m('echo'), ' '];
      for (let i = 0; i < 200; i++) {
        const kind = i % 4;
        if (kind === 0) {
          const bytes = Buffer.alloc(1 + Math.floor(random() * 300));
          for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(random() * 256);
          socket.ws.send(bytes, { binary: true });
        } else if (kind === 1) {
          socket.send(Array.from({ length: 1 + Math.floor(random() * 40) }, () => pieces[Math.floor(random() * pieces.length)]).join(''));
        } else if (kind === 2) {
          socket.send(String.fromCharCode(...Array.from({ length: 1 + Math.floor(random() * 100) }, () => Math.floor(random() * 0xd7ff))));
        } else {
          const shapes = [
            { jsonrpc: '2.0', id: i, method: m('echo'), params: random() },
            { jsonrpc: '2.0', id: { i }, method: random() },
            [random(), { jsonrpc: '2.0' }],
            { jsonrpc: '2.0', id: i, method: 'rpc.subscribe', params: { event: random() } },
            { jsonrpc: '2.0', id: i, method: m('add'), params: [random(), 'x'] },
          ];
          socket.send(shapes[Math.floor(random() * shapes.length)]);
        }
      }
      socket.send(request('after-garbage', m('add'), [20, 22]));
      const found = await until(socket, 'after-garbage', 20_000);
      assert.equal(found.response.result, 42);
      assert.ok(found.before.length <= 200, 'at most one answer per garbage frame');
      for (const frame of found.before) {
        for (const response of Array.isArray(frame) ? frame : [frame]) {
          assert.equal(response.jsonrpc, '2.0');
          assert.ok('error' in response, `garbage got a result: ${JSON.stringify(response)}`);
        }
      }
      assert.equal(socket.ws.readyState, socket.ws.OPEN);
    });

    it('survives deeply nested params', async () => {
      const socket = await connect(stack.url);
      const depth = 100_000;
      socket.send(`{"jsonrpc":"2.0","id":"deep","method":"${m('echo')}","params":{"value":${'['.repeat(depth)}${']'.repeat(depth)}}}`);
      const reply = await socket.next(10_000);
      assert.equal(reply.id, 'deep');
      // Too deep to validate or re-encode: refused as bad params, not as an internal failure.
      assertError(reply, ErrorCode.INVALID_PARAMS, 'deep');
      await assertNextIsSentinel(socket, 'after-deep');
    });

    it('closing a socket with calls in flight does not crash the gateway; inFlight returns to 0', async () => {
      const socket = await connect(stack.url);
      for (let i = 0; i < 10; i++) socket.send(request(i, m('sleep'), { ms: 1000, id: `abandoned-${i}` }));
      // One round trip after the sends proves the gateway has read them all.
      socket.send(request('read-them', m('add'), [1, 1]));
      await until(socket, 'read-them');
      assert.ok(stack.gateway.inFlight > 0, 'the sleeps were in flight');
      socket.ws.terminate();
      await socket.closed;
      const giveUp = Date.now() + 5000;
      while ((stack.gateway.inFlight > 0 || stack.gateway.connections > 0) && Date.now() < giveUp) await new Promise((r) => setTimeout(r, 20));
      assert.equal(stack.gateway.inFlight, 0);
      // Let the abandoned handlers finish and their replies arrive with nobody waiting.
      await new Promise((r) => setTimeout(r, 1200));
      assert.equal(stack.transport.pendingCount, 0);
      const fresh = await connect(stack.url);
      assert.equal((await fresh.request(request(1, m('add'), [1, 2]))).result, 3);
    });
  });
});
