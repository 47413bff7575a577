/**
 * Connection-level limits over real loopback sockets: maxConnections, maxPendingUpgrades,
 * the handshake timeout, the idle timeout and backpressure towards slow readers.
 */
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { FrameSocket } from '../helpers/FrameSocket.ts';
import { startStack, type Stack, type StackOptions } from '../helpers/stack.ts';

const SERVICE = 'lim';
const request = (id: unknown, method: string, params?: unknown) => ({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function stackWith(gateway: StackOptions['gateway']): Promise<Stack> {
  const stack = await startStack({ service: SERVICE, gateway });
  cleanups.push(() => stack.close());
  return stack;
}

async function open(stack: Stack): Promise<FrameSocket> {
  const socket = new FrameSocket(stack.url);
  cleanups.push(() => socket.ws.terminate());
  await socket.opened;
  return socket;
}

/** A raw TCP connection that sends half an upgrade request and stalls. */
async function stall(stack: Stack): Promise<{ socket: Socket; closed: Promise<void> }> {
  const socket = connect(Number(new URL(stack.url).port), '127.0.0.1');
  socket.on('error', () => {});
  cleanups.push(() => socket.destroy());
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write('GET /rpc HTTP/1.1\r\nHost: x\r\n');
  return { socket, closed };
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('maxConnections', () => {
  it('refuses an upgrade past the limit with 503 and takes one again when a socket leaves', async () => {
    const stack = await stackWith({ maxConnections: 2 });
    const first = await open(stack);
    await open(stack);
    await assert.rejects(open(stack), /HTTP 503/);
    first.close();
    await first.closed;
    await waitFor(() => stack.gateway.connections === 1, 5000, 'the closed socket to leave');
    const third = await open(stack);
    assert.equal((await third.request(request(1, `${SERVICE}.add`, [1, 2]))).result, 3);
  });
});

describe('handshakeTimeoutMs and maxPendingUpgrades', () => {
  it('destroys a stalled handshake after handshakeTimeoutMs', async () => {
    const stack = await stackWith({ handshakeTimeoutMs: 300 });
    const started = performance.now();
    const { closed } = await stall(stack);
    assert.equal(stack.gateway.stats.pendingUpgrades, 1);
    await Promise.race([closed, sleep(5000).then(() => assert.fail('not cut within 5 s'))]);
    assert.ok(performance.now() - started >= 250, 'not before its time');
    await waitFor(() => stack.gateway.stats.pendingUpgrades === 0, 5000, 'the gateway to forget it');
  });

  it('at the cap destroys the oldest pending handshake, so a new client still gets in', async () => {
    const stack = await stackWith({ handshakeTimeoutMs: 60_000, maxPendingUpgrades: 5 });
    const stalled = [];
    for (let i = 0; i < 8; i++) stalled.push(await stall(stack));
    // The three oldest made room for the three newest.
    await Promise.race([Promise.all(stalled.slice(0, 3).map((s) => s.closed)), sleep(5000).then(() => assert.fail('oldest not cut'))]);
    assert.equal(stack.gateway.stats.pendingUpgrades, 5);
    for (const { socket } of stalled.slice(3)) assert.equal(socket.destroyed, false);
    const client = await open(stack);
    assert.equal((await client.request(request(1, `${SERVICE}.add`, [2, 2]))).result, 4);
    assert.equal(stack.gateway.stats.pendingUpgrades, 4, 'the client took a slot, evicted one, then left the pending set');
  });

  it('does not count plain HTTP requests once they are made', async () => {
    const stack = await stackWith({ maxPendingUpgrades: 2 });
    for (let i = 0; i < 5; i++) assert.equal((await fetch(`${stack.http}/healthz`)).status, 200);
    await waitFor(() => stack.gateway.stats.pendingUpgrades === 0, 5000, 'HTTP connections to leave the pending set');
  });
});

describe('idleTimeoutMs', () => {
  it('closes a silent socket with 1000, but not one that subscribes or waits for an answer', async () => {
    const stack = await stackWith({ idleTimeoutMs: 300 });
    const started = performance.now();
    const idle = await open(stack);
    const subscribed = await open(stack);
    const waiting = await open(stack);
    assert.equal((await subscribed.request(request(1, 'rpc.subscribe', { event: `${SERVICE}.shouted` }))).result, true);
    waiting.send(request('long', `${SERVICE}.sleep`, { ms: 1200, id: 'w' }));
    assert.deepEqual(await idle.closed, { code: 1000, reason: 'idle timeout' });
    assert.ok(performance.now() - started >= 250);
    await sleep(700);
    assert.equal(subscribed.ws.readyState, subscribed.ws.OPEN);
    assert.equal(waiting.ws.readyState, waiting.ws.OPEN, 'a call in flight keeps the socket');
    assert.ok((await waiting.next()).result.sleptMs >= 1000);
    assert.equal((await waiting.closed).code, 1000, 'idle again once answered');
  });
});

describe('backpressure (sendHighWaterMark, sendLowWaterMark, slowReaderTimeoutMs)', () => {
  const big = 'x'.repeat(60_000);

  it('stops reading a socket whose client does not read, answers everything once it reads again', async () => {
    const stack = await stackWith({ frameRate: 0, sendHighWaterMark: 64 * 1024, sendLowWaterMark: 16 * 1024 });
    const slow = await open(stack);
    const bystander = await open(stack);
    slow.ws.pause();
    // About 18 MB of answers: more than loopback's kernel buffers hold, so ws must buffer.
    const calls = 300;
    for (let i = 0; i < calls; i++) slow.send(request(i, `${SERVICE}.echo`, { value: big }));
    await waitFor(() => stack.gateway.stats.paused === 1, 10_000, 'the gateway to stop reading the slow socket');
    assert.equal((await bystander.request(request('b', `${SERVICE}.add`, [1, 1]))).result, 2, 'others are served meanwhile');
    slow.ws.resume();
    const ids = new Set();
    for (let i = 0; i < calls; i++) {
      const reply = await slow.next(20_000);
      assert.equal(reply.result.value.length, big.length);
      ids.add(reply.id);
    }
    assert.equal(ids.size, calls, 'every call answered once');
    await waitFor(() => stack.gateway.stats.paused === 0, 5000, 'reading to resume');
    assert.equal((await slow.request(request('again', `${SERVICE}.add`, [2, 3]))).result, 5);
  });

  it('terminates a socket stopped longer than slowReaderTimeoutMs', async () => {
    const stack = await stackWith({ frameRate: 0, sendHighWaterMark: 64 * 1024, sendLowWaterMark: 16 * 1024, slowReaderTimeoutMs: 500 });
    const slow = await open(stack);
    slow.ws.pause();
    for (let i = 0; i < 300; i++) slow.send(request(i, `${SERVICE}.echo`, { value: big }));
    await waitFor(() => stack.gateway.stats.paused === 1, 10_000, 'the gateway to stop reading');
    const pausedAt = performance.now();
    await waitFor(() => stack.gateway.connections === 0, 10_000, 'the stuck socket to be terminated');
    assert.ok(performance.now() - pausedAt >= 400);
    assert.equal(stack.gateway.inFlight, 0, 'its calls are dropped with it');
  });
});
