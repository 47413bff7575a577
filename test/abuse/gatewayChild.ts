/**
 * Child-process entry of GatewayProcess: a memory transport, a worker serving the testkit and
 * a gateway on a free loopback port. Run with --expose-gc so that the parent can ask for the
 * heap after a full collection, measured without the test's own client-side garbage.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Gateway, type GatewayOptions } from '../../src/gateway/Gateway.ts';
import { MemoryBroker } from '../../src/transport/MemoryBroker.ts';
import { MemoryTransport } from '../../src/transport/MemoryTransport.ts';
import { Worker } from '../../src/worker/Worker.ts';
import { testkitImplementation } from '../helpers/testkit.ts';
import type { ChildReport, ChildRequest } from './GatewayProcess.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('gatewayChild needs node --expose-gc');
const send = (message: ChildReport) => process.send!(message);

const service = process.env.WARREN_CHILD_SERVICE ?? 'testkit';
const overrides = JSON.parse(process.env.WARREN_CHILD_GATEWAY ?? '{}') as Partial<GatewayOptions>;
const implementation = testkitImplementation(service);
const transport = new MemoryTransport({ broker: new MemoryBroker() });
transport.start();
const worker = new Worker({ transport, implementations: [implementation] });
await worker.start();
const gateway = new Gateway({ ...overrides, transport, contracts: [implementation.contract] });
const address = await gateway.listen(0, '127.0.0.1');
// The longest time the event loop was held up, so that a late answer can be told from a lost one.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

process.on('message', async (message: ChildRequest) => {
  if (message.type === 'stats') {
    gc();
    const { heapUsed, rss } = process.memoryUsage();
    send({ type: 'stats', seq: message.seq, heapUsed, rss, ...gateway.stats, pendingCount: transport.pendingCount, loopDelayMaxMs: loopDelay.max / 1e6 });
  } else if (message.type === 'close') {
    await gateway.close(1000);
    await worker.stop();
    await transport.close();
    send({ type: 'closed' });
    process.disconnect();
  }
});
// The parent died without closing us: do not linger.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready', url: `ws://127.0.0.1:${address.port}/rpc` });
