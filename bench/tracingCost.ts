/**
 * What the tracing path costs per call, in isolation: the gateway's span (start, the trace
 * context put on the call, end with the outcome) and the worker's (start, ctx.trace's context,
 * end), in a tight loop; first with no OpenTelemetry SDK registered (the API's no-op tracer),
 * then with one (a BatchSpanProcessor and an exporter that drops the spans). Calls come with
 * and without a `traceparent`. A companion to the whole-system comparison
 * (`--systems warren-amqp,warren-amqp-otel,warren-memory,warren-memory-otel`).
 *
 *   node --import tsx bench/tracingCost.ts
 */
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resultBody, spliceReply } from 'warren-client/protocol';
import { endGatewaySpan, endWorkerSpan, gatewayTrace, workerTrace } from '../src/tracing/spans.ts';

const body = resultBody({ seq: 1, text: 'hello' });
const responses = Array.from({ length: 1024 }, (_, i) => spliceReply(i, body));
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const plain = { method: 'bench.echo' };
const traced = { method: 'bench.echo', traceparent: TRACEPARENT };
const delivery = { redelivered: false, attempts: 0 };

/** The gateway's part of one call, as Session runs it. */
function gateway(request: typeof plain | typeof traced, i: number): string | undefined {
  const trace = gatewayTrace(request, i, true, 'socket-1');
  if (trace?.span) endGatewaySpan(trace.span, i, responses[i & 1023]);
  return trace?.carried?.traceparent;
}

/** The worker's part of one call, as Worker runs it. */
function worker(call: typeof plain | typeof traced): string | undefined {
  const { span, carried } = workerTrace(call, delivery);
  if (span) endWorkerSpan(span, body);
  return carried?.traceparent;
}

const cases: Record<string, (n: number) => void> = {
  'gateway, no traceparent': (n) => {
    for (let i = 0; i < n; i++) gateway(plain, i & 1023);
  },
  'gateway, traceparent': (n) => {
    for (let i = 0; i < n; i++) gateway(traced, i & 1023);
  },
  'worker, no traceparent': (n) => {
    for (let i = 0; i < n; i++) worker(plain);
  },
  'worker, traceparent': (n) => {
    for (let i = 0; i < n; i++) worker(traced);
  },
};

function run(label: string, n: number): void {
  for (const [name, fn] of Object.entries(cases)) {
    fn(n / 5);
    const t = performance.now();
    fn(n);
    console.log(`${label.padEnd(8)} ${name.padEnd(26)} ${(((performance.now() - t) * 1000) / n).toFixed(3)} µs/call`);
  }
}

run('no SDK', 2_000_000);
const discard = { export: (_spans: unknown, done: (result: { code: number }) => void) => done({ code: 0 }), shutdown: () => Promise.resolve() };
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(discard, { maxQueueSize: 1 << 16 })] }));
// Fewer: every span is recorded, and the batch processor drops what its queue cannot hold.
run('SDK', 200_000);
