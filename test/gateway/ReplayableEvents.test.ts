/**
 * ReplayableEvents on the memory transport, without sockets: resumes that race with live
 * publishes (fast-check interleavings) deliver every event after `since` once, in offset order;
 * copies of an id (a redelivered call's) are skipped on both paths.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ReplayableEvents } from '../../src/gateway/ReplayableEvents.ts';
import { MemoryBroker } from '../../src/transport/MemoryBroker.ts';
import { MemoryTransport } from '../../src/transport/MemoryTransport.ts';
import { silentLogger } from '../../src/log.ts';

const retention = { maxAge: '1h' };
const EVENT = 'svc.item';

function setup() {
  const transport = new MemoryTransport({ broker: new MemoryBroker() });
  transport.start();
  const replay = new ReplayableEvents(transport, silentLogger);
  const publish = (n: number, id = `e${n}`, topic = 't') => transport.publishEvent({ event: EVENT, topic, payload: `{"n":${n}}`, id }, retention);
  return { transport, replay, publish };
}

function socket() {
  const frames: any[] = [];
  return { frames, send: (frame: string | Buffer) => frames.push(JSON.parse(String(frame))), numbers: () => frames.filter((f) => f.method === EVENT).map((f) => f.params.payload.n) };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('ReplayableEvents', () => {
  it('a resume racing with live publishes gets every later event once, in order (fast-check interleavings)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 19 }), fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 12 }), async (before, seenIndex, bursts) => {
        const { transport, replay, publish } = setup();
        for (let n = 0; n < before; n++) await publish(n);
        // The position of an event the client saw.
        const history = transport.history(EVENT, retention);
        const kept: { n: number; position: { offset: number; epoch: string } }[] = [];
        const reader = await history.read(0, (e) => kept.push({ n: JSON.parse(e.payload).n, position: e.position }));
        await settle();
        await reader.stop();
        const since = kept[Math.min(seenIndex, kept.length - 1)]!;
        const client = socket();
        let n = before;
        const subscribed = replay.subscribe(client, EVENT, retention, undefined, since.position);
        // Live publishes land at every point of the resume: before it settles, and after.
        for (const burst of bursts) {
          for (let i = 0; i < burst; i++) await publish(n++);
          await Promise.resolve();
        }
        const result = await subscribed;
        assert.equal(result.historyLost, false);
        await publish(n++);
        await settle();
        const expected = Array.from({ length: n - since.n - 1 }, (_, i) => since.n + 1 + i);
        assert.deepEqual(client.numbers(), expected);
        await replay.unsubscribe(client, EVENT, undefined);
        await transport.close();
      }),
      { numRuns: process.env.CI === 'true' ? 100 : 200, ...(process.env.CI === 'true' ? { seed: 1 } : {}) },
    );
  });

  it('skips a second copy of an id, live and on replay, and the subscriptions stay live', async () => {
    const { transport, replay, publish } = setup();
    const live = socket();
    await replay.subscribe(live, EVENT, retention, undefined, undefined);
    await publish(1, 'call-1:0');
    await publish(1, 'call-1:0'); // the redelivered run's copy
    await publish(2, 'call-2:0');
    await settle();
    assert.deepEqual(live.numbers(), [1, 2]);
    const resumed = socket();
    await replay.subscribe(resumed, EVENT, retention, undefined, { offset: -1, epoch: '' });
    await publish(3, 'call-3:0');
    await settle();
    assert.deepEqual(resumed.numbers(), [1, 2, 3]);
    assert.deepEqual(live.numbers(), [1, 2, 3]);
    await transport.close();
  });
});
