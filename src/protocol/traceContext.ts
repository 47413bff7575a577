/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) as pure data: the `traceparent`
 * string read and written. A request, a call, a reply and an event carry the two strings
 * `traceparent` and `tracestate` as they are; this is where one is judged.
 *
 * Warren parses the header itself rather than through `@opentelemetry/api`'s propagation API:
 * without an SDK that API has no propagator registered and extracts nothing, and the trace must
 * still go on from the client to the worker (docs/tracing.md).
 */

/** The trace context strings a request, call, reply or event carries. */
export interface TraceContext {
  traceparent?: string | undefined;
  tracestate?: string | undefined;
}

/** A valid `traceparent`, taken apart. */
export interface Traceparent {
  /** 32 lowercase hex digits, not all zero. */
  traceId: string;
  /** The caller's span: 16 lowercase hex digits, not all zero. */
  spanId: string;
  /** 8 bits; bit 0 is `sampled`. */
  traceFlags: number;
}

/**
 * The longest `tracestate` carried on; a longer one is dropped whole. W3C asks every hop to
 * carry at least 512 characters of it, and allows dropping more.
 */
export const MAX_TRACESTATE = 512;

/** `00-<trace-id>-<parent-id>-<flags>` is 55 characters. */
const VERSION_00_LENGTH = 55;
const HEADER = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/**
 * Reads a `traceparent`; undefined when it is malformed, which W3C says to treat as absent (a
 * new trace starts). Version `00` must be exactly 55 characters; a later version may carry more
 * after a `-`, which is ignored, as the spec asks of a reader that knows only version 00.
 * Version `ff`, uppercase hex and an all-zero trace or span id are invalid.
 */
export function parseTraceparent(value: string): Traceparent | undefined {
  if (value.length < VERSION_00_LENGTH) return undefined;
  const match = HEADER.exec(value);
  if (!match) return undefined;
  const [, version, traceId, spanId, flags] = match as unknown as [string, string, string, string, string];
  if (version === 'ff') return undefined;
  if (version === '00' ? value.length !== VERSION_00_LENGTH : value.length > VERSION_00_LENGTH && value[VERSION_00_LENGTH] !== '-') {
    return undefined;
  }
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, traceFlags: parseInt(flags, 16) };
}

/** The version-00 `traceparent` of a span. */
export function formatTraceparent({ traceId, spanId, traceFlags }: Traceparent): string {
  return `00-${traceId}-${spanId}-${(traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}
