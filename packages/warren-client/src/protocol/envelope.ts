/**
 * JSON-RPC 2.0 envelopes as pure data: parsing request frames into checked entries,
 * and encoding responses and notifications. No I/O here.
 */
import { ErrorCode, ErrorMessage } from './codes.ts';
import type { ErrorObject } from './WarrenError.ts';

export type Id = string | number | null;
export type Params = unknown[] | Record<string, unknown>;

export interface Request {
  /** Absent for a notification. */
  id?: Id;
  method: string;
  params?: Params;
  /** Warren extension: the caller's own, shorter, deadline in milliseconds. */
  timeoutMs?: number;
  /**
   * Warren extension: the caller's W3C trace context (`traceparent`, `tracestate` strings). The
   * envelope checks only that they are strings; a malformed `traceparent` is the gateway's to
   * ignore (a new trace starts), as W3C asks.
   */
  traceparent?: string;
  tracestate?: string;
}

/** One request of a frame: valid, or an error to send back with the id we could read. */
export type Entry =
  | { ok: true; request: Request; notification: boolean }
  | { ok: false; id: Id; error: ErrorObject };

export type Frame =
  | { kind: 'single'; entry: Entry }
  | { kind: 'batch'; entries: Entry[] }
  /** The frame as a whole was refused; answer with `error` and id null. */
  | { kind: 'invalid'; error: ErrorObject };

export interface ParseOptions {
  /** Most requests one batch may hold. @default 100 */
  maxBatch?: number;
}

function invalid(message?: string): ErrorObject {
  return { code: ErrorCode.INVALID_REQUEST, message: message ?? ErrorMessage[ErrorCode.INVALID_REQUEST] };
}

function isId(value: unknown): value is Id {
  return value === null || typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

/** Checks one parsed JSON value against the JSON-RPC 2.0 request shape. */
export function checkRequest(value: unknown): Entry {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, id: null, error: invalid('Request must be an object') };
  }
  const raw = value as Record<string, unknown>;
  const hasId = Object.hasOwn(raw, 'id');
  const id = hasId && isId(raw.id) ? raw.id : null;
  if (hasId && !isId(raw.id)) return { ok: false, id: null, error: invalid('id must be a string, a number or null') };
  if (raw.jsonrpc !== '2.0') return { ok: false, id, error: invalid('jsonrpc must be exactly "2.0"') };
  if (typeof raw.method !== 'string' || raw.method.length === 0) {
    return { ok: false, id, error: invalid('method must be a non-empty string') };
  }
  const params = raw.params;
  if (params !== undefined && (params === null || typeof params !== 'object')) {
    return { ok: false, id, error: invalid('params must be an object or an array') };
  }
  const timeoutMs = raw.timeoutMs;
  if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs > 0 && Number.isFinite(timeoutMs))) {
    return { ok: false, id, error: invalid('timeoutMs must be a positive number') };
  }
  const { traceparent, tracestate } = raw;
  if (traceparent !== undefined && typeof traceparent !== 'string') return { ok: false, id, error: invalid('traceparent must be a string') };
  if (tracestate !== undefined && typeof tracestate !== 'string') return { ok: false, id, error: invalid('tracestate must be a string') };
  const request: Request = { method: raw.method };
  if (hasId) request.id = id;
  if (params !== undefined) request.params = params as Params;
  if (timeoutMs !== undefined) request.timeoutMs = timeoutMs;
  if (traceparent !== undefined) request.traceparent = traceparent;
  if (tracestate !== undefined) request.tracestate = tracestate;
  return { ok: true, request, notification: !hasId };
}

/** Parses one text frame. Never throws. */
export function parseFrame(text: string, options: ParseOptions = {}): Frame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'invalid', error: { code: ErrorCode.PARSE_ERROR, message: ErrorMessage[ErrorCode.PARSE_ERROR] } };
  }
  if (!Array.isArray(value)) return { kind: 'single', entry: checkRequest(value) };
  if (value.length === 0) return { kind: 'invalid', error: invalid('Empty batch') };
  const maxBatch = options.maxBatch ?? 100;
  if (value.length > maxBatch) return { kind: 'invalid', error: invalid(`Batch larger than ${maxBatch} requests`) };
  return { kind: 'batch', entries: value.map(checkRequest) };
}

/** `{"jsonrpc":"2.0","id":…,"result":…}` */
export function encodeResult(id: Id, result: unknown): string {
  return JSON.stringify({ jsonrpc: '2.0', id, result: result === undefined ? null : result });
}

/** `{"jsonrpc":"2.0","id":…,"error":{…}}` */
export function encodeError(id: Id, error: ErrorObject): string {
  return JSON.stringify({ jsonrpc: '2.0', id, error });
}

/**
 * A worker's reply body is the JSON text `{"result":…}` or `{"error":…}`. The gateway
 * turns it into a response by splicing the caller's id in, without parsing it again.
 */
export function spliceReply(id: Id, body: string): string {
  return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},${body.slice(1)}`;
}

/** Reply body for a result; see spliceReply. */
export function resultBody(result: unknown): string {
  return `{"result":${JSON.stringify(result === undefined ? null : result)}}`;
}

/** Reply body for an error; see spliceReply. */
export function errorBody(error: ErrorObject): string {
  return `{"error":${JSON.stringify(error)}}`;
}

/** A server → client notification. */
export function encodeNotification(method: string, params: Params): string {
  return JSON.stringify({ jsonrpc: '2.0', method, params });
}

/** What a client may receive. */
export type Incoming =
  | { kind: 'response'; id: Id; result?: unknown; error?: ErrorObject }
  | { kind: 'notification'; method: string; params: unknown }
  | { kind: 'invalid' };

function isErrorObject(value: unknown): value is ErrorObject {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as ErrorObject).code === 'number' &&
    typeof (value as ErrorObject).message === 'string'
  );
}

/** Classifies one message a client received (an element of a batch reply, or a whole frame). */
export function classifyIncoming(value: unknown): Incoming {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { kind: 'invalid' };
  const raw = value as Record<string, unknown>;
  if (raw.jsonrpc !== '2.0') return { kind: 'invalid' };
  if (typeof raw.method === 'string' && !Object.hasOwn(raw, 'id')) {
    return { kind: 'notification', method: raw.method, params: raw.params };
  }
  if (!isId(raw.id)) return { kind: 'invalid' };
  if (Object.hasOwn(raw, 'error')) {
    return isErrorObject(raw.error) ? { kind: 'response', id: raw.id, error: raw.error } : { kind: 'invalid' };
  }
  if (Object.hasOwn(raw, 'result')) return { kind: 'response', id: raw.id, result: raw.result };
  return { kind: 'invalid' };
}
