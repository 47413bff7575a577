/**
 * The chaos run's short form for CI (see chaos.ts; `npm run chaos` is the long form): every
 * request answered exactly once while workers die, connections drop and the broker restarts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { needsBroker } from '../helpers/broker.ts';
import { formatReport, runChaos } from './chaos.ts';

describe('chaos: kill a worker, drop connections, restart the broker, under load', { ...(await needsBroker()), timeout: 90_000 }, () => {
  it('answers every request exactly once and leaves nothing pending or queued', async (t) => {
    const report = await runChaos({ seconds: 12, spacingSeconds: 2, settleSeconds: 3, clients: 8, outageMs: 1000 });
    for (const line of formatReport(report).split('\n')) t.diagnostic(line);
    assert.deepEqual(
      report.faults.map((f) => f.fault),
      ['SIGKILL a worker, start another', 'close a gateway connection', 'restart the broker app', 'close a worker connection'],
    );
    assert.ok(report.sent > 0);
    assert.equal(report.lost, 0, 'lost');
    assert.equal(report.duplicated, 0, 'duplicated');
    assert.equal(report.answeredOnce, report.sent);
    assert.equal(report.late, 0, 'answered after deadline + grace');
    assert.equal(report.strays, 0);
    assert.equal(report.socketCloses, 0);
    // Only documented errors: the outages' UNAVAILABLE and the lost replies' TIMEOUT.
    assert.deepEqual(Object.keys(report.errors).filter((name) => !['UNAVAILABLE', 'TIMEOUT', 'OVERLOADED'].includes(name)), []);
    assert.ok(report.okAfterFaults > 0, 'calls succeed after the last fault');
    assert.deepEqual(report.gatewayPending, [0, 0], "gateways' pending calls");
    assert.equal(report.queueMessages, 0);
    assert.equal(report.deadLettered, 0);
    assert.deepEqual(report.consumers, [2, 2, 2, 2, 2], 'one consumer per worker per method queue');
  });
});
