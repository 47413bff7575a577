/**
 * The gateway restarts: a real `warren serve` process is stopped (SIGTERM) and a new one
 * starts on the same port. The client reconnects, subscribes again by itself, and an event
 * published after the restart reaches the handler the app registered before it. The app
 * sees open → reconnecting → open.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { WarrenClient } from '../../packages/warren-client/src/WarrenClient.ts';
import type { WebSocketConstructor } from '../../packages/warren-client/src/ClientOptions.ts';
import { ErrorCode } from 'warren-client/protocol';
import { TESTKIT_ENV } from '../helpers/testkit.ts';
import { startWarren, type WarrenProcess } from '../helpers/processes.ts';
import { eventually, freePort, recordStates } from '../helpers/clients.ts';

const SERVICE = 'rrestart';
const m = (name: string) => `${SERVICE}.${name}`;
const SERVICE_MODULE = fileURLToPath(new URL('../helpers/testkitService.ts', import.meta.url));
const Socket = WebSocket as unknown as WebSocketConstructor;

/** `warren serve` (gateway and worker in one process, memory transport) on a given port. */
function serve(port: number): Promise<WarrenProcess> {
  return startWarren('serve', {
    service: SERVICE_MODULE,
    transport: 'memory',
    args: ['--port', String(port)],
    env: { [TESTKIT_ENV]: SERVICE },
  });
}

/** Publishes an event from a separate, short-lived client. */
async function shout(url: string, topic: string, text: string): Promise<void> {
  const publisher = new WarrenClient({ url, WebSocket: Socket, reconnect: false });
  try {
    assert.deepEqual(await publisher.call(m('shout'), { topic, text }), { ok: true });
  } finally {
    publisher.close();
  }
}

describe('gateway restart on the same port', () => {
  it('the client reconnects, re-subscribes, and gets an event published after the restart', async () => {
    const port = await freePort();
    const url = `ws://127.0.0.1:${port}/rpc`;
    let server = await serve(port);
    const client = new WarrenClient({ url, WebSocket: Socket, reconnect: { initialDelayMs: 50, maxDelayMs: 400 } });
    try {
      const states = recordStates(client);
      const received: string[] = [];
      await client.subscribe<{ text: string }>(m('shouted'), 'restart', (payload) => received.push(payload.text));
      await shout(url, 'restart', 'before');
      await eventually(() => received.length === 1, 'the event before the restart arrived');

      await server.stop();
      await eventually(() => client.state === 'reconnecting', 'the client noticed the restart');
      // Made while the gateway is away: waits for the new one instead of failing.
      const waiting = client.call<number>(m('add'), [2, 3], { timeoutMs: 30_000 });

      server = await serve(port);
      await eventually(() => client.state === 'open', 'the client reconnected', 20_000);
      assert.equal(await waiting, 5);
      await shout(url, 'restart', 'after');
      await eventually(() => received.length === 2, 'the event after the restart arrived');
      assert.deepEqual(received, ['before', 'after']);

      assert.deepEqual(states.distinct(), ['open', 'reconnecting', 'open']);
      const lost = states.changes.find((change) => change.state === 'reconnecting')!;
      assert.equal(lost.error?.code, ErrorCode.CONNECTION_LOST);
      assert.equal((lost.error?.data as { detectedBy: string }).detectedBy, 'close');
      const attempts = states.changes.filter((change) => change.state === 'reconnecting');
      assert.deepEqual(attempts.map((change) => change.attempt), attempts.map((_, i) => i + 1));
      assert.equal(states.changes.at(-1)!.attempt, 0);
    } finally {
      client.close();
      await server.stop();
    }
  });
});
