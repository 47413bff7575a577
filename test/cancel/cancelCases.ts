/**
 * The cancellation cases, run against a gateway and worker in this process (memory.test.ts) and
 * against `warren gateway` and `warren worker` processes on RabbitMQ (amqp.test.ts). The worker
 * serves the cancel kit with prefetch 1, so a second `wait` queues behind a running one.
 *
 * Times compared here are all read on this machine's one clock: the handler records when its
 * signal fired (cancelKit.ts), the test when it aborted.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { ErrorCode, WarrenClient, type WarrenError } from 'warren-client';
import { FrameSocket } from '../helpers/FrameSocket.ts';
import { sleep } from '../helpers/async.ts';
import { recordingWebSocket, type SentFrame } from '../helpers/clients.ts';
import { uniqueName } from '../helpers/broker.ts';

/** The bound the handler's signal must fire within, after the client's abort. */
export const ABORT_REACHES_HANDLER_MS = 100;

export interface CancelTarget {
  /** `ws://…/rpc` of the gateway. */
  url: string;
  /** The cancel kit's service name. */
  service: string;
}

interface Report {
  started: boolean;
  abortedAt: number | null;
  reason: number | null;
}

export function defineCancelCases(target: () => CancelTarget): void {
  const sockets: FrameSocket[] = [];
  const clients: WarrenClient[] = [];
  const method = (name: string) => `${target().service}.${name}`;

  async function open(): Promise<FrameSocket> {
    const socket = await FrameSocket.open(target().url, { handshakeTimeout: 5000 });
    sockets.push(socket);
    return socket;
  }

  /** A client; `sent` records every frame it sends. */
  function client(sent?: SentFrame[]): WarrenClient {
    const made = new WarrenClient({ url: target().url, WebSocket: sent ? recordingWebSocket(sent) : (WebSocket as never), timeoutMs: 10_000 });
    clients.push(made);
    return made;
  }

  /** Reads the worker's record of a `wait` until `done` holds (bounded). */
  async function reportWhen(c: WarrenClient, id: string, done: (report: Report) => boolean, what: string): Promise<Report> {
    const until = Date.now() + 5000;
    for (;;) {
      const report = await c.call<Report>(method('report'), { id });
      if (done(report)) return report;
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(report)}`);
      await sleep(10);
    }
  }

  /** Every frame that arrives for `quietMs` after the last one. */
  async function framesUntilQuiet(socket: FrameSocket, quietMs: number): Promise<any[]> {
    const frames = [];
    for (;;) {
      try {
        frames.push(JSON.parse(await socket.nextText(quietMs)));
      } catch {
        return frames;
      }
    }
  }

  const cleanup = () => {
    for (const socket of sockets.splice(0)) socket.close();
    for (const c of clients.splice(0)) c.close();
  };

  it(`client abort → rpc.cancel: the running handler's ctx.signal aborts with CANCELLED within ${ABORT_REACHES_HANDLER_MS} ms, the call rejects CANCELLED`, async (t) => {
    t.after(cleanup);
    const sent: SentFrame[] = [];
    const c = client(sent);
    const id = uniqueName('running');
    const controller = new AbortController();
    const call = c.call(method('wait'), { id, ms: 8000 }, { signal: controller.signal });
    const outcome = call.then(
      () => undefined,
      (error: WarrenError) => ({ error, at: Date.now() }),
    );
    await reportWhen(c, id, (r) => r.started, 'the handler to start');
    const abortedAt = Date.now();
    controller.abort();
    const rejected = await outcome;
    assert.equal(rejected?.error.code, ErrorCode.CANCELLED);
    const callId = sent.find((frame) => frame.method === method('wait'))?.id;
    assert.deepEqual(
      sent.filter((frame) => frame.method === 'rpc.cancel'),
      [{ jsonrpc: '2.0', method: 'rpc.cancel', params: { id: callId } }],
      'one rpc.cancel notification naming the call',
    );
    const report = await reportWhen(c, id, (r) => r.abortedAt !== null, "the handler's signal to fire");
    assert.equal(report.reason, ErrorCode.CANCELLED, 'the abort reason is a WarrenError CANCELLED');
    const lag = report.abortedAt! - abortedAt;
    t.diagnostic(`ctx.signal fired ${lag} ms after the client's abort`);
    assert.ok(lag >= 0 && lag < ABORT_REACHES_HANDLER_MS, `ctx.signal fired ${lag} ms after the client's abort`);
    // The client is still usable, and the call left nothing waiting.
    assert.deepEqual(await c.call(method('report'), { id: 'none' }), { started: false, abortedAt: null, reason: null });
  });

  it('raw WebSocket: rpc.cancel gets exactly one response frame, CANCELLED, for the id; the request form answers true, then false', async (t) => {
    t.after(cleanup);
    const socket = await open();
    const c = client();
    const id = uniqueName('raw');
    socket.send({ jsonrpc: '2.0', id: 'w1', method: method('wait'), params: { id, ms: 8000 } });
    await reportWhen(c, id, (r) => r.started, 'the handler to start');
    socket.send({ jsonrpc: '2.0', id: 'c1', method: 'rpc.cancel', params: { id: 'w1' } });
    socket.send({ jsonrpc: '2.0', id: 'c2', method: 'rpc.cancel', params: ['w1'] });
    const frames = await framesUntilQuiet(socket, 400);
    const forCall = frames.filter((frame) => frame.id === 'w1');
    assert.equal(forCall.length, 1, `one frame for the cancelled id: ${JSON.stringify(frames)}`);
    assert.equal(forCall[0].error.code, ErrorCode.CANCELLED);
    assert.equal(frames.find((frame) => frame.id === 'c1')?.result, true, 'the cancel of a call in flight answers true');
    assert.equal(frames.find((frame) => frame.id === 'c2')?.result, false, 'a second cancel finds nothing in flight');
    assert.equal(frames.length, 3, JSON.stringify(frames));
    const report = await reportWhen(c, id, (r) => r.abortedAt !== null, "the handler's signal to fire");
    assert.equal(report.reason, ErrorCode.CANCELLED);
    // Nothing more comes for it, however long the worker took.
    assert.ok(await socket.silentFor(300), 'no late frame');
  });

  it('a cancelled call still queued is never run, and the calls behind it are', async (t) => {
    t.after(cleanup);
    const socket = await open();
    const c = client();
    const [busy, queued, behind] = [uniqueName('busy'), uniqueName('queued'), uniqueName('behind')];
    // prefetch 1: the worker holds `busy`, so `queued` and `behind` wait in the method's queue.
    socket.send({ jsonrpc: '2.0', id: 'busy', method: method('wait'), params: { id: busy, ms: 800 } });
    await reportWhen(c, busy, (r) => r.started, 'the busy handler to start');
    socket.send({ jsonrpc: '2.0', id: 'queued', method: method('wait'), params: { id: queued, ms: 10 } });
    socket.send({ jsonrpc: '2.0', id: 'behind', method: method('wait'), params: { id: behind, ms: 10 } });
    await sleep(50);
    socket.send({ jsonrpc: '2.0', method: 'rpc.cancel', params: { id: 'queued' } });
    const frames = await framesUntilQuiet(socket, 1500);
    const byId = (id: string) => frames.filter((frame) => frame.id === id);
    assert.equal(byId('queued').length, 1, `one frame for the cancelled call: ${JSON.stringify(frames)}`);
    assert.equal(byId('queued')[0].error.code, ErrorCode.CANCELLED);
    assert.equal(frames[0].id, 'queued', 'answered at once, before the busy call ends');
    assert.ok(byId('busy')[0]?.result, 'the busy call ran to its end');
    assert.ok(byId('behind')[0]?.result, 'the call behind the cancelled one ran: the queue moved past it');
    assert.equal(frames.length, 3, JSON.stringify(frames));
    assert.deepEqual(await c.call(method('report'), { id: queued }), { started: false, abortedAt: null, reason: null }, 'the cancelled handler never started');
  });

  it('an abort before the call is sent sends no rpc.cancel, and one after the answer changes nothing', async (t) => {
    t.after(cleanup);
    const sent: SentFrame[] = [];
    const c = client(sent);
    const early = new AbortController();
    early.abort();
    await assert.rejects(c.call(method('report'), { id: 'x' }, { signal: early.signal }), (error: WarrenError) => error.code === ErrorCode.CANCELLED);
    const late = new AbortController();
    assert.deepEqual(await c.call(method('report'), { id: 'x' }, { signal: late.signal }), { started: false, abortedAt: null, reason: null });
    late.abort();
    assert.deepEqual(await c.call(method('report'), { id: 'x' }), { started: false, abortedAt: null, reason: null });
    assert.deepEqual(sent.filter((frame) => frame.method === 'rpc.cancel'), [], 'no rpc.cancel sent');
  });
}
