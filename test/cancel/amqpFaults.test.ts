/**
 * Cancellation over RabbitMQ with more than one worker process, and across broker connection
 * faults: a `warren gateway` and two `warren worker --prefetch 1` processes, started through the
 * CLI. Which worker ran a call, and whether its signal fired, is read from the workers' own log
 * lines (cancelKit.ts's `wait started` / `wait aborted`). Faults are real: SIGKILL of a worker,
 * `rabbitmqctl close_connection` on one process's named connection, and a TCP proxy between the
 * gateway and the broker that refuses to let it reconnect for a while.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ErrorCode } from 'warren-client';
import { methodQueue } from '../../src/protocol/routing.ts';
import { AMQP_URL, needsBroker, queueState, uniqueName } from '../helpers/broker.ts';
import { readUntil, sleep, waitFor } from '../helpers/async.ts';
import { FrameSocket } from '../helpers/FrameSocket.ts';
import { scrape, value } from '../helpers/metrics.ts';
import { logLines, running, waitReady, WarrenProcesses, type WarrenProcess } from '../helpers/processes.ts';
import { TcpProxy } from '../helpers/TcpProxy.ts';
import { CANCEL_KIT_ENV, cancelKitContract } from '../helpers/cancelKit.ts';
import { closeConnectionsOf } from '../fault/rabbitmqctl.ts';

function kitProcesses(service: string) {
  return new WarrenProcesses({
    module: fileURLToPath(new URL('../helpers/cancelKitService.ts', import.meta.url)),
    contract: cancelKitContract(service),
    env: { [CANCEL_KIT_ENV]: service },
  });
}

/** The lines one worker logged about one `wait` call: its runs and its signal's aborts. */
function runsOf(worker: WarrenProcess, id: string) {
  const about = (text: string) => logLines(worker, text).filter((line) => line.id === id);
  return { started: about('wait started'), aborted: about('wait aborted') };
}

/** The one worker that started `id`, once one has (bounded). */
async function holderOf(workers: WarrenProcess[], id: string): Promise<WarrenProcess> {
  await waitFor(() => workers.some((w) => runsOf(w, id).started.length > 0), 10_000, `a worker to start ${id}`);
  const holders = workers.filter((w) => runsOf(w, id).started.length > 0);
  assert.equal(holders.length, 1, `one worker started ${id}`);
  return holders[0]!;
}

/** A worker's count of `method`'s calls with this outcome (its --metrics-port scrape). */
async function workerCalls(worker: WarrenProcess, method: string, outcome: string): Promise<number> {
  const url = logLines(worker, 'worker consuming')[0]!.metrics as string;
  return value(await scrape(url), 'warren_worker_calls_total', { method, outcome });
}

/** Calls a worker skipped because their caller cancelled them before they ran. */
function skippedCancelled(worker: WarrenProcess, method: string): Promise<number> {
  return workerCalls(worker, method, 'cancelled');
}

const WORKER_ARGS = ['--prefetch', '1', '--metrics-port', '0'];

