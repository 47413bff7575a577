/**
 * Events are emitted once even when a call is redelivered: real `warren` processes on the real
 * RabbitMQ, one gateway, two workers (one under a restart loop), several subscribers, and a burst
 * of calls whose handler emits events with a pause between them. The looped worker is SIGKILLed
 * twice in the middle of the burst, so that some runs die between two emits; their calls run
 * again elsewhere. Every call must be answered once, and every event (by its id,
 * `<callId>:<k>`) must reach every subscriber exactly once: none missing, none twice. And copies
 * of an event id published to `warren.events` again, as the run that answers after a worker died
 * between its events' confirms and its ack would, reach every subscriber once.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import type { FrameSocket } from '../helpers/FrameSocket.ts';
import amqplib from 'amqplib';
import { AMQP_URL, needsBroker, uniqueName } from '../helpers/broker.ts';
import { EVENTS_EXCHANGE, eventRoutingKey } from '../../src/protocol/routing.ts';
import { gatewayWithRestartLoop, logLines, WarrenProcesses, type WarrenProcess } from '../helpers/processes.ts';
import { sleep, waitFor } from '../helpers/async.ts';
import { EMIT_ONCE_SERVICE_ENV, EMIT_TOPIC, emitOnceContract } from './emitOnceService.ts';

const CALLS = 80;
/** Events per call, and the pause between two of them: a run takes about (COUNT - 1) × PAUSE_MS. */
const COUNT = 5;
const PAUSE_MS = 60;
/** Between two calls of the burst. */
const SPACING_MS = 25;
const SUBSCRIBERS = 3;
const KILLS = 2;

