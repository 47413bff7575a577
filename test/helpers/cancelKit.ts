/**
 * A contract and handlers for the cancellation tests: `wait` runs until its time is up or its
 * signal aborts (or, with `ignoreSignal`, until its time is up whatever happens), and records
 * when it started and when (and why) its signal fired; `report` reads that record back, from the
 * worker process that holds it. `wait` also logs both moments (`wait started`, `wait aborted`,
 * with the process id), so a test with several worker processes reads which of them ran a call
 * from their output. The service name is a parameter so test files sharing one RabbitMQ never
 * share queues.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineContract } from '../../src/contract/defineContract.ts';
import { implement } from '../../src/contract/implement.ts';
import { WarrenError } from 'warren-client/protocol';

/** The environment variable that names the service in a worker process (cancelKitService.ts). */
export const CANCEL_KIT_ENV = 'WARREN_CANCEL_KIT_SERVICE';

export function cancelKitContract(service: string) {
  return defineContract({
    service,
    methods: {
      wait: {
        input: z.object({ id: z.string(), ms: z.number().int().min(0), ignoreSignal: z.boolean().optional() }),
        output: z.object({ waitedMs: z.number() }),
        timeoutMs: 10_000,
      },
      report: {
        input: z.object({ id: z.string() }),
        output: z.object({ started: z.boolean(), abortedAt: z.number().nullable(), reason: z.number().nullable() }),
      },
    },
  });
}

interface Record {
  startedAt: number;
  abortedAt: number | null;
  reason: number | null;
}

export function cancelKitImplementation(service: string) {
  const records = new Map<string, Record>();
  return implement(cancelKitContract(service), {
    wait: async ({ id, ms, ignoreSignal }, ctx) => {
      const record: Record = { startedAt: Date.now(), abortedAt: null, reason: null };
      records.set(id, record);
      const { signal } = ctx;
      ctx.log.info({ id, pid: process.pid, redelivered: ctx.redelivered }, 'wait started');
      // The moment the signal fires, on this process's clock (the tests run on one machine).
      signal.addEventListener('abort', () => {
        record.abortedAt = Date.now();
        record.reason = signal.reason instanceof WarrenError ? signal.reason.code : null;
        ctx.log.info({ id, pid: process.pid, reason: record.reason }, 'wait aborted');
      });
      // A handler that ignores its signal holds its delivery unacked until its time is up.
      await sleep(ms, undefined, ignoreSignal ? {} : { signal });
      return { waitedMs: Date.now() - record.startedAt };
    },
    report: ({ id }) => {
      const record = records.get(id);
      return { started: record !== undefined, abortedAt: record?.abortedAt ?? null, reason: record?.reason ?? null };
    },
  });
}
