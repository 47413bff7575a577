/**
 * A service with one replayable and one volatile event, for the replay tests: `post` emits
 * `count` events on a topic, numbered from `first` (replayable ones padded with `pad` bytes),
 * and answers with how many it emitted.
 */
import { z } from 'zod';
import { defineContract } from '../../src/contract/defineContract.ts';
import { implement } from '../../src/contract/implement.ts';

export function replayContract(service = 'feed', retention?: { maxAge?: string; maxBytes?: number }) {
  return defineContract({
    service,
    methods: {
      post: {
        input: z.object({ topic: z.string(), first: z.number().int(), count: z.number().int().min(0).max(10_000), volatile: z.boolean().optional(), pad: z.number().int().min(0).max(100_000).optional() }),
        output: z.object({ emitted: z.number() }),
      },
    },
    events: {
      item: { payload: z.object({ n: z.number(), pad: z.string().optional() }), delivery: 'replayable', ...(retention ? { retention } : {}) },
      tick: { payload: z.object({ n: z.number() }) },
    },
  });
}

export function replayImplementation(service = 'feed', retention?: { maxAge?: string; maxBytes?: number }) {
  return implement(replayContract(service, retention), {
    post: async ({ topic, first, count, volatile, pad }, ctx) => {
      const padding = pad ? { pad: 'x'.repeat(pad) } : {};
      for (let i = 0; i < count; i++) await ctx.emit(volatile ? 'tick' : 'item', { n: first + i, ...(volatile ? {} : padding) }, { topic });
      return { emitted: count };
    },
  });
}
