/**
 * Node loss on the 3-node test cluster, under load (see nodeLoss.ts): the gateways' node killed
 * and restarted, then the node leading a method queue. Nothing lost or duplicated, no TIMEOUT,
 * client-visible errors only for non-idempotent calls in flight on a gateway whose node died
 * (UNAVAILABLE, "may have run"), none on the idempotent method, stalls of a few seconds at
 * most, the queues empty and none of the calls in warren.dlq at the end. With classic reply queues
 * (the default); nodeLossQuorumReplies.test.ts runs it with quorum reply queues.
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
  it('classic reply queues: every non-idempotent call in flight on the lost node is answered UNAVAILABLE at once, nothing else fails', async (t) => {
    const report = await runNodeLoss(options);
    assertNoLoss(t, report, 'classic');
    // The reply queue died with its node: its calls' replies cannot come, so they are answered at once.
    assert.deepEqual(Object.keys(report.all.messages).filter((m) => !m.startsWith('UNAVAILABLE: Reply queue lost')), [], 'no other errors');
  });

});
