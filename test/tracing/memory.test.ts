/**
 * Tracing in one process on the memory transport, with an OpenTelemetry SDK registered: the
 * client's span, the gateway's and the worker's form one parent chain; the generated SDK lets a
 * call's trace through; ctx.emit's event carries the worker's trace; outcomes become attributes.
 */
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, defaultTextMapSetter, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { WebSocket } from 'ws';
import { Gateway } from '../../src/gateway/Gateway.ts';
import { MemoryBroker } from '../../src/transport/MemoryBroker.ts';
import { MemoryTransport } from '../../src/transport/MemoryTransport.ts';
import { Worker } from '../../src/worker/Worker.ts';
import type { EventMessage } from '../../src/transport/Transport.ts';
import { WarrenClient, WarrenError } from 'warren-client';
import { implementations as exampleImplementations } from '../../examples/chat/service.ts';
import { connect } from '../../generated/client.ts';
import { tracedImplementation } from './tracedService.ts';
import { waitFor } from '../helpers/async.ts';

const exporter = new InMemorySpanExporter();
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
const clientTracer = trace.getTracer('test client');
const propagator = new W3CTraceContextPropagator();

/** The W3C strings of a client span, as `propagation.inject` writes them. */
function carrierOf(span: ReturnType<typeof clientTracer.startSpan>): { traceparent?: string; tracestate?: string } {
  const carrier: Record<string, string> = {};
  propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, defaultTextMapSetter);
  return carrier;
}

function spansOf(traceId: string): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
}

const service = 'traced';

