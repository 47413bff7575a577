/**
 * Two gateway processes and two worker processes on one RabbitMQ: replies find their way
 * back to the socket that called, workers share the load, and events reach the matching
 * subscribers of every gateway and no one else.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { FrameSocket } from '../helpers/FrameSocket.ts';
import { needsBroker, uniqueName } from '../helpers/broker.ts';
import { waitReady, WarrenProcesses, type WarrenProcess } from '../helpers/processes.ts';
import { readFrames } from './readFrames.ts';
import { TESTKIT_ENV, testkitContract } from '../helpers/testkit.ts';

const svc = uniqueName('it');

describe('two gateways and two workers on one RabbitMQ', { ...(await needsBroker()), timeout: 60_000 }, () => {
  const group = new WarrenProcesses({
    module: fileURLToPath(new URL('../helpers/testkitService.ts', import.meta.url)),
    contract: testkitContract(svc),
    env: { [TESTKIT_ENV]: svc },
  });
  const sockets: FrameSocket[] = [];
  let gateways: WarrenProcess[];
  let workers: WarrenProcess[];

  const open = async (gateway: WarrenProcess) => {
    const socket = await FrameSocket.open(gateway.url!, { handshakeTimeout: 5000 });
    sockets.push(socket);
    return socket;
  };

  before(async () => {
    const started = await Promise.all([group.start('gateway'), group.start('gateway'), group.start('worker'), group.start('worker')]);
    gateways = started.slice(0, 2);
    workers = started.slice(2);
    await Promise.all(gateways.map((gateway) => waitReady(gateway.http!)));
  });

  after(async () => {
    for (const socket of sockets) socket.close();
    await group.stopAll();
    await group.deleteQueues().catch(() => {});
  });

  it('10 sockets per gateway × 20 concurrent calls: each reply reaches its socket; both workers serve', async () => {
    const SOCKETS = 10;
    const CALLS = 20;
    const clients = await Promise.all(gateways.flatMap((gateway, g) => Array.from({ length: SOCKETS }, async (_, s) => ({ g, s, socket: await open(gateway) }))));
    const pids = new Set<number>();
    await Promise.all(
      clients.map(async ({ g, s, socket }) => {
        const tag = `g${g}s${s}`;
        for (let c = 0; c < CALLS; c++) {
          socket.send({ jsonrpc: '2.0', id: `${tag}c${c}`, method: `${svc}.echo`, params: { value: c, tag } });
        }
        const frames = await readFrames(socket, CALLS, 30_000);
        const ids = new Set<string>();
        for (const frame of frames) {
          assert.equal(frame.id, `${tag}c${frame.result?.value}`, `reply for ${frame.id} on socket ${tag}`);
          assert.equal(frame.result.tag, tag);
          ids.add(frame.id);
          pids.add(frame.result.pid);
        }
        assert.equal(ids.size, CALLS, `socket ${tag}: every call answered exactly once`);
      }),
    );
    assert.deepEqual([...pids].sort(), workers.map((worker) => worker.child.pid).sort(), 'load shared by both workers');
  });

  it('an event on topic room1 reaches room1 and all-topic subscribers of both gateways, nobody else', async () => {
    const event = `${svc}.shouted`;
    const subscribe = async (socket: FrameSocket, topic?: string) => {
      const reply = await socket.request({ jsonrpc: '2.0', id: 'sub', method: 'rpc.subscribe', params: topic ? { event, topic } : { event } });
      assert.equal(reply.result, true);
      return socket;
    };
    const perGateway = await Promise.all(
      gateways.map(async (gateway) => ({
        room1: await subscribe(await open(gateway), 'room1'),
        room2: await subscribe(await open(gateway), 'room2'),
        anyTopic: await subscribe(await open(gateway)),
        none: await open(gateway),
      })),
    );

    const caller = perGateway[0]!.none;
    const reply = await caller.request({ jsonrpc: '2.0', id: 'shout', method: `${svc}.shout`, params: { topic: 'room1', text: 'hello' } });
    assert.deepEqual(reply.result, { ok: true });

    for (const [g, { room1, anyTopic }] of perGateway.entries()) {
      for (const socket of [room1, anyTopic]) {
        const frame = await socket.next(5000);
        assert.equal(frame.method, event, `gateway ${g}`);
        assert.equal(frame.params.topic, 'room1');
        assert.equal(frame.params.payload.text, 'hello');
        assert.ok(workers.some((worker) => worker.child.pid === frame.params.payload.pid));
      }
    }
    const silent = await Promise.all(perGateway.flatMap(({ room1, room2, anyTopic, none }) => [room1, room2, anyTopic, none].map((socket) => socket.silentFor(700))));
    assert.ok(silent.every(Boolean), 'no one else got it, and nobody got it twice');
  });
});
