/**
 * Replayable events across gateways, with real `warren` processes on the real RabbitMQ: two
 * gateways behind a plain TCP load balancer (no sticky sessions), two workers, and 30 SDK
 * subscribers, 10 on each of 3 topics. A driver calls a method steadily whose handler emits 5
 * events per call over the 3 topics. Mid-stream one gateway is SIGKILLed: its clients reconnect
 * through the balancer to the other gateway and resume with `since`. Later every broker
 * connection of this test's processes is closed once. At the end the stream itself, read from
 * its first offset, is the ground truth: each subscriber must have every event of its topic
 * published after its subscription started, once, in order.
 *
 * Then a subscriber away longer than the `tiny` event's retention gets onHistoryLost once,
 * and live events after it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { eventStream } from '../../src/protocol/routing.ts';
import { needsBroker, uniqueName, withChannel } from '../helpers/broker.ts';
import { sleep, waitFor } from '../helpers/async.ts';
import { FrameSocket } from '../helpers/FrameSocket.ts';
import { TcpBalancer } from '../helpers/TcpBalancer.ts';
import { TcpProxy } from '../helpers/TcpProxy.ts';
import { logLines, waitReady, WarrenProcesses, type WarrenProcess } from '../helpers/processes.ts';
import { connectCount } from './callLedger.ts';
import { closeConnections } from './rabbitmqctl.ts';
import { readStream, streamCopies, SubscriberProbe, tally, type Tally } from './replayLedger.ts';
import { REPLAY_FAULT_SERVICE_ENV, replayFaultContract } from './replayFaultService.ts';

const TOPICS = ['t0', 't1', 't2'];
const PER_TOPIC = 10;
const EVENTS_PER_CALL = 5;
/** Between two calls of the driver. */
const SPACING_MS = 40;

function port(proc: WarrenProcess): number {
  return Number(new URL(proc.url!).port);
}

