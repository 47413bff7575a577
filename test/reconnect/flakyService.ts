/**
 * A contract for the in-flight tests: one method that is not idempotent (`charge`) and one
 * that is (`lookup`), both waiting `ms` and counting how often each call id ran, so a test
 * can tell a resent call from one that ran once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineContract } from '../../src/contract/defineContract.ts';
import { implement } from '../../src/contract/implement.ts';

const input = z.object({ id: z.string(), ms: z.number().int().min(0) });
const output = z.object({ id: z.string(), run: z.number() });

export function flakyContract(service: string) {
  return defineContract({
    service,
    methods: {
      /** Not idempotent: running it twice would, say, charge twice. */
      charge: { input, output, timeoutMs: 10_000 },
      /** Safe to run again. */
      lookup: { input, output, timeoutMs: 10_000, idempotent: true },
    },
  });
}

/** The implementation and the run count per call id. */
export function flakyService(service: string) {
  const runs = new Map<string, number>();
  async function work({ id, ms }: z.infer<typeof input>, signal: AbortSignal) {
    const run = (runs.get(id) ?? 0) + 1;
    runs.set(id, run);
    await sleep(ms, undefined, { signal });
    return { id, run };
  }
  const implementation = implement(flakyContract(service), {
    charge: (params, ctx) => work(params, ctx.signal),
    lookup: (params, ctx) => work(params, ctx.signal),
  });
  return { implementation, runs };
}
