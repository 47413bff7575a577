/**
 * Cancellation across processes: a `warren gateway` and a `warren worker` (prefetch 1), started
 * through the CLI and talking only through the real RabbitMQ. The cancel goes client → gateway
 * → `warren.control` → the worker's control queue.
 */
import { after, before, describe } from 'node:test';
import { fileURLToPath } from 'node:url';
import { needsBroker, uniqueName } from '../helpers/broker.ts';
import { waitReady, WarrenProcesses, type WarrenProcess } from '../helpers/processes.ts';
import { CANCEL_KIT_ENV, cancelKitContract } from '../helpers/cancelKit.ts';
import { defineCancelCases } from './cancelCases.ts';

const service = uniqueName('cancel');

describe('cancellation across warren gateway and warren worker processes on RabbitMQ (rpc.cancel)', { ...(await needsBroker()), timeout: 90_000 }, () => {
  const group = new WarrenProcesses({
    module: fileURLToPath(new URL('../helpers/cancelKitService.ts', import.meta.url)),
    contract: cancelKitContract(service),
    env: { [CANCEL_KIT_ENV]: service },
  });
  let gateway: WarrenProcess;

  before(async () => {
    [gateway] = await Promise.all([group.start('gateway'), group.start('worker', ['--prefetch', '1'])]);
    await waitReady(gateway.http!);
  });

  after(async () => {
    await group.stopAll();
    await group.deleteQueues().catch(() => {});
  });

  defineCancelCases(() => ({ url: gateway.url!, service }));
});
