/**
 * One gateway process and one worker process, started through the CLI, talking only
 * through the real RabbitMQ; clients are real WebSockets on loopback.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { FrameSocket } from '../helpers/FrameSocket.ts';
import { needsBroker, uniqueName } from '../helpers/broker.ts';
import { logLines, waitReady, WarrenProcesses, type WarrenProcess } from '../helpers/processes.ts';
import { waitFor } from '../helpers/async.ts';
import { readFrames } from './readFrames.ts';
import { TESTKIT_ENV, testkitContract } from '../helpers/testkit.ts';

const svc = uniqueName('it');

describe('warren gateway + warren worker as separate processes', { ...(await needsBroker()), timeout: 60_000 }, () => {
  const group = new WarrenProcesses({
    module: fileURLToPath(new URL('../helpers/testkitService.ts', import.meta.url)),
    contract: testkitContract(svc),
    env: { [TESTKIT_ENV]: svc },
  });
  const sockets: FrameSocket[] = [];
  let gateway: WarrenProcess;
  let worker: WarrenProcess;

  const open = async () => {
    const socket = await FrameSocket.open(gateway.url!, { handshakeTimeout: 5000 });
    sockets.push(socket);
    return socket;
  };

  before(async () => {
    [gateway, worker] = await Promise.all([group.start('gateway'), group.start('worker')]);
    await waitReady(gateway.http!);
  });

  after(async () => {
    for (const socket of sockets) socket.close();
    await group.stopAll();
    await group.deleteQueues().catch(() => {});
  });

  it('GET /readyz is 200 once the gateway is connected', async () => {
    const response = await fetch(`${gateway.http}/readyz`, { signal: AbortSignal.timeout(5000) });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ready', transport: 'amqp' });
  });

  it('20 sockets × 50 concurrent echo calls: every reply reaches its own socket, none missing', async () => {
    const SOCKETS = 20;
    const CALLS = 50;
    const clients = await Promise.all(Array.from({ length: SOCKETS }, open));
    const replies = await Promise.all(
      clients.map((socket, s) => {
        for (let c = 0; c < CALLS; c++) {
          socket.send({ jsonrpc: '2.0', id: `s${s}-c${c}`, method: `${svc}.echo`, params: { value: { s, c }, tag: `s${s}` } });
        }
        return readFrames(socket, CALLS, 30_000);
      }),
    );
    for (const [s, frames] of replies.entries()) {
      const ids = new Set<string>();
      for (const frame of frames) {
        const c = frame.result?.value?.c;
        assert.equal(frame.id, `s${s}-c${c}`, `reply ${JSON.stringify(frame)} on socket ${s}`);
        assert.deepEqual(frame.result, { value: { s, c }, tag: `s${s}`, pid: worker.child.pid });
        ids.add(frame.id);
      }
      assert.equal(ids.size, CALLS, `socket ${s}: every call answered exactly once`);
    }
    assert.ok(await clients[0]!.silentFor(200), 'no extra frames');
  });

  describe('errors', () => {
    it('params outside the input schema → -32602 with the issues', async () => {
      const socket = await open();
      const reply = await socket.request({ jsonrpc: '2.0', id: 1, method: `${svc}.add`, params: [2, 'three'] });
      assert.equal(reply.id, 1);
      assert.equal(reply.error.code, -32602);
      assert.ok(reply.error.data.issues.some((issue: { path: unknown[] }) => issue.path[0] === 1));
    });

    it('a declared error keeps its code 4001 and typed data', async () => {
      const socket = await open();
      const reply = await socket.request({ jsonrpc: '2.0', id: 'f', method: `${svc}.fail`, params: { reason: 'closed' } });
      assert.deepEqual(reply, { jsonrpc: '2.0', id: 'f', error: { code: 4001, message: 'Refused', data: { reason: 'closed' } } });
    });

    it('a handler that throws → -32603 without its message or stack', async () => {
      const socket = await open();
      const text = await (socket.send({ jsonrpc: '2.0', id: 2, method: `${svc}.boom`, params: {} }), socket.nextText());
      const reply = JSON.parse(text);
      assert.equal(reply.error.code, -32603);
      assert.equal(reply.error.message, 'Internal error');
      assert.doesNotMatch(text, /secret|\/srv\/|db\.ts|at /);
    });

    it('a result outside the output schema → -32603', async () => {
      const socket = await open();
      const reply = await socket.request({ jsonrpc: '2.0', id: 3, method: `${svc}.wrongShape`, params: {} });
      assert.equal(reply.id, 3);
      assert.equal(reply.error.code, -32603);
      assert.equal(reply.result, undefined);
    });
  });

  it('an expired deadline answers -32000 early and fires the worker’s AbortSignal', async () => {
    const socket = await open();
    const started = Date.now();
    const reply = await socket.request({ jsonrpc: '2.0', id: 'late', method: `${svc}.sleep`, params: { ms: 2000, id: 'sleep-1' }, timeoutMs: 300 }, 5000);
    assert.equal(reply.id, 'late');
    assert.equal(reply.error?.code, -32000);
    assert.ok(Date.now() - started < 1800, `answered after ${Date.now() - started} ms, before the handler would finish`);
    const aborted = () => logLines(worker, 'sleep aborted').some((line) => line.id === 'sleep-1');
    await waitFor(aborted, 5000, 'the handler to see its signal abort');
    assert.ok(await socket.silentFor(300), 'the worker’s late TIMEOUT reply is not forwarded');
  });

  it('positional params: add [2, 3] → 5', async () => {
    const socket = await open();
    assert.deepEqual(await socket.request({ jsonrpc: '2.0', id: 7, method: `${svc}.add`, params: [2, 3] }), { jsonrpc: '2.0', id: 7, result: 5 });
  });

  it('a notification is run and never answered', async () => {
    const socket = await open();
    await socket.request({ jsonrpc: '2.0', id: 'sub', method: 'rpc.subscribe', params: { event: `${svc}.shouted`, topic: 'note' } });
    socket.send({ jsonrpc: '2.0', method: `${svc}.shout`, params: { topic: 'note', text: 'ran' } });
    const event = await socket.next(5000);
    assert.deepEqual(event, {
      jsonrpc: '2.0',
      method: `${svc}.shouted`,
      params: { topic: 'note', payload: { text: 'ran', pid: worker.child.pid } },
    });
    assert.ok(await socket.silentFor(500), 'no response to a notification');
  });
});
