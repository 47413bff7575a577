/**
 * A trace across processes on RabbitMQ: `warren gateway` and `warren worker` run as separate
 * CLI processes, each with an OpenTelemetry SDK registered by `node --import` (spanFile.mjs),
 * which writes its finished spans to a file on SIGUSR2. This process is the client.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT_CONTEXT, SpanKind, defaultTextMapSetter, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { WebSocket } from 'ws';
import { WarrenClient } from 'warren-client';
import { needsBroker, uniqueName, withChannel } from '../helpers/broker.ts';
import { EVENTS_EXCHANGE, Header, RPC_EXCHANGE, callProperties } from '../../src/protocol/routing.ts';
import { FrameSocket } from '../helpers/FrameSocket.ts';
import { logLines, waitReady, WarrenProcesses, type WarrenProcess } from '../helpers/processes.ts';
import { sleep } from '../helpers/async.ts';
import { TRACED_ENV, tracedContract } from './tracedService.ts';

interface SpanRecord {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Record<string, unknown>;
}

const svc = uniqueName('tr');
const SETUP = fileURLToPath(new URL('./spanFile.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'warren-spans-'));

// The client's own SDK, not registered globally: this process only makes the client span.
const exporter = new InMemorySpanExporter();
const clientTracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('test client');
const propagator = new W3CTraceContextPropagator();

/** Asks a process to write its spans, and reads them until `ready` holds (bounded). */
async function spansOf(proc: WarrenProcess, file: string, ready: (spans: SpanRecord[]) => boolean): Promise<SpanRecord[]> {
  const until = Date.now() + 10_000;
  for (;;) {
    proc.child.kill('SIGUSR2');
    await sleep(100);
    const spans: SpanRecord[] = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : [];
    if (ready(spans)) return spans;
    if (Date.now() > until) throw new Error(`spans not written in time; have ${JSON.stringify(spans)}`);
  }
}

