/**
 * Worker graceful shutdown. A `warren worker` process on SIGTERM stops consuming at once,
 * finishes the call in flight, acks it and exits 0. And Worker.stop() is bounded by
 * `shutdownGraceMs`: past it the handlers' signals are aborted and their calls go back to
 * the queue, where another worker answers them — still exactly one answer per call.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { defineContract } from '../../src/contract/defineContract.ts';
import { implement } from '../../src/contract/implement.ts';
import { methodQueue } from '../../src/protocol/routing.ts';
import { AmqpTransport } from '../../src/transport/AmqpTransport.ts';
import { Worker } from '../../src/worker/Worker.ts';
import { FrameSocket } from '../helpers/FrameSocket.ts';
import { AMQP_URL, needsBroker, uniqueName, queueState, withChannel } from '../helpers/broker.ts';
import { waitReady, exitedWithin, logLines, type WarrenProcess } from '../helpers/processes.ts';
import { waitFor, withTimeout } from '../helpers/async.ts';
import { faultkitProcesses } from '../helpers/faultkit.ts';

describe('warren worker on SIGTERM', { ...(await needsBroker()), timeout: 90_000 }, () => {
  const group = faultkitProcesses(uniqueName('sigterm'));
  const sockets: FrameSocket[] = [];
  let gateway: WarrenProcess;
  let worker: WarrenProcess;

  before(async () => {
    [gateway, worker] = await Promise.all([group.start('gateway'), group.start('worker')]);
    await waitReady(gateway.http!);
  });

  after(async () => {
    for (const socket of sockets) socket.close();
    await group.stopAll();
    await group.deleteQueues().catch(() => {});
  });

  it('stops consuming, finishes and acks the call in flight, and exits 0', async () => {
    const socket = await FrameSocket.open(gateway.url!, { handshakeTimeout: 5000 });
    sockets.push(socket);
    socket.send({ jsonrpc: '2.0', id: 'inflight', method: group.method('slow'), params: { ms: 2000, tag: 'inflight' } });
    await waitFor(() => logLines(worker, 'slow started').length === 1, 10_000, 'the call to start');
    worker.child.kill('SIGTERM');

    // It stops taking calls at once, while the call in flight still runs.
    const echoQueue = methodQueue(group.method('echo'));
    const until = Date.now() + 1500;
    while ((await queueState(echoQueue)).consumers !== 0 && Date.now() < until) await delay(50);
    assert.equal((await queueState(echoQueue)).consumers, 0, 'consumers cancelled');
    assert.equal(worker.child.exitCode, null, 'still finishing its call');

    const reply = await socket.next(10_000);
    assert.deepEqual(reply, { jsonrpc: '2.0', id: 'inflight', result: { pid: worker.child.pid, redelivered: false } });
    assert.ok(await exitedWithin(worker, 10_000), 'exited');
    assert.equal(worker.child.exitCode, 0);
    const slowQueue = methodQueue(group.method('slow'));
    assert.deepEqual(await queueState(slowQueue), { messages: 0, consumers: 0 }, 'acked: nothing goes back to the queue');
    assert.ok(await socket.silentFor(300), 'one answer');
  });
});

describe('Worker.stop() with shutdownGraceMs', { ...(await needsBroker()), timeout: 60_000 }, () => {
  const service = uniqueName('grace');
  const contract = defineContract({
    service,
    methods: { long: { input: z.object({}), output: z.object({ by: z.string(), redelivered: z.boolean() }) } },
  });
  const serving = (by: string, ms: number) =>
    implement(contract, {
      long: async (_input, ctx) => {
        await delay(ms, undefined, { signal: ctx.signal });
        return { by, redelivered: ctx.redelivered };
      },
    });
  const transports: AmqpTransport[] = [];

  after(async () => {
    await Promise.all(transports.map((t) => withTimeout(t.close(), 10_000, 'close()')));
    await withChannel((channel) => channel.deleteQueue(methodQueue(`${service}.long`)));
  });

  it('aborts what still runs at the bound, and the call is answered once by another worker', async () => {
    const [caller, first, second] = [0, 1, 2].map(() => new AmqpTransport({ url: AMQP_URL }));
    transports.push(caller!, first!, second!);
    for (const t of transports) t.start();
    await Promise.all(transports.map((t) => t.whenReady(10_000)));
    const leaving = new Worker({ transport: first!, implementations: [serving('first', 30_000)], shutdownGraceMs: 300 });
    await leaving.start();

    const bodies: string[] = [];
    caller!.request({ method: `${service}.long`, params: '{}', deadline: Date.now() + 20_000, principal: null }, (body) => bodies.push(body));
    await delay(300); // the first worker holds the call now
    const started = Date.now();
    await withTimeout(leaving.stop(), 5_000, 'stop()');
    const took = Date.now() - started;
    assert.ok(took >= 250 && took < 3_000, `stop() took ${took} ms with a 300 ms grace`);
    await first!.close();

    const staying = new Worker({ transport: second!, implementations: [serving('second', 50)] });
    await staying.start();
    await waitFor(() => bodies.length > 0, 10_000, 'the answer');
    assert.deepEqual(JSON.parse(bodies[0]!), { result: { by: 'second', redelivered: true } });
    await delay(300);
    assert.equal(bodies.length, 1);
    await staying.stop();
  });

  it('rejects a bad shutdownGraceMs with a TypeError naming it', () => {
    const transport = new AmqpTransport({ url: AMQP_URL });
    for (const shutdownGraceMs of [-1, 1.5, Number.NaN]) {
      assert.throws(
        () => new Worker({ transport, implementations: [serving('x', 0)], shutdownGraceMs }),
        (err: Error) => err instanceof TypeError && /shutdownGraceMs/.test(err.message),
      );
    }
    assert.throws(
      () => new Worker({ transport, implementations: [serving('x', 0)], maxDeliveries: 0 }),
      (err: Error) => err instanceof TypeError && /maxDeliveries/.test(err.message),
    );
  });
});
