/**
 * emitOnce.test.ts for a replayable event: real `warren` processes on the real RabbitMQ, one
 * gateway, two workers (one under a restart loop), several raw-socket subscribers, and a burst
 * of calls whose handler emits replayable events with a pause between them. The looped worker
 * is SIGKILLed twice in the middle of the burst; the runs it held run again elsewhere. Every
 * call must be answered once, and every event (by its id, `<callId>:<k>`, which is also its
 * position's epoch) must reach every subscriber exactly once, in stream order. The stream is
 * read back to count ids stored more than once.
 *
 * Then copies of event ids written to the stream again, as the run that answers after a worker
 * died between its events' confirms and its ack would write them, must reach each subscriber once.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import amqplib from 'amqplib';
import type { FrameSocket } from '../helpers/FrameSocket.ts';
import { AMQP_URL, needsBroker, uniqueName, withChannel } from '../helpers/broker.ts';
import { eventStream } from '../../src/protocol/routing.ts';
import { storedEventProperties } from '../../src/transport/AmqpEventHistory.ts';
import { gatewayWithRestartLoop, logLines, WarrenProcesses, type WarrenProcess } from '../helpers/processes.ts';
import { sleep, waitFor } from '../helpers/async.ts';
import { readStream, streamCopies } from './replayLedger.ts';
import { REPLAY_FAULT_SERVICE_ENV, replayFaultContract } from './replayFaultService.ts';

const CALLS = 80;
/** Events per call, and the pause between two of them: a run takes about (COUNT - 1) × PAUSE_MS. */
const COUNT = 5;
const PAUSE_MS = 60;
/** Between two calls of the burst. */
const SPACING_MS = 25;
const SUBSCRIBERS = 3;
const KILLS = 2;
const TOPIC = 'burst';

interface Got {
  id: string;
  offset: number;
  payloadId: string;
}

/** Subscribes a raw socket to the replayable event and records each event's id and offset. */
async function subscribe(socket: FrameSocket, event: string, topic: string): Promise<Got[]> {
  const reply = await socket.request({ jsonrpc: '2.0', id: 'sub', method: 'rpc.subscribe', params: { event, topic } }, 10_000);
  assert.equal(reply.result?.historyLost, false, JSON.stringify(reply));
  assert.equal(typeof reply.result?.position?.offset, 'number');
  const list: Got[] = [];
  socket.ws.on('message', (data) => {
    const frame = JSON.parse(String(data));
    if (frame.method !== event) return;
    const { payload, position } = frame.params;
    list.push({ id: position.epoch, offset: position.offset, payloadId: `${payload.callId}:${payload.k}` });
  });
  return list;
}

