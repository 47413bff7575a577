/**
 * The service of emitOnce.test.ts, loaded by `warren gateway|worker --service`: one method whose
 * handler emits several events with a pause between them, so that a worker killed during a burst
 * of calls dies in the middle of some runs. The service name comes from WARREN_EMIT_ONCE_SERVICE,
 * so that each run has queues of its own.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineContract } from '../../src/contract/defineContract.ts';
import { implement } from '../../src/contract/implement.ts';

/** Environment variable naming the service. */
export const EMIT_ONCE_SERVICE_ENV = 'WARREN_EMIT_ONCE_SERVICE';
/** The topic every `ticked` event goes to. */
export const EMIT_TOPIC = 'burst';

export function emitOnceContract(service: string) {
  return defineContract({
    service,
    methods: {
      /** Logs `emitter started`, then emits `count` events `pauseMs` apart, then answers. */
      emitter: {
        input: z.object({ tag: z.string(), count: z.number().int().min(1).max(20), pauseMs: z.number().int().min(0).max(1000) }),
        output: z.object({ tag: z.string(), pid: z.number(), redelivered: z.boolean() }),
        timeoutMs: 30_000,
      },
    },
    events: {
      /** `callId` and `k` make the event's id (`<callId>:<k>`), which the gateway does not put on the wire. */
      ticked: { payload: z.object({ tag: z.string(), k: z.number(), callId: z.string(), pid: z.number() }) },
    },
  });
}

const service = process.env[EMIT_ONCE_SERVICE_ENV] ?? 'emitonce';
export const contracts = [emitOnceContract(service)];
export const implementations = [
  implement(contracts[0]!, {
    async emitter({ tag, count, pauseMs }, ctx) {
      ctx.log.info({ tag, redelivered: ctx.redelivered }, 'emitter started');
      for (let k = 0; k < count; k++) {
        if (k > 0) await sleep(pauseMs, undefined, { signal: ctx.signal });
        await ctx.emit('ticked', { tag, k, callId: ctx.callId ?? '', pid: process.pid }, { topic: EMIT_TOPIC });
      }
      return { tag, pid: process.pid, redelivered: ctx.redelivered };
    },
  }),
];
