/**
 * Tracing with no OpenTelemetry SDK registered (this process registers none): the API's spans
 * record nothing, but the trace context a call came with still goes on to the handler.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { trace } from '@opentelemetry/api';
import { FrameSocket } from '../helpers/FrameSocket.ts';
import { stackForBlock } from '../helpers/stack.ts';
import { tracedImplementation } from './tracedService.ts';

const service = 'untraced';
const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const spanId = '00f067aa0ba902b7';

describe('tracing with no SDK registered', () => {
  const stack = stackForBlock({ implementations: [tracedImplementation(service)] });

  it('registers no tracer provider: the API hands out non-recording spans', () => {
    assert.equal(trace.getTracer('probe').startSpan('x').isRecording(), false);
  });

  it('ctx.trace is the incoming context, carried on as a non-recording span', async () => {
    const socket = await FrameSocket.open(stack.url);
    try {
      const reply = await socket.request({ jsonrpc: '2.0', id: 1, method: `${service}.whereAmI`, params: {}, traceparent: `00-${traceId}-${spanId}-01` });
      assert.deepEqual(reply.result, { traceId, spanId });
    } finally {
      socket.close();
    }
  });

  it('ctx.trace is undefined for a call that carries no trace context, or a malformed one', async () => {
    const socket = await FrameSocket.open(stack.url);
    try {
      for (const extra of [{}, { traceparent: `00-${traceId.toUpperCase()}-${spanId}-01` }]) {
        const reply = await socket.request({ jsonrpc: '2.0', id: 2, method: `${service}.whereAmI`, params: {}, ...extra });
        assert.deepEqual(reply.result, { traceId: null, spanId: null }, JSON.stringify(extra));
      }
    } finally {
      socket.close();
    }
  });

  it('a traceparent that is not a string is an Invalid Request', async () => {
    const socket = await FrameSocket.open(stack.url);
    try {
      const reply = await socket.request({ jsonrpc: '2.0', id: 3, method: `${service}.whereAmI`, params: {}, traceparent: 42 });
      assert.equal(reply.error.code, -32600);
    } finally {
      socket.close();
    }
  });
});
