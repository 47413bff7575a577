/**
 * The SDK resumes replayable events by itself: after a reconnect it subscribes again with the
 * last position it had (`since`), so the app sees each event once, in order, with the events
 * published while it was away; past the history kept, `onHistoryLost` is called once, and
 * events continue live. Memory transport, a real gateway behind a TCP proxy that cuts the line.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { WarrenClient } from '../../packages/warren-client/src/WarrenClient.ts';
import { eventually, recordingWebSocket, stackBehindProxy, type SentFrame } from '../helpers/clients.ts';
import { replayImplementation } from '../replay/replayService.ts';

describe('the SDK resumes replayable events after a reconnect', () => {
  const { stack, client, outage } = stackBehindProxy(
    { implementations: [replayImplementation('rfeed'), replayImplementation('rtiny', { maxBytes: 2_000_000 })] },
    { reconnect: { initialDelayMs: 20, maxDelayMs: 100 }, heartbeatMs: 0 },
  );


  it('delivers the events published while away, then live ones: each once, in order, with since on the new connection', async () => {
    const sent: SentFrame[] = [];
    const c = client({ WebSocket: recordingWebSocket(sent) });
    const publisher = client({ url: stack.url }); // straight to the gateway: the proxy's outage is the subscriber's only
    const got: number[] = [];
    let lost = 0;
    await c.subscribe<{ n: number }>('rfeed.item', 'r1', (payload) => got.push(payload.n), { onHistoryLost: () => lost++ });
    await publisher.call('rfeed.post', { topic: 'r1', first: 0, count: 3 });
    await eventually(() => got.length === 3, 'the first events');
    const down = await outage(c);
    await publisher.call('rfeed.post', { topic: 'r1', first: 3, count: 4 });
    await publisher.call('rfeed.post', { topic: 'other', first: 100, count: 2 });
    await down.reopen();
    await publisher.call('rfeed.post', { topic: 'r1', first: 7, count: 2 });
    await eventually(() => got.length === 9, 'the missed and the live events');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(got, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(lost, 0);
    const resubscribe = sent.filter((frame) => frame.method === 'rpc.subscribe').at(-1);
    assert.equal(typeof resubscribe?.params?.since?.offset, 'number', 'the new connection sent since');
  });

  it('resumes from the position the subscription started at when no event came before the loss', async () => {
    const c = client();
    const publisher = client({ url: stack.url }); // straight to the gateway: the proxy's outage is the subscriber's only
    const got: number[] = [];
    await c.subscribe<{ n: number }>('rfeed.item', 'r2', (payload) => got.push(payload.n));
    const down = await outage(c);
    await publisher.call('rfeed.post', { topic: 'r2', first: 0, count: 2 });
    await down.reopen();
    await eventually(() => got.length === 2, 'the events published before the first one arrived');
    assert.deepEqual(got, [0, 1]);
  });

  it('calls onHistoryLost once when the events missed are past the retention, then delivers live events', async () => {
    const c = client();
    const publisher = client({ url: stack.url }); // straight to the gateway: the proxy's outage is the subscriber's only
    const got: number[] = [];
    let lost = 0;
    await c.subscribe<{ n: number }>('rtiny.item', 'r3', (payload) => got.push(payload.n), { onHistoryLost: () => lost++ });
    await publisher.call('rtiny.post', { topic: 'r3', first: 0, count: 1 });
    await eventually(() => got.length === 1, 'the first event');
    const down = await outage(c);
    for (let i = 0; i < 7; i++) await publisher.call('rtiny.post', { topic: 'r3', first: 1 + 50 * i, count: 50, pad: 10_000 });
    await down.reopen();
    await eventually(() => lost === 1, 'onHistoryLost');
    await publisher.call('rtiny.post', { topic: 'r3', first: 1000, count: 1 });
    await eventually(() => got.includes(1000), 'the live event');
    assert.equal(lost, 1);
    assert.deepEqual(got, [0, 1000], 'nothing replayed from the lost history');
  });
});
