/**
 * Per-method `maxQueueLength` through real processes: the method queue is declared with
 * `x-max-length` and `reject-publish`, so once the workers are busy and the queue is full,
 * RabbitMQ nacks new calls and their callers get OVERLOADED at once. And a queue that already
 * exists with other arguments: one clear error in the worker's log, no crash loop, still served.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { methodQueue } from '../../src/protocol/routing.ts';
import { FrameSocket } from '../helpers/FrameSocket.ts';
import { needsBroker, uniqueName, queueState, withChannel } from '../helpers/broker.ts';
import { waitReady, logLines, running, type WarrenProcess } from '../helpers/processes.ts';
import { readFrames } from '../integration/readFrames.ts';
import { sleep } from '../helpers/async.ts';
import { BOUNDED_QUEUE_LENGTH, faultkitProcesses } from '../helpers/faultkit.ts';

describe('maxQueueLength with no worker capacity left', { ...(await needsBroker()), timeout: 90_000 }, () => {
  const group = faultkitProcesses(uniqueName('overload'));
  const sockets: FrameSocket[] = [];
  let gateway: WarrenProcess;

  before(async () => {
    [gateway] = await Promise.all([group.start('gateway'), group.start('worker', ['--prefetch', '1'])]);
    await waitReady(gateway.http!);
  });

  after(async () => {
    for (const socket of sockets) socket.close();
    await group.stopAll();
    await group.deleteQueues().catch(() => {});
  });

  it('answers calls past the queue length OVERLOADED at once, and the others in turn', async () => {
    const socket = await FrameSocket.open(gateway.url!, { handshakeTimeout: 5000 });
    sockets.push(socket);
    const queue = methodQueue(group.method('bounded'));
    const call = (id: number) => ({ jsonrpc: '2.0', id, method: group.method('bounded'), params: { ms: 1200 } });

    socket.send(call(0));
    // The worker (prefetch 1) holds call 0 for 1.2 s; the queue is empty again.
    await sleep(500);
    assert.deepEqual(await queueState(queue), { messages: 0, consumers: 1 });
    for (let id = 1; id <= BOUNDED_QUEUE_LENGTH + 3; id++) socket.send(call(id));

    const frames = await readFrames(socket, BOUNDED_QUEUE_LENGTH + 4, 20_000);
    // The refusals come first, before call 0 (in flight) was answered: at once, not at a deadline.
    assert.deepEqual(
      frames.slice(0, 3).map((frame) => [frame.id, frame.error?.code]),
      [4, 5, 6].map((id) => [id, -32003]),
    );
    const served = frames.slice(3);
    assert.deepEqual(served.map((frame) => frame.id), [0, 1, 2, 3]);
    assert.ok(served.every((frame) => frame.result?.redelivered === false));
    assert.ok(await socket.silentFor(300), 'one answer per call');
  });
});

describe('a method queue that exists with other arguments', { ...(await needsBroker()), timeout: 60_000 }, () => {
  const group = faultkitProcesses(uniqueName('mismatch'));
  const sockets: FrameSocket[] = [];

  after(async () => {
    for (const socket of sockets) socket.close();
    await group.stopAll();
    await group.deleteQueues().catch(() => {});
  });

  it('logs one clear error naming the queue, does not crash-loop, and still serves every method', async () => {
    const queue = methodQueue(group.method('bounded'));
    // Declared before Warren ever ran, without the contract's x-max-length.
    await withChannel((channel) => channel.assertQueue(queue, { durable: true, arguments: { 'x-max-length': 1000 } }));
    const [gateway, worker] = await Promise.all([group.start('gateway'), group.start('worker')]);
    await waitReady(gateway.http!);
    const socket = await FrameSocket.open(gateway.url!, { handshakeTimeout: 5000 });
    sockets.push(socket);

    const bounded = await socket.request({ jsonrpc: '2.0', id: 1, method: group.method('bounded'), params: { ms: 0 } }, 10_000);
    assert.equal(bounded.result?.pid, worker.child.pid, 'the queue is served as it is');
    const echo = await socket.request({ jsonrpc: '2.0', id: 2, method: group.method('echo'), params: { n: 2 } }, 10_000);
    assert.equal(echo.result?.n, 2, 'the other methods are unaffected');

    await sleep(1000);
    const errors = logLines(worker, 'exists with other arguments');
    assert.equal(errors.length, 1, 'one error, not a loop');
    assert.equal(errors[0]!.queue, queue);
    assert.match(String(errors[0]!.msg), /delete the queue|align the contract/);
    assert.match(String(errors[0]!.err), /PRECONDITION_FAILED/);
    assert.equal(logLines(worker, 'connected to RabbitMQ').length, 1, 'no reconnect either');
    assert.ok(running(worker));
  });
});
