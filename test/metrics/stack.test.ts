/**
 * Metrics of a whole in-process stack (memory transport) over real loopback sockets: the
 * scrape of GET /metrics, parsed with a text-format parser, matches the calls the test made,
 * by method and code; a flood of made-up method names adds no series.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { FrameSocket } from '../helpers/FrameSocket.ts';
import { startStack, stackForBlock } from '../helpers/stack.ts';
import { waitFor } from '../helpers/async.ts';
import { family, histogramCount, scrape, scrapeText, seriesCount, value } from '../helpers/metrics.ts';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { MemoryBroker } from '../../src/transport/MemoryBroker.ts';
import { MemoryTransport } from '../../src/transport/MemoryTransport.ts';
import { Worker } from '../../src/worker/Worker.ts';
import { testkitImplementation } from '../helpers/testkit.ts';

describe('GET /metrics of a gateway with metrics: true (memory transport)', { timeout: 60_000 }, () => {
  const stack = stackForBlock({ gateway: { metrics: true, maxPayload: 4096 }, worker: { metrics: true } });
  const sockets: FrameSocket[] = [];
  after(() => {
    for (const socket of sockets) socket.close();
  });
  const open = async () => {
    const socket = await FrameSocket.open(stack.url);
    sockets.push(socket);
    return socket;
  };
  let id = 0;
  const call = (socket: FrameSocket, method: string, params?: unknown) => socket.request({ jsonrpc: '2.0', id: ++id, method, params });

  it('counts calls by method and code, as the test made them', async () => {
    const m = (name: string) => `${stack.service}.${name}`;
    const socket = await open();
    for (let i = 0; i < 3; i++) assert.ok((await call(socket, m('echo'), { value: i })).result);
    assert.equal((await socket.request({ jsonrpc: '2.0', id: 'a string id', method: m('add'), params: [1, 2] })).result, 3);
    assert.equal((await call(socket, m('add'), [2, 2])).result, 4);
    assert.equal((await call(socket, m('add'), ['x'])).error.code, -32602);
    assert.equal((await call(socket, m('boom'), {})).error.code, -32603);
    assert.equal((await call(socket, m('wrongShape'), {})).error.code, -32603);
    assert.equal((await call(socket, m('fail'), { reason: 'no' })).error.code, 4001);
    assert.equal((await call(socket, 'nobody.declares', {})).error.code, -32601);
    assert.equal((await call(socket, 'rpc.nothing', {})).error.code, -32601);
    assert.equal((await call(socket, 'rpc.ping')).result, 'pong');
    // A batch: one answer each, and a notification, which gets none.
    socket.send([
      { jsonrpc: '2.0', id: ++id, method: m('add'), params: [1, 1] },
      { jsonrpc: '2.0', method: m('echo'), params: { value: 'n' } },
      { jsonrpc: '2.0', id: ++id, method: 'made.up' },
      { nonsense: true },
    ]);
    assert.equal((await socket.next()).length, 3);

    const families = await scrape(`${stack.http}/metrics`);
    const calls = (method: string, code: string) => value(families, 'warren_gateway_calls_total', { method, code });
    assert.equal(calls(m('echo'), 'ok'), 3);
    assert.equal(calls(m('echo'), 'notification'), 1);
    assert.equal(calls(m('add'), 'ok'), 3);
    assert.equal(calls(m('add'), '-32602'), 1);
    assert.equal(calls(m('boom'), '-32603'), 1);
    assert.equal(calls(m('wrongShape'), '-32603'), 1);
    assert.equal(calls(m('fail'), '4001'), 1);
    assert.equal(calls('rpc.ping', 'ok'), 1);
    assert.equal(calls('(unknown)', '-32601'), 3);
    assert.equal(calls('(unknown)', '-32600'), 1);
    assert.equal(family(families, 'warren_gateway_call_duration_seconds')?.type, 'HISTOGRAM');
    assert.equal(await histogramCount(stack.gateway.metrics!, 'warren_gateway_call_duration_seconds', { method: m('add') }), 4);
    // No series names a method the client made up.
    const methods = new Set(family(families, 'warren_gateway_calls_total')!.metrics.map((s) => s.labels!.method));
    assert.ok(!methods.has('nobody.declares') && !methods.has('made.up') && !methods.has('rpc.nothing'));

    // The worker's own registry: what it ran, by outcome.
    const worker = parsePrometheusTextFormat(await stack.worker.metrics!.metrics());
    const ran = (method: string, outcome: string) => value(worker, 'warren_worker_calls_total', { method, outcome });
    assert.equal(ran(m('echo'), 'ok'), 4);
    assert.equal(ran(m('add'), 'ok'), 3);
    assert.equal(ran(m('boom'), '-32603'), 1);
    assert.equal(ran(m('wrongShape'), '-32603'), 1);
    assert.equal(ran(m('fail'), '4001'), 1);
    assert.equal(await histogramCount(stack.worker.metrics!, 'warren_worker_handler_duration_seconds', { method: m('echo') }), 4);
    assert.equal(value(worker, 'warren_worker_redeliveries_total', { method: m('echo') }), 0);
  });

  it('counts refused frames by reason, connections and their closes, subscriptions and pushed events', async () => {
    const before = await scrape(`${stack.http}/metrics`);
    const opened = value(before, 'warren_gateway_connections_opened_total');
    const socket = await open();
    socket.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    assert.equal((await socket.next()).error.code, -32600);
    socket.send('{not json');
    assert.equal((await socket.next()).error.code, -32700);
    socket.send('[]');
    assert.equal((await socket.next()).error.code, -32600);
    assert.equal((await call(socket, 'rpc.subscribe', { event: `${stack.service}.shouted`, topic: 'lobby' })).result, true);
    const listener = await open();
    assert.equal((await call(listener, 'rpc.subscribe', { event: `${stack.service}.shouted` })).result, true);
    assert.deepEqual((await call(socket, `${stack.service}.shout`, { topic: 'lobby', text: 'hi' })).result ?? null, null);
    await listener.next();
    const held = stack.gateway.connections;
    const big = await open();
    big.send('x'.repeat(5000));
    assert.equal((await big.closed).code, 1009);
    await waitFor(() => stack.gateway.connections === held, 5000, 'the oversized socket to close');

    const families = await scrape(`${stack.http}/metrics`);
    const refused = (reason: string) => value(families, 'warren_gateway_frames_refused_total', { reason }) - value(before, 'warren_gateway_frames_refused_total', { reason });
    assert.deepEqual(
      ['binary', 'invalid_json', 'invalid_request', 'too_big', 'rate_limited'].map(refused),
      [1, 1, 1, 1, 0],
    );
    assert.equal(value(families, 'warren_gateway_connections_opened_total') - opened, 3);
    assert.equal(value(families, 'warren_gateway_connections'), stack.gateway.connections);
    const closes = (f: typeof families) => (family(f, 'warren_gateway_connections_closed_total')?.metrics ?? []).reduce((sum, x) => sum + Number(x.value), 0);
    assert.equal(closes(families) - closes(before), 1);
    assert.equal(value(families, 'warren_gateway_subscriptions'), 2);
    // One shout, on the topic one socket named and the event the other took whole: two pushes.
    assert.equal(value(families, 'warren_gateway_events_pushed_total', { event: `${stack.service}.shouted` }), 2);
    assert.equal(value(families, 'warren_gateway_transport_ready'), 1);
    assert.equal(value(families, 'warren_gateway_calls_in_flight'), 0);
    assert.ok(family(families, 'nodejs_eventloop_lag_seconds'), 'the event-loop lag is scraped too');
  });

  it('200 made-up method names add no series', async () => {
    const socket = await open();
    // One unknown method first: its (unknown) child is made on first use.
    assert.equal((await call(socket, `warm.${randomUUID()}`)).error.code, -32601);
    const before = await scrapeText(`${stack.http}/metrics`);
    for (let i = 0; i < 200; i++) assert.equal((await call(socket, `${randomUUID()}.${i}`, {})).error.code, -32601);
    const afterwards = await scrapeText(`${stack.http}/metrics`);
    const gatewayLines = (text: string) => seriesCount(text.split('\n').filter((line) => line.startsWith('warren_')).join('\n'));
    assert.equal(gatewayLines(afterwards.text), gatewayLines(before.text));
    assert.equal(
      value(afterwards.families, 'warren_gateway_calls_total', { method: '(unknown)', code: '-32601' }) -
        value(before.families, 'warren_gateway_calls_total', { method: '(unknown)', code: '-32601' }),
      200,
    );
  });
});

describe('the rate limit in the metrics', { timeout: 30_000 }, () => {
  it('counts a frame over the limit as refused, and each of its requests as OVERLOADED', async () => {
    const stack = await startStack({ gateway: { metrics: true, frameRate: 1, frameBurst: 2, maxBatch: 2, rateLimitCloseMs: 0 } });
    try {
      const socket = await FrameSocket.open(stack.url);
      const frames = [1, 2, 3].map((n) => ({ jsonrpc: '2.0', id: n, method: 'rpc.ping' }));
      socket.send(frames[0]);
      socket.send(frames[1]);
      socket.send([frames[2], { ...frames[2], id: 4 }]);
      const answers = [await socket.next(), await socket.next(), await socket.next()];
      assert.equal(answers.filter((a) => Array.isArray(a) && a.every((x: { error?: { code: number } }) => x.error?.code === -32003)).length, 1);
      const families = await scrape(`${stack.http}/metrics`);
      assert.equal(value(families, 'warren_gateway_frames_refused_total', { reason: 'rate_limited' }), 1);
      assert.equal(value(families, 'warren_gateway_overloaded_total'), 2);
      assert.equal(value(families, 'warren_gateway_calls_total', { method: 'rpc.ping', code: 'ok' }), 2);
      socket.close();
    } finally {
      await stack.close();
    }
  });

  it('a gateway without metrics has no /metrics', async () => {
    const stack = await startStack();
    try {
      const response = await fetch(`${stack.http}/metrics`, { signal: AbortSignal.timeout(5000) });
      assert.equal(response.status, 404);
      await response.arrayBuffer();
      assert.equal(stack.gateway.metrics, undefined);
    } finally {
      await stack.close();
    }
  });
});

describe('redeliveries in the worker metrics', { timeout: 30_000 }, () => {
  it('a call cut off by one worker\'s shutdown counts as requeued there and as a redelivery where it runs again', async () => {
    const transport = new MemoryTransport({ broker: new MemoryBroker() });
    transport.start();
    const implementations = [testkitImplementation('redeliver')];
    const first = new Worker({ transport, implementations, metrics: true, shutdownGraceMs: 0 });
    await first.start();
    const reply = new Promise<string>((resolve) =>
      transport.request({ method: 'redeliver.sleep', params: JSON.stringify({ ms: 300, id: 'r' }), deadline: Date.now() + 5000, principal: null }, resolve),
    );
    await new Promise((r) => setTimeout(r, 50));
    const second = new Worker({ transport, implementations, metrics: true });
    await second.start();
    await first.stop();
    assert.match(await reply, /"sleptMs"/);
    const a = parsePrometheusTextFormat(await first.metrics!.metrics());
    const b = parsePrometheusTextFormat(await second.metrics!.metrics());
    assert.equal(value(a, 'warren_worker_calls_total', { method: 'redeliver.sleep', outcome: 'requeued' }), 1);
    assert.equal(value(b, 'warren_worker_redeliveries_total', { method: 'redeliver.sleep' }), 1);
    assert.equal(value(b, 'warren_worker_calls_total', { method: 'redeliver.sleep', outcome: 'ok' }), 1);
    await second.stop();
    await transport.close();
  });
});
