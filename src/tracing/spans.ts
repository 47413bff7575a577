/**
 * Warren's spans, through the OpenTelemetry API only: whoever wants them registers an SDK
 * (docs/tracing.md). Without one no span is started at all: the API would hand out
 * non-recording spans that carry the incoming context on, at 3–5 µs a call (bench/tracingCost.ts),
 * and the same context is carried on here for the price of parsing the traceparent.
 *
 * Each span continues the trace context the call came with, read by Warren's own W3C parser
 * (traceContext.ts) rather than the API's propagator, which without an SDK extracts nothing,
 * and never from the active context: a gateway's socket callbacks may run inside whatever
 * context an HTTP instrumentation left there, which is no parent of a call.
 */
import {
  ProxyTracerProvider,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  createTraceState,
  isSpanContextValid,
  trace,
  type Attributes,
  type Context,
  type Span,
  type SpanContext,
} from '@opentelemetry/api';
import { errorCodeName, type Id } from 'warren-client/protocol';
import { formatTraceparent, MAX_TRACESTATE, parseTraceparent, type TraceContext } from '../protocol/traceContext.ts';
import { outcomeAt } from '../metrics/registry.ts';

/** The instrumentation scope of every Warren span. */
export const TRACER_NAME = 'warren';

/** Span attributes Warren sets, beside OpenTelemetry's RPC ones. */
export const Attribute = {
  RPC_SYSTEM: 'rpc.system',
  RPC_METHOD: 'rpc.method',
  JSONRPC_VERSION: 'rpc.jsonrpc.version',
  JSONRPC_REQUEST_ID: 'rpc.jsonrpc.request_id',
  JSONRPC_ERROR_CODE: 'rpc.jsonrpc.error_code',
  SOCKET_ID: 'warren.socket.id',
  REDELIVERED: 'warren.redelivered',
  ATTEMPTS: 'warren.attempts',
} as const;

/** The span name and `rpc.method` of a request whose method no contract declares (OpenTelemetry's RPC conventions). */
export const OTHER_METHOD = '_OTHER';

// The API's proxy tracer: it finds an SDK registered after this module loaded as well.
const tracer = trace.getTracer(TRACER_NAME);

/**
 * True when an SDK is registered. Asked on every call (13 ns), so one registered after Warren
 * started is used from its next call on. A provider of another copy of the API is taken as one.
 */
function recording(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegateTracer(TRACER_NAME) !== undefined;
}

/** The context to start a call's span in: the remote parent its traceparent names, or none (a new trace). */
export function parentContext(traceparent: string | undefined, tracestate: string | undefined): Context {
  const parent = traceparent === undefined ? undefined : parseTraceparent(traceparent);
  if (!parent) return ROOT_CONTEXT;
  const spanContext: SpanContext = { ...parent, isRemote: true };
  if (tracestate && tracestate.length <= MAX_TRACESTATE) spanContext.traceState = createTraceState(tracestate);
  return trace.setSpanContext(ROOT_CONTEXT, spanContext);
}

/** With no SDK: the incoming trace context, carried on as it came when its traceparent is valid. */
function carriedOn(traceparent: string | undefined, tracestate: string | undefined): TraceContext | undefined {
  const parent = traceparent === undefined ? undefined : parseTraceparent(traceparent);
  if (!parent) return undefined;
  // Written again: a later version's traceparent may carry fields a version-00 reader drops.
  const carried = { traceparent: formatTraceparent(parent) };
  return tracestate && tracestate.length <= MAX_TRACESTATE ? { ...carried, tracestate } : carried;
}

/** The trace context strings of a span, to pass on; undefined for a span that is part of no trace. */
export function traceContextOf(span: Span): TraceContext | undefined {
  const spanContext = span.spanContext();
  if (!isSpanContextValid(spanContext)) return undefined;
  const traceparent = formatTraceparent(spanContext);
  const tracestate = spanContext.traceState?.serialize();
  return tracestate ? { traceparent, tracestate } : { traceparent };
}

/**
 * A call's trace at the gateway or the worker: its span (undefined with no SDK) and the
 * context the call, or the handler's reply and events, carry on.
 */
export interface CallTrace {
  span: Span | undefined;
  carried: TraceContext | undefined;
}

/** The trace of a call with neither an SDK nor a traceparent: one shared value, nothing made per call. */
const UNTRACED: CallTrace = Object.freeze({ span: undefined, carried: undefined });

