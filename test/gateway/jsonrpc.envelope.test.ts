/**
 * The gateway's JSON-RPC 2.0 behaviour over real loopback sockets: ids on results and errors,
 * notifications, invalid frames and method lookup. Raw frames through FrameSocket, never the SDK,
 * so what is asserted is the wire itself.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from 'warren-client/protocol';
import { m, SHOUTED, connect, request, notification, assertNextIsSentinel, assertError, closeSocketsAfterEach, sharedStack } from '../helpers/jsonrpc.ts';

describe('JSON-RPC 2.0 gateway', () => {
  closeSocketsAfterEach();
  const stack = sharedStack();

  describe('id', () => {
    const ids: unknown[] = [0, '', 'a string id', 'ünïcödé 🐇', -1, 1.5, -0.25, Number.MAX_SAFE_INTEGER, 1e21, 12345678901234567890, null];
    for (const id of ids) {
      it(`echoes ${JSON.stringify(id)} exactly on a result`, async () => {
        const socket = await connect(stack.url);
        const reply = await socket.request(request(id, m('echo'), { value: 'x' }));
        assert.ok(Object.hasOwn(reply, 'id'));
        assert.deepEqual(reply.id, id);
        assert.deepEqual(reply.result.value, 'x');
        assert.ok(!Object.hasOwn(reply, 'error'));
      });
    }

    it('echoes the id on errors: unknown method, invalid params, handler error', async () => {
      const socket = await connect(stack.url);
      assertError(await socket.request(request(0, 'nope.nothing')), ErrorCode.METHOD_NOT_FOUND, 0);
      assertError(await socket.request(request('', m('add'), ['x', 1])), ErrorCode.INVALID_PARAMS, '');
      assertError(await socket.request(request(2.5, m('boom'), {})), ErrorCode.INTERNAL_ERROR, 2.5);
    });

    it('echoes a readable id on an otherwise invalid request', async () => {
      const socket = await connect(stack.url);
      assertError(await socket.request({ jsonrpc: '2.0', id: 'kept' }), ErrorCode.INVALID_REQUEST, 'kept');
      assertError(await socket.request({ jsonrpc: '1.0', id: 7, method: m('echo') }), ErrorCode.INVALID_REQUEST, 7);
    });
  });

  describe('notification (no id)', () => {
    it('runs and is never answered', async () => {
      const socket = await connect(stack.url);
      assert.equal((await socket.request(request(1, 'rpc.subscribe', { event: SHOUTED, topic: 'note' }))).result, true);
      socket.send(notification(m('shout'), { topic: 'note', text: 'ran as a notification' }));
      const pushed = await socket.next();
      assert.deepEqual(pushed, {
        jsonrpc: '2.0',
        method: SHOUTED,
        params: { topic: 'note', payload: { text: 'ran as a notification', pid: process.pid } },
      });
      await assertNextIsSentinel(socket, 'after-notification');
      assert.ok(await socket.silentFor(200), 'a notification must never be answered');
    });

    it('gets no answer for an unknown method, an unknown rpc.* method, bad params or a failing handler', async () => {
      const socket = await connect(stack.url);
      socket.send(notification('nope.nothing'));
      socket.send(notification('rpc.nothing'));
      socket.send(notification(m('add'), { not: 'positional' }));
      socket.send(notification(m('echo'), [1, 2]));
      socket.send(notification(m('boom'), {}));
      socket.send(notification(m('wrongShape'), {}));
      socket.send(notification(m('fail'), { reason: 'x' }));
      await assertNextIsSentinel(socket, 'after-bad-notifications');
      assert.ok(await socket.silentFor(200));
    });
  });

  describe('invalid frames', () => {
    it('-32700 with id null for invalid JSON', async () => {
      const socket = await connect(stack.url);
      for (const text of ['{', '{"jsonrpc":"2.0","id":1,"method":"x"', 'not json', '[1,', '']) {
        assertError(await socket.request(text), ErrorCode.PARSE_ERROR, null);
      }
    });

    it('-32600 for wrong jsonrpc, missing method, params as a string, id as an object', async () => {
      const socket = await connect(stack.url);
      const cases: [unknown, unknown][] = [
        [{ jsonrpc: '1.0', id: 1, method: m('echo') }, 1],
        [{ jsonrpc: 2.0, id: 2, method: m('echo') }, 2],
        [{ id: 3, method: m('echo') }, 3],
        [{ jsonrpc: '2.0', id: 4 }, 4],
        [{ jsonrpc: '2.0', id: 5, method: '' }, 5],
        [{ jsonrpc: '2.0', id: 6, method: 42 }, 6],
        [{ jsonrpc: '2.0', id: 7, method: m('echo'), params: 'a string' }, 7],
        [{ jsonrpc: '2.0', id: 8, method: m('echo'), params: 8 }, 8],
        [{ jsonrpc: '2.0', id: 9, method: m('echo'), params: null }, 9],
        [{ jsonrpc: '2.0', id: { an: 'object' }, method: m('echo') }, null],
        [{ jsonrpc: '2.0', id: [1], method: m('echo') }, null],
        [{ jsonrpc: '2.0', id: true, method: m('echo') }, null],
        [{ jsonrpc: '2.0', id: 10, method: m('echo'), params: {}, timeoutMs: -5 }, 10],
        [{ jsonrpc: '2.0', id: 11, method: m('echo'), params: {}, timeoutMs: 'soon' }, 11],
        [42, null],
        ['"a string"', null],
        [null, null],
      ];
      for (const [frame, id] of cases) {
        const reply = await socket.request(frame);
        assertError(reply, ErrorCode.INVALID_REQUEST, id);
      }
    });

    it('refuses a binary frame with -32600, keeps the socket open and keeps answering', async () => {
      const socket = await connect(stack.url);
      socket.ws.send(Buffer.from(JSON.stringify(request(1, m('echo'), { value: 'binary' }))), { binary: true });
      const reply = await socket.next();
      assertError(reply, ErrorCode.INVALID_REQUEST, null);
      assert.match(reply.error.message, /binary/i);
      assert.equal(socket.ws.readyState, socket.ws.OPEN);
      await assertNextIsSentinel(socket, 'after-binary');
    });
  });

  describe('method lookup', () => {
    it('-32601 for an unknown method and an unknown rpc.* method', async () => {
      const socket = await connect(stack.url);
      assertError(await socket.request(request(1, 'nope.nothing')), ErrorCode.METHOD_NOT_FOUND, 1);
      assertError(await socket.request(request(2, m('nothing'))), ErrorCode.METHOD_NOT_FOUND, 2);
      assertError(await socket.request(request(3, 'echo')), ErrorCode.METHOD_NOT_FOUND, 3);
      assertError(await socket.request(request(4, 'rpc.nothing')), ErrorCode.METHOD_NOT_FOUND, 4);
      assertError(await socket.request(request(5, 'rpc.discoverx', [])), ErrorCode.METHOD_NOT_FOUND, 5);
      // Inherited object keys are no methods either.
      assertError(await socket.request(request(6, 'constructor')), ErrorCode.METHOD_NOT_FOUND, 6);
      assertError(await socket.request(request(7, '__proto__')), ErrorCode.METHOD_NOT_FOUND, 7);
    });
  });
});
