/**
 * The gateway's JSON-RPC 2.0 behaviour over real loopback sockets: batches: one array frame per
 * batch, notifications omitted, maxBatch. Raw frames through FrameSocket, never the SDK, so what
 * is asserted is the wire itself.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from 'warren-client/protocol';
import { m, SHOUTED, connect, request, notification, assertNextIsSentinel, assertError, sortIds, closeSocketsAfterEach, sharedStack } from '../helpers/jsonrpc.ts';

describe('JSON-RPC 2.0 gateway', () => {
  closeSocketsAfterEach();
  const stack = sharedStack();

  describe('batch', () => {
    it('answers mixed requests as one array frame, notifications omitted, ids matched', async () => {
      const socket = await connect(stack.url);
      socket.send([
        request(1, m('sleep'), { ms: 100, id: 'batch' }),
        request('two', m('add'), [2, 3]),
        notification(m('echo'), { value: 'notified' }),
        request(3, m('echo'), { value: 'three' }),
        request(4, 'nope.nothing'),
        request(5, m('fail'), { reason: 'in a batch' }),
        notification('nope.nothing'),
      ]);
      const frame = await socket.next();
      assert.ok(Array.isArray(frame), 'a batch is answered with one array');
      assert.equal(frame.length, 5);
      const byId = new Map(frame.map((response: any) => [response.id, response]));
      assert.deepEqual(sortIds([...byId.keys()]), sortIds([1, 3, 4, 5, 'two']));
      assert.deepEqual(byId.get(1).result, { sleptMs: byId.get(1).result.sleptMs });
      assert.equal(byId.get('two').result, 5);
      assert.equal(byId.get(3).result.value, 'three');
      assertError(byId.get(4), ErrorCode.METHOD_NOT_FOUND, 4);
      assertError(byId.get(5), 4001, 5);
      for (const response of frame) assert.equal(response.jsonrpc, '2.0');
      assert.ok(await socket.silentFor(200), 'one frame for the whole batch');
    });

    it('answers invalid entries of a batch individually with -32600', async () => {
      const socket = await connect(stack.url);
      socket.send([1, 'x', null, { jsonrpc: '2.0', id: 'no-method' }, { foo: 'bar' }, request('ok', m('add'), [1, 1])]);
      const frame = await socket.next();
      assert.ok(Array.isArray(frame));
      assert.equal(frame.length, 6);
      const ok = frame.filter((response: any) => response.id === 'ok');
      assert.equal(ok.length, 1);
      assert.equal(ok[0].result, 2);
      const errors = frame.filter((response: any) => response.id !== 'ok');
      for (const error of errors) assert.equal(error.error.code, ErrorCode.INVALID_REQUEST);
      assert.deepEqual(sortIds(errors.map((e: any) => e.id)), sortIds([null, null, null, null, 'no-method']));
    });

    it('answers an empty array with one -32600 object, not an array, id null', async () => {
      const socket = await connect(stack.url);
      const frame = await socket.request([]);
      assert.ok(!Array.isArray(frame));
      assertError(frame, ErrorCode.INVALID_REQUEST, null);
    });

    it('sends no frame at all for a batch of only notifications', async () => {
      const socket = await connect(stack.url);
      socket.send([notification(m('echo'), { value: 1 }), notification(m('add'), [1, 2]), notification('nope.nothing')]);
      await assertNextIsSentinel(socket, 'after-notification-batch');
      assert.ok(await socket.silentFor(200));
    });

    it('refuses a batch larger than maxBatch with one -32600 and runs none of it', async () => {
      const socket = await connect(stack.url);
      assert.equal((await socket.request(request(0, 'rpc.subscribe', { event: SHOUTED, topic: 'toolarge' }))).result, true);
      const entries = Array.from({ length: 9 }, (_, i) => request(i, m('shout'), { topic: 'toolarge', text: `n${i}` }));
      const frame = await socket.request(entries);
      assert.ok(!Array.isArray(frame));
      assertError(frame, ErrorCode.INVALID_REQUEST, null);
      await assertNextIsSentinel(socket, 'after-large-batch');
      assert.ok(await socket.silentFor(200), 'no entry of a refused batch ran');
    });

    it('accepts a batch of exactly maxBatch', async () => {
      const socket = await connect(stack.url);
      const frame = await socket.request(Array.from({ length: 8 }, (_, i) => request(i, m('add'), [i, i])));
      assert.ok(Array.isArray(frame));
      assert.deepEqual(frame.map((r: any) => [r.id, r.result]).sort((a: any, b: any) => a[0] - b[0]), Array.from({ length: 8 }, (_, i) => [i, 2 * i]));
    });
  });
});
