/**
 * A worker process SIGKILLed in the middle of a call: RabbitMQ hands the unacked call to the
 * other worker, whose handler sees `ctx.redelivered`, and the client gets exactly one answer.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FrameSocket } from '../helpers/FrameSocket.ts';
import { needsBroker, uniqueName } from '../helpers/broker.ts';
import { waitReady, logLines, type WarrenProcess } from '../helpers/processes.ts';
import { waitFor } from '../helpers/async.ts';
import { faultkitProcesses } from '../helpers/faultkit.ts';

describe('a worker SIGKILLed mid-call', { ...(await needsBroker()), timeout: 90_000 }, () => {
  const group = faultkitProcesses(uniqueName('crash'));
  const sockets: FrameSocket[] = [];
  let gateway: WarrenProcess;
  let workers: WarrenProcess[];

  before(async () => {
    [gateway, ...workers] = await Promise.all([group.start('gateway'), group.start('worker'), group.start('worker')]);
    await waitReady(gateway.http!);
  });

  after(async () => {
    for (const socket of sockets) socket.close();
    await group.stopAll();
    await group.deleteQueues().catch(() => {});
  });

  it('hands the call to the other worker, flagged redelivered, and the caller gets one answer', async () => {
    const socket = await FrameSocket.open(gateway.url!, { handshakeTimeout: 5000 });
    sockets.push(socket);
    socket.send({ jsonrpc: '2.0', id: 'victim', method: group.method('slow'), params: { ms: 1500, tag: 'victim' } });
    const holder = () => workers.find((w) => logLines(w, 'slow started').some((line) => line.tag === 'victim'));
    await waitFor(() => holder() !== undefined, 10_000, 'a worker to start the call');
    const victim = holder()!;
    const survivor = workers.find((w) => w !== victim)!;
    await group.kill(victim);

    const reply = await socket.next(20_000);
    assert.deepEqual(reply, { jsonrpc: '2.0', id: 'victim', result: { pid: survivor.child.pid, redelivered: true } });
    const runs = logLines(survivor, 'slow started').filter((line) => line.tag === 'victim');
    assert.deepEqual(runs.map((line) => line.redelivered), [true], 'the survivor ran it once, as a redelivery');
    assert.ok(await socket.silentFor(1000), 'no second answer');

    // The survivor keeps serving fresh calls, not flagged.
    const fresh = await socket.request({ jsonrpc: '2.0', id: 2, method: group.method('echo'), params: { n: 2 } }, 10_000);
    assert.deepEqual(fresh.result, { n: 2, pid: survivor.child.pid, redelivered: false });
  });
});
