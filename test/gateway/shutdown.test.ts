/**
 * Gateway.close(graceMs): stops accepting, refuses new calls, lets calls in flight finish
 * within the grace, answers the rest UNAVAILABLE, then closes every socket with 1001.
 */
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from 'warren-client/protocol';
import { FrameSocket } from '../helpers/FrameSocket.ts';
import { startStack, type Stack, type StackOptions } from '../helpers/stack.ts';

const SERVICE = 'shut';
const request = (id: unknown, method: string, params?: unknown) => ({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const stacks: Stack[] = [];
afterEach(async () => {
  for (const stack of stacks.splice(0)) await stack.close();
});

async function stackWith(gateway: StackOptions['gateway'] = {}): Promise<Stack> {
  const stack = await startStack({ service: SERVICE, gateway });
  stacks.push(stack);
  return stack;
}

/** Frames a socket received until it closed, and how it closed. */
async function drainSocket(socket: FrameSocket): Promise<{ frames: any[]; code: number }> {
  const frames: any[] = [];
  const { code } = await socket.closed;
  for (;;) {
    try {
      frames.push(await socket.next(1));
    } catch {
      return { frames, code };
    }
  }
}

describe('Gateway.close(graceMs)', () => {
  it('answers a call that finishes within the grace, a call that does not with -32001, then closes with 1001', async () => {
    const stack = await stackWith();
    const socket = await FrameSocket.open(stack.url);
    socket.send(request('quick', `${SERVICE}.sleep`, { ms: 100, id: 'q' }));
    socket.send(request('long', `${SERVICE}.sleep`, { ms: 2500, id: 'l' }));
    socket.send([request('b1', `${SERVICE}.sleep`, { ms: 50, id: 'b1' }), request('b2', `${SERVICE}.sleep`, { ms: 2500, id: 'b2' })]);
    await sleep(30);
    assert.equal(stack.gateway.inFlight, 4);
    const started = performance.now();
    const closing = stack.gateway.close(600);
    const { frames, code } = await drainSocket(socket);
    await closing;
    const tookMs = performance.now() - started;
    const byId = new Map(frames.flatMap((f) => (Array.isArray(f) ? f : [f])).map((r) => [r.id, r]));
    assert.ok(byId.get('quick').result.sleptMs >= 90);
    assert.equal(byId.get('long').error.code, ErrorCode.UNAVAILABLE);
    assert.ok(byId.get('b1').result, 'a batch answered in part within the grace');
    assert.equal(byId.get('b2').error.code, ErrorCode.UNAVAILABLE, 'and its rest at the end of it');
    assert.equal(byId.size, 4, 'every call answered exactly once');
    assert.equal(code, 1001);
    assert.ok(tookMs >= 550 && tookMs < 5000, `close took ${tookMs.toFixed(0)} ms for a 600 ms grace`);
    assert.equal(stack.gateway.inFlight, 0);
    assert.equal(stack.transport.pendingCount, 0);
  });

  it('returns early once nothing is in flight', async () => {
    const stack = await stackWith();
    const socket = await FrameSocket.open(stack.url);
    assert.equal((await socket.request(request(1, `${SERVICE}.add`, [1, 1]))).result, 2);
    const started = performance.now();
    await stack.gateway.close(10_000);
    assert.ok(performance.now() - started < 3000);
    assert.equal((await socket.closed).code, 1001);
  });

  it('during the grace refuses new calls with -32001 and new connections', async () => {
    const stack = await stackWith();
    const socket = await FrameSocket.open(stack.url);
    socket.send(request('long', `${SERVICE}.sleep`, { ms: 2000, id: 'l' }));
    await sleep(30);
    const closing = stack.gateway.close(800);
    await sleep(50);
    const refused = await socket.request(request('new', `${SERVICE}.add`, [1, 1]));
    assert.equal(refused.error.code, ErrorCode.UNAVAILABLE);
    assert.equal((await socket.request(request('ping', 'rpc.ping'))).error.code, ErrorCode.UNAVAILABLE);
    await assert.rejects(FrameSocket.open(stack.url));
    assert.equal(stack.gateway.close(), closing, 'a second close() joins the first');
    const { frames, code } = await drainSocket(socket);
    assert.equal(frames.find((f) => f.id === 'long').error.code, ErrorCode.UNAVAILABLE);
    assert.equal(code, 1001);
    await closing;
  });

  it('settles a call still waiting for its authorize verdict', async () => {
    let release: (allowed: boolean) => void = () => {};
    const stack = await stackWith({ authorize: () => new Promise<boolean>((resolve) => (release = resolve)) });
    const socket = await FrameSocket.open(stack.url);
    socket.send(request('judged', `${SERVICE}.add`, [1, 1]));
    await sleep(30);
    assert.equal(stack.gateway.inFlight, 1);
    const closing = stack.gateway.close(200);
    const { frames } = await drainSocket(socket);
    release(true);
    await closing;
    assert.deepEqual(frames.map((f) => [f.id, f.error?.code]), [['judged', ErrorCode.UNAVAILABLE]]);
  });
});