describe('a worker SIGKILLed while its handlers emit a replayable event: every event reaches every subscriber once', { ...(await needsBroker()), timeout: 150_000 }, () => {
  const service = uniqueName('replayonce');
  const event = `${service}.item`;
  const group = new WarrenProcesses({
    module: fileURLToPath(new URL('./replayFaultService.ts', import.meta.url)),
    contract: replayFaultContract(service),
    env: { [REPLAY_FAULT_SERVICE_ENV]: service },
    stopGraceMs: 15_000,
  });
  const looped = gatewayWithRestartLoop(group);
  let steady: WarrenProcess;

  before(async () => {
    // Stopped by the group's stopAll, in gatewayWithRestartLoop's after().
    steady = await group.start('worker');
  });

  after(async () => {
    await withChannel(async (channel) => {
      for (const name of ['item', 'tiny']) await channel.deleteQueue(eventStream(`${service}.${name}`));
    }).catch(() => {});
  });

  it(`${CALLS} calls × ${COUNT} events, ${KILLS} SIGKILLs mid-burst, ${SUBSCRIBERS} subscribers: missing 0, duplicated 0`, async (t) => {
    const received: Got[][] = [];
    for (let s = 0; s < SUBSCRIBERS; s++) received.push(await subscribe(await looped.open(), event, TOPIC));
    const caller = await looped.open();
    const replies: any[] = [];
    caller.ws.on('message', (data) => replies.push(JSON.parse(String(data))));

    // The burst, with the kills in its middle.
    const sending = (async () => {
      for (let i = 0; i < CALLS; i++) {
        caller.send({ jsonrpc: '2.0', id: `c${i}`, method: group.method('emit'), params: { tag: `c${i}`, seq: i, event: 'item', topics: [TOPIC], count: COUNT, pauseMs: PAUSE_MS } });
        await sleep(SPACING_MS);
      }
    })();
    const victims: { pid: number; started: number }[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      // Kill the looped worker once it has runs under way.
      await waitFor(() => looped.loop.workers.length > victims.length, 30_000, 'the restarted worker');
      const victim = looped.loop.workers[victims.length]!;
      const started = () => logLines(victim, 'emit started').length;
      await waitFor(() => started() >= 3, 30_000, `worker ${victim.child.pid} to start runs`);
      victims.push({ pid: victim.child.pid!, started: started() });
      await group.kill(victim);
    }
    await sending;

    await waitFor(() => replies.length >= CALLS, 60_000, `${CALLS} answers (have ${replies.length})`);
    const expected = CALLS * COUNT;
    await waitFor(() => received.every((list) => new Set(list.map((g) => g.id)).size >= expected), 20_000, `${expected} events at every subscriber`).catch(() => {});
    // Any copy would come by now.
    await sleep(1500);

    const byId = new Map<string, any[]>();
    for (const reply of replies) byId.set(reply.id, [...(byId.get(reply.id) ?? []), reply]);
    const unanswered = Array.from({ length: CALLS }, (_, i) => `c${i}`).filter((id) => !byId.has(id));
    const twice = [...byId].filter(([, list]) => list.length > 1).map(([id]) => id);
    const failed = replies.filter((reply) => reply.result === undefined);
    const redelivered = replies.filter((reply) => reply.result?.redelivered === true).length;
    // The ids the runs that answered published: `<callId>:<k>`.
    const wanted = new Set(replies.filter((r) => r.result).flatMap((r) => Array.from({ length: COUNT }, (_, k) => `${r.result.callId}:${k}`)));

    const entries = await readStream(eventStream(event));
    const stored = streamCopies(entries);
    const strays = entries.filter((e) => !wanted.has(e.id)).length;

    const tally = received.map((list) => {
      const counts = new Map<string, number>();
      let outOfOrder = 0;
      let mismatched = 0;
      for (const [i, got] of list.entries()) {
        counts.set(got.id, (counts.get(got.id) ?? 0) + 1);
        if (i > 0 && got.offset <= list[i - 1]!.offset) outOfOrder++;
        if (got.id !== got.payloadId) mismatched++;
      }
      const missing = [...wanted].filter((id) => !counts.has(id)).length;
      const duplicated = [...counts.values()].reduce((sum, n) => sum + (n - 1), 0);
      return { received: list.length, missing, duplicated, outOfOrder, mismatched };
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
      stream: { entries: entries.length, idsStoredTwice: stored.ids, extraCopies: stored.copies, notFromAnAnsweredRun: strays },
      subscribers: tally,
    };
    t.diagnostic(`replayable emit once under SIGKILL: ${JSON.stringify(summary)}`);

    assert.deepEqual(unanswered, [], 'every call answered');
    assert.deepEqual(twice, [], 'no call answered twice');
    assert.deepEqual(failed, [], 'every answer a result');
    assert.ok(redelivered > 0, 'the kills landed mid-run: some calls ran again');
    assert.equal(wanted.size, expected);
    assert.equal(strays, 0, 'the stream holds no event of a run that did not answer');
    for (const [s, x] of tally.entries()) {
      assert.deepEqual(x, { received: expected, missing: 0, duplicated: 0, outOfOrder: 0, mismatched: 0 }, `subscriber ${s}`);
    }
  });

  it('delivers an event id written to the stream again once (the run that answered after a worker died past its confirms)', async () => {
    // Where a worker dies between its events' confirms and the call's ack is a window of a
    // millisecond or so, which a kill seldom hits: store the copies as that run would.
    const sockets: FrameSocket[] = [];
    const received: Got[][] = [];
    for (let s = 0; s < SUBSCRIBERS; s++) {
      const socket = await looped.open();
      sockets.push(socket);
      received.push(await subscribe(socket, event, 'copies'));
    }
    const payload = (k: number) => Buffer.from(JSON.stringify({ tag: 'copy', seq: 0, k, callId: 'copy', pid: 0 }));
    const connection = await amqplib.connect(AMQP_URL, { timeout: 2000 });
    try {
      const channel = await connection.createConfirmChannel();
      for (const [k, id] of [[0, 'copy:0'], [1, 'copy:1'], [0, 'copy:0'], [1, 'copy:1']] as const) {
        channel.sendToQueue(eventStream(event), payload(k), storedEventProperties({ event, topic: 'copies', payload: '', id }));
      }
      await channel.waitForConfirms();
    } finally {
      await connection.close().catch(() => {});
    }
    await waitFor(() => received.every((list) => list.length >= 2), 10_000, 'the events at every subscriber');
    await sleep(1000);
    for (const [s, list] of received.entries()) {
      assert.deepEqual(list.map((g) => g.id), ['copy:0', 'copy:1'], `subscriber ${s}: each id once`);
    }
  });
});
