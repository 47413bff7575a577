/**
 * A gateway process whose service has no worker: first never started (no queue exists),
 * then started, then killed (its durable queue stays). Every call is answered, never hung.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { FrameSocket } from '../helpers/FrameSocket.ts';
import { needsBroker, uniqueName } from '../helpers/broker.ts';
import { waitReady, WarrenProcesses, type WarrenProcess } from '../helpers/processes.ts';
import { TESTKIT_ENV, testkitContract } from '../helpers/testkit.ts';

const svc = uniqueName('it');

describe('warren gateway without a worker', { ...(await needsBroker()), timeout: 60_000 }, () => {
  const group = new WarrenProcesses({
    module: fileURLToPath(new URL('../helpers/testkitService.ts', import.meta.url)),
    contract: testkitContract(svc),
    env: { [TESTKIT_ENV]: svc },
  });
  let gateway: WarrenProcess;
  let socket: FrameSocket;
  let nextId = 0;

  /** Makes one echo call and returns its reply with the time it took. */
  const echo = async (extra: { timeoutMs?: number } = {}) => {
    const id = ++nextId;
    const started = Date.now();
    const reply = await socket.request({ jsonrpc: '2.0', id, method: `${svc}.echo`, params: { value: id }, ...extra }, 8000);
    assert.equal(reply.id, id);
    return { reply, ms: Date.now() - started };
  };

  before(async () => {
    gateway = await group.start('gateway');
    await waitReady(gateway.http!);
    socket = await FrameSocket.open(gateway.url!, { handshakeTimeout: 5000 });
  });

  after(async () => {
    socket?.close();
    await group.stopAll();
    await group.deleteQueues().catch(() => {});
  });

  it('no queue for the method yet → -32001 at once, well before the deadline', async () => {
    for (let i = 0; i < 3; i++) {
      const { reply, ms } = await echo();
      assert.equal(reply.error?.code, -32001);
      // The default deadline is 10 s; "unroutable" must not wait for it.
      assert.ok(ms < 3000, `answered after ${ms} ms`);
    }
  });

  it('bad params → -32602 from the gateway itself, with no worker to ask', async () => {
    const reply = await socket.request({ jsonrpc: '2.0', id: 'bad', method: `${svc}.echo`, params: { tag: 5 } });
    assert.equal(reply.error.code, -32602);
  });

  it('an unroutable notification is dropped without an answer or harm', async () => {
    socket.send({ jsonrpc: '2.0', method: `${svc}.echo`, params: { value: 'n' } });
    assert.ok(await socket.silentFor(300));
    assert.equal((await echo()).reply.error?.code, -32001);
  });

  describe('once a worker starts', () => {
    let worker: WarrenProcess;

    before(async () => {
      worker = await group.start('worker');
    });

    it('calls succeed', async () => {
      for (let i = 0; i < 3; i++) {
        const { reply } = await echo();
        assert.deepEqual(reply.result, { value: nextId, pid: worker.child.pid });
      }
    });

    it('after the worker is SIGKILLed, a call waits in its durable queue and expires → -32000', async () => {
      await group.kill(worker);
      const { reply, ms } = await echo({ timeoutMs: 500 });
      assert.equal(reply.error?.code, -32000);
      assert.ok(ms < 4000, `answered after ${ms} ms`);
      assert.ok(await socket.silentFor(300), 'exactly one answer');
    });
  });
});
