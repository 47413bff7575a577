/**
 * A TCP proxy between client and gateway kills the connection the way a load balancer or NAT
 * does: an abrupt reset with no close frame, or a half-open link that silently stops
 * forwarding. The client must notice (by the close, or by its rpc.ping heartbeat), reconnect
 * and re-subscribe by itself.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { ErrorCode } from 'warren-client/protocol';
import { eventually, publishShout, recordingWebSocket, recordStates, rejectsWith, stackBehindProxy } from '../helpers/clients.ts';

const SERVICE = 'rproxy';
const m = (name: string) => `${SERVICE}.${name}`;
const SHOUTED = m('shouted');

describe('a connection killed by a proxy', () => {
  const { stack, proxy, client } = stackBehindProxy({ service: SERVICE }, { reconnect: { initialDelayMs: 20, maxDelayMs: 200 } });

  /** Publishes through the gateway directly, not through the proxy under test. */
  const shout = (topic: string, text: string) => publishShout(stack.url, SERVICE, topic, text);

  it('an abrupt TCP reset (no close frame): noticed by the close, then reconnect and re-subscribe', async () => {
    const c = client({ heartbeatMs: 0 });
    const states = recordStates(c);
    const received: string[] = [];
    await c.subscribe<{ text: string }>(SHOUTED, 'reset', (payload) => received.push(payload.text));
    await shout('reset', 'before');
    await eventually(() => received.length === 1, 'the first event arrived');

    proxy.cut();
    await eventually(() => states.distinct().join() === 'open,reconnecting,open', 'reconnected');
    const lost = states.changes.find((change) => change.state === 'reconnecting')!;
    assert.equal(lost.error?.code, ErrorCode.CONNECTION_LOST);
    assert.deepEqual(lost.error?.data, { detectedBy: 'close', code: 1006, reason: '' }, '1006: closed without a close frame');
    assert.equal(lost.attempt, 1);

    // The new connection carries the old subscription: nobody subscribed again by hand.
    await shout('reset', 'after');
    await eventually(() => received.length === 2, 'the event after the reset arrived');
    assert.deepEqual(received, ['before', 'after']);
    assert.equal(await c.call(m('add'), [2, 3]), 5);
  });

  it('a half-open link (the proxy stops forwarding, nothing closes): the rpc.ping heartbeat declares it dead', async () => {
    const c = client({ heartbeatMs: 300, heartbeatTimeoutMs: 300 });
    const states = recordStates(c);
    const received: string[] = [];
    await c.subscribe<{ text: string }>(SHOUTED, 'halfopen', (payload) => received.push(payload.text));
    await shout('halfopen', 'before');
    await eventually(() => received.length === 1, 'the first event arrived');

    proxy.blackhole();
    // A call on the dead link is in flight when the heartbeat gives up: it is not idempotent.
    const stranded = c.call(m('add'), [1, 1]);
    await rejectsWith(stranded, ErrorCode.CONNECTION_LOST);
    const lost = states.changes.find((change) => change.state === 'reconnecting')!;
    // Nothing closed the link: the client's own heartbeat noticed.
    assert.deepEqual(lost.error?.data, { detectedBy: 'heartbeat' });

    await eventually(() => c.state === 'open', 'reconnected');
    assert.deepEqual(states.distinct(), ['open', 'reconnecting', 'open']);
    await shout('halfopen', 'after');
    await eventually(() => received.length === 2, 'the event after the reconnect arrived');
    assert.deepEqual(received, ['before', 'after']);
  });

  it('a busy connection never pings: any frame is a sign of life', async () => {
    const sent: string[] = [];
    const Recording = recordingWebSocket(sent, (frame) => frame.method);
    // The margin is wide: only a call slower than heartbeatMs would make the busy client ping.
    const c = client({ WebSocket: Recording, heartbeatMs: 600, heartbeatTimeoutMs: 600 });
    // A call every 20 ms: frequent against heartbeatMs, gentle against the gateway's rate limit.
    const until = Date.now() + 1500;
    while (Date.now() < until) {
      assert.equal(await c.call(m('add'), [1, 2]), 3);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(!sent.includes('rpc.ping'), 'no ping while replies keep coming');
    // Idle now: the heartbeat pings, the gateway answers, the connection stays.
    await eventually(() => sent.includes('rpc.ping'), 'an idle connection pings');
    await eventually(() => sent.filter((method) => method === 'rpc.ping').length >= 2, 'and keeps pinging');
    assert.equal(c.state, 'open');
  });
  it('a connection that never opens (the server accepts TCP, never answers the upgrade): connectTimeoutMs', async () => {
    const held = new Set<Socket>();
    const silent = createServer((socket) => {
      held.add(socket);
      socket.on('error', () => {});
      socket.resume(); // read (and drop) the upgrade request, so the client's FIN is seen
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    try {
      const { port } = silent.address() as AddressInfo;
      const c = client({ url: `ws://127.0.0.1:${port}/rpc`, connectTimeoutMs: 200, reconnect: { initialDelayMs: 10, maxDelayMs: 20, maxAttempts: 1 } });
      const states = recordStates(c);
      await rejectsWith(c.ready(), ErrorCode.CONNECTION_LOST);
      assert.deepEqual(states.states(), ['reconnecting', 'closed']);
      for (const change of states.changes) assert.deepEqual(change.error?.data, { detectedBy: 'connectTimeout' });
      await eventually(() => [...held].every((socket) => socket.destroyed), 'the client dropped both attempts');
      assert.equal(held.size, 2);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
