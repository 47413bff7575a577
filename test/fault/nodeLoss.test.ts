/**
 * Node loss on the 3-node test cluster, under load (see nodeLoss.ts): the gateways' node killed
 * and restarted, then the node leading a method queue. Nothing lost or duplicated, no TIMEOUT,
 * client-visible errors at most 0.1% of the calls and none on the idempotent method, stalls of a
 * few seconds at most, the queues empty and none of the calls in warren.dlq at the end.
 *
 * The CI form settles 4 s around each fault; WARREN_NODE_LOSS_LONG=1 (`npm run node-loss`) runs
 * more clients and 15 s between faults.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { needsCluster } from '../helpers/cluster.ts';
import { errorTotal } from './callLedger.ts';
import { formatNodeLoss, longestStall, runNodeLoss } from './nodeLoss.ts';

const long = process.env.WARREN_NODE_LOSS_LONG === '1';

describe('node loss: two nodes of three killed in turn, under load, quorum method queues', { ...(await needsCluster()), timeout: long ? 300_000 : 150_000 }, () => {
  it('0 lost, 0 duplicated, 0 TIMEOUT, errors ≤ 0.1%, none on the idempotent method, queues empty', async (t) => {
    const report = await runNodeLoss(long ? { clients: 20, inFlight: 4, settleSeconds: 15 } : { clients: 8, inFlight: 3, settleSeconds: 4 });
    for (const line of formatNodeLoss(report).split('\n')) t.diagnostic(line);
    assert.equal(report.faults.length, 2, 'both faults ran');
    assert.ok(report.all.sent > 1000, `load: ${report.all.sent} calls`);
    assert.equal(report.all.lost, 0, 'lost');
    assert.equal(report.all.duplicated, 0, 'duplicated');
    assert.equal(report.all.errors.TIMEOUT ?? 0, 0, 'TIMEOUT');
    assert.equal(errorTotal(report.lookup), 0, `errors on the idempotent method: ${JSON.stringify(report.lookup.messages)}`);
    const errors = errorTotal(report.all);
    assert.ok(errors <= report.all.sent / 1000, `${errors} errors of ${report.all.sent} calls, above 0.1%: ${JSON.stringify(report.all.messages)}`);
    // A quorum queue whose leader died takes calls again once its replicas have elected another
    // (measured: 0 to 3 s without a result); calls wait meanwhile, they do not fail.
    assert.ok(longestStall(report) <= 5, `${longestStall(report)} s in a row without a single result`);
    assert.equal(report.queueMessages, 0, 'left in the method queues');
    // warren.dlq is shared with the other cluster tests: none of this run's calls is in it.
    assert.equal(report.deadLetters, 0, 'dead-lettered into warren.dlq');
  });
});
