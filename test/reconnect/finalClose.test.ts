/**
 * When the client must not come back: reconnect: false, close() (in any state), and a
 * reconnect policy whose attempts ran out. Each ends in the final state 'closed', makes no
 * further connection attempt, and fails every waiting call with CONNECTION_LOST.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode } from 'warren-client/protocol';
import { eventually, recordStates, rejectsWith, stackBehindProxy } from '../helpers/clients.ts';

const SERVICE = 'rfinal';
const m = (name: string) => `${SERVICE}.${name}`;

describe('no reconnect', () => {
  const { stack, proxy, client } = stackBehindProxy({ service: SERVICE }, { reconnect: { initialDelayMs: 20, maxDelayMs: 100 } });

  it('reconnect: false — a lost connection closes the client for good', async () => {
    const c = client({ reconnect: false });
    await c.ready();
    const states = recordStates(c);
    const accepted = proxy.accepted;
    const inFlight = rejectsWith(c.call(m('sleep'), { ms: 2000, id: 'no-reconnect' }, { idempotent: true }), ErrorCode.CONNECTION_LOST);
    await eventually(() => stack.gateway.inFlight === 1, 'the call reached the gateway');
    proxy.cut();
    await inFlight; // even an idempotent call: there is no connection to resend it on
    assert.equal(c.state, 'closed');
    assert.deepEqual(states.states(), ['closed']);
    assert.equal(states.changes[0]!.error?.code, ErrorCode.CONNECTION_LOST);
    await rejectsWith(c.call(m('add'), [1, 2]), ErrorCode.CONNECTION_LOST);
    await rejectsWith(c.ready(), ErrorCode.CONNECTION_LOST);
    await sleep(200);
    assert.equal(proxy.accepted, accepted, 'no new connection attempt');
  });

  it('close() while open — state closed, no reconnect, calls fail fast', async () => {
    const c = client();
    await c.ready();
    const states = recordStates(c);
    const accepted = proxy.accepted;
    const pending = rejectsWith(c.call(m('sleep'), { ms: 2000, id: 'closed-open' }, { idempotent: true }), ErrorCode.CONNECTION_LOST);
    await eventually(() => stack.gateway.inFlight >= 1, 'the call reached the gateway');
    c.close();
    await pending;
    c.close(); // twice is harmless
    assert.deepEqual(states.states(), ['closed']);
    await rejectsWith(c.call(m('add'), [1, 2]), ErrorCode.CONNECTION_LOST);
    await rejectsWith(c.notify(m('add'), [1, 2]), ErrorCode.CONNECTION_LOST);
    await sleep(200);
    assert.equal(proxy.accepted, accepted, 'no new connection attempt');
    assert.equal(c.state, 'closed');
  });

  it('close() while reconnecting — the pending attempt is cancelled, waiting calls fail', async () => {
    const c = client({ reconnect: { initialDelayMs: 300, maxDelayMs: 300, random: () => 0.99 } });
    await c.ready();
    const states = recordStates(c);
    proxy.refusing = true;
    proxy.cut();
    await eventually(() => c.state === 'reconnecting', 'the client noticed');
    const waiting = rejectsWith(c.call(m('add'), [1, 2]), ErrorCode.CONNECTION_LOST);
    const accepted = proxy.accepted;
    c.close();
    await waiting;
    await sleep(500);
    assert.equal(proxy.accepted, accepted, 'the scheduled attempt never ran');
    assert.deepEqual(states.states(), ['reconnecting', 'closed']);
  });

  it('close() while connecting — nothing is left open and no attempt follows', async () => {
    const accepted = proxy.accepted;
    const c = client();
    const call = rejectsWith(c.call(m('add'), [1, 2]), ErrorCode.CONNECTION_LOST);
    c.close();
    await call;
    await rejectsWith(c.ready(), ErrorCode.CONNECTION_LOST);
    await sleep(200);
    assert.ok(proxy.accepted <= accepted + 1, 'at most the first connection was made');
    await eventually(() => proxy.connections === 0, 'the connection went away');
  });

  it('maxAttempts — after that many failed attempts in a row the client gives up', async () => {
    const c = client({ reconnect: { initialDelayMs: 10, maxDelayMs: 20, maxAttempts: 3 } });
    await c.ready();
    const states = recordStates(c);
    proxy.refusing = true;
    proxy.cut();
    const waiting = rejectsWith(c.call(m('add'), [1, 2], { timeoutMs: 20_000 }), ErrorCode.CONNECTION_LOST);
    await eventually(() => c.state === 'closed', 'the client gave up');
    await waiting;
    assert.deepEqual(states.states(), ['reconnecting', 'reconnecting', 'reconnecting', 'closed']);
    assert.deepEqual(states.changes.map((change) => change.attempt), [1, 2, 3, 0]);
    for (const change of states.changes.slice(0, 3)) assert.ok(change.delayMs! >= 0 && change.delayMs! < 20);
    assert.equal(states.changes[3]!.error?.code, ErrorCode.CONNECTION_LOST);
  });

  it('a throwing state listener disturbs neither the client nor the other listeners', async () => {
    const c = client();
    const seen: string[] = [];
    c.onState(() => {
      throw new Error('listener bug');
    });
    const stop = c.onState(({ state }) => seen.push(state));
    await c.ready();
    assert.equal(await c.call(m('add'), [1, 2]), 3);
    stop();
    c.close();
    assert.deepEqual(seen, ['open']);
  });
});
