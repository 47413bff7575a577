/** The metrics module on its own: registries, outcome labels, pre-bound children, the scrape server. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry, register as globalRegistry } from 'prom-client';
import { ErrorCode, encodeError, resultBody, errorBody, spliceReply } from 'warren-client/protocol';
import { GatewayMetrics, type GatewayGauges } from '../../src/metrics/GatewayMetrics.ts';
import { WorkerMetrics } from '../../src/metrics/WorkerMetrics.ts';
import { createMetricsRegistry, isRegistry, outcomeAt, outcomeOfBody, registryOf, OutcomeChildren } from '../../src/metrics/registry.ts';
import { serveMetrics } from '../../src/metrics/serveMetrics.ts';
import { MemoryBroker } from '../../src/transport/MemoryBroker.ts';
import { MemoryTransport } from '../../src/transport/MemoryTransport.ts';
import { Gateway } from '../../src/gateway/Gateway.ts';
import { Worker } from '../../src/worker/Worker.ts';
import { testkitImplementation } from '../helpers/testkit.ts';
import { family, scrape, value, histogramCount, total } from '../helpers/metrics.ts';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

const gauges: GatewayGauges = { connections: () => 3, inFlight: () => 2, subscriptions: () => 1, transportReady: () => true, reconnects: () => 0 };

async function parsed(registry: Registry) {
  return parsePrometheusTextFormat(await registry.metrics());
}

describe('createMetricsRegistry / registryOf', () => {
  it('makes a registry of its own with the process metrics and the event-loop lag, never the global one', async () => {
    const registry = createMetricsRegistry();
    assert.notEqual(registry, globalRegistry);
    const families = await parsed(registry);
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      assert.ok(family(families, name), `${name} missing`);
    }
    assert.equal(registryOf(undefined), undefined);
    assert.equal(registryOf(false), undefined);
    const own = new Registry();
    assert.equal(registryOf(own), own);
    assert.ok(registryOf(true) instanceof Registry);
    assert.ok(isRegistry(own));
    assert.ok(!isRegistry({ metrics() {} }));
  });

  it('a Gateway and a Worker with metrics leave prom-client\'s global registry as it was', async () => {
    const before = (await globalRegistry.getMetricsAsJSON()).map((m) => m.name);
    const transport = new MemoryTransport({ broker: new MemoryBroker() });
    const implementations = [testkitImplementation('units')];
    const worker = new Worker({ transport, implementations, metrics: true });
    const gateway = new Gateway({ transport, contracts: implementations.map((i) => i.contract), metrics: true });
    assert.ok(gateway.metrics && worker.metrics && gateway.metrics !== worker.metrics);
    assert.deepEqual((await globalRegistry.getMetricsAsJSON()).map((m) => m.name), before);
    await gateway.close(0);
    assert.equal(new Gateway({ transport, contracts: [] }).metrics, undefined);
    assert.throws(() => new Gateway({ transport, contracts: [], metrics: 'yes' as never }), /metrics must be a boolean or a prom-client Registry/);
  });

  it('gateway and worker series fit on one registry side by side (warren serve)', async () => {
    const registry = createMetricsRegistry();
    const transport = new MemoryTransport({ broker: new MemoryBroker() });
    const implementations = [testkitImplementation('shared')];
    const worker = new Worker({ transport, implementations, metrics: registry });
    const gateway = new Gateway({ transport, contracts: implementations.map((i) => i.contract), metrics: registry });
    assert.equal(worker.metrics, registry);
    assert.equal(gateway.metrics, registry);
    const families = await parsed(registry);
    assert.ok(family(families, 'warren_gateway_calls_total') && family(families, 'warren_worker_calls_total'));
    await gateway.close(0);
  });
});

describe('outcomeAt / outcomeOfBody', () => {
  it('reads ok or the error code of reply bodies and of responses, whatever the id holds', () => {
    assert.equal(outcomeOfBody(resultBody({ error: { code: 1 } })), 'ok');
    assert.equal(outcomeOfBody(errorBody({ code: ErrorCode.TIMEOUT, message: 'x' })), -32000);
    assert.equal(outcomeOfBody(errorBody({ code: 4001, message: 'x', data: { code: 5 } })), 4001);
    assert.ok(Number.isNaN(outcomeOfBody('{"nothing":1}')));
    const tracked: (string | undefined)[] = [];
    const metrics = new GatewayMetrics({ registry: new Registry(), methods: ['s.m'], events: [], declaredCodes: [4001], gauges });
    for (const id of [1, 0, 12345678901, -7, 1.5, 'a', 'x","error":{"code":-32003', 'x\\"result\\":', null, 1e21]) {
      const ok = spliceReply(id, resultBody({ '"error":{"code":1': 2 }));
      const failed = encodeError(id, { code: ErrorCode.INVALID_PARAMS, message: 'bad' });
      let seen: string | undefined;
      const done = (response: string | undefined) => void (seen = response);
      metrics.track('s.m', id, performance.now(), done)(ok);
      tracked.push(seen);
      metrics.track('s.m', id, performance.now(), done)(failed);
      const json = JSON.stringify(id);
      // The outcome sits right after the id, at the same place in both shapes of response.
      assert.equal(outcomeAt(ok, 23 + json.length), 'ok', `id ${json}`);
      assert.equal(outcomeAt(failed, 23 + json.length), ErrorCode.INVALID_PARAMS, `id ${json}`);
    }
    assert.equal(tracked.length, 10);
  });
});

describe('GatewayMetrics', () => {
  it('counts by method and code with pre-bound children: undeclared methods and codes get fixed labels', async () => {
    const registry = new Registry();
    const metrics = new GatewayMetrics({ registry, methods: ['s.m'], events: ['s.e'], declaredCodes: [4001], gauges });
    const answer = (method: string | undefined, body: string, id: number | string | null = 1) => metrics.track(method, id, performance.now(), () => {})(spliceReply(id, body));
    answer('s.m', resultBody(1));
    answer('s.m', resultBody(1), 'str');
    answer('s.m', errorBody({ code: 4001, message: 'declared' }));
    answer('s.m', errorBody({ code: 4002, message: 'undeclared' }));
    answer('s.m', errorBody({ code: ErrorCode.OVERLOADED, message: 'busy' }));
    answer('nope', errorBody({ code: ErrorCode.METHOD_NOT_FOUND, message: 'x' }));
    answer(undefined, errorBody({ code: ErrorCode.INVALID_REQUEST, message: 'x' }), null);
    metrics.track('s.m', undefined, performance.now(), () => {})(undefined);
    metrics.refused('binary');
    metrics.overloaded(2);
    metrics.opened();
    metrics.closed(1000);
    metrics.closed(4321);
    metrics.closed(1);
    metrics.pushes('s.e').inc(3);
    metrics.pushes('client-made').inc();
    const families = await parsed(registry);
    const calls = (labels: Record<string, string>) => value(families, 'warren_gateway_calls_total', labels);
    assert.equal(calls({ method: 's.m', code: 'ok' }), 2);
    assert.equal(calls({ method: 's.m', code: '4001' }), 1);
    assert.equal(calls({ method: 's.m', code: 'other' }), 1);
    assert.equal(calls({ method: 's.m', code: '-32003' }), 1);
    assert.equal(calls({ method: 's.m', code: 'notification' }), 1);
    assert.equal(calls({ method: '(unknown)', code: '-32601' }), 1);
    assert.equal(calls({ method: '(unknown)', code: '-32600' }), 1);
    assert.equal(await histogramCount(registry, 'warren_gateway_call_duration_seconds', { method: 's.m' }), 5);
    assert.equal(value(families, 'warren_gateway_overloaded_total'), 3);
    assert.equal(value(families, 'warren_gateway_frames_refused_total', { reason: 'binary' }), 1);
    assert.equal(value(families, 'warren_gateway_frames_refused_total', { reason: 'too_big' }), 0);
    assert.equal(value(families, 'warren_gateway_connections_opened_total'), 1);
    assert.equal(value(families, 'warren_gateway_connections_closed_total', { code: '1000' }), 1);
    assert.equal(value(families, 'warren_gateway_connections_closed_total', { code: 'other' }), 2);
    assert.equal(value(families, 'warren_gateway_events_pushed_total', { event: 's.e' }), 3);
    assert.equal(value(families, 'warren_gateway_events_pushed_total', { event: '(unknown)' }), 1);
    assert.equal(value(families, 'warren_gateway_connections'), 3);
    assert.equal(value(families, 'warren_gateway_calls_in_flight'), 2);
    assert.equal(value(families, 'warren_gateway_subscriptions'), 1);
    assert.equal(value(families, 'warren_gateway_transport_ready'), 1);
    assert.equal(value(families, 'warren_gateway_broker_reconnects_total'), 0);
    // Children for every declared method and builtin exist from the start, at 0.
    assert.equal(calls({ method: 'rpc.subscribe', code: 'ok' }), 0);
    const labels = family(families, 'warren_gateway_calls_total')!.metrics.map((m) => m.labels!.method);
    assert.deepEqual([...new Set(labels)].sort(), ['(unknown)', 'rpc.cancel', 'rpc.discover', 'rpc.ping', 'rpc.subscribe', 'rpc.unsubscribe', 's.m']);
  });

  it('follows the transport\'s reconnect count as a counter', async () => {
    const registry = new Registry();
    let reconnects = 0;
    new GatewayMetrics({ registry, methods: [], events: [], declaredCodes: [], gauges: { ...gauges, reconnects: () => reconnects, transportReady: () => false } });
    reconnects = 2;
    assert.equal(value(await parsed(registry), 'warren_gateway_broker_reconnects_total'), 2);
    reconnects = 3;
    const families = await parsed(registry);
    assert.equal(value(families, 'warren_gateway_broker_reconnects_total'), 3);
    assert.equal(value(families, 'warren_gateway_transport_ready'), 0);
  });
});

describe('WorkerMetrics', () => {
  it('counts handled calls by outcome, redeliveries and dead letters per method', async () => {
    const registry = new Registry();
    const metrics = new WorkerMetrics(registry, [4001]);
    const m = metrics.method('s.m');
    const start = performance.now();
    m.handled(resultBody(1), start);
    m.handled(errorBody({ code: 4001, message: 'x' }), start);
    m.handled(errorBody({ code: 77, message: 'x' }), start);
    m.requeued(start);
    m.expired();
    m.skippedCancelled();
    m.redelivered();
    m.deadLettered();
    const families = await parsed(registry);
    const calls = (outcome: string) => value(families, 'warren_worker_calls_total', { method: 's.m', outcome });
    assert.deepEqual(['ok', '4001', 'other', 'requeued', 'expired', 'cancelled'].map(calls), [1, 1, 1, 1, 1, 1]);
    assert.equal(await histogramCount(registry, 'warren_worker_handler_duration_seconds', { method: 's.m' }), 4);
    assert.equal(value(families, 'warren_worker_redeliveries_total', { method: 's.m' }), 1);
    assert.equal(value(families, 'warren_worker_dead_letters_total', { method: 's.m' }), 1);
  });

  it('OutcomeChildren makes one child per known code and one "other"', () => {
    const made: string[] = [];
    const children = new OutcomeChildren(new Set([1, 2]), (label) => (made.push(label), label));
    for (const code of [1, 1, 2, 3, 4, 5]) children.of(code);
    children.of('ok');
    assert.deepEqual(made, ['ok', '1', '2', 'other']);
  });
});

describe('serveMetrics', () => {
  it('answers GET /metrics with the registry in the text format, 404 elsewhere', async () => {
    const registry = createMetricsRegistry();
    new WorkerMetrics(registry, []).method('s.m').redelivered();
    const server = await serveMetrics(registry, 0);
    try {
      assert.equal(server.address.address, '127.0.0.1');
      const families = await scrape(server.url);
      assert.equal(value(families, 'warren_worker_redeliveries_total', { method: 's.m' }), 1);
      assert.ok(total(families, 'process_cpu_user_seconds_total') >= 0);
      const other = await fetch(server.url.replace('/metrics', '/other'), { signal: AbortSignal.timeout(5000) });
      assert.equal(other.status, 404);
      await other.arrayBuffer();
    } finally {
      await server.close();
    }
  });
});

describe('ServeOptions.onDeadLetter on the memory transport', () => {
  it('is told once when a call is dead-lettered after maxDeliveries failed deliveries', async () => {
    const transport = new MemoryTransport({ broker: new MemoryBroker() });
    transport.start();
    let deadLetters = 0;
    await transport.serve('s.poison', () => Promise.reject(new Error('crash')), { maxDeliveries: 2, onDeadLetter: () => deadLetters++ });
    const reply = await new Promise<string>((resolve) => transport.request({ method: 's.poison', params: '{}', deadline: Date.now() + 5000, principal: null }, resolve));
    assert.match(reply, /-32603/);
    assert.equal(deadLetters, 1);
    await transport.close();
  });
});