describe('a trace across warren gateway and warren worker processes on RabbitMQ', { ...(await needsBroker()), timeout: 90_000 }, () => {
  const group = new WarrenProcesses({
    module: fileURLToPath(new URL('./tracedService.ts', import.meta.url)),
    contract: tracedContract(svc),
    env: { [TRACED_ENV]: svc },
  });
  const files = { gateway: join(dir, 'gateway.json'), worker: join(dir, 'worker.json') };
  let gateway: WarrenProcess;
  let worker: WarrenProcess;

  before(async () => {
    // The SDK is set up before Warren loads, as docs/tracing.md tells an operator to; each process has its span file.
    const NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --import ${SETUP}`.trim();
    [gateway, worker] = await Promise.all([
      group.start('gateway', [], { NODE_OPTIONS, WARREN_SPAN_FILE: files.gateway }),
      group.start('worker', [], { NODE_OPTIONS, WARREN_SPAN_FILE: files.worker }),
    ]);
    await waitReady(gateway.http!);
  });

  after(async () => {
    await group.stopAll();
    await group.deleteQueues().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  it('client span → gateway span → worker span, one trace id; ctx.trace and the worker log carry it', async () => {
    const clientSpan = clientTracer.startSpan('call whereAmI', { kind: SpanKind.CLIENT });
    const client = new WarrenClient({
      url: gateway.url!,
      WebSocket,
      // What an app with OpenTelemetry does: inject its active context.
      traceContext: () => {
        const carrier: Record<string, string> = {};
        propagator.inject(trace.setSpan(ROOT_CONTEXT, clientSpan), carrier, defaultTextMapSetter);
        return carrier;
      },
    });
    let seen: { traceId: string; spanId: string };
    try {
      seen = await client.call(`${svc}.whereAmI`, {});
    } finally {
      client.close();
      clientSpan.end();
    }
    const { traceId, spanId: clientSpanId } = clientSpan.spanContext();
    assert.equal(exporter.getFinishedSpans().length, 1);
    assert.equal(seen.traceId, traceId, 'ctx.trace.traceId is the client trace id');

    const inTrace = (spans: SpanRecord[]) => spans.filter((span) => span.traceId === traceId);
    const gatewaySpans = inTrace(await spansOf(gateway, files.gateway, (spans) => inTrace(spans).length > 0));
    const workerSpans = inTrace(await spansOf(worker, files.worker, (spans) => inTrace(spans).length > 0));
    assert.equal(gatewaySpans.length, 1);
    assert.equal(workerSpans.length, 1);
    const [gatewaySpan, workerSpan] = [gatewaySpans[0]!, workerSpans[0]!];
    assert.equal(gatewaySpan.kind, SpanKind.SERVER);
    assert.equal(gatewaySpan.name, `${svc}.whereAmI`);
    assert.equal(gatewaySpan.parentSpanId, clientSpanId);
    assert.equal(workerSpan.kind, SpanKind.CONSUMER);
    assert.equal(workerSpan.parentSpanId, gatewaySpan.spanId);
    assert.equal(workerSpan.spanId, seen.spanId);
    assert.equal(workerSpan.attributes['warren.attempts'], 0);

    const [line] = logLines(worker, 'traced call');
    assert.equal(line?.trace_id, traceId);
    assert.equal(line?.span_id, workerSpan.spanId);
  });

  it('a third-party client: a hand-written frame with "traceparent" is continued', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const sentSpanId = '00f067aa0ba902b7';
    const socket = await FrameSocket.open(gateway.url!, { handshakeTimeout: 5000 });
    let reply;
    try {
      reply = await socket.request({ jsonrpc: '2.0', id: 'raw-1', method: `${svc}.whereAmI`, params: {}, traceparent: `00-${traceId}-${sentSpanId}-01` });
    } finally {
      socket.close();
    }
    assert.equal(reply.result.traceId, traceId);
    const gatewaySpan = (await spansOf(gateway, files.gateway, (spans) => spans.some((span) => span.traceId === traceId))).find((span) => span.traceId === traceId)!;
    assert.equal(gatewaySpan.parentSpanId, sentSpanId);
    assert.equal(gatewaySpan.attributes['rpc.jsonrpc.request_id'], 'raw-1');
  });

  it('on the broker: the reply and the emitted event carry the traceparent of the worker span', async () => {
    const traceId = 'aaf92f3577b34da6a3ce929d0e0e4736';
    const sent = `00-${traceId}-11f067aa0ba902b7-01`;
    const { reply, event } = await withChannel(async (channel) => {
      const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
      await channel.bindQueue(queue, EVENTS_EXCHANGE, `${svc}.announced.*`);
      const got: { reply?: Record<string, unknown>; event?: Record<string, unknown> } = {};
      await channel.consume(queue, (message) => {
        if (!message) return;
        if (message.properties.correlationId === 'c-1') got.reply = { ...message.properties.headers, body: message.content.toString() };
        else got.event = message.properties.headers;
      }, { noAck: true });
      // A call as a gateway publishes it, with the trace context headers.
      const call = { method: `${svc}.announce`, params: '{"topic":"t1"}', deadline: Date.now() + 10_000, principal: null, traceparent: sent };
      channel.publish(RPC_EXCHANGE, call.method, Buffer.from(call.params), callProperties(call, { correlationId: 'c-1', replyTo: queue }, Date.now()));
      const until = Date.now() + 10_000;
      while (!(got.reply && got.event) && Date.now() < until) await sleep(20);
      return got;
    });
    assert.ok(reply && event, 'a reply and an event arrived');
    const { spanId } = JSON.parse(String(reply.body)).result as { spanId: string };
    assert.equal(reply[Header.TRACEPARENT], `00-${traceId}-${spanId}-01`);
    assert.equal(event[Header.TRACEPARENT], `00-${traceId}-${spanId}-01`);
  });
});