describe('cancellation with two warren worker processes of one method (rpc.cancel over warren.control)', { ...(await needsBroker()), timeout: 120_000 }, () => {
  const group = kitProcesses(uniqueName('cancelw'));
  const wait = group.method('wait');
  let gateway: WarrenProcess;
  let workers: WarrenProcess[];
  const sockets: FrameSocket[] = [];
  const open = async () => {
    const socket = await FrameSocket.open(gateway.url!, { handshakeTimeout: 5000 });
    sockets.push(socket);
    return socket;
  };

  before(async () => {
    [gateway, ...workers] = await Promise.all([group.start('gateway'), group.start('worker', WORKER_ARGS), group.start('worker', WORKER_ARGS)]);
    await waitReady(gateway.http!);
  });

  after(async () => {
    for (const socket of sockets) socket.close();
    await group.stopAll();
    await group.deleteQueues().catch(() => {});
  });

  it('the worker running the call aborts its ctx.signal with CANCELLED; the other runs nothing', async () => {
    const socket = await open();
    const id = uniqueName('run');
    socket.send({ jsonrpc: '2.0', id: 'w', method: wait, params: { id, ms: 8000 } });
    const holder = await holderOf(workers, id);
    socket.send({ jsonrpc: '2.0', method: 'rpc.cancel', params: { id: 'w' } });
    assert.equal((await socket.next(2000)).error?.code, ErrorCode.CANCELLED);
    await waitFor(() => runsOf(holder, id).aborted.length > 0, 5000, "the holder's signal to fire");
    assert.deepEqual(runsOf(holder, id).aborted.map((line) => line.reason), [ErrorCode.CANCELLED]);
    const other = workers.find((w) => w !== holder)!;
    assert.deepEqual(runsOf(other, id), { started: [], aborted: [] });
    assert.ok(await socket.silentFor(500), 'one answer for the call');
  });

  it('a cancelled call queued behind two busy workers is skipped by whichever gets it, and the calls behind it run', async () => {
    const socket = await open();
    const [busy1, busy2, queued, behind] = [uniqueName('busy1'), uniqueName('busy2'), uniqueName('queued'), uniqueName('behind')];
    const before = await Promise.all(workers.map((w) => skippedCancelled(w, wait)));
    // prefetch 1 on each: the two busy calls hold both workers, the others wait in the queue.
    socket.send({ jsonrpc: '2.0', id: 'busy1', method: wait, params: { id: busy1, ms: 800 } });
    socket.send({ jsonrpc: '2.0', id: 'busy2', method: wait, params: { id: busy2, ms: 800 } });
    await holderOf(workers, busy1);
    await holderOf(workers, busy2);
    socket.send({ jsonrpc: '2.0', id: 'queued', method: wait, params: { id: queued, ms: 10 } });
    socket.send({ jsonrpc: '2.0', id: 'behind', method: wait, params: { id: behind, ms: 10 } });
    await sleep(50);
    socket.send({ jsonrpc: '2.0', method: 'rpc.cancel', params: { id: 'queued' } });
    const frames = [];
    for (let i = 0; i < 4; i++) frames.push(await socket.next(5000));
    assert.equal(frames[0].id, 'queued', 'answered at once, before the busy calls end');
    assert.equal(frames[0].error?.code, ErrorCode.CANCELLED);
    assert.deepEqual(frames.slice(1).map((frame) => [frame.id, typeof frame.result?.waitedMs]).sort(), [
      ['behind', 'number'],
      ['busy1', 'number'],
      ['busy2', 'number'],
    ]);
    assert.ok(await socket.silentFor(300), 'nothing more');
    for (const worker of workers) assert.deepEqual(runsOf(worker, queued).started, [], 'no worker ran the cancelled call');
    const skipped = await Promise.all(workers.map((w) => skippedCancelled(w, wait)));
    assert.equal(skipped[0]! - before[0]! + skipped[1]! - before[1]!, 1, `one skip in all: ${JSON.stringify({ before, skipped })}`);
  });

  // Runs last in this block: it kills one of the workers.
  it('the worker running a cancelled call is SIGKILLed; the redelivery reaches the other, which acks it unrun', async () => {
    const socket = await open();
    const id = uniqueName('killed');
    // A handler that ignores its signal: the cancel does not end its run, so the delivery stays unacked.
    socket.send({ jsonrpc: '2.0', id: 'k', method: wait, params: { id, ms: 9000, ignoreSignal: true } });
    const holder = await holderOf(workers, id);
    const survivor = workers.find((w) => w !== holder)!;
    const skippedBefore = await skippedCancelled(survivor, wait);
    socket.send({ jsonrpc: '2.0', method: 'rpc.cancel', params: { id: 'k' } });
    assert.equal((await socket.next(2000)).error?.code, ErrorCode.CANCELLED);
    await waitFor(() => runsOf(holder, id).aborted.length > 0, 5000, "the holder's signal to fire");
    // Every worker of the method hears the cancel on its own control queue at about the same time.
    await sleep(200);
    await group.kill(holder);
    await readUntil(() => skippedCancelled(survivor, wait), (n) => n === skippedBefore + 1, 10_000, 'the survivor to skip the redelivered call');
    assert.deepEqual(runsOf(survivor, id).started, [], 'the survivor never ran it');
    assert.equal((await queueState(methodQueue(wait))).messages, 0, 'nothing left in the queue');
    assert.ok(await socket.silentFor(500), 'no second answer');
    assert.ok(running(survivor));
    // The survivor keeps serving.
    const fresh = await socket.request({ jsonrpc: '2.0', id: 'f', method: wait, params: { id: uniqueName('fresh'), ms: 1 } }, 10_000);
    assert.equal(typeof fresh.result?.waitedMs, 'number');
  });
});

