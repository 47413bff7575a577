/**
 * A poison call through the CLI, as an operator runs Warren: a `warren gateway` and a
 * `warren worker` in separate processes, the worker under a restart loop (what systemd's
 * `Restart=always` does), and one call whose handler ends its worker with `process.exit(1)`.
 *
 * With the default `maxDeliveries` (5) the handler runs five times, killing five workers; the
 * sixth worker finds the call's fifth failed delivery and dead-letters it at once: the caller
 * gets -32603 long before its 60 s deadline, `warren.dlq` holds exactly that call, and the
 * sixth worker keeps running and serving.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MAX_DELIVERIES } from '../../src/transport/deliveryPolicy.ts';
import { methodQueue } from '../../src/protocol/routing.ts';
import { needsBroker, queueState, uniqueName } from '../helpers/broker.ts';
import { gatewayWithRestartLoop, running, WarrenProcesses } from '../helpers/processes.ts';
import { sleep } from '../helpers/async.ts';
import { takeDeadLetters } from './deadLetterQueue.ts';
import { POISON_SERVICE_ENV, poisonContract } from './poisonCliService.ts';

/** The method's own timeout (poisonCliService.ts): the caller's deadline. */
const DEADLINE_MS = 60_000;

describe('warren gateway + warren worker under a restart loop, a handler that calls process.exit(1)', { ...(await needsBroker()), timeout: 120_000 }, () => {
  const service = uniqueName('poisoncli');
  const group = new WarrenProcesses({
    module: fileURLToPath(new URL('./poisonCliService.ts', import.meta.url)),
    contract: poisonContract(service),
    env: { [POISON_SERVICE_ENV]: service },
    stopGraceMs: 15_000,
  });
  const looped = gatewayWithRestartLoop(group);
  /** Worker processes that exited with status 1: the handler's process.exit(1). */
  const crashes = () => looped.loop.exits.filter((exit) => exit.code === 1).length;

  it('answers -32603 after maxDeliveries runs, dead-letters the call once, and the last worker keeps serving', async () => {
    const caller = await looped.open();
    const sentAt = Date.now();
    caller.send({ jsonrpc: '2.0', id: 'poison', method: `${service}.exit`, params: {} });

    const reply = await caller.next(DEADLINE_MS + 5_000);
    const elapsed = Date.now() - sentAt;
    const logs = () => `\nlast worker's output:\n${(looped.loop.workers.at(-1)?.output ?? []).join('').slice(-3000)}`;
    console.log(`poison call through the CLI: ${JSON.stringify(reply.error)} after ${elapsed} ms, ${crashes()} crashes, ${looped.loop.restarts} restarts`);
    assert.equal(reply.id, 'poison');
    assert.equal(reply.error?.code, -32603, `got ${JSON.stringify(reply)} after ${elapsed} ms${logs()}`);
    assert.ok(elapsed < DEADLINE_MS - 15_000, `answered after ${elapsed} ms, deadline ${DEADLINE_MS} ms`);
    assert.equal(crashes(), DEFAULT_MAX_DELIVERIES, `the handler ran ${DEFAULT_MAX_DELIVERIES} times, ending a worker each time`);
    assert.equal(looped.loop.restarts, DEFAULT_MAX_DELIVERIES, `the worker was restarted ${DEFAULT_MAX_DELIVERIES} times`);

    const dead = await takeDeadLetters(`${service}.exit`);
    assert.equal(dead.length, 1, `warren.dlq holds the call once: ${JSON.stringify(dead)}`);
    assert.deepEqual(
      { params: JSON.parse(dead[0]!.params), attempts: dead[0]!.attempts, reason: dead[0]!.reason, queue: dead[0]!.queue },
      { params: {}, attempts: DEFAULT_MAX_DELIVERIES, reason: 'max-deliveries', queue: methodQueue(`${service}.exit`) },
    );
    assert.ok(dead[0]!.correlationId, 'with the correlation id of the call');

    // No loop: the worker that dead-lettered it stays up, the queue is empty, one answer only.
    await sleep(1500);
    assert.equal(crashes(), DEFAULT_MAX_DELIVERIES);
    assert.ok(running(looped.loop.workers.at(-1)!), `the last worker still runs${logs()}`);
    assert.equal((await queueState(methodQueue(`${service}.exit`))).messages, 0);
    assert.ok(await caller.silentFor(300), 'one answer only');
    const served = await caller.request({ jsonrpc: '2.0', id: 'after', method: `${service}.pid`, params: {} }, 10_000);
    assert.deepEqual(served.result, { pid: looped.loop.workers.at(-1)!.child.pid });
  });
});
