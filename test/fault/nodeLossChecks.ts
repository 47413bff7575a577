/**
 * What every node-loss run must show, whatever the reply queue (nodeLoss.test.ts and
 * nodeLossQuorumReplies.test.ts): nothing lost, duplicated or hung, errors only for the
 * non-idempotent calls in flight on the lost node, none on the idempotent method.
 */
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { errorTotal } from './callLedger.ts';
import { formatNodeLoss, longestStall, type NodeLossReport } from './nodeLoss.ts';

export const long = process.env.WARREN_NODE_LOSS_LONG === '1';
export const nodeLossOptions = long ? { clients: 20, inFlight: 4, settleSeconds: 15 } : { clients: 8, inFlight: 3, settleSeconds: 4 };

/** What every node loss must show, whatever the reply queue: nothing lost, duplicated or hung. */
export function assertNoLoss(t: TestContext, report: NodeLossReport, replyQueueType: string): number {
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
  const inFlight = nodeLossOptions.clients * nodeLossOptions.inFlight * report.faults.filter((f) => f.hitGateways).length;
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

