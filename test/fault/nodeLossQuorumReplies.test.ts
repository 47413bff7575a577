/**
 * Node loss on the 3-node test cluster, under load (see nodeLoss.ts): the gateways' node killed
 * and restarted, then the node leading a method queue. Nothing lost or duplicated, no TIMEOUT,
 * client-visible errors only for non-idempotent calls in flight on a gateway whose node died
 * (UNAVAILABLE, "may have run"), none on the idempotent method, stalls of a few seconds at
 * most, the queues empty and none of the calls in warren.dlq at the end. With quorum reply queues
 * (`--reply-queue-type quorum`); nodeLoss.test.ts runs it with classic ones.
 *
 * The CI form settles 4 s around each fault; WARREN_NODE_LOSS_LONG=1 (`npm run node-loss`) runs
 * more clients and 15 s between faults.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { needsCluster } from '../helpers/cluster.ts';
import { runNodeLoss } from './nodeLoss.ts';
import { assertNoLoss, long, nodeLossOptions as options } from './nodeLossChecks.ts';

describe('node loss: two nodes of three killed in turn, under load, quorum method queues', { ...(await needsCluster()), timeout: long ? 300_000 : 150_000 }, () => {
  it('quorum reply queues: only calls the broker had not confirmed when the node died are answered UNAVAILABLE', async (t) => {
    // The workers start on another node than the gateways, as a deployment spreads them.
    const report = await runNodeLoss({ ...options, replyQueueType: 'quorum', spread: true });
    assertNoLoss(t, report, 'quorum');
    // The reply queue outlives the node: no call loses its reply, only unconfirmed calls may be
    // lost with the node, and they are answered when the hold ends.
    assert.deepEqual(Object.keys(report.all.messages).filter((m) => !m.startsWith('UNAVAILABLE: Broker connection lost')), [], 'no other errors');
  });
});
