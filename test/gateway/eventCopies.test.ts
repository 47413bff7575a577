/**
 * The gateway delivers each event id once: a copy of an event it already pushed (what a
 * redelivered call's run publishes) is dropped, for every subscriber; events without an id are
 * all delivered. And on the memory transport a handler's events reach a subscriber before the
 * call's result.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FrameSocket } from '../helpers/FrameSocket.ts';
import { stackForBlock } from '../helpers/stack.ts';

const SERVICE = 'copies';
const SHOUTED = `${SERVICE}.shouted`;

describe('events at the gateway', () => {
  const stack = stackForBlock({ service: SERVICE });

  async function subscriber(topic: string): Promise<FrameSocket> {
    const socket = await FrameSocket.open(stack.url);
    const reply = await socket.request({ jsonrpc: '2.0', id: 'sub', method: 'rpc.subscribe', params: { event: SHOUTED, topic } });
    assert.deepEqual(reply.result, true);
    return socket;
  }

  it('drops a second copy of an event id, for every subscriber, and delivers events without an id', async () => {
    const sockets = [await subscriber('dup'), await subscriber('dup')];
    try {
      const publish = (text: string, id?: string) =>
        stack.transport.publishEvent({ event: SHOUTED, topic: 'dup', payload: JSON.stringify({ text, pid: 1 }), ...(id ? { id } : {}) });
      await publish('first', 'm9.1:0');
      await publish('copy', 'm9.1:0');
      await publish('second', 'm9.1:1');
      await publish('copy', 'm9.1:1');
      await publish('no id');
      await publish('no id again');
      for (const socket of sockets) {
        const texts = [];
        for (let i = 0; i < 4; i++) texts.push((await socket.next()).params.payload.text);
        assert.deepEqual(texts, ['first', 'second', 'no id', 'no id again']);
        assert.ok(await socket.silentFor(200), 'no copy');
      }
    } finally {
      for (const socket of sockets) socket.close();
    }
  });

  it('pushes a handler’s event before the result of its call, to the socket that made the call', async () => {
    const socket = await subscriber('order');
    try {
      socket.send({ jsonrpc: '2.0', id: 'shout', method: `${SERVICE}.shout`, params: { topic: 'order', text: 'hi' } });
      const first = await socket.next();
      const second = await socket.next();
      assert.deepEqual(first, { jsonrpc: '2.0', method: SHOUTED, params: { topic: 'order', payload: { text: 'hi', pid: process.pid } } });
      assert.deepEqual(second, { jsonrpc: '2.0', id: 'shout', result: { ok: true } });
    } finally {
      socket.close();
    }
  });
});
