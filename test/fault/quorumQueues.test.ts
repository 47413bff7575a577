/**
 * Quorum method queues on the 3-node test cluster (test/cluster/cluster.sh), with real
 * `warren gateway` and `warren worker --queue-type quorum` processes:
 * - a worker SIGKILLed mid-handler: the cluster hands the call to the other worker, flagged
 *   redelivered (the queue's own x-delivery-count), and the caller gets exactly one answer;
 * - a call that kills every worker it reaches: after maxDeliveries runs the next worker
 *   dead-letters it into the cluster's warren.dlq and the caller gets -32603, with no copy
 *   republished by Warren (the queue counts);
 * - a classic queue already there: a quorum worker exits at once with a message naming the
 *   queue, both types and the fix, instead of restarting in a loop.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { methodQueue } from '../../src/protocol/routing.ts';
import { EXIT_QUEUE_TYPE_MISMATCH } from '../../src/transport/queueTypeMismatch.ts';
import { FrameSocket } from '../helpers/FrameSocket.ts';
import { queueState, uniqueName, withChannel } from '../helpers/broker.ts';
import { CLUSTER_AMQP_URL, needsCluster } from '../helpers/cluster.ts';
import { RestartLoop, running, waitReady, type WarrenProcess } from '../helpers/processes.ts';
import { sleep, waitFor } from '../helpers/async.ts';
import { assertCrashHandedOver, faultkitProcesses } from '../helpers/faultkit.ts';
import { takeDeadLetters } from './deadLetterQueue.ts';

const QUORUM = ['--queue-type', 'quorum'];
/** Deliveries of one call before it is dead-lettered, in the poison test: small, each costs a worker. */
const MAX_DELIVERIES = 2;

describe('quorum method queues on a 3-node cluster', { ...(await needsCluster()), timeout: 110_000 }, () => {
  const group = faultkitProcesses(uniqueName('quorum'), { amqpUrl: CLUSTER_AMQP_URL });
  const sockets: FrameSocket[] = [];
  let gateway: WarrenProcess;

  before(async () => {
    gateway = await group.start('gateway');
  });

  after(async () => {
    for (const socket of sockets) socket.close();
    await group.stopAll();
    await group.deleteQueues().catch(() => {});
  });

  async function open(): Promise<FrameSocket> {
    const socket = await FrameSocket.open(gateway.url!, { handshakeTimeout: 5000 });
    sockets.push(socket);
    return socket;
  }

  it('hands a call whose worker was SIGKILLed to the other worker, flagged redelivered, and answers once', async () => {
    const workers = await Promise.all([group.start('worker', QUORUM), group.start('worker', QUORUM)]);
    await waitReady(gateway.http!);
    const socket = await open();
    await assertCrashHandedOver(group, workers, socket);
    await group.stopAll();
    gateway = await group.start('gateway');
  });

  it('dead-letters a call that kills every worker into the cluster\'s warren.dlq after maxDeliveries runs, and answers -32603', async () => {
    const loop = new RestartLoop(group, [...QUORUM, '--max-deliveries', String(MAX_DELIVERIES)]);
    try {
      await waitFor(() => loop.workers.length > 0, 20_000, 'the first worker');
      await waitReady(gateway.http!);
      const socket = await open();
      const sentAt = Date.now();
      socket.send({ jsonrpc: '2.0', id: 'poison', method: group.method('crash'), params: { die: true } });
      const reply = await socket.next(40_000);
      const elapsed = Date.now() - sentAt;
      const crashes = loop.exits.filter((exit) => exit.code === null).length;
      console.log(`quorum poison call: ${JSON.stringify(reply.error)} after ${elapsed} ms, ${crashes} crashes`);
      assert.equal(reply.error?.code, -32603, `got ${JSON.stringify(reply)}`);
      assert.equal(crashes, MAX_DELIVERIES, `the handler ran ${MAX_DELIVERIES} times, killing a worker each time`);

      const dead = await takeDeadLetters(group.method('crash'), CLUSTER_AMQP_URL);
      assert.equal(dead.length, 1, `warren.dlq holds the call once: ${JSON.stringify(dead)}`);
      assert.deepEqual(
        { params: JSON.parse(dead[0]!.params), attempts: dead[0]!.attempts, reason: dead[0]!.reason, queue: dead[0]!.queue },
        { params: { die: true }, attempts: MAX_DELIVERIES, reason: 'max-deliveries', queue: methodQueue(group.method('crash')) },
      );
      await sleep(1000);
      assert.ok(running(loop.workers.at(-1)!), 'the worker that dead-lettered it keeps running');
      assert.equal((await queueState(methodQueue(group.method('crash')), CLUSTER_AMQP_URL)).messages, 0, 'no copy left in the queue');
      assert.ok(await socket.silentFor(300), 'one answer only');
    } finally {
      loop.stop();
      await group.stopAll();
      await loop.done.catch(() => {});
    }
  });

  it('refuses to start a quorum worker on a classic queue: exit 78, naming the queue, both types and the fix', async () => {
    const service = uniqueName('migrate');
    const migrating = faultkitProcesses(service, { amqpUrl: CLUSTER_AMQP_URL });
    const queue = methodQueue(`${service}.echo`);
    try {
      // What a classic deployment left behind: the queue as Warren declares it classic.
      await withChannel((channel) => channel.assertQueue(queue, { durable: true }), CLUSTER_AMQP_URL);
      const startedAt = Date.now();
      const failure = await migrating.start('worker', QUORUM).then(
        () => assert.fail('the worker started'),
        (err: Error) => err.message,
      );
      const elapsed = Date.now() - startedAt;
      assert.match(failure, new RegExp(`exited with ${EXIT_QUEUE_TYPE_MISMATCH} before it was ready`));
      assert.match(failure, new RegExp(`warren: queue ${queue.replaceAll('.', '\\.')} exists as a classic queue, and this worker declares it quorum`));
      assert.match(failure, /delete it \(rabbitmqctl delete_queue/);
      assert.match(failure, /--queue-type classic/);
      assert.ok(elapsed < 15_000, `exited after ${elapsed} ms`);
      // The queue is as it was: still classic, still there.
      await withChannel((channel) => channel.assertQueue(queue, { durable: true }), CLUSTER_AMQP_URL);
    } finally {
      await migrating.stopAll();
      await migrating.deleteQueues().catch(() => {});
    }
  });
});
