/**
 * The production shape: a gateway process and a worker process on the real RabbitMQ. The
 * gateway crashes (SIGKILL: no close frame, no shutdown answers) and a new one starts on the
 * same port while the worker keeps running. The client reconnects and re-subscribes by itself;
 * an event the worker emits after the crash reaches the handler registered before it.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { WarrenClient } from '../../packages/warren-client/src/WarrenClient.ts';
import type { WebSocketConstructor } from '../../packages/warren-client/src/ClientOptions.ts';
import { ErrorCode } from 'warren-client/protocol';
import { TESTKIT_ENV, testkitContract } from '../helpers/testkit.ts';
import { AMQP_URL, deleteMethodQueues, needsBroker, uniqueName } from '../helpers/broker.ts';
import { startWarren, waitReady, type WarrenProcess } from '../helpers/processes.ts';
import { eventually, freePort, recordStates, rejectsWith } from '../helpers/clients.ts';

const SERVICE = uniqueName('rcrash');
const m = (name: string) => `${SERVICE}.${name}`;
const SERVICE_MODULE = fileURLToPath(new URL('../helpers/testkitService.ts', import.meta.url));
const Socket = WebSocket as unknown as WebSocketConstructor;

function start(command: 'gateway' | 'worker', port = 0): Promise<WarrenProcess> {
  return startWarren(command, {
    service: SERVICE_MODULE,
    transport: 'amqp',
    args: command === 'gateway' ? ['--port', String(port)] : [],
    env: { [TESTKIT_ENV]: SERVICE, AMQP_URL },
  });
}

describe('gateway crash on RabbitMQ, restarted on the same port', { ...(await needsBroker()), timeout: 90_000 }, () => {
  const processes = new Set<WarrenProcess>();
  after(async () => {
    await Promise.all([...processes].map((proc) => proc.stop('SIGKILL')));
    await deleteMethodQueues(testkitContract(SERVICE)).catch(() => {});
  });

  it('the client reconnects, re-subscribes, and gets the events emitted after the crash', async () => {
    const port = await freePort();
    const url = `ws://127.0.0.1:${port}/rpc`;
    const [gateway, worker] = await Promise.all([start('gateway', port), start('worker')]);
    processes.add(gateway).add(worker);
    await waitReady(gateway.http!);
    const client = new WarrenClient({ url, WebSocket: Socket, reconnect: { initialDelayMs: 50, maxDelayMs: 500 } });
    try {
      const states = recordStates(client);
      const received: string[] = [];
      await client.subscribe<{ text: string }>(m('shouted'), 'crash', (payload) => received.push(payload.text));
      await client.call(m('shout'), { topic: 'crash', text: 'before' });
      await eventually(() => received.length === 1, 'the event before the crash arrived');

      // In flight at the crash, not idempotent: the one honest answer is CONNECTION_LOST.
      const inFlight = rejectsWith(client.call(m('sleep'), { ms: 1500, id: 'crash' }), ErrorCode.CONNECTION_LOST);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await gateway.stop('SIGKILL');
      processes.delete(gateway);
      await inFlight;
      await eventually(() => client.state === 'reconnecting', 'the client noticed the crash');

      const restarted = await start('gateway', port);
      processes.add(restarted);
      await eventually(() => client.state === 'open', 'the client reconnected', 30_000);
      await client.call(m('shout'), { topic: 'crash', text: 'after' });
      await eventually(() => received.length === 2, 'the event after the crash arrived');
      assert.deepEqual(received, ['before', 'after']);
      assert.deepEqual(states.distinct(), ['open', 'reconnecting', 'open']);
      const lost = states.changes.find((change) => change.state === 'reconnecting')!;
      assert.equal((lost.error?.data as { code?: number }).code, 1006, 'closed without a close frame');
    } finally {
      client.close();
    }
  });
});
