/** The replay cases (replayCases.ts) on the memory transport: one process, one MemoryBroker. */
import { startStack } from '../helpers/stack.ts';
import { defineReplayCases } from './replayCases.ts';
import { replayImplementation } from './replayService.ts';

defineReplayCases('memory transport', async (feed, tiny) => {
  const stack = await startStack({ implementations: [replayImplementation(feed), replayImplementation(tiny, { maxBytes: 2_000_000 })] });
  return { url: stack.url, close: () => stack.close() };
});
