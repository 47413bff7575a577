/**
 * A gateway that shuts down gracefully answers the calls it gives up on UNAVAILABLE with
 * `data.reason` 'shuttingDown'. To the client that is no answer from the method: an idempotent
 * call goes out again after the reconnect, to the gateway that replaced it on the same port,
 * exactly as after a lost connection; any other call gets the UNAVAILABLE.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { WarrenClient } from '../../packages/warren-client/src/WarrenClient.ts';
import { Gateway } from '../../src/gateway/Gateway.ts';
import { ErrorCode, WarrenError } from 'warren-client/protocol';
import { MemoryBroker } from '../../src/transport/MemoryBroker.ts';
import { MemoryTransport } from '../../src/transport/MemoryTransport.ts';
import { Worker } from '../../src/worker/Worker.ts';
import { flakyContract, flakyService } from '../reconnect/flakyService.ts';

const contract = flakyContract('drain');
const { implementation, runs } = flakyService('drain');
/** Known to the gateway, served by no worker: its UNAVAILABLE is a real answer. */
const unserved = flakyContract('drainless');

/** The error the promise rejects with; fails if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<WarrenError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof WarrenError, `expected a WarrenError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a rejection');
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within 5 s: ${what}`);
    await sleep(10);
  }
}

describe('WarrenClient: a gateway shutting down gracefully', () => {
  const transport = new MemoryTransport({ broker: new MemoryBroker() });
  const worker = new Worker({ transport, implementations: [implementation] });
  const gateways: Gateway[] = [];
  /** The port of the gateway started last; the next one takes it over when passed `port`. */
  let port = 0;

  const startGateway = async (onPort = 0) => {
    const gateway = new Gateway({ transport, contracts: [contract, unserved] });
    gateways.push(gateway);
    port = (await gateway.listen(onPort, '127.0.0.1')).port;
    return gateway;
  };
  const connect = async () => {
    const client = new WarrenClient({ url: `ws://127.0.0.1:${port}/rpc`, WebSocket: WebSocket as never, reconnect: { initialDelayMs: 20, maxDelayMs: 100 }, heartbeatMs: 0 });
    await client.ready();
    return client;
  };

  before(async () => {
    transport.start();
    await worker.start();
  });
  after(async () => {
    for (const gateway of gateways) await gateway.close(0);
    await worker.stop();
    await transport.close();
  });

  it('resends an idempotent call it gave up on to the next gateway; a non-idempotent call gets UNAVAILABLE', async () => {
    const first = await startGateway();
    const client = await connect();
    try {
      const lookup = client.call('drain.lookup', { id: 'inflight-lookup', ms: 1000 }, { idempotent: true });
      const charge = rejection(client.call('drain.charge', { id: 'inflight-charge', ms: 1000 }));
      await until(() => first.inFlight === 2, 'both calls reached the first gateway');
      // A grace shorter than the calls: the gateway answers both 'shutting down', then closes with 1001.
      await first.close(50);
      const refused = await charge;
      assert.equal(refused.code, ErrorCode.UNAVAILABLE);
      assert.deepEqual(refused.data, { reason: 'shuttingDown' });
      assert.notEqual(client.state, 'closed');
      await startGateway(port);
      assert.deepEqual(await lookup, { id: 'inflight-lookup', run: 2 }, 'answered by a second run, on the new gateway');
      assert.equal(runs.get('inflight-charge'), 1, 'the non-idempotent call was not resent');
    } finally {
      client.close();
    }
  });

  it('resends an idempotent call refused during the grace; a non-idempotent one is refused', async () => {
    const draining = await startGateway();
    const client = await connect();
    try {
      // Keeps the socket open through a long grace, so the next calls reach a draining gateway.
      const holder = client.call('drain.charge', { id: 'holder', ms: 300 });
      await until(() => draining.inFlight === 1, 'the holder reached the gateway');
      const closing = draining.close(5000);
      const lookup = client.call('drain.lookup', { id: 'grace-lookup', ms: 0 }, { idempotent: true });
      const refused = await rejection(client.call('drain.charge', { id: 'grace-charge', ms: 0 }));
      assert.equal(refused.code, ErrorCode.UNAVAILABLE);
      assert.equal(runs.get('grace-charge'), undefined, 'refused before it ran');
      assert.deepEqual(await holder, { id: 'holder', run: 1 }, 'a call finishing within the grace is answered');
      await closing;
      await startGateway(port);
      assert.deepEqual(await lookup, { id: 'grace-lookup', run: 1 });
    } finally {
      client.close();
    }
  });

  it('does not resend an idempotent call on any other UNAVAILABLE', async () => {
    await startGateway();
    const client = await connect();
    try {
      const refused = await rejection(client.call('drainless.lookup', { id: 'unserved', ms: 0 }, { idempotent: true }));
      assert.equal(refused.code, ErrorCode.UNAVAILABLE);
      assert.equal(refused.data, undefined);
      assert.equal(client.state, 'open');
    } finally {
      client.close();
    }
  });
});
