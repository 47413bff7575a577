/**
 * A service with one ordered method, for the ordering tests: `send` is ordered by its key, and
 * answers with the worker's pid and when the handler started and ended (epoch ms with a
 * fraction, comparable across processes on one machine), so a test can tell whether two calls
 * of one key ever ran at once and in which order they ran. The service name comes from
 * WARREN_TESTKIT_SERVICE.
 */
import { z } from 'zod';
import { defineContract } from '../../src/contract/defineContract.ts';
import { implement } from '../../src/contract/implement.ts';
import { TESTKIT_ENV } from '../helpers/testkit.ts';

export function orderedContract(service: string) {
  return defineContract({
    service,
    methods: {
      send: {
        input: z.object({ key: z.string(), sender: z.number().int(), n: z.number().int() }),
        output: z.object({ pid: z.number(), startedAt: z.number(), endedAt: z.number() }),
        orderBy: (input: { key: string }) => input.key,
      },
    },
  });
}

const now = (): number => performance.timeOrigin + performance.now();

/** @param worker what the answers name the worker by: its pid, or a number of the test's in one process. */
export function orderedImplementation(service: string, worker = process.pid) {
  return implement(orderedContract(service), {
    async send() {
      const startedAt = now();
      // Long enough that two overlapping runs could not both fit between two reads of the clock.
      await new Promise((resolve) => setTimeout(resolve, 1));
      return { pid: worker, startedAt, endedAt: now() };
    },
  });
}

const service = process.env[TESTKIT_ENV] ?? 'ordered';
export const contracts = [orderedContract(service)];
export const implementations = [orderedImplementation(service)];
