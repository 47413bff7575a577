/**
 * A service with one ordered method, for the ordering tests: `send` is ordered by its key, and
 * answers with the worker's pid and when the handler started and ended (epoch ms with a
 * fraction, comparable across processes on one machine), so a test can tell whether two calls
 * of one key ever ran at once and in which order they ran. The service name comes from
 * WARREN_TESTKIT_SERVICE.
 *
 * An answer tells of the run that answered only. When WARREN_ORDER_RUNS names a file, every run
 * also appends a line when it starts and one when it ends (runLedger.ts), synchronously, so a
 * run cut short by a SIGKILL leaves its start behind and a test sees every run, answered or not.
 */
import { appendFileSync } from 'node:fs';
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
        orderBy: (input) => input.key,
        // Long enough for a pipelined burst to drain behind a worker's death.
        timeoutMs: 60_000,
      },
    },
  });
}

const now = (): number => performance.timeOrigin + performance.now();

/** The file every run is logged to, when set. */
export const RUNS_ENV = 'WARREN_ORDER_RUNS';

/** @param worker what the answers name the worker by: its pid, or a number of the test's in one process. */
export function orderedImplementation(service: string, worker = process.pid) {
  const runs = process.env[RUNS_ENV];
  const log = (line: object): void => {
    if (runs) appendFileSync(runs, `${JSON.stringify(line)}\n`);
  };
  return implement(orderedContract(service), {
    async send({ key, sender, n }, ctx) {
      const startedAt = now();
      log({ event: 'start', key, sender, n, pid: worker, at: startedAt, redelivered: ctx.redelivered });
      // Long enough that two overlapping runs could not both fit between two reads of the clock.
      await new Promise((resolve) => setTimeout(resolve, 1));
      const endedAt = now();
      log({ event: 'end', key, sender, n, pid: worker, at: endedAt });
      return { pid: worker, startedAt, endedAt };
    },
  });
}

const service = process.env[TESTKIT_ENV] ?? 'ordered';
export const contracts = [orderedContract(service)];
export const implementations = [orderedImplementation(service)];
