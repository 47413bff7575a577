/**
 * A poison message: a call whose handler SIGKILLs its worker process on every delivery. With
 * a supervisor restarting the worker each time, the call must run at most `--max-deliveries`
 * times, then land in `warren.dlq` while its caller gets INTERNAL_ERROR; no redelivery loop,
 * and other calls keep being answered throughout.
 *
 * The caller's deadline (45 s) is far past the few worker restarts this takes, so the outcome
 * is INTERNAL_ERROR, never TIMEOUT.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { methodQueue } from '../../src/protocol/routing.ts';
import { needsBroker, uniqueName, queueState } from '../helpers/broker.ts';
import { gatewayWithRestartLoop, running } from '../helpers/processes.ts';
import { sleep } from '../helpers/async.ts';
import { takeDeadLetters } from './deadLetterQueue.ts';
import { faultkitProcesses } from '../helpers/faultkit.ts';

const MAX_DELIVERIES = 3;

describe('a handler that kills its worker on every delivery', { ...(await needsBroker()), timeout: 120_000 }, () => {
  const group = faultkitProcesses(uniqueName('poison'));
  const looped = gatewayWithRestartLoop(group, ['--max-deliveries', String(MAX_DELIVERIES)]);
  /** Worker processes a signal ended: the handler's SIGKILL. */
  const crashes = () => looped.loop.exits.filter((exit) => exit.code === null).length;

  it('runs it maxDeliveries times, dead-letters it, answers -32603 once, and keeps serving', async () => {
    const [caller, bystander] = await Promise.all([looped.open(), looped.open()]);
    caller.send({ jsonrpc: '2.0', id: 'poison', method: group.method('crash'), params: { die: true }, timeoutMs: 45_000 });

    // Meanwhile another socket keeps calling a healthy method, one call at a time.
    let answered = false;
    const echoes: unknown[] = [];
    const bystanding = (async () => {
      for (let n = 0; !answered && n < 200; n++) {
        echoes.push(await bystander.request({ jsonrpc: '2.0', id: n, method: group.method('echo'), params: { n } }, 20_000).catch(String));
        await sleep(200);
      }
    })();

    const reply = await caller.next(40_000).finally(() => (answered = true));
    await bystanding;
    assert.equal(reply.id, 'poison');
    assert.equal(reply.error?.code, -32603);
    assert.equal(reply.result, undefined);
    assert.equal(crashes(), MAX_DELIVERIES, `the handler ran ${MAX_DELIVERIES} times, killing a worker each time`);

    const dead = await takeDeadLetters(group.method('crash'));
    assert.equal(dead.length, 1);
    assert.deepEqual(
      { params: JSON.parse(dead[0]!.params), attempts: dead[0]!.attempts, reason: dead[0]!.reason, queue: dead[0]!.queue },
      { params: { die: true }, attempts: MAX_DELIVERIES, reason: 'max-deliveries', queue: methodQueue(group.method('crash')) },
    );

    // No loop: the worker that dead-lettered it stays up and nothing is redelivered.
    await sleep(1500);
    assert.equal(crashes(), MAX_DELIVERIES);
    assert.ok(running(looped.loop.workers.at(-1)!), 'the last worker still runs');
    assert.equal((await queueState(methodQueue(group.method('crash')))).messages, 0);
    assert.ok(await caller.silentFor(300), 'one answer only');

    assert.ok(echoes.length > 0);
    for (const [n, echo] of echoes.entries()) {
      assert.equal((echo as { id: number }).id, n);
      assert.equal((echo as { result?: { n: number } }).result?.n, n, `echo ${n}: ${JSON.stringify(echo)}`);
    }
    const after = await caller.request({ jsonrpc: '2.0', id: 'after', method: group.method('crash'), params: { die: false } }, 10_000);
    assert.deepEqual(after.result, { pid: looped.loop.workers.at(-1)!.child.pid, redelivered: false });
  });
});
