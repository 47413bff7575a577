/**
 * The service the fault tests run in real worker processes: handlers that are slow, that
 * kill their own process, that fill a bounded queue, and the chaos run's steady work (also as an
 * idempotent method). The service name is a parameter so files sharing one RabbitMQ never share
 * queues.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { defineContract } from '../../src/contract/defineContract.ts';
import { implement } from '../../src/contract/implement.ts';
import { WarrenProcesses } from './processes.ts';

/** Environment variable naming the service, for `warren worker --service faultkitService.ts`. */
export const FAULTKIT_ENV = 'WARREN_FAULTKIT_SERVICE';

/** Most calls waiting in the `bounded` method's queue. */
export const BOUNDED_QUEUE_LENGTH = 3;

const served = z.object({ pid: z.number(), redelivered: z.boolean() });

export function faultkitContract(service: string) {
  return defineContract({
    service,
    methods: {
      echo: { input: z.object({ n: z.number() }), output: served.extend({ n: z.number() }) },
      /** Logs `slow started` with its tag (so a test knows which process holds it), then sleeps. */
      slow: { input: z.object({ ms: z.number().int().min(0), tag: z.string() }), output: served, timeoutMs: 60_000 },
      /** SIGKILLs its own process when `die` is true: a poison message. */
      crash: { input: z.object({ die: z.boolean() }), output: served, timeoutMs: 60_000 },
      bounded: { input: z.object({ ms: z.number().int().min(0) }), output: served, maxQueueLength: BOUNDED_QUEUE_LENGTH },
      /** The chaos run's call: a little work, then its id back. */
      work: { input: z.object({ id: z.string(), ms: z.number().int().min(0).max(1000) }), output: z.object({ id: z.string(), pid: z.number() }) },
      /** `work`, marked idempotent: the transport may publish it again when a fault cuts it off. */
      lookup: { input: z.object({ id: z.string(), ms: z.number().int().min(0).max(1000) }), output: z.object({ id: z.string(), pid: z.number() }), idempotent: true },
    },
  });
}

export function faultkitImplementation(service: string) {
  return implement(faultkitContract(service), {
    echo: ({ n }, ctx) => ({ n, pid: process.pid, redelivered: ctx.redelivered }),
    slow: async ({ ms, tag }, ctx) => {
      ctx.log.info({ tag, pid: process.pid, redelivered: ctx.redelivered }, 'slow started');
      await sleep(ms, undefined, { signal: ctx.signal });
      return { pid: process.pid, redelivered: ctx.redelivered };
    },
    crash: ({ die }, ctx) => {
      if (die) process.kill(process.pid, 'SIGKILL');
      return { pid: process.pid, redelivered: ctx.redelivered };
    },
    bounded: async ({ ms }, ctx) => {
      await sleep(ms, undefined, { signal: ctx.signal });
      return { pid: process.pid, redelivered: ctx.redelivered };
    },
    work: async ({ id, ms }, ctx) => {
      if (ms > 0) await sleep(ms, undefined, { signal: ctx.signal });
      return { id, pid: process.pid };
    },
    lookup: async ({ id, ms }, ctx) => {
      if (ms > 0) await sleep(ms, undefined, { signal: ctx.signal });
      return { id, pid: process.pid };
    },
  });
}

/** `warren gateway|worker` processes serving the faultkit under `service` on RabbitMQ (the test broker unless `amqpUrl`). */
export function faultkitProcesses(service: string, options: { amqpUrl?: string } = {}) {
  return new WarrenProcesses({
    module: fileURLToPath(new URL('./faultkitService.ts', import.meta.url)),
    contract: faultkitContract(service),
    env: { [FAULTKIT_ENV]: service },
    // Past a worker's own shutdown grace (10 s), so that stopAll does not cut it short.
    stopGraceMs: 15_000,
    ...options,
  });
}
