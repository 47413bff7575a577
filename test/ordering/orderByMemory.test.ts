/**
 * orderBy on the memory transport: one gateway and two workers in this process, each worker on
 * its own MemoryTransport of one MemoryBroker. The same load and checks as orderByAmqp.test.ts.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Gateway } from '../../src/gateway/Gateway.ts';
import { MemoryBroker } from '../../src/transport/MemoryBroker.ts';
import { MemoryTransport } from '../../src/transport/MemoryTransport.ts';
import { Worker } from '../../src/worker/Worker.ts';
import { orderedContract, orderedImplementation } from './orderedService.ts';
import { checkOrder, sendPipelined } from './ledger.ts';

describe('orderBy over the memory transport: a gateway and two workers', { timeout: 60_000 }, () => {
  const broker = new MemoryBroker();
  const transports = [0, 1, 2].map(() => new MemoryTransport({ broker }));
  const workers = [1, 2].map((id, i) => new Worker({ transport: transports[i + 1]!, implementations: [orderedImplementation('ordered', id)] }));
  const gateway = new Gateway({ transport: transports[0]!, contracts: [orderedContract('ordered')] });
  let url: string;

  before(async () => {
    for (const transport of transports) transport.start();
    for (const worker of workers) await worker.start();
    const address = await gateway.listen(0, '127.0.0.1');
    url = `ws://127.0.0.1:${address.port}/rpc`;
  });

  after(async () => {
    await gateway.close();
    for (const worker of workers) await worker.stop();
    for (const transport of transports) await transport.close();
  });

  it('4 pipelined senders × 500 calls over 3 keys: one call of a key at a time, in send order, on both workers', async (t) => {
    const started = performance.now();
    const runs = await sendPipelined(url, 'ordered.send', { senders: 4, calls: 500, keys: 3, timeoutMs: 30_000 });
    const { overlaps, outOfOrder, split } = checkOrder(runs);
    const shares = [split.get(1) ?? 0, split.get(2) ?? 0];
    t.diagnostic(`2000 calls in ${Math.round(performance.now() - started)} ms; overlaps ${overlaps}, out of order ${outOfOrder}; split ${shares.join(' / ')}`);
    assert.equal(runs.length, 2000);
    assert.equal(overlaps, 0, 'never two calls of one key at once');
    assert.equal(outOfOrder, 0, "each sender's calls of a key ran in the order it sent them");
    for (const share of shares) assert.ok(share >= 2000 / 3 / 2, `each worker ran a real share: ${shares.join(' / ')}`);
  });
});
