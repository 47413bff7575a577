/**
 * The service of poisonCli.test.ts, loaded by `warren gateway|worker --service`: one method whose
 * handler ends its worker process with `process.exit(1)`, and one that answers. The service name
 * comes from WARREN_POISON_SERVICE, so that each run has queues of its own.
 */
import { z } from 'zod';
import { defineContract } from '../../src/contract/defineContract.ts';
import { implement } from '../../src/contract/implement.ts';

/** Environment variable naming the service. */
export const POISON_SERVICE_ENV = 'WARREN_POISON_SERVICE';

export function poisonContract(service: string) {
  return defineContract({
    service,
    methods: {
      /** Exits the worker process with status 1 on every delivery. */
      exit: { input: z.object({}), output: z.object({ pid: z.number() }), timeoutMs: 60_000 },
      /** Answers with the pid of the worker that ran it. */
      pid: { input: z.object({}), output: z.object({ pid: z.number() }) },
    },
  });
}

const service = process.env[POISON_SERVICE_ENV] ?? 'poisoncli';
export const contracts = [poisonContract(service)];
export const implementations = [
  implement(contracts[0]!, {
    exit: () => process.exit(1),
    pid: () => ({ pid: process.pid }),
  }),
];
