/**
 * Broker faults against real gateway and worker processes: `rabbitmqctl close_connection` on
 * each one's connection, and `rabbitmqctl stop_app` / `start_app` (always restored). Both
 * processes must reconnect on their own with exactly one consumer per method queue, /readyz
 * must say 503 while they are away, calls meanwhile must get UNAVAILABLE after the reconnect
 * hold (2 s, the gateway's default) and before their deadline, and a call the broker confirmed
 * before the restart must still run after it (its caller, cut off past the hold, was answered
 * UNAVAILABLE).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { methodQueue } from '../../src/protocol/routing.ts';
import { FrameSocket } from '../helpers/FrameSocket.ts';
import { needsBroker, uniqueName, queueState } from '../helpers/broker.ts';
import { waitReady, logLines, type WarrenProcess } from '../helpers/processes.ts';
import { sleep, waitFor } from '../helpers/async.ts';
import { faultkitContract, faultkitProcesses } from '../helpers/faultkit.ts';
import { closeConnectionsOf, withBrokerStopped } from './rabbitmqctl.ts';

/** Polls /readyz every 25 ms and keeps each change of status, until stopped. */
function watchReadiness(http: string) {
  const seen: number[] = [];
  let polling = true;
  const done = (async () => {
    while (polling) {
      const status = await fetch(`${http}/readyz`, { signal: AbortSignal.timeout(2000) }).then((r) => r.status, () => 0);
      if (seen.at(-1) !== status) seen.push(status);
      await sleep(25);
    }
  })();
  return {
    seen,
    async stop() {
      polling = false;
      await done;
    },
  };
}

describe('broker faults under a gateway and a worker process', { ...(await needsBroker()), timeout: 120_000 }, () => {
  const group = faultkitProcesses(uniqueName('broker'));
  const queues = Object.keys(faultkitContract(group.service).methods).map((name) => methodQueue(`${group.service}.${name}`));
  const sockets: FrameSocket[] = [];
  let gateway: WarrenProcess;
  let worker: WarrenProcess;
  let socket: FrameSocket;
  let nextId = 0;

  const echo = (n: number) => socket.request({ jsonrpc: '2.0', id: ++nextId, method: group.method('echo'), params: { n } }, 10_000);

  /** Waits until every method queue has exactly `count` consumers, and checks it stays so. */
  async function expectConsumers(count: number): Promise<void> {
    const counts = async () => Promise.all(queues.map(async (queue) => (await queueState(queue)).consumers));
    let last: number[] = [];
    const until = Date.now() + 20_000;
    while (Date.now() < until) {
      last = await counts();
      if (last.every((n) => n === count)) break;
      await sleep(100);
    }
    await sleep(500);
    assert.deepEqual(await counts(), queues.map(() => count), `consumers per method queue (was ${last.join(',')})`);
  }

  before(async () => {
    [gateway, worker] = await Promise.all([group.start('gateway'), group.start('worker')]);
    await waitReady(gateway.http!);
    socket = await FrameSocket.open(gateway.url!, { handshakeTimeout: 5000 });
    sockets.push(socket);
  });

  after(async () => {
    for (const s of sockets) s.close();
    await group.stopAll();
    await group.deleteQueues().catch(() => {});
  });

  it('close_connection: both reconnect, /readyz goes 503 then 200, one consumer per method queue', async () => {
    assert.equal((await echo(1)).result?.n, 1);
    const readiness = watchReadiness(gateway.http!);
    try {
      await sleep(100);
      assert.ok((await closeConnectionsOf(gateway.child.pid!)) >= 1, 'closed the gateway connection');
      assert.ok((await closeConnectionsOf(worker.child.pid!)) >= 1, 'closed the worker connection');
      await waitFor(() => readiness.seen.join() === '200,503,200', 15_000, `readiness 200 → 503 → 200 (saw ${readiness.seen})`);
    } finally {
      await readiness.stop();
    }
    await waitFor(() => logLines(worker, 'connected to RabbitMQ').length === 2, 15_000, 'the worker to reconnect');
    assert.equal(logLines(gateway, 'connected to RabbitMQ').length, 2);
    await expectConsumers(1);
    assert.equal((await echo(2)).result?.n, 2);
  });

  it('stop_app / start_app: calls in the outage get UNAVAILABLE after the hold, /readyz 503, then all recovers', async () => {
    const readiness = watchReadiness(gateway.http!);
    try {
      await withBrokerStopped(async () => {
        await waitFor(() => readiness.seen.at(-1) === 503, 10_000, '/readyz 503');
        for (let n = 0; n < 3; n++) {
          const started = Date.now();
          const reply = await echo(n);
          assert.equal(reply.error?.code, -32001, `call ${n} during the outage: ${JSON.stringify(reply)}`);
          const elapsed = Date.now() - started;
          assert.ok(elapsed >= 1900 && elapsed < 4000, `answered after ${elapsed} ms: the hold is 2000 ms, the deadline 10 s`);
        }
      });
      await waitReady(gateway.http!, 30_000);
    } finally {
      await readiness.stop();
    }
    assert.deepEqual(readiness.seen.slice(0, 2), [200, 503]);
    await expectConsumers(1);
    assert.equal((await echo(7)).result?.n, 7);
  });

  it('a call confirmed before the restart waits in its durable queue and runs after it; its caller got UNAVAILABLE after the hold', async () => {
    await group.kill(worker);
    await expectConsumers(0);
    socket.send({ jsonrpc: '2.0', id: 'durable', method: group.method('slow'), params: { ms: 0, tag: 'durable' }, timeoutMs: 40_000 });
    const slowQueue = methodQueue(group.method('slow'));
    const until = Date.now() + 10_000;
    while ((await queueState(slowQueue)).messages !== 1 && Date.now() < until) await sleep(50);
    assert.equal((await queueState(slowQueue)).messages, 1, 'the call waits in its queue');

    // Down longer than the gateway's reconnect hold (2 s): the caller is answered, the call stays queued.
    await withBrokerStopped(async () => {
      const reply = await socket.next(10_000);
      assert.equal(reply.id, 'durable');
      assert.equal(reply.error?.code, -32001, JSON.stringify(reply));
      assert.match(reply.error?.message ?? '', /may have run/);
    });
    await waitReady(gateway.http!, 30_000);
    assert.equal((await queueState(slowQueue)).messages, 1, 'the persistent call survived the restart');

    worker = await group.start('worker');
    await waitFor(() => logLines(worker, 'slow started').some((line) => line.tag === 'durable'), 30_000, 'the queued call to run on the new worker');
    assert.ok(await socket.silentFor(300), 'one answer only: the late reply is dropped');
  });
});
