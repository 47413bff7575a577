/**
 * The client runtime's side of tracing, against a loopback WebSocket server that records the
 * frames: which trace context strings each call carries on the wire.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket, WebSocketServer } from 'ws';
import { WarrenClient } from 'warren-client';
import { waitFor } from '../helpers/async.ts';

const PARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const OTHER = '00-aaf92f3577b34da6a3ce929d0e0e4736-11f067aa0ba902b7-00';

describe('WarrenClient trace context', () => {
  const frames: Record<string, unknown>[] = [];
  let server: WebSocketServer;
  let url: string;

  before(async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    server.on('connection', (ws) =>
      ws.on('message', (data) => {
        const frame = JSON.parse(String(data)) as Record<string, unknown>;
        frames.push(frame);
        if ('id' in frame) ws.send(JSON.stringify({ jsonrpc: '2.0', id: frame.id, result: null }));
      }),
    );
    await new Promise((resolve) => server.once('listening', resolve));
    url = `ws://127.0.0.1:${(server.address() as { port: number }).port}/rpc`;
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const last = (method: string) => frames.filter((frame) => frame.method === method).at(-1)!;

  it('ClientOptions.traceContext: each call and notification carries what it returns', async () => {
    const client = new WarrenClient({ url, WebSocket, traceContext: () => ({ traceparent: PARENT, tracestate: 'v=1' }) });
    try {
      await client.call('a.call', {});
      assert.equal(last('a.call').traceparent, PARENT);
      assert.equal(last('a.call').tracestate, 'v=1');
      await client.notify('a.note', {});
      await waitFor(() => frames.some((frame) => frame.method === 'a.note'), 5000, 'the notification');
      assert.equal(last('a.note').traceparent, PARENT);
      // CallOptions.trace wins over the client's.
      await client.call('a.own', {}, { trace: { traceparent: OTHER } });
      assert.equal(last('a.own').traceparent, OTHER);
      assert.equal(Object.hasOwn(last('a.own'), 'tracestate'), false);
    } finally {
      client.close();
    }
  });

  it('no trace context: the frame has no trace members; a tracestate alone is not sent', async () => {
    const client = new WarrenClient({ url, WebSocket, traceContext: () => undefined });
    try {
      await client.call('b.plain', {});
      assert.equal(Object.hasOwn(last('b.plain'), 'traceparent'), false);
      await client.call('b.stateOnly', {}, { trace: { tracestate: 'v=1' } });
      assert.equal(Object.hasOwn(last('b.stateOnly'), 'tracestate'), false);
    } finally {
      client.close();
    }
  });

  it('refuses a traceContext that is not a function, and trace strings that are not strings', async () => {
    assert.throws(() => new WarrenClient({ url, WebSocket, traceContext: 'x' as never }), TypeError);
    const client = new WarrenClient({ url, WebSocket });
    try {
      await assert.rejects(client.call('c.bad', {}, { trace: { traceparent: 7 as never } }), TypeError);
    } finally {
      client.close();
    }
  });
});
