/**
 * rpc.subscribe to a replayable event answers promptly while the event is being published:
 * the gateway takes the history's tail before it answers, and a steady flow of events (one
 * every 30 ms, well within what one service emits) must not hold that answer back. A client
 * that resubscribes after a reconnect (the SDK does so before it opens) waits for it, with
 * its deadline running. On RabbitMQ: a gateway and a worker in this process, the events in a
 * stream.
 *
 * And the gateway stays ready while a subscription's readers start: /readyz keeps answering 200
 * and new WebSockets are accepted, so a load balancer's health check does not take the gateway
 * out, and reconnecting clients are not turned away, each time a client subscribes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { needsBroker, uniqueName } from '../helpers/broker.ts';
import { FrameSocket } from '../helpers/FrameSocket.ts';
import { startAmqpReplayStack } from './amqpStack.ts';
import { replayImplementation } from './replayService.ts';

/** The flow: one event every this many ms. */
const GAP_MS = 30;
/** Subscribes measured while it flows. */
const SUBSCRIBES = 3;
/** Each must be answered within this. */
const BOUND_MS = 5000;

describe('rpc.subscribe to a replayable event while it is being published (amqp transport)', { ...(await needsBroker()), timeout: 120_000 }, () => {
  const service = uniqueName('flow').replace(/\./g, '');
  const implementations = [replayImplementation(service)];
  let close: (() => Promise<void>) | undefined;
  let url = '';
  let http = '';

  before(async () => {
    const stack = await startAmqpReplayStack(implementations);
    ({ url, http } = stack);
    close = () => stack.close();
  });
  after(() => close?.());

  it(`answers within ${BOUND_MS} ms while one event is published every ${GAP_MS} ms`, async (t) => {
    const publisher = await FrameSocket.open(url);
    let flowing = true;
    let id = 0;
    const flow = (async () => {
      while (flowing) {
        publisher.send({ jsonrpc: '2.0', id: ++id, method: `${service}.post`, params: { topic: 'flow', first: id, count: 1 } });
        await new Promise((resolve) => setTimeout(resolve, GAP_MS));
      }
    })();
    const took: number[] = [];
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      for (let i = 0; i < SUBSCRIBES; i++) {
        const socket = await FrameSocket.open(url);
        try {
          const started = Date.now();
          socket.send({ jsonrpc: '2.0', id: 'sub', method: 'rpc.subscribe', params: { event: `${service}.item`, topic: `s${i}` } });
          // Bounded: a subscribe held past twice the bound counts as failed, with the time so far.
          const until = started + 2 * BOUND_MS;
          for (;;) {
            const left = until - Date.now();
            if (left <= 0) break;
            const frame = await socket.next(left).catch(() => undefined);
            if (!frame || frame.id === 'sub') break;
          }
          took.push(Date.now() - started);
        } finally {
          socket.close();
        }
      }
    } finally {
      flowing = false;
      await flow;
      publisher.close();
    }
    t.diagnostic(`rpc.subscribe under a flow of one event every ${GAP_MS} ms answered in ${JSON.stringify(took)} ms (events published: ${id})`);
    for (const ms of took) assert.ok(ms < BOUND_MS, `rpc.subscribe took ${ms} ms: ${JSON.stringify(took)}`);
  });

  it('stays ready while a replayable subscription starts: /readyz 200, new WebSockets accepted', async (t) => {
    const publisher = await FrameSocket.open(url);
    assert.ok((await publisher.request({ jsonrpc: '2.0', id: 1, method: `${service}.post`, params: { topic: 'r', first: 0, count: 1 } }, 10_000)).result);
    publisher.close();
    const refused: string[] = [];
    for (let round = 0; round < 3; round++) {
      const socket = await FrameSocket.open(url);
      try {
        let answered = false;
        socket.ws.on('message', (data) => {
          if (JSON.parse(String(data)).id === 'sub') answered = true;
        });
        const started = Date.now();
        socket.send({ jsonrpc: '2.0', id: 'sub', method: 'rpc.subscribe', params: { event: `${service}.item`, topic: `ready${round}` } });
        // Probes while the subscribe is under way (bounded).
        while (!answered && Date.now() - started < 5000) {
          const status = await fetch(`${http}/readyz`).then((r) => r.status, () => 0);
          if (status !== 200) refused.push(`round ${round} +${Date.now() - started} ms: /readyz ${status}`);
          const upgrade = await FrameSocket.open(url).then(
            (other) => (other.close(), undefined),
            (err: Error) => err.message,
          );
          if (upgrade) refused.push(`round ${round} +${Date.now() - started} ms: WebSocket ${upgrade}`);
        }
        assert.ok(answered, 'rpc.subscribe answered');
      } finally {
        socket.close();
      }
    }
    t.diagnostic(`refusals while subscribing: ${refused.length}${refused.length ? `: ${refused.slice(0, 6).join('; ')}` : ''}`);
    assert.deepEqual(refused, [], 'the gateway refused nothing while a subscription started');
  });
});