describe('cancellation across a worker broker reconnect (rabbitmqctl close_connection)', { ...(await needsBroker()), timeout: 120_000 }, () => {
  const group = kitProcesses(uniqueName('cancelr'));
  const wait = group.method('wait');
  let gateway: WarrenProcess;
  let workers: WarrenProcess[];
  let socket: FrameSocket;

  before(async () => {
    [gateway, ...workers] = await Promise.all([group.start('gateway'), group.start('worker', WORKER_ARGS), group.start('worker', WORKER_ARGS)]);
    await waitReady(gateway.http!);
    socket = await FrameSocket.open(gateway.url!, { handshakeTimeout: 5000 });
  });

  after(async () => {
    socket?.close();
    await group.stopAll();
    await group.deleteQueues().catch(() => {});
  });

  it('a cancel sent after the reconnect reaches the run that survived it and the redelivered run', async () => {
    const id = uniqueName('across');
    socket.send({ jsonrpc: '2.0', id: 'a', method: wait, params: { id, ms: 9000 } });
    const holder = await holderOf(workers, id);
    const connects = () => logLines(holder, 'connected to RabbitMQ').length;
    assert.equal(connects(), 1);
    assert.equal(await closeConnectionsOf(holder.child.pid!), 1, "the holder's one connection closed");
    await waitFor(() => connects() === 2, 10_000, 'the holder to reconnect');
    // Both workers consume again: the holder's new control queue is bound before its consumer starts.
    await readUntil(() => queueState(methodQueue(wait)), (q) => q.consumers === 2, 10_000, 'both workers to consume again');
    // The lost delivery comes back to one of them and runs again, while the first run goes on.
    const runs = () => workers.reduce((n, w) => n + runsOf(w, id).started.length, 0);
    await waitFor(() => runs() === 2, 10_000, 'the redelivered run to start');
    assert.equal(runsOf(holder, id).aborted.length, 0, 'the connection loss did not abort the first run');

    socket.send({ jsonrpc: '2.0', method: 'rpc.cancel', params: { id: 'a' } });
    assert.equal((await socket.next(2000)).error?.code, ErrorCode.CANCELLED);
    const aborted = () => workers.flatMap((w) => runsOf(w, id).aborted.map((line) => line.reason));
    await waitFor(() => aborted().length === 2, 5000, 'both runs to see the cancel');
    assert.deepEqual(aborted(), [ErrorCode.CANCELLED, ErrorCode.CANCELLED]);
    assert.ok(await socket.silentFor(500), 'one answer');
  });

  it('a worker whose connection was closed hears the cancel of a call it starts after the reconnect', async () => {
    const connects = (w: WarrenProcess) => logLines(w, 'connected to RabbitMQ').length;
    const before = workers.map(connects);
    for (const worker of workers) assert.equal(await closeConnectionsOf(worker.child.pid!), 1);
    await waitFor(() => workers.every((w, i) => connects(w) > before[i]!), 10_000, 'both workers to reconnect');
    await readUntil(() => queueState(methodQueue(wait)), (q) => q.consumers === 2, 10_000, 'both workers to consume again');
    const id = uniqueName('after');
    socket.send({ jsonrpc: '2.0', id: 'b', method: wait, params: { id, ms: 8000 } });
    const holder = await holderOf(workers, id);
    socket.send({ jsonrpc: '2.0', method: 'rpc.cancel', params: { id: 'b' } });
    assert.equal((await socket.next(2000)).error?.code, ErrorCode.CANCELLED);
    await waitFor(() => runsOf(holder, id).aborted.length > 0, 5000, "the holder's signal to fire");
    assert.deepEqual(runsOf(holder, id).aborted.map((line) => line.reason), [ErrorCode.CANCELLED]);
    assert.ok(await socket.silentFor(500), 'one answer');
  });
});

