/**
 * Subscriptions across a reconnect: re-sent on the new connection before any queued call, so
 * an event emitted by that call is not missed; not re-sent once unsubscribed; and a
 * subscribe() made during the outage waits for the connection.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { WarrenClient } from '../../packages/warren-client/src/WarrenClient.ts';
import { eventually, recordingWebSocket, stackBehindProxy, type SentFrame } from '../helpers/clients.ts';

const SERVICE = 'rresub';
const m = (name: string) => `${SERVICE}.${name}`;
const SHOUTED = m('shouted');

describe('subscriptions across a reconnect', () => {
  const { stack, client, outage } = stackBehindProxy({ service: SERVICE }, { reconnect: { initialDelayMs: 20, maxDelayMs: 100 }, heartbeatMs: 0 });

  function connect(sent: SentFrame[]): WarrenClient {
    return client({ WebSocket: recordingWebSocket(sent) });
  }

  it('re-subscribes before it flushes queued calls: an event emitted by a queued call arrives', async () => {
    const sent: SentFrame[] = [];
    const c = connect(sent);
    const received: string[] = [];
    await c.subscribe<{ text: string }>(SHOUTED, 'order', (payload) => received.push(payload.text));
    const down = await outage(c);
    const before = sent.length;
    // Queued while away; on the new connection it must run after the subscription is back.
    const queued = c.call(m('shout'), { topic: 'order', text: 'queued' });
    await down.reopen();
    await queued;
    await eventually(() => received.includes('queued'), 'the event of the queued call arrived');
    const after = sent.slice(before).map((frame) => frame.method);
    assert.deepEqual(after, ['rpc.subscribe', m('shout')]);
  });

  it('an unsubscribe during the outage is not undone by the reconnect', async () => {
    const sent: SentFrame[] = [];
    const c = connect(sent);
    const kept: string[] = [];
    const dropped: string[] = [];
    await c.subscribe<{ text: string }>(SHOUTED, 'kept', (payload) => kept.push(payload.text));
    const stop = await c.subscribe<{ text: string }>(SHOUTED, 'dropped', (payload) => dropped.push(payload.text));
    const down = await outage(c);
    const before = sent.length;
    await stop(); // resolves at once: no socket holds the subscription
    await down.reopen();
    const resent = sent.slice(before).filter((frame) => frame.method === 'rpc.subscribe');
    assert.deepEqual(resent.map((frame) => frame.params?.topic), ['kept']);
    await c.call(m('shout'), { topic: 'dropped', text: 'unseen' });
    await c.call(m('shout'), { topic: 'kept', text: 'seen' });
    await eventually(() => kept.length === 1, 'the kept subscription works');
    assert.deepEqual(dropped, []);
  });

  it('subscribe() during the outage waits for the connection, then works', async () => {
    const c = connect([]);
    await c.ready();
    const down = await outage(c);
    const received: string[] = [];
    const subscribed = c.subscribe<{ text: string }>(SHOUTED, 'late', (payload) => received.push(payload.text));
    await down.reopen();
    await subscribed;
    await c.call(m('shout'), { topic: 'late', text: 'hello' });
    await eventually(() => received.length === 1, 'the event arrived');
  });

  it('an idempotent call is resent with its id and the time left to its deadline', async () => {
    const sent: SentFrame[] = [];
    const c = connect(sent);
    await c.ready();
    const call = c.call(m('sleep'), { ms: 300, id: 'resent' }, { idempotent: true, timeoutMs: 8000 });
    await eventually(() => stack.gateway.inFlight === 1, 'the call reached the gateway');
    const down = await outage(c);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await down.reopen();
    await call;
    const frames = sent.filter((frame) => frame.method === m('sleep'));
    assert.equal(frames.length, 2);
    assert.equal(frames[0]!.id, frames[1]!.id);
    assert.ok(frames[1]!.timeoutMs! < frames[0]!.timeoutMs!, `${frames[1]!.timeoutMs} < ${frames[0]!.timeoutMs}`);
  });
});
