/**
 * A worker process SIGKILLed in the middle of a call: RabbitMQ hands the unacked call to the
 * other worker, whose handler sees `ctx.redelivered`, and the client gets exactly one answer.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FrameSocket } from '../helpers/FrameSocket.ts';
import { needsBroker, uniqueName } from '../helpers/broker.ts';
import { waitReady, type WarrenProcess } from '../helpers/processes.ts';
import { assertCrashHandedOver, faultkitProcesses } from '../helpers/faultkit.ts';

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
    await assertCrashHandedOver(group, workers, socket);
  });
});
