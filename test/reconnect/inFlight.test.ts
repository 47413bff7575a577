/**
 * Calls in flight when the connection goes, and calls made while it is away: each gets
 * exactly one documented outcome by its deadline. A call of a method that is not idempotent
 * fails with CONNECTION_LOST (it may have run); an idempotent one is sent again after the
 * reconnect; a deadline that passes during the outage is TIMEOUT. Nothing hangs.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WarrenClient } from '../../packages/warren-client/src/WarrenClient.ts';
import { ErrorCode } from 'warren-client/protocol';
import { flakyService } from './flakyService.ts';
import { eventually, recordStates, rejectsWith, stackBehindProxy } from '../helpers/clients.ts';

const SERVICE = 'rinflight';
const wire = (name: string) => `${SERVICE}.${name}`;
const { implementation, runs } = flakyService(SERVICE);

describe('calls when the connection is lost', () => {
  const { stack, proxy, client } = stackBehindProxy(
    { service: 'rinflightkit', implementations: [implementation] },
    { reconnect: { initialDelayMs: 20, maxDelayMs: 100 }, heartbeatMs: 0 },
  );

  async function connected(): Promise<WarrenClient> {
    const c = client();
    await c.ready();
    return c;
  }

  it('in flight at the cut: not idempotent → CONNECTION_LOST; idempotent → resent and answered; deadline in the outage → TIMEOUT', async () => {
    const c = await connected();
    const states = recordStates(c);
    const charge = rejectsWith(c.call(wire('charge'), { id: 'charge-1', ms: 400 }), ErrorCode.CONNECTION_LOST);
    const lookup = c.call<{ id: string; run: number }>(wire('lookup'), { id: 'lookup-1', ms: 400 }, { idempotent: true, timeoutMs: 8000 });
    // Each expected failure is asserted at once, so that no rejection is ever left unhandled.
    const expiring = rejectsWith(c.call(wire('lookup'), { id: 'lookup-expiring', ms: 400 }, { idempotent: true, timeoutMs: 700 }), ErrorCode.TIMEOUT);
    await eventually(() => stack.gateway.inFlight === 3, 'all three calls reached the gateway');

    // The gateway seems down: the connection resets and new ones are refused for a while.
    proxy.refusing = true;
    proxy.cut();
    await charge;
    // Made during the outage: it waits for the connection, within its deadline.
    const during = c.call<{ run: number }>(wire('charge'), { id: 'charge-during', ms: 0 }, { timeoutMs: 8000 });
    const tooLate = rejectsWith(c.call(wire('charge'), { id: 'charge-too-late', ms: 0 }, { timeoutMs: 200 }), ErrorCode.TIMEOUT);
    await expiring;
    await tooLate;
    assert.equal(c.state, 'reconnecting');

    proxy.refusing = false;
    assert.deepEqual(await lookup, { id: 'lookup-1', run: 2 }, 'ran again on the new connection');
    assert.deepEqual(await during, { id: 'charge-during', run: 1 });
    assert.equal(runs.get('charge-1'), 1, 'the non-idempotent call was never resent');
    assert.equal(runs.get('charge-too-late'), undefined, 'a call that timed out while waiting was never sent');
    assert.equal(runs.get('lookup-expiring'), 1, 'the expired idempotent call was not resent');
    assert.deepEqual(states.distinct(), ['reconnecting', 'open']);
    await eventually(() => stack.gateway.inFlight === 0, 'the gateway has nothing left in flight');
  });

  it('an aborted call waiting for the connection rejects with CANCELLED and is never sent', async () => {
    const c = await connected();
    proxy.refusing = true;
    proxy.cut();
    await eventually(() => c.state === 'reconnecting', 'the client noticed');
    const controller = new AbortController();
    const call = c.call(wire('charge'), { id: 'charge-aborted', ms: 0 }, { signal: controller.signal });
    controller.abort();
    await rejectsWith(call, ErrorCode.CANCELLED);
    proxy.refusing = false;
    await eventually(() => c.state === 'open', 'reconnected');
    assert.deepEqual(await c.call(wire('charge'), { id: 'charge-after-abort', ms: 0 }), { id: 'charge-after-abort', run: 1 });
    assert.equal(runs.get('charge-aborted'), undefined);
  });

  it('notify() during the outage is sent once the connection is back', async () => {
    const c = await connected();
    proxy.refusing = true;
    proxy.cut();
    await eventually(() => c.state === 'reconnecting', 'the client noticed');
    const notified = c.notify(wire('charge'), { id: 'notified', ms: 0 });
    await sleep(100);
    assert.equal(runs.get('notified'), undefined);
    proxy.refusing = false;
    await notified;
    await eventually(() => runs.get('notified') === 1, 'the notification ran');
  });
});
