/**
 * Node loss on the 3-node test cluster, under load (see nodeLoss.ts): the gateways' node killed
 * and restarted, then the node leading a method queue. Nothing lost or duplicated, no TIMEOUT,
 * client-visible errors only for non-idempotent calls in flight on a gateway whose node died
 * (UNAVAILABLE, "may have run"), none on the idempotent method, stalls of a few seconds at
 * most, the queues empty and none of the calls in warren.dlq at the end. Run once with classic
 * reply queues (the default) and once with quorum reply queues (`--reply-queue-type quorum`).
 *
 * The CI form settles 4 s around each fault; WARREN_NODE_LOSS_LONG=1 (`npm run node-loss`) runs
 * more clients and 15 s between faults.
 */
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { needsCluster } from '../helpers/cluster.ts';
import { errorTotal } from './callLedger.ts';
import { formatNodeLoss, longestStall, runNodeLoss, type NodeLossReport } from './nodeLoss.ts';

const long = process.env.WARREN_NODE_LOSS_LONG === '1';
const options = long ? { clients: 20, inFlight: 4, settleSeconds: 15 } : { clients: 8, inFlight: 3, settleSeconds: 4 };

/** What every node loss must show, whatever the reply queue: nothing lost, duplicated or hung. */
function assertNoLoss(t: TestContext, report: NodeLossReport, replyQueueType: string): number {
  for (const line of formatNodeLoss(report).split('\n')) t.diagnostic(line);
  assert.deepEqual(report.replyQueueTypes, [replyQueueType, replyQueueType], 'the gateways declared reply queues of that type');
  assert.equal(report.faults.length, 2, 'both faults ran');
  assert.ok(report.all.sent > 1000, `load: ${report.all.sent} calls`);
  assert.equal(report.all.lost, 0, 'lost');
  assert.equal(report.all.duplicated, 0, 'duplicated');
  assert.equal(report.all.errors.TIMEOUT ?? 0, 0, 'TIMEOUT');
  assert.equal(errorTotal(report.lookup), 0, `errors on the idempotent method: ${JSON.stringify(report.lookup.messages)}`);
  // Each error is a non-idempotent call in flight on a gateway whose node died: at most every
  // `work` call in flight, per kill of the gateways' node. A number of calls, not a share of them.
  const errors = errorTotal(report.all);
  const inFlight = options.clients * options.inFlight * report.faults.filter((f) => f.hitGateways).length;
  t.diagnostic(`errors: ${errors} of ${report.all.sent} calls (${((100 * errors) / report.all.sent).toFixed(3)}%), bound ${inFlight}`);
  assert.ok(errors <= inFlight, `${errors} errors, more than the ${inFlight} non-idempotent calls in flight at the kills: ${JSON.stringify(report.all.messages)}`);
  // A quorum queue whose leader died takes calls again once its replicas have elected another
  // (measured: 0 to 3 s without a result); calls wait meanwhile, they do not fail.
  assert.ok(longestStall(report) <= 5, `${longestStall(report)} s in a row without a single result`);
  assert.equal(report.queueMessages, 0, 'left in the method queues');
  // warren.dlq is shared with the other cluster tests: none of this run's calls is in it.
  assert.equal(report.deadLetters, 0, 'dead-lettered into warren.dlq');
  return errors;
}

describe('node loss: two nodes of three killed in turn, under load, quorum method queues', { ...(await needsCluster()), timeout: long ? 600_000 : 300_000 }, () => {
  it('classic reply queues: every non-idempotent call in flight on the lost node is answered UNAVAILABLE at once, nothing else fails', async (t) => {
    const report = await runNodeLoss(options);
    assertNoLoss(t, report, 'classic');
    // The reply queue died with its node: its calls' replies cannot come, so they are answered at once.
    assert.deepEqual(Object.keys(report.all.messages).filter((m) => !m.startsWith('UNAVAILABLE: Reply queue lost')), [], 'no other errors');
  });

  it('quorum reply queues: only calls the broker had not confirmed when the node died are answered UNAVAILABLE', async (t) => {
    // The workers start on another node than the gateways, as a deployment spreads them.
    const report = await runNodeLoss({ ...options, replyQueueType: 'quorum', spread: true });
    assertNoLoss(t, report, 'quorum');
    // The reply queue outlives the node: no call loses its reply, only unconfirmed calls may be
    // lost with the node, and they are answered when the hold ends.
    assert.deepEqual(Object.keys(report.all.messages).filter((m) => !m.startsWith('UNAVAILABLE: Broker connection lost')), [], 'no other errors');
  });
});