describe('a worker SIGKILLed while its handlers emit: every event reaches every subscriber once', { ...(await needsBroker()), timeout: 120_000 }, () => {
  const service = uniqueName('emitonce');
  const group = new WarrenProcesses({
    module: fileURLToPath(new URL('./emitOnceService.ts', import.meta.url)),
    contract: emitOnceContract(service),
    env: { [EMIT_ONCE_SERVICE_ENV]: service },
    stopGraceMs: 15_000,
  });
  const looped = gatewayWithRestartLoop(group);
  let steady: WarrenProcess;

  before(async () => {
    // Stopped by the group's stopAll, in gatewayWithRestartLoop's after().
    steady = await group.start('worker');
  });

  it(`${CALLS} calls × ${COUNT} events, ${KILLS} SIGKILLs mid-burst, ${SUBSCRIBERS} subscribers: missing 0, duplicated 0`, async () => {
    const event = `${service}.ticked`;
    const subscribers: FrameSocket[] = [];
    const received: Record<string, unknown>[][] = [];
    for (let s = 0; s < SUBSCRIBERS; s++) {
      const socket = await looped.open();
      const reply = await socket.request({ jsonrpc: '2.0', id: 'sub', method: 'rpc.subscribe', params: { event, topic: EMIT_TOPIC } }, 10_000);
      assert.deepEqual(reply.result, true);
      const list: Record<string, unknown>[] = [];
      socket.ws.on('message', (data) => {
        const frame = JSON.parse(String(data));
        if (frame.method === event) list.push(frame.params.payload);
      });
      subscribers.push(socket);
      received.push(list);
    }
    const caller = await looped.open();
    const replies: any[] = [];
    caller.ws.on('message', (data) => replies.push(JSON.parse(String(data))));

    // The burst, with the kills in its middle.
    const sending = (async () => {
      for (let i = 0; i < CALLS; i++) {
        caller.send({ jsonrpc: '2.0', id: `c${i}`, method: `${service}.emitter`, params: { tag: `c${i}`, count: COUNT, pauseMs: PAUSE_MS } });
        await sleep(SPACING_MS);
      }
    })();
    const victims: { pid: number; started: number }[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      // Kill the looped worker once it has runs under way: it started some, and the latest
      // started less than a run's length ago.
      const victim = await waitForWorker(looped.loop.workers, victims.length);
      const started = () => logLines(victim, 'emitter started').length;
      await waitFor(() => started() >= 3, 30_000, `worker ${victim.child.pid} to start runs`);
      victims.push({ pid: victim.child.pid!, started: started() });
      await group.kill(victim);
    }
    await sending;

    await waitFor(() => replies.length >= CALLS, 60_000, `${CALLS} answers (have ${replies.length})`);
    const expected = CALLS * COUNT;
    await waitFor(() => received.every((list) => list.length >= expected), 20_000, `${expected} events at every subscriber`).catch(() => {});
    // Any copy would come by now.
    await sleep(1500);

    // Every call answered once, with its result.
    const byId = new Map<string, any[]>();
    for (const reply of replies) byId.set(reply.id, [...(byId.get(reply.id) ?? []), reply]);
    const unanswered = Array.from({ length: CALLS }, (_, i) => `c${i}`).filter((id) => !byId.has(id));
    const twice = [...byId].filter(([, list]) => list.length > 1).map(([id]) => id);
    const failed = replies.filter((reply) => reply.result === undefined);
    const redelivered = replies.filter((reply) => reply.result?.redelivered === true).length;

    // Every event by id at every subscriber: the payload's callId and k make the id.
    const tally = received.map((list) => {
      const counts = new Map<string, number>();
      const callIds = new Map<string, Set<string>>();
      for (const payload of list) {
        const id = `${payload.callId}:${payload.k}`;
        counts.set(id, (counts.get(id) ?? 0) + 1);
        callIds.set(String(payload.tag), (callIds.get(String(payload.tag)) ?? new Set()).add(String(payload.callId)));
      }
      let missing = 0;
      for (let i = 0; i < CALLS; i++) {
        const ids = callIds.get(`c${i}`) ?? new Set();
        // One callId per call: the same on every delivery of it.
        if (ids.size !== 1) {
          missing += ids.size === 0 ? COUNT : 0;
          continue;
        }
        const [callId] = ids;
        for (let k = 0; k < COUNT; k++) if (!counts.has(`${callId}:${k}`)) missing++;
      }
      const duplicated = [...counts.values()].reduce((sum, n) => sum + (n - 1), 0);
      const callIdsPerCall = Math.max(0, ...[...callIds.values()].map((set) => set.size));
      return { received: list.length, missing, duplicated, callIdsPerCall };
    });

    const summary = {
      calls: CALLS,
      answered: byId.size,
      failed: failed.length,
      redelivered,
      kills: victims,
      restarts: looped.loop.restarts,
      steadyPid: steady.child.pid,
      eventsPerSubscriber: expected,
      subscribers: tally,
    };
    console.log(`emit once under SIGKILL: ${JSON.stringify(summary)}`);

    assert.deepEqual(unanswered, [], 'every call answered');
    assert.deepEqual(twice, [], 'no call answered twice');
    assert.deepEqual(failed, [], 'every answer a result');
    assert.ok(redelivered > 0, 'the kills landed mid-run: some calls ran again');
    for (const [s, t] of tally.entries()) {
      assert.deepEqual(t, { received: expected, missing: 0, duplicated: 0, callIdsPerCall: 1 }, `subscriber ${s}`);
    }
  });

  it('drops a copy of an event id that reaches the gateway again (the run that answered after a worker died past publishing)', async () => {
    // Where a worker dies between its events' confirms and the call's ack is a window of a
    // millisecond or so, which a kill seldom hits: publish the copies as that run would.
    const event = `${service}.ticked`;
    const sockets: FrameSocket[] = [];
    for (let s = 0; s < SUBSCRIBERS; s++) {
      const socket = await looped.open();
      assert.deepEqual((await socket.request({ jsonrpc: '2.0', id: 'sub', method: 'rpc.subscribe', params: { event, topic: EMIT_TOPIC } }, 10_000)).result, true);
      sockets.push(socket);
    }
    const payload = (k: number) => Buffer.from(JSON.stringify({ tag: 'copy', k, callId: 'copy', pid: 0 }));
    const connection = await amqplib.connect(AMQP_URL, { timeout: 2000 });
    try {
      const channel = await connection.createConfirmChannel();
      for (const [k, id] of [[0, 'copy:0'], [1, 'copy:1'], [0, 'copy:0'], [1, 'copy:1']] as const) {
        channel.publish(EVENTS_EXCHANGE, eventRoutingKey(event, EMIT_TOPIC), payload(k), { contentType: 'application/json', messageId: id });
      }
      // Confirmed before the connection closes: amqplib may send the close ahead of a channel's publishes.
      await channel.waitForConfirms();
    } finally {
      await connection.close().catch(() => {});
    }
    for (const socket of sockets) {
      const ks = [(await socket.next(10_000)).params.payload.k, (await socket.next(10_000)).params.payload.k];
      assert.deepEqual(ks, [0, 1]);
      assert.ok(await socket.silentFor(500), 'no copy');
    }
  });
});

/** The restart loop's worker after the `killed` ones already killed, once it consumes. */
async function waitForWorker(workers: readonly WarrenProcess[], killed: number): Promise<WarrenProcess> {
  await waitFor(() => workers.length > killed, 30_000, 'the restarted worker');
  return workers[killed]!;
}
