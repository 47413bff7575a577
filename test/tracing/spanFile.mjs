// Registered with `node --import` in a gateway or worker process of the tracing tests: an
// OpenTelemetry SDK that keeps the finished spans in memory, and writes them as a JSON array
// to the file WARREN_SPAN_FILE names on SIGUSR2 (the test's flush signal) and at exit.
import { renameSync, writeFileSync } from 'node:fs';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

const file = process.env.WARREN_SPAN_FILE;
if (!file) throw new Error('spanFile.mjs: WARREN_SPAN_FILE names no file');
const exporter = new InMemorySpanExporter();
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));

function write() {
  const spans = exporter.getFinishedSpans().map((span) => ({
    name: span.name,
    kind: span.kind,
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    attributes: span.attributes,
    status: span.status,
  }));
  // Whole or not at all: the test may read it while it is written.
  writeFileSync(`${file}.tmp`, JSON.stringify(spans));
  renameSync(`${file}.tmp`, file);
}

process.on('SIGUSR2', write);
process.on('exit', write);
