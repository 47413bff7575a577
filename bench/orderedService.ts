/**
 * The service of bench/ordered.ts: two methods with the same trivial handler, `plain` without
 * an order and `ordered` with `orderBy` on its key, so the difference between them is the
 * ordering alone. Each answer names the worker (pid) that ran it, which is how the bench sees
 * shards move. The service name comes from WARREN_BENCH_ORDERED_SERVICE (one per run).
 */
import { z } from 'zod';
import { defineContract } from '../src/contract/defineContract.ts';
import { implement } from '../src/contract/implement.ts';

export const ORDERED_SERVICE_ENV = 'WARREN_BENCH_ORDERED_SERVICE';

const Params = z.object({ key: z.string().max(64), seq: z.number().int().nonnegative() });
const Result = z.object({ key: z.string(), seq: z.number().int(), pid: z.number().int() });

export function orderedBenchContract(service: string) {
  return defineContract({
    service,
    methods: {
      plain: { input: Params, output: Result },
      ordered: { input: Params, output: Result, orderBy: (input) => input.key },
    },
  });
}

const service = process.env[ORDERED_SERVICE_ENV] ?? 'benchordered';
const run = ({ key, seq }: { key: string; seq: number }) => ({ key, seq, pid: process.pid });
export const contracts = [orderedBenchContract(service)];
export const implementations = [implement(orderedBenchContract(service), { plain: run, ordered: run })];
