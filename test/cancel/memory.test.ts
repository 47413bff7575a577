/** Cancellation through a gateway and a worker in this process, on the memory transport. */
import { describe } from 'node:test';
import { stackForBlock } from '../helpers/stack.ts';
import { cancelKitImplementation } from '../helpers/cancelKit.ts';
import { defineCancelCases } from './cancelCases.ts';

const service = 'cancelkit';

describe('cancellation over the memory transport (rpc.cancel)', () => {
  const stack = stackForBlock({ implementations: [cancelKitImplementation(service)], worker: { prefetch: 1 } });
  defineCancelCases(() => ({ url: stack.url, service }));
});
