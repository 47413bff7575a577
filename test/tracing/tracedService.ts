/**
 * A contract whose handlers return what they see of the trace (ctx.trace), log through ctx.log
 * and emit an event, for the tracing tests; and its service module form for `warren` processes,
 * the service name taken from WARREN_TRACED_SERVICE.
 */
import { z } from 'zod';
import { defineContract } from '../../src/contract/defineContract.ts';
import { implement } from '../../src/contract/implement.ts';

export const TRACED_ENV = 'WARREN_TRACED_SERVICE';

const seen = z.object({ traceId: z.string().nullable(), spanId: z.string().nullable() });

export function tracedContract(service: string) {
  return defineContract({
    service,
    methods: {
      whereAmI: { input: z.object({}), output: seen },
      announce: { input: z.object({ topic: z.string() }), output: seen },
      refuse: { input: z.object({}), output: z.object({}) },
    },
    events: { announced: { payload: z.object({ by: z.string() }) } },
    errors: { Refused: { code: 4100, message: 'Refused' } },
  });
}

export function tracedImplementation(service: string) {
  return implement(tracedContract(service), {
    whereAmI: (_input, ctx) => {
      ctx.log.info({ method: ctx.method }, 'traced call');
      return { traceId: ctx.trace?.traceId ?? null, spanId: ctx.trace?.spanId ?? null };
    },
    announce: async ({ topic }, ctx) => {
      await ctx.emit('announced', { by: ctx.method }, { topic });
      return { traceId: ctx.trace?.traceId ?? null, spanId: ctx.trace?.spanId ?? null };
    },
    refuse: (_input, ctx) => {
      throw ctx.error('Refused');
    },
  });
}

const service = process.env[TRACED_ENV] ?? 'traced';
export const contracts = [tracedContract(service)];
export const implementations = [tracedImplementation(service)];
