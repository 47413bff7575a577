/**
 * The service of the replayable-event fault tests (replayAcrossGateways.test.ts,
 * replayEmitOnce.test.ts), loaded by `warren gateway|worker --service`: one method whose
 * handler emits several replayable events, spread over topics, with an optional pause between
 * them. The service name comes from WARREN_REPLAY_FAULT_SERVICE, so that each run has queues
 * and streams of its own.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineContract } from '../../src/contract/defineContract.ts';
import { implement } from '../../src/contract/implement.ts';

/** Environment variable naming the service. */
export const REPLAY_FAULT_SERVICE_ENV = 'WARREN_REPLAY_FAULT_SERVICE';
/** The small retention of the `tiny` event: RabbitMQ keeps it in 1 MB segments (see retention.ts). */
export const TINY_MAX_BYTES = 2_000_000;

const payload = z.object({ tag: z.string(), seq: z.number(), k: z.number(), callId: z.string(), pid: z.number(), pad: z.string().optional() });

export function replayFaultContract(service: string) {
  return defineContract({
    service,
    methods: {
      /**
       * Logs `emit started`, then emits `count` events of `event`, the k-th on
       * `topics[k % topics.length]`, `pauseMs` apart, each padded with `pad` bytes; then answers.
       */
      emit: {
        input: z.object({
          tag: z.string(),
          seq: z.number().int(),
          event: z.enum(['item', 'tiny']),
          topics: z.array(z.string()).min(1).max(10),
          count: z.number().int().min(1).max(100),
          pauseMs: z.number().int().min(0).max(1000),
          pad: z.number().int().min(0).max(100_000).optional(),
        }),
        output: z.object({ tag: z.string(), pid: z.number(), redelivered: z.boolean(), callId: z.string() }),
        timeoutMs: 30_000,
      },
    },
    events: {
      /** `callId` and `k` make the event's id (`<callId>:<k>`), which the stream keeps as the position's epoch. */
      item: { payload, delivery: 'replayable', retention: { maxAge: '1h' } },
      /** Kept briefly: a subscriber away for a few MB of it has lost its history. */
      tiny: { payload, delivery: 'replayable', retention: { maxBytes: TINY_MAX_BYTES } },
    },
  });
}

const service = process.env[REPLAY_FAULT_SERVICE_ENV] ?? 'replayfault';
export const contracts = [replayFaultContract(service)];
export const implementations = [
  implement(contracts[0]!, {
    async emit({ tag, seq, event, topics, count, pauseMs, pad }, ctx) {
      ctx.log.info({ tag, redelivered: ctx.redelivered }, 'emit started');
      const padding = pad ? { pad: 'x'.repeat(pad) } : {};
      for (let k = 0; k < count; k++) {
        if (k > 0 && pauseMs > 0) await sleep(pauseMs, undefined, { signal: ctx.signal });
        await ctx.emit(event, { tag, seq, k, callId: ctx.callId ?? '', pid: process.pid, ...padding }, { topic: topics[k % topics.length]! });
      }
      return { tag, pid: process.pid, redelivered: ctx.redelivered, callId: ctx.callId ?? '' };
    },
  }),
];
