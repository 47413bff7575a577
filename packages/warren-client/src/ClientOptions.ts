/**
 * The client's options, their defaults (merged here and nowhere else) and their checks:
 * a bad value throws a TypeError naming the option when the client is constructed.
 */
import type { BackoffPolicy } from './protocol/backoff.ts';
import { MAX_TIMER_MS } from './protocol/timers.ts';

/** The part of the WebSocket API the client uses; browsers' WebSocket and `ws` both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: any) => void) | null;
  // `any` events, like the other handlers: ws's and the DOM's event types must both fit.
  onmessage: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

/**
 * W3C trace context strings a call carries to the server (wire members `traceparent` and
 * `tracestate`); an OpenTelemetry app fills one with `propagation.inject(context.active(), carrier)`.
 */
export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

/** How the client reconnects after it lost its connection. */
export interface ReconnectOptions {
  /** Ceiling of the first delay before reconnecting, in ms; the delay is random below it. @default 500 */
  initialDelayMs?: number;
  /** Largest ceiling of a delay, in ms. @default 30000 */
  maxDelayMs?: number;
  /** Growth of the ceiling from one attempt to the next. @default 2 */
  factor?: number;
  /**
   * Failed attempts in a row after which the client gives up (state 'closed'); the count
   * restarts once a connection opens. `Infinity` never gives up. @default Infinity
   */
  maxAttempts?: number;
  /** Random source in [0, 1) for the jitter; tests inject their own. @default Math.random */
  random?: () => number;
}

export interface ClientOptions {
  /** `ws://host:port/rpc` */
  url: string;
  /** WebSocket implementation. @default globalThis.WebSocket */
  WebSocket?: WebSocketConstructor;
  /**
   * Local deadline of a call that sets none, and how long a call may wait for a connection;
   * the server's own deadline still applies. @default 30000
   */
  timeoutMs?: number;
  /**
   * Reconnect with exponential backoff and full jitter after the connection is lost (and when
   * the first one fails). `false`: a lost connection closes the client for good. @default true
   */
  reconnect?: boolean | ReconnectOptions;
  /**
   * After this long without any frame from the server, the client sends `rpc.ping`; 0 turns
   * the heartbeat off. Catches a dead server or a half-open connection that never closes.
   * @default 15000
   */
  heartbeatMs?: number;
  /** How long the client waits for any frame after its ping before it drops the connection. @default 5000 */
  heartbeatTimeoutMs?: number;
  /** How long one connection attempt may take to open before it counts as failed. @default 10000 */
  connectTimeoutMs?: number;
  /**
   * The trace context of each call that brings none of its own (`CallOptions.trace`), notifications
   * included: called once per call, synchronously when the call is made, so an OpenTelemetry app's
   * active context is the caller's. Return undefined for none.
   * @default none: calls carry no trace context
   */
  traceContext?: () => TraceCarrier | undefined;
}

export interface ReconnectPolicy extends BackoffPolicy {
  maxAttempts: number;
  random: () => number;
}

export interface ResolvedClientOptions {
  url: string;
  WebSocket: WebSocketConstructor;
  timeoutMs: number;
  /** false when reconnecting is off. */
  reconnect: ReconnectPolicy | false;
  heartbeatMs: number;
  heartbeatTimeoutMs: number;
  connectTimeoutMs: number;
  traceContext: (() => TraceCarrier | undefined) | undefined;
}

function milliseconds(name: string, value: number, { allowZero = false } = {}): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0) || value > MAX_TIMER_MS) {
    throw new TypeError(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} number of ms up to ${MAX_TIMER_MS}, got ${String(value)}`);
  }
  return value;
}

function reconnectPolicy(option: boolean | ReconnectOptions | undefined): ReconnectPolicy | false {
  if (option === false) return false;
  if (option !== undefined && option !== true && (typeof option !== 'object' || option === null)) {
    throw new TypeError(`reconnect must be a boolean or an options object, got ${String(option)}`);
  }
  const given = option === true || option === undefined ? {} : option;
  const policy: ReconnectPolicy = {
    initialDelayMs: milliseconds('reconnect.initialDelayMs', given.initialDelayMs ?? 500, { allowZero: true }),
    maxDelayMs: milliseconds('reconnect.maxDelayMs', given.maxDelayMs ?? 30_000, { allowZero: true }),
    factor: given.factor ?? 2,
    maxAttempts: given.maxAttempts ?? Number.POSITIVE_INFINITY,
    random: given.random ?? Math.random,
  };
  if (typeof policy.factor !== 'number' || !Number.isFinite(policy.factor) || policy.factor < 1) {
    throw new TypeError(`reconnect.factor must be a finite number of at least 1, got ${String(policy.factor)}`);
  }
  if (!(Number.isInteger(policy.maxAttempts) && policy.maxAttempts >= 0) && policy.maxAttempts !== Number.POSITIVE_INFINITY) {
    throw new TypeError(`reconnect.maxAttempts must be a non-negative integer or Infinity, got ${String(policy.maxAttempts)}`);
  }
  if (typeof policy.random !== 'function') throw new TypeError('reconnect.random must be a function');
  if (policy.maxDelayMs < policy.initialDelayMs) {
    throw new TypeError(`reconnect.maxDelayMs (${policy.maxDelayMs}) must be at least reconnect.initialDelayMs (${policy.initialDelayMs})`);
  }
  return policy;
}

/** Merges the defaults into `options` and checks every value. */
export function resolveClientOptions(options: ClientOptions): ResolvedClientOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  if (typeof options.url !== 'string' || options.url === '') throw new TypeError('url must be a non-empty string');
  const Socket = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (typeof Socket !== 'function') throw new TypeError('No WebSocket implementation: pass options.WebSocket (e.g. the ws package)');
  if (options.traceContext !== undefined && typeof options.traceContext !== 'function') throw new TypeError('traceContext must be a function');
  return {
    url: options.url,
    WebSocket: Socket,
    timeoutMs: milliseconds('timeoutMs', options.timeoutMs ?? 30_000),
    reconnect: reconnectPolicy(options.reconnect),
    heartbeatMs: milliseconds('heartbeatMs', options.heartbeatMs ?? 15_000, { allowZero: true }),
    heartbeatTimeoutMs: milliseconds('heartbeatTimeoutMs', options.heartbeatTimeoutMs ?? 5000),
    connectTimeoutMs: milliseconds('connectTimeoutMs', options.connectTimeoutMs ?? 10_000),
    traceContext: options.traceContext,
  };
}