/**
 * The gateway's trace of one request: with an SDK, its span (kind SERVER, a child of the
 * request's `traceparent`) and that span's context for the call; with none, no span and the
 * request's own context. Undefined when there is neither span nor context to carry on.
 */
export function gatewayTrace(request: { method: string; traceparent?: string; tracestate?: string }, id: Id | undefined, declared: boolean, socketId: string): CallTrace | undefined {
  if (!recording()) {
    if (request.traceparent === undefined) return undefined;
    const carried = carriedOn(request.traceparent, request.tracestate);
    return carried && { span: undefined, carried };
  }
  const span = startGatewaySpan(request, id, declared, socketId);
  return { span, carried: traceContextOf(span) };
}

/** Starts the gateway's span of one request to a contract's method (kind SERVER), as a child of the request's `traceparent`. */
function startGatewaySpan(request: { method: string; traceparent?: string; tracestate?: string }, id: Id | undefined, declared: boolean, socketId: string): Span {
  const parent = parentContext(request.traceparent, request.tracestate);
  const method = declared ? request.method : OTHER_METHOD;
  const attributes: Attributes = {
    [Attribute.RPC_SYSTEM]: 'jsonrpc',
    [Attribute.RPC_METHOD]: method,
    [Attribute.JSONRPC_VERSION]: '2.0',
    [Attribute.SOCKET_ID]: socketId,
  };
  // OpenTelemetry's convention: a null id is "", a notification has none.
  if (id !== undefined) attributes[Attribute.JSONRPC_REQUEST_ID] = id === null ? '' : String(id);
  return tracer.startSpan(method, { kind: SpanKind.SERVER, attributes }, parent);
}

/** `{"jsonrpc":"2.0","id":` — where a response's id starts. */
const ID_AT = 22;

/**
 * Ends a gateway span with the response the request got: its error code and status ERROR for
 * an error; a notification (no response) ends with its status unset.
 */
export function endGatewaySpan(span: Span, id: Id | undefined, response: string | undefined): void {
  if (response !== undefined && span.isRecording()) {
    // The response is `{"jsonrpc":"2.0","id":<id>,"result"…` or `…,"error":{"code":N…`.
    const outcome = outcomeAt(response, ID_AT + JSON.stringify(id ?? null).length + 1);
    if (typeof outcome === 'number') failed(span, outcome);
  }
  span.end();
}

/** The worker's trace of one delivery: with an SDK its span, with none the call's own context carried on. */
export function workerTrace(call: { method: string; traceparent?: string; tracestate?: string }, delivery: { redelivered: boolean; attempts: number }): CallTrace {
  if (!recording()) {
    const carried = call.traceparent === undefined ? undefined : carriedOn(call.traceparent, call.tracestate);
    return carried ? { span: undefined, carried } : UNTRACED;
  }
  const span = startWorkerSpan(call, delivery);
  return { span, carried: traceContextOf(span) };
}

/** Starts the worker's span of one delivery (kind CONSUMER; docs/tracing.md says why), as a child of the call's traceparent. */
function startWorkerSpan(call: { method: string; traceparent?: string; tracestate?: string }, delivery: { redelivered: boolean; attempts: number }): Span {
  return tracer.startSpan(
    call.method,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        [Attribute.RPC_SYSTEM]: 'jsonrpc',
        [Attribute.RPC_METHOD]: call.method,
        [Attribute.REDELIVERED]: delivery.redelivered,
        [Attribute.ATTEMPTS]: delivery.attempts,
      },
    },
    parentContext(call.traceparent, call.tracestate),
  );
}

/**
 * Ends a worker span with the run's reply body (`{"result"…` or `{"error":{"code":N…`), or with
 * `failure` when the run ended without one (the worker stopped, its events were not published).
 */
export function endWorkerSpan(span: Span, body: string | undefined, failure?: string): void {
  if (span.isRecording()) {
    if (body === undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: failure ?? 'no answer' });
    else {
      const outcome = outcomeAt(body, 1);
      if (typeof outcome === 'number') failed(span, outcome);
    }
  }
  span.end();
}

/** Runs `fn` with `span` as the active span, so spans the handler makes are its children. */
export function withSpan<T>(span: Span, fn: () => T): T {
  return context.with(trace.setSpan(context.active(), span), fn);
}

function failed(span: Span, code: number): void {
  span.setAttribute(Attribute.JSONRPC_ERROR_CODE, code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: errorCodeName(code) ?? `error ${code}` });
}