describe("cancellation while the gateway's broker connection is away", { ...(await needsBroker()), timeout: 120_000 }, () => {
  const group = kitProcesses(uniqueName('cancelg'));
  const wait = group.method('wait');
  const proxy = new TcpProxy();
  let gateway: WarrenProcess;
  let workers: WarrenProcess[];
  let socket: FrameSocket;

  before(async () => {
    await proxy.listen(Number(new URL(AMQP_URL).port || 5672));
    const viaProxy = new URL(AMQP_URL);
    viaProxy.port = new URL(proxy.url).port;
    [gateway, ...workers] = await Promise.all([
      group.start('gateway', ['--reconnect-hold-ms', '10000'], { AMQP_URL: viaProxy.href }),
      group.start('worker', WORKER_ARGS),
      group.start('worker', WORKER_ARGS),
    ]);
    await waitReady(gateway.http!);
    socket = await FrameSocket.open(gateway.url!, { handshakeTimeout: 5000 });
  });

  after(async () => {
    socket?.close();
    await group.stopAll();
    await proxy.close();
    await group.deleteQueues().catch(() => {});
  });

  /** Cuts the gateway off the broker and keeps it off until `reconnect()`. */
  async function cutGateway() {
    const losses = () => logLines(gateway, 'disconnected from RabbitMQ; reconnecting').length;
    const before = losses();
    proxy.refusing = true;
    proxy.cut();
    await waitFor(() => losses() > before, 5000, 'the gateway to notice');
    const connects = logLines(gateway, 'connected to RabbitMQ').length;
    return {
      async reconnect() {
        proxy.refusing = false;
        await waitFor(() => logLines(gateway, 'connected to RabbitMQ').length > connects, 10_000, 'the gateway to reconnect');
        await waitReady(gateway.http!);
      },
    };
  }

  it('a call running on a worker: the caller gets one CANCELLED at once; the cancel is lost, the run ends, its late reply is dropped', async () => {
    const id = uniqueName('away');
    socket.send({ jsonrpc: '2.0', id: 'r', method: wait, params: { id, ms: 1500 } });
    const holder = await holderOf(workers, id);
    const repliedBefore = await workerCalls(holder, wait, 'ok');
    const replyQueue = logLines(gateway, 'reply queue declared').at(-1)!.queue as string;
    const cut = await cutGateway();
    socket.send({ jsonrpc: '2.0', method: 'rpc.cancel', params: { id: 'r' } });
    // Within 2 s, while the gateway would hold a call 10 s for the broker: it does not wait for it.
    const answer = await socket.next(2000);
    assert.equal(answer.id, 'r');
    assert.equal(answer.error?.code, ErrorCode.CANCELLED);
    // The run goes on to its end and replies to the gateway's reply queue, which outlives the blip.
    await readUntil(() => workerCalls(holder, wait, 'ok'), (n) => n === repliedBefore + 1, 5000, 'the run to end with its result');
    assert.deepEqual(runsOf(holder, id).aborted, [], 'the cancel never reached the worker: nothing held it');
    assert.equal((await queueState(replyQueue)).messages, 1, 'its reply waits in the reply queue');
    await cut.reconnect();
    await readUntil(() => queueState(replyQueue), (q) => q.messages === 0, 5000, 'the gateway to take the late reply');
    assert.ok(await socket.silentFor(1000), 'and dropped it: still one answer');
    const fresh = await socket.request({ jsonrpc: '2.0', id: 'f1', method: wait, params: { id: uniqueName('fresh'), ms: 1 } }, 10_000);
    assert.equal(typeof fresh.result?.waitedMs, 'number', 'the gateway serves again');
  });

  it('a call the gateway holds while away: cancelled, it is never published, and one CANCELLED is its answer', async () => {
    const cut = await cutGateway();
    const id = uniqueName('held');
    socket.send({ jsonrpc: '2.0', id: 'h', method: wait, params: { id, ms: 10 } });
    await sleep(100);
    socket.send({ jsonrpc: '2.0', method: 'rpc.cancel', params: { id: 'h' } });
    const answer = await socket.next(2000);
    assert.equal(answer.id, 'h');
    assert.equal(answer.error?.code, ErrorCode.CANCELLED);
    await cut.reconnect();
    assert.ok(await socket.silentFor(1000), 'one answer');
    for (const worker of workers) assert.deepEqual(runsOf(worker, id).started, [], 'no worker got the call');
    const fresh = await socket.request({ jsonrpc: '2.0', id: 'f2', method: wait, params: { id: uniqueName('fresh'), ms: 1 } }, 10_000);
    assert.equal(typeof fresh.result?.waitedMs, 'number');
  });
});
