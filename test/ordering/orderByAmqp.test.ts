/**
 * orderBy on RabbitMQ: one `warren gateway` and two `warren worker` processes. Four senders,
 * each its own socket and none waiting for replies, send 500 calls each over three keys. Each
 * key's calls must run one at a time, each sender's in the order it sent them, and the calls
 * must spread over both workers.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { needsBroker, uniqueName } from '../helpers/broker.ts';
import { waitReady, WarrenProcesses, type WarrenProcess } from '../helpers/processes.ts';
import { TESTKIT_ENV } from '../helpers/testkit.ts';
import { orderedContract } from './orderedService.ts';
import { checkOrder, sendPipelined } from './ledger.ts';

const svc = uniqueName('ordered');

describe('orderBy over RabbitMQ: warren gateway + two warren worker processes', { ...(await needsBroker()), timeout: 90_000 }, () => {
  const group = new WarrenProcesses({
    module: fileURLToPath(new URL('./orderedService.ts', import.meta.url)),
    contract: orderedContract(svc),
    env: { [TESTKIT_ENV]: svc },
  });
  let gateway: WarrenProcess;
  let workers: WarrenProcess[];

  before(async () => {
    workers = await Promise.all([group.start('worker'), group.start('worker')]);
    gateway = await group.start('gateway');
    await waitReady(gateway.http!);
  });

  after(async () => {
    await group.stopAll();
    await group.deleteQueues().catch(() => {});
  });

  it('4 pipelined senders × 500 calls over 3 keys: one call of a key at a time, in send order, on both workers', async (t) => {
    const started = performance.now();
    const runs = await sendPipelined(gateway.url!, group.method('send'), { senders: 4, calls: 500, keys: 3, timeoutMs: 60_000 });
    const ms = Math.round(performance.now() - started);
    const { overlaps, outOfOrder, split } = checkOrder(runs);
    const shares = workers.map((worker) => split.get(worker.child.pid!) ?? 0);
    t.diagnostic(`2000 calls in ${ms} ms; overlaps ${overlaps}, out of order ${outOfOrder}; split ${shares.join(' / ')}`);
    assert.equal(runs.length, 2000);
    assert.equal(overlaps, 0, 'never two calls of one key at once');
    assert.equal(outOfOrder, 0, "each sender's calls of a key ran in the order it sent them");
    assert.equal(shares[0]! + shares[1]!, 2000, 'every call ran on one of the two workers');
    // Three keys over two workers: at best 2 keys to 1; each worker must hold a key's share.
    for (const share of shares) assert.ok(share >= 2000 / 3 / 2, `each worker ran a real share: ${shares.join(' / ')}`);
  });
});
