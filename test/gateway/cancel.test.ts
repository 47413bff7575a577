/**
 * rpc.cancel at the gateway: the per-connection lookup of requests in flight by id (InFlight),
 * the params it takes (cancelTarget), and its answers on real loopback sockets, over the memory
 * transport: duplicate ids, unknown ids, a cancel after the answer, batches, bad params, metrics.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, WarrenError } from 'warren-client/protocol';
import { InFlight } from '../../src/gateway/InFlight.ts';
import { Answer } from '../../src/gateway/Answer.ts';
import { cancelTarget } from '../../src/gateway/Builtins.ts';
import { stackForBlock } from '../helpers/stack.ts';
import { FrameSocket } from '../helpers/FrameSocket.ts';
import { sleep } from '../helpers/async.ts';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { scrape, value } from '../helpers/metrics.ts';

describe('InFlight', () => {
  const answers = (inFlight: InFlight, ids: (string | number | null | undefined)[]) =>
    ids.map((id) => {
      const answer = new Answer(inFlight, id, () => {});
      answer.wait();
      return answer;
    });

  it('finds requests by id, a duplicated id holding all of them oldest first, and forgets each as it is answered', () => {
    const inFlight = new InFlight();
    const [a, b, c, note] = answers(inFlight, [1, 1, 'x', undefined]);
    assert.equal(inFlight.size, 4, 'a notification waiting for its authorization counts in flight');
    assert.deepEqual(inFlight.withId(1), [a, b]);
    assert.deepEqual(inFlight.withId('x'), [c]);
    assert.deepEqual(inFlight.withId('1'), [], 'the number 1 and the string "1" are different ids');
    a!.reply('{"result":1}');
    assert.deepEqual(inFlight.withId(1), [b]);
    b!.reply('{"result":2}');
    assert.deepEqual(inFlight.withId(1), []);
    note!.end();
    assert.equal(inFlight.size, 1);
  });

  it('holds a null id like any other', () => {
    const inFlight = new InFlight();
    const [nul] = answers(inFlight, [null]);
    assert.deepEqual(inFlight.withId(null), [nul]);
  });
});

describe('Answer.cancel()', () => {
  it('answers CANCELLED once, tells the transport "cancelled", and is false once answered', () => {
    const inFlight = new InFlight();
    const written: (string | undefined)[] = [];
    const reasons: (string | undefined)[] = [];
    const answer = new Answer(inFlight, 7, (response) => written.push(response));
    answer.wait((reason) => reasons.push(reason));
    assert.equal(answer.cancel(), true);
    assert.equal(answer.cancel(), false);
    answer.reply('{"result":"late"}');
    assert.equal(written.length, 1);
    assert.equal(JSON.parse(written[0]!).error.code, ErrorCode.CANCELLED);
    assert.deepEqual(reasons, ['cancelled']);
    assert.equal(inFlight.size, 0);
  });
});

describe('cancelTarget(params)', () => {
  it('takes { id } or [id], the id a string, a number or null', () => {
    assert.equal(cancelTarget({ id: 3 }), 3);
    assert.equal(cancelTarget({ id: 'a' }), 'a');
    assert.equal(cancelTarget({ id: null }), null);
    assert.equal(cancelTarget([5]), 5);
    assert.equal(cancelTarget([null]), null);
  });

  for (const params of [undefined, {}, [], [1, 2], { id: { x: 1 } }, { id: true }, [[1]], 'x', 3]) {
    it(`refuses ${JSON.stringify(params)} with INVALID_PARAMS and its issues`, () => {
      assert.throws(
        () => cancelTarget(params),
        (error: WarrenError) => error.code === ErrorCode.INVALID_PARAMS && Array.isArray((error.data as { issues: unknown[] }).issues) && (error.data as { issues: unknown[] }).issues.length > 0,
      );
    });
  }
});

describe('rpc.cancel on a connection', { timeout: 60_000 }, () => {
  const stack = stackForBlock({ gateway: { metrics: true }, worker: { metrics: true, prefetch: 1 } });
  const sleepMethod = () => `${stack.service}.sleep`;

  async function withSocket(run: (socket: FrameSocket) => Promise<void>): Promise<void> {
    const socket = await FrameSocket.open(stack.url);
    try {
      await run(socket);
    } finally {
      socket.close();
    }
  }

  it('answers false for an id that was never sent, and for one answered already; nothing else is sent', async () => {
    await withSocket(async (socket) => {
      assert.deepEqual(await socket.request({ jsonrpc: '2.0', id: 1, method: 'rpc.cancel', params: { id: 'nope' } }), { jsonrpc: '2.0', id: 1, result: false });
      const answered = await socket.request({ jsonrpc: '2.0', id: 2, method: sleepMethod(), params: { ms: 1, id: 'quick' } });
      assert.ok(answered.result);
      assert.deepEqual(await socket.request({ jsonrpc: '2.0', id: 3, method: 'rpc.cancel', params: [2] }), { jsonrpc: '2.0', id: 3, result: false });
      assert.ok(await socket.silentFor(200));
    });
  });

  it('cancels every request in flight with a duplicated id: each gets one CANCELLED frame', async () => {
    await withSocket(async (socket) => {
      socket.send({ jsonrpc: '2.0', id: 'd', method: sleepMethod(), params: { ms: 2000, id: 'dup1' } });
      socket.send({ jsonrpc: '2.0', id: 'd', method: sleepMethod(), params: { ms: 2000, id: 'dup2' } });
      await sleep(50);
      socket.send({ jsonrpc: '2.0', id: 'c', method: 'rpc.cancel', params: { id: 'd' } });
      const frames = [await socket.next(), await socket.next(), await socket.next()];
      assert.deepEqual(
        frames.map((frame) => [frame.id, frame.error?.code ?? frame.result]),
        [
          ['d', ErrorCode.CANCELLED],
          ['d', ErrorCode.CANCELLED],
          ['c', true],
        ],
      );
      assert.ok(await socket.silentFor(300), 'no late reply for either');
    });
  });

  it('cancels a call of the same batch: one array, the call CANCELLED, the cancel true', async () => {
    await withSocket(async (socket) => {
      const reply = await socket.request([
        { jsonrpc: '2.0', id: 10, method: sleepMethod(), params: { ms: 2000, id: 'batched' } },
        { jsonrpc: '2.0', id: 11, method: 'rpc.cancel', params: [10] },
        { jsonrpc: '2.0', method: 'rpc.cancel', params: [10] },
      ]);
      assert.ok(Array.isArray(reply));
      const byId = new Map(reply.map((frame: any) => [frame.id, frame]));
      assert.equal(reply.length, 2, 'the notification gets no entry');
      assert.equal((byId.get(10) as any).error.code, ErrorCode.CANCELLED);
      assert.equal((byId.get(11) as any).result, true);
    });
  });

  it('answers bad params INVALID_PARAMS with the issues, and a notification with bad params nothing', async () => {
    await withSocket(async (socket) => {
      const reply = await socket.request({ jsonrpc: '2.0', id: 1, method: 'rpc.cancel', params: { call: 1 } });
      assert.equal(reply.error.code, ErrorCode.INVALID_PARAMS);
      assert.deepEqual(reply.error.data.issues.map((issue: { path: unknown[] }) => issue.path), [['id']]);
      socket.send({ jsonrpc: '2.0', method: 'rpc.cancel', params: [] });
      assert.ok(await socket.silentFor(200));
    });
  });

  it('counts the call CANCELLED at the gateway, and a queued one the worker skipped as cancelled', async () => {
    const skipped = async () =>
      value(parsePrometheusTextFormat(await stack.worker.metrics!.metrics()), 'warren_worker_calls_total', { method: sleepMethod(), outcome: 'cancelled' });
    // Earlier tests of this block cancelled queued calls too: count from here.
    await sleep(100);
    const skippedBefore = await skipped();
    await withSocket(async (socket) => {
      const before = await scrape(`${stack.http}/metrics`);
      // prefetch 1: the first call holds the worker, the second waits in the queue.
      socket.send({ jsonrpc: '2.0', id: 'busy', method: sleepMethod(), params: { ms: 300, id: 'busy' } });
      socket.send({ jsonrpc: '2.0', id: 'queued', method: sleepMethod(), params: { ms: 1, id: 'queued' } });
      await sleep(30);
      socket.send({ jsonrpc: '2.0', method: 'rpc.cancel', params: { id: 'queued' } });
      const frames = [await socket.next(), await socket.next()];
      assert.deepEqual(frames.map((frame) => frame.id), ['queued', 'busy']);
      const gatewayCancelled = async () => value(await scrape(`${stack.http}/metrics`), 'warren_gateway_calls_total', { method: sleepMethod(), code: String(ErrorCode.CANCELLED) });
      assert.equal((await gatewayCancelled()) - value(before, 'warren_gateway_calls_total', { method: sleepMethod(), code: String(ErrorCode.CANCELLED) }), 1);
      // The worker skips it when its turn comes, once the busy call is done.
      const deadline = Date.now() + 2000;
      while ((await skipped()) - skippedBefore < 1 && Date.now() < deadline) await sleep(20);
      await sleep(50);
      assert.equal((await skipped()) - skippedBefore, 1, 'the worker counted the skipped call once');
    });
  });
});