describe('replayable events across gateways: a gateway SIGKILLed, every broker connection closed', { ...(await needsBroker()), timeout: 240_000 }, () => {
  const service = uniqueName('replayx');
  const group = new WarrenProcesses({
    module: fileURLToPath(new URL('./replayFaultService.ts', import.meta.url)),
    contract: replayFaultContract(service),
    env: { [REPLAY_FAULT_SERVICE_ENV]: service },
    stopGraceMs: 15_000,
  });
  let gateways: WarrenProcess[] = [];
  let workers: WarrenProcess[] = [];
  const balancer = { current: undefined as TcpBalancer | undefined };
  const probes: SubscriberProbe[] = [];
  const sockets: FrameSocket[] = [];

  before(async () => {
    const procs = await Promise.all([group.start('gateway'), group.start('gateway'), group.start('worker'), group.start('worker')]);
    gateways = procs.slice(0, 2);
    workers = procs.slice(2);
    await Promise.all(gateways.map((g) => waitReady(g.http!)));
    balancer.current = new TcpBalancer(gateways.map(port));
    await balancer.current.listen();
  });

  after(async () => {
    for (const probe of probes) probe.close();
    for (const socket of sockets) socket.close();
    await balancer.current?.close();
    await group.stopAll();
    await group.deleteQueues().catch(() => {});
    await withChannel(async (channel) => {
      for (const event of ['item', 'tiny']) await channel.deleteQueue(eventStream(`${service}.${event}`));
    }).catch(() => {});
  });

  it(`${TOPICS.length * PER_TOPIC} SDK subscribers through a balancer: missing 0, duplicated 0, out of order 0`, async (t) => {
    const lb = balancer.current!;
    const event = `${service}.item`;
    const [victim, survivor] = gateways as [WarrenProcess, WarrenProcess];

    // The subscribers, spread by the balancer over both gateways.
    const t0 = Date.now();
    const phases: Record<string, number> = {};
    const mark = (name: string) => (phases[name] = Date.now() - t0);
    const topicOf: string[] = [];
    for (const topic of TOPICS) {
      for (let i = 0; i < PER_TOPIC; i++) {
        probes.push(new SubscriberProbe(lb.url, event));
        topicOf.push(topic);
      }
    }
    await Promise.all(probes.map((probe, s) => probe.subscribe(topicOf[s]!)));
    assert.ok(probes.every((p) => p.start !== undefined), 'every subscription answered with its start');
    mark('subscribed');

    // The driver, straight to the gateway that stays up.
    const driver = await FrameSocket.open(survivor.url!);
    sockets.push(driver);
    const answers = { ok: 0, error: new Map<number, number>(), failedSeqs: [] as number[] };
    driver.ws.on('message', (data) => {
      const frame = JSON.parse(String(data));
      if (frame.result) answers.ok++;
      else if (frame.error) {
        answers.error.set(frame.error.code, (answers.error.get(frame.error.code) ?? 0) + 1);
        answers.failedSeqs.push(frame.id);
      }
    });
    let driving = true;
    let sent = 0;
    const driving$ = (async () => {
      for (let seq = 0; driving; seq++) {
        driver.send({ jsonrpc: '2.0', id: seq, method: group.method('emit'), params: { tag: 'x', seq, event: 'item', topics: TOPICS, count: EVENTS_PER_CALL, pauseMs: 0 } });
        sent++;
        await sleep(SPACING_MS);
      }
    })();

    await sleep(4000);
    // The kill: the clients on that gateway reconnect through the balancer to the other one.
    mark('kill');
    const onVictim = lb.connectionsTo(port(victim));
    const killedAt = Date.now();
    await group.kill(victim);
    const moved = () => probes.filter((p) => p.subscribedAt.some((at) => at >= killedAt));
    // Bounded; a shortfall is asserted after the counts are printed.
    await waitFor(() => moved().length >= onVictim, 45_000, 'the clients of the killed gateway to resubscribe').catch(() => {});
    const resubscribedMs = Math.max(0, ...moved().map((p) => p.subscribedAt.find((at) => at >= killedAt)! - killedAt));
    const movedCount = moved().length;
    mark('resubscribed');

    // The killed gateway comes back on a new port, behind the same balancer.
    const restarted = await group.start('gateway');
    await waitReady(restarted.http!);
    lb.replace(port(victim), port(restarted));
    mark('restarted');
    await sleep(3000);

    // Every broker connection of this test's processes, once.
    const live = [restarted, survivor, ...workers];
    const pids = live.map((p) => p.child.pid!);
    const before = live.map(connectCount);
    mark('close');
    const closed = await closeConnections((name) => pids.some((pid) => name.startsWith('warren ') && name.endsWith(` ${pid}`)), 'replay fault test');
    await waitFor(() => live.every((p, i) => connectCount(p) > before[i]!), 30_000, 'every process reconnected to RabbitMQ');
    mark('reconnected');
    await sleep(4000);

    driving = false;
    await driving$;
    // Let the last calls finish and their events arrive.
    await waitFor(() => answers.ok + [...answers.error.values()].reduce((a, b) => a + b, 0) >= sent, 40_000, `answers to ${sent} calls`).catch(() => {});
    mark('answered');
    const entries = await readStream(eventStream(event));
    mark('streamRead');
    const settled = () => probes.every((p, s) => tally(entries, topicOf[s]!, p.start!, p.received).missing === 0);
    await waitFor(settled, 20_000, 'every subscriber caught up').catch(() => {});
    mark('caughtUp');
    await sleep(1000);

    const tallies: Tally[] = probes.map((p, s) => tally(entries, topicOf[s]!, p.start!, p.received));
    const totals = tallies.reduce((sum, x) => ({
      expected: sum.expected + x.expected,
      received: sum.received + x.received,
      missing: sum.missing + x.missing,
      duplicated: sum.duplicated + x.duplicated,
      outOfOrder: sum.outOfOrder + x.outOfOrder,
      wrong: sum.wrong + x.wrong,
    }));
    const summary = {
      callsSent: sent,
      answered: answers.ok,
      errors: Object.fromEntries(answers.error),
      eventsPublished: entries.length,
      streamCopies: streamCopies(entries),
      copiedSeqs: [...new Set(entries.filter((e, i) => entries.findIndex((o) => o.id === e.id) !== i).map((e) => e.payload.seq))],
      failedSeqs: answers.failedSeqs,
      killedGatewayClients: onVictim,
      resubscribedAfterKill: movedCount,
      killToLastResubscribedMs: resubscribedMs,
      // Per moved client: ms from the kill to its rpc.subscribe answer, and whether it was told history lost.
      resubscribes: moved().map((p) => [p.subscribedAt.find((at) => at >= killedAt)! - killedAt, p.lost]),
      brokerConnectionsClosed: closed,
      balancerUnplaced: lb.unplaced,
      balancerRefusals: Object.fromEntries(lb.refusals),
      ports: { killed: port(victim), survivor: port(survivor) },
      historyLost: probes.reduce((n, p) => n + p.lost, 0),
      // What the gateways logged when they answered history lost: the position sent and their head.
      historyLostLogged: [victim, survivor, restarted].flatMap((g) =>
        logLines(g, 'history lost').map((line) => ({ pid: g.child.pid, since: line.since, head: line.head, msAfterKill: Number(line.time) - killedAt })),
      ),
      totals,
      phasesMs: phases,
    };
    t.diagnostic(`replay across gateways: ${JSON.stringify(summary)}`);
    t.diagnostic(`per subscriber (topic expected/received/missing/duplicated/outOfOrder): ${tallies.map((x, s) => `${topicOf[s]} ${x.expected}/${x.received}/${x.missing}/${x.duplicated}/${x.outOfOrder}`).join(', ')}`);

    assert.ok(onVictim > 0 && movedCount >= onVictim, `the killed gateway's ${onVictim} clients resubscribed (${movedCount})`);
    assert.equal(closed, 4, 'one broker connection per process closed');
    assert.ok(entries.length > 1000, `events published: ${entries.length}`);
    assert.equal(totals.missing, 0, 'missing');
    assert.equal(totals.duplicated, 0, 'duplicated');
    assert.equal(totals.outOfOrder, 0, 'out of order');
    assert.equal(totals.wrong, 0, 'events of another topic, or without their position');
    assert.equal(summary.historyLost, 0, 'no history lost');
  });

  it('a subscriber away past the retention: onHistoryLost once, then live events, nothing replayed', async (t) => {
    const [, survivor] = gateways as [WarrenProcess, WarrenProcess];
    const event = `${service}.tiny`;
    const proxy = new TcpProxy();
    await proxy.listen(port(survivor));
    const probe = new SubscriberProbe(proxy.url, event);
    const publisher = await FrameSocket.open(survivor.url!);
    sockets.push(publisher);
    let id = 0;
    const emit = async (seq: number, count: number, pad?: number) => {
      const reply = await publisher.request({ jsonrpc: '2.0', id: ++id, method: group.method('emit'), params: { tag: 'tiny', seq, event: 'tiny', topics: ['away'], count, pauseMs: 0, ...(pad ? { pad } : {}) } }, 30_000);
      assert.ok(reply.result, `emit answered: ${JSON.stringify(reply.error)}`);
    };
    try {
      await probe.subscribe('away');
      await emit(0, 1);
      await waitFor(() => probe.received.length === 1, 10_000, 'the first event');
      proxy.refusing = true;
      proxy.cut();
      await waitFor(() => probe.client.state === 'reconnecting', 10_000, 'the client noticed');
      // 3.5 MB while away: the 2 MB retention (1 MB segments) drops the event it saw.
      for (let i = 0; i < 7; i++) await emit(1 + i, 50, 10_000);
      const awayFrom = probe.subscribedAt.length;
      proxy.refusing = false;
      await waitFor(() => probe.lost === 1, 20_000, 'onHistoryLost');
      await waitFor(() => probe.subscribedAt.length > awayFrom, 10_000, 'resubscribed');
      await emit(100, 1);
      await waitFor(() => probe.received.some((r) => r.payload.seq === 100), 10_000, 'the live event');
      await sleep(500);
      const seqs = probe.received.map((r) => r.payload.seq);
      t.diagnostic(`long disconnect: historyLost ${probe.lost}, received seqs ${JSON.stringify(seqs)}, subscribes ${probe.subscribedAt.length}`);
      assert.equal(probe.lost, 1, 'onHistoryLost once');
      assert.deepEqual(seqs, [0, 100], 'nothing replayed from the lost history, then the live event');
    } finally {
      probe.close();
      await proxy.close();
    }
  });
});
