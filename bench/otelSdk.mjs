// An OpenTelemetry SDK as an operator would register one (`node --import`), for the `-otel`
// benchmark systems: every span recorded, batched by a BatchSpanProcessor, and handed to an
// exporter that drops it, so the run measures Warren's spans and the SDK, not a collector.
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

const discard = {
  export(_spans, done) {
    done({ code: 0 });
  },
  shutdown: () => Promise.resolve(),
  forceFlush: () => Promise.resolve(),
};
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(discard)] }));