describe('tracing on the memory transport', () => {
  const broker = new MemoryBroker();
  const transport = new MemoryTransport({ broker });
  const listener = new MemoryTransport({ broker });
  const implementations = [tracedImplementation(service), ...exampleImplementations];
  const worker = new Worker({ transport, implementations });
  const gateway = new Gateway({ transport, contracts: implementations.map((i) => i.contract) });
  const events: EventMessage[] = [];
  let url: string;
  let client: WarrenClient;

  before(async () => {
    transport.start();
    listener.start();
    listener.onEvent((message) => events.push(message));
    await listener.bindEvent(`${service}.announced`);
    await worker.start();
    url = `ws://127.0.0.1:${(await gateway.listen(0, '127.0.0.1')).port}/rpc`;
    client = new WarrenClient({ url, WebSocket });
    await client.ready();
  });

  after(async () => {
    client.close();
    await gateway.close(200);
    await worker.stop();
    await Promise.all([transport.close(), listener.close()]);
  });

  beforeEach(() => exporter.reset());

  it('client span → gateway span (SERVER) → worker span (CONSUMER), one trace; ctx.trace is the worker span', async () => {
    const clientSpan = clientTracer.startSpan('call whereAmI', { kind: SpanKind.CLIENT });
    const seen = await client.call<{ traceId: string; spanId: string }>(`${service}.whereAmI`, {}, { trace: carrierOf(clientSpan) });
    clientSpan.end();
    const { traceId, spanId: clientSpanId } = clientSpan.spanContext();
    await waitFor(() => spansOf(traceId).length >= 3, 5000, 'the spans');
    const gatewaySpan = spansOf(traceId).find((span) => span.kind === SpanKind.SERVER)!;
    const workerSpan = spansOf(traceId).find((span) => span.kind === SpanKind.CONSUMER)!;
    assert.ok(gatewaySpan && workerSpan, 'a gateway span and a worker span in the client trace');
    assert.equal(gatewaySpan.parentSpanContext?.spanId, clientSpanId);
    assert.equal(workerSpan.parentSpanContext?.spanId, gatewaySpan.spanContext().spanId);
    assert.deepEqual(seen, { traceId, spanId: workerSpan.spanContext().spanId });
    assert.equal(gatewaySpan.name, `${service}.whereAmI`);
    assert.equal(gatewaySpan.attributes['rpc.system'], 'jsonrpc');
    assert.equal(gatewaySpan.attributes['rpc.method'], `${service}.whereAmI`);
    assert.equal(typeof gatewaySpan.attributes['rpc.jsonrpc.request_id'], 'string');
    assert.match(String(gatewaySpan.attributes['warren.socket.id']), /^[0-9a-f-]{36}$/);
    assert.equal(workerSpan.attributes['warren.redelivered'], false);
    assert.equal(workerSpan.attributes['warren.attempts'], 0);
    assert.equal(gatewaySpan.status.code, SpanStatusCode.UNSET);
    assert.equal(workerSpan.status.code, SpanStatusCode.UNSET);
  });

  it('ctx.emit: the event carries the traceparent of the worker span', async () => {
    const clientSpan = clientTracer.startSpan('call announce', { kind: SpanKind.CLIENT });
    events.length = 0;
    const seen = await client.call<{ traceId: string; spanId: string }>(`${service}.announce`, { topic: 'lobby' }, { trace: carrierOf(clientSpan) });
    clientSpan.end();
    await waitFor(() => events.length === 1, 5000, 'the event');
    assert.equal(events[0]!.traceparent, `00-${seen.traceId}-${seen.spanId}-01`);
    assert.equal(seen.traceId, clientSpan.spanContext().traceId);
  });

  it('the generated SDK passes CallOptions.trace through', async () => {
    const api = connect({ url, WebSocket });
    try {
      const clientSpan = clientTracer.startSpan('math.add', { kind: SpanKind.CLIENT });
      assert.equal(await api.math.add([2, 3], { trace: carrierOf(clientSpan) }), 5);
      clientSpan.end();
      const { traceId, spanId } = clientSpan.spanContext();
      await waitFor(() => spansOf(traceId).length >= 3, 5000, 'the spans');
      const gatewaySpan = spansOf(traceId).find((span) => span.kind === SpanKind.SERVER)!;
      assert.equal(gatewaySpan.parentSpanContext?.spanId, spanId);
      assert.ok(spansOf(traceId).some((span) => span.kind === SpanKind.CONSUMER && span.parentSpanContext?.spanId === gatewaySpan.spanContext().spanId));
    } finally {
      api.$client.close();
    }
  });

  it('ClientOptions.traceContext is asked once per call, when the call is made', async () => {
    const clientSpan = clientTracer.startSpan('ambient', { kind: SpanKind.CLIENT });
    let asked = 0;
    const traced = new WarrenClient({ url, WebSocket, traceContext: () => (asked++, carrierOf(clientSpan)) });
    try {
      const seen = await traced.call<{ traceId: string }>(`${service}.whereAmI`, {});
      assert.equal(seen.traceId, clientSpan.spanContext().traceId);
      assert.equal(asked, 1);
    } finally {
      traced.close();
      clientSpan.end();
    }
  });

  it('a declared error: both spans carry its code and status ERROR', async () => {
    const clientSpan = clientTracer.startSpan('call refuse', { kind: SpanKind.CLIENT });
    await assert.rejects(client.call(`${service}.refuse`, {}, { trace: carrierOf(clientSpan) }), (err: WarrenError) => err.code === 4100);
    clientSpan.end();
    const { traceId } = clientSpan.spanContext();
    await waitFor(() => spansOf(traceId).length >= 3, 5000, 'the spans');
    for (const kind of [SpanKind.SERVER, SpanKind.CONSUMER]) {
      const span = spansOf(traceId).find((s) => s.kind === kind)!;
      assert.equal(span.attributes['rpc.jsonrpc.error_code'], 4100, `kind ${kind}`);
      assert.equal(span.status.code, SpanStatusCode.ERROR);
    }
  });

  it('an unknown method: a gateway span named _OTHER with METHOD_NOT_FOUND, no worker span', async () => {
    const clientSpan = clientTracer.startSpan('call nothing', { kind: SpanKind.CLIENT });
    await assert.rejects(client.call(`${service}.nothing`, {}, { trace: carrierOf(clientSpan) }), (err: WarrenError) => err.code === -32601);
    clientSpan.end();
    const spans = spansOf(clientSpan.spanContext().traceId).filter((span) => span.kind !== SpanKind.CLIENT);
    assert.equal(spans.length, 1);
    assert.equal(spans[0]!.name, '_OTHER');
    assert.equal(spans[0]!.attributes['rpc.jsonrpc.error_code'], -32601);
  });

  it('a call without trace context starts a new trace at the gateway', async () => {
    const seen = await client.call<{ traceId: string; spanId: string }>(`${service}.whereAmI`, {});
    await waitFor(() => spansOf(seen.traceId).length === 2, 5000, 'the spans');
    const gatewaySpan = spansOf(seen.traceId).find((span) => span.kind === SpanKind.SERVER)!;
    assert.equal(gatewaySpan.parentSpanContext, undefined);
  });

  it('a malformed traceparent is ignored: a new trace, the call still answered', async () => {
    const seen = await client.call<{ traceId: string }>(`${service}.whereAmI`, {}, { trace: { traceparent: '00-nonsense', tracestate: 'a=1' } });
    await waitFor(() => spansOf(seen.traceId).length === 2, 5000, 'the spans');
    assert.equal(spansOf(seen.traceId).find((span) => span.kind === SpanKind.SERVER)!.parentSpanContext, undefined);
  });
});
