/**
 * The service the fault tests run in real worker processes: handlers that are slow, that
 * kill their own process, that fill a bounded queue, and the chaos run's steady work (also as an
 * idempotent method). The service name is a parameter so files sharing one RabbitMQ never share
 * queues.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { defineContract } from '../../src/contract/defineContract.ts';
import { implement } from '../../src/contract/implement.ts';
import type { FrameSocket } from './FrameSocket.ts';
import { waitFor } from './async.ts';
import { logLines, WarrenProcesses, type WarrenProcess } from './processes.ts';

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

/**
 * Sends a `slow` call, SIGKILLs the worker that started it, and asserts the other worker ran it
 * once as a redelivery, the caller got one answer, and the survivor keeps serving fresh calls.
 */
export async function assertCrashHandedOver(group: WarrenProcesses, workers: WarrenProcess[], socket: FrameSocket): Promise<void> {
  socket.send({ jsonrpc: '2.0', id: 'victim', method: group.method('slow'), params: { ms: 1500, tag: 'victim' } });
  const holder = () => workers.find((w) => logLines(w, 'slow started').some((line) => line.tag === 'victim'));
  await waitFor(() => holder() !== undefined, 10_000, 'a worker to start the call');
  const victim = holder()!;
  const survivor = workers.find((w) => w !== victim)!;
  await group.kill(victim);

  const reply = await socket.next(20_000);
  assert.deepEqual(reply, { jsonrpc: '2.0', id: 'victim', result: { pid: survivor.child.pid, redelivered: true } });
  const runs = logLines(survivor, 'slow started').filter((line) => line.tag === 'victim');
  assert.deepEqual(runs.map((line) => line.redelivered), [true], 'the survivor ran it once, as a redelivery');
  assert.ok(await socket.silentFor(1000), 'no second answer');

  // The survivor keeps serving fresh calls, not flagged.
  const fresh = await socket.request({ jsonrpc: '2.0', id: 2, method: group.method('echo'), params: { n: 2 } }, 10_000);
  assert.deepEqual(fresh.result, { n: 2, pid: survivor.child.pid, redelivered: false });
}
