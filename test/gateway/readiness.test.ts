/**
 * A gateway whose transport is not ready (its broker still connecting) refuses WebSocket
 * upgrades with 503 and `Retry-After: 1`, rather than taking connections it could only answer
 * UNAVAILABLE; Warren's client takes the refusal as a failed attempt and retries with backoff.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { WarrenClient } from '../../packages/warren-client/src/WarrenClient.ts';
import type { StateChange } from '../../packages/warren-client/src/ConnectionState.ts';
import { Gateway } from '../../src/gateway/Gateway.ts';
import { ErrorCode } from 'warren-client/protocol';
import { AmqpTransport } from '../../src/transport/AmqpTransport.ts';
import { MemoryBroker } from '../../src/transport/MemoryBroker.ts';
import { MemoryTransport } from '../../src/transport/MemoryTransport.ts';
import type { Transport } from '../../src/transport/Transport.ts';
import { Worker } from '../../src/worker/Worker.ts';
import { testkitContract, testkitImplementation } from '../helpers/testkit.ts';

const SERVICE = 'ready';

/** How an upgrade to `url` ends: opened, or refused with an HTTP status and its headers. */
function upgrade(url: string): Promise<{ opened: true } | { opened: false; status: number; headers: IncomingMessage['headers'] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('open', () => {
      ws.close();
      resolve({ opened: true });
    });
    ws.on('unexpected-response', (_request, response) => {
      resolve({ opened: false, status: response.statusCode ?? 0, headers: response.headers });
      response.resume();
      ws.terminate();
    });
    ws.on('error', (err) => reject(err));
  });
}

describe('Gateway: WebSocket upgrades and transport readiness', () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  async function listen(transport: Transport): Promise<{ gateway: Gateway; url: string; http: string }> {
    const gateway = new Gateway({ transport, contracts: [testkitContract(SERVICE)] });
    const { port } = await gateway.listen(0, '127.0.0.1');
    cleanups.push(() => gateway.close(0));
    return { gateway, url: `ws://127.0.0.1:${port}/rpc`, http: `http://127.0.0.1:${port}` };
  }

  it('refuses the upgrade with 503 and Retry-After: 1 while AMQP is still connecting', async () => {
    // Nothing listens on port 1: the transport keeps trying and never becomes ready.
    const transport = new AmqpTransport({ url: 'amqp://guest:guest@127.0.0.1:1', reconnectSeconds: 0.1, maxReconnectSeconds: 0.2 });
    transport.start();
    cleanups.push(() => transport.close());
    const { gateway, url, http } = await listen(transport);
    assert.equal(transport.isReady(), false);
    for (let attempt = 0; attempt < 3; attempt++) {
      const outcome = await upgrade(url);
      assert.deepEqual(outcome.opened ? outcome : { status: outcome.status, retryAfter: outcome.headers['retry-after'] }, { status: 503, retryAfter: '1' });
    }
    assert.equal(gateway.connections, 0);
    assert.equal((await fetch(`${http}/readyz`)).status, 503, '/readyz agrees');
  });

  it('accepts upgrades over a started MemoryTransport', async () => {
    const transport = new MemoryTransport({ broker: new MemoryBroker() });
    transport.start();
    cleanups.push(() => transport.close());
    const { url } = await listen(transport);
    assert.deepEqual(await upgrade(url), { opened: true });
  });

  it('a client retries the refused upgrade with backoff and opens once the transport is ready', async () => {
    const transport = new MemoryTransport({ broker: new MemoryBroker() });
    cleanups.push(() => transport.close());
    const { url } = await listen(transport);
    const client = new WarrenClient({ url, WebSocket: WebSocket as never, reconnect: { initialDelayMs: 20, maxDelayMs: 50 }, heartbeatMs: 0 });
    cleanups.push(async () => client.close());
    const changes: StateChange[] = [];
    client.onState((change) => changes.push(change));
    const answer = client.call(`${SERVICE}.add`, [2, 3]);
    const refusedTwice = new Promise<void>((resolve) => {
      const stop = client.onState(({ attempt }) => attempt >= 2 && (stop(), resolve()));
    });
    await refusedTwice;
    assert.deepEqual(
      changes.map(({ state, attempt }) => [state, attempt]),
      [['reconnecting', 1], ['reconnecting', 2]],
    );
    assert.equal(changes[0]!.error?.code, ErrorCode.CONNECTION_LOST);
    transport.start();
    const worker = new Worker({ transport, implementations: [testkitImplementation(SERVICE)] });
    await worker.start();
    cleanups.push(() => worker.stop());
    assert.equal(await answer, 5, 'the call waited for the connection');
    assert.equal(client.state, 'open');
  });
});
