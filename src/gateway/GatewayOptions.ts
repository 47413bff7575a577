/**
 * The gateway's options: what each one means, its default, and the one place where the
 * defaults are merged and bad values refused with a TypeError naming the option. The resolved
 * options are what every part of the gateway reads, under the same names.
 */
import type { IncomingMessage } from 'node:http';
import type Koa from 'koa';
import type { Contract, EventSpec, MethodSpec } from '../contract/defineContract.ts';
import type { Logger } from '../contract/implement.ts';
import type { Principal } from '../protocol/call.ts';
import type { Transport } from '../transport/Transport.ts';
import { silentLogger } from '../log.ts';
import { MAX_TIMER_MS } from 'warren-client/protocol';
import type { WebOptions } from './webPage.ts';
import { isRegistry, type MetricsOption } from '../metrics/registry.ts';
import { STATUS_DEFAULTS, type StatusOptions } from '../metrics/GatewayStatus.ts';

/** What the `authorize` hook is told about the call it judges. */
export interface AuthorizeTarget {
  /** `<service>.<method>` */
  wireName: string;
  spec: MethodSpec;
  /** The params as the contract's input schema parsed them. */
  params: unknown;
}

/** What the `authorizeSubscribe` hook is told about the subscription it judges. */
export interface SubscribeTarget {
  /** The event's wire name, `<service>.<event>` */
  event: string;
  /** The topic; undefined for a subscription to every topic of the event. */
  topic: string | undefined;
  spec: EventSpec;
}

export interface GatewayOptions {
  transport: Transport;
  contracts: readonly Contract[];
  /** Largest frame accepted, in bytes; a larger one closes the socket with 1009. @default 1048576 */
  maxPayload?: number;
  /** Deadline of a call whose method sets none. @default 10000 */
  defaultTimeoutMs?: number;
  /** Most requests in one batch. @default 100 */
  maxBatch?: number;
  /** Most calls one connection may have waiting. @default 1000 */
  maxInFlight?: number;
  /** Most subscriptions one connection may hold. @default 100 */
  maxSubscriptions?: number;
  /** Interval of ws pings; a socket that missed one pong is terminated. 0 disables. @default 30000 */
  heartbeatMs?: number;
  /** Browser origins allowed to connect; undefined allows any. Requests without Origin always pass. @default undefined */
  allowedOrigins?: readonly string[];
  /**
   * Runs on every upgrade request before the WebSocket opens. Return the caller's principal,
   * or null for an anonymous caller; throw to refuse with 401.
   * @default every caller is anonymous
   */
  authenticate?: (request: IncomingMessage) => Principal | null | Promise<Principal | null>;
  /**
   * Runs for every call that passed the method's `roles` check and params validation, before
   * it is published. `false` refuses it with UNAUTHORIZED; a thrown WarrenError keeps its
   * code, anything else thrown is INTERNAL_ERROR (logged, never sent).
   * @default every call that passed `roles` is allowed
   */
  authorize?: (principal: Principal | null, method: AuthorizeTarget) => boolean | Promise<boolean>;
  /**
   * Runs for every `rpc.subscribe` of a known event with a valid topic, before it is bound
   * (so again each time a client re-subscribes after a reconnect). `false` refuses it with
   * UNAUTHORIZED; a thrown WarrenError keeps its code, anything else thrown is INTERNAL_ERROR
   * (logged, never sent).
   * @default every subscription is allowed
   */
  authorizeSubscribe?: (principal: Principal | null, target: SubscribeTarget) => boolean | Promise<boolean>;
  /**
   * Requests (batch items count one each) a connection may send per second, on average.
   * Past it requests are answered OVERLOADED and notifications dropped. 0 disables.
   * @default 5000
   */
  frameRate?: number;
  /** Requests a connection may send at once above `frameRate`; at least `maxBatch`. @default 10000 */
  frameBurst?: number;
  /**
   * A connection refused by the rate limit for this long without a quiet second is closed
   * with 1008 (policy violation). 0 never closes. @default 5000
   */
  rateLimitCloseMs?: number;
  /** Bytes waiting to be sent past which the gateway stops reading from the socket. @default 1048576 */
  sendHighWaterMark?: number;
  /** Reading resumes once the bytes waiting fall to this. @default 262144 */
  sendLowWaterMark?: number;
  /** A socket stopped for backpressure longer than this is terminated. @default 30000 */
  slowReaderTimeoutMs?: number;
  /**
   * Time from TCP accept to an open WebSocket (request headers, `authenticate`, upgrade).
   * Slower connections are destroyed. Also HTTP's headersTimeout.
   * @default 5000
   */
  handshakeTimeoutMs?: number;
  /** Connections not yet upgraded (or served over HTTP); past it the oldest is destroyed. @default 1000 */
  maxPendingUpgrades?: number;
  /** Open WebSockets; an upgrade past it is refused with 503. @default 10000 */
  maxConnections?: number;
  /**
   * A socket that sent no frame for this long, holds no subscription and waits for no call
   * is closed with 1000 and reason "idle timeout". 0 disables.
   * @default 0
   */
  idleTimeoutMs?: number;
  /** Extra HTTP routes or static files, mounted before Warren's own. */
  middleware?: readonly Koa.Middleware[];
  /**
   * Serve the contracts' OpenRPC document at `GET /openrpc.json` (CORS `*`) and as the
   * JSON-RPC method `rpc.discover`, with the gateway's own address in `servers` once it
   * listens. defineContract refuses what the document cannot describe; a method it still
   * cannot (its generated type names collide) is left out of it, with a warning naming it.
   * @default false
   */
  discovery?: boolean;
  /**
   * A web page: the top-level files of `root` at `/`, and the generated SDK at `sdk` bundled
   * for the browser at `/sdk.js` (esbuild runs in listen(), and only when this is set).
   * @default no page
   */
  web?: WebOptions;
  /**
   * Prometheus metrics (docs/metrics.md), served at `GET /metrics` and on `gateway.metrics`:
   * `true` keeps them in a registry of the gateway's own, with Node's process metrics; a
   * prom-client Registry gets the gateway's series registered on it (and nothing else).
   * @default false
   */
  metrics?: MetricsOption;
  /**
   * A live status page at `GET /status`, polling `GET /status.json` (docs/status.md): calls
   * per second, p50 and p99 by method, answers by code, connections, calls in flight,
   * subscriptions and the transport's state, over the last `windowMs`. It reads the
   * gateway's metrics, so it needs `metrics`: without them the constructor throws.
   * `true` is `{ windowMs: 10000 }`.
   * @default false
   */
  status?: boolean | StatusOptions;
  log?: Logger;
}

type Limits = Required<
  Pick<
    GatewayOptions,
    | 'maxPayload'
    | 'defaultTimeoutMs'
    | 'maxBatch'
    | 'maxInFlight'
    | 'maxSubscriptions'
    | 'heartbeatMs'
    | 'frameRate'
    | 'frameBurst'
    | 'rateLimitCloseMs'
    | 'sendHighWaterMark'
    | 'sendLowWaterMark'
    | 'slowReaderTimeoutMs'
    | 'handshakeTimeoutMs'
    | 'maxPendingUpgrades'
    | 'maxConnections'
    | 'idleTimeoutMs'
  >
>;

/** The options with every default in: the shape the gateway's parts read. */
export interface ResolvedGatewayOptions extends Readonly<Limits> {
  readonly transport: Transport;
  readonly contracts: readonly Contract[];
  readonly allowedOrigins: readonly string[] | undefined;
  readonly authenticate: GatewayOptions['authenticate'];
  readonly authorize: GatewayOptions['authorize'];
  readonly authorizeSubscribe: GatewayOptions['authorizeSubscribe'];
  readonly middleware: readonly Koa.Middleware[];
  readonly discovery: boolean;
  readonly web: WebOptions | undefined;
  readonly metrics: MetricsOption;
  readonly status: Readonly<Required<StatusOptions>> | undefined;
  readonly log: Logger;
}

export const GATEWAY_DEFAULTS: Readonly<Limits> = Object.freeze({
  maxPayload: 1024 * 1024,
  defaultTimeoutMs: 10_000,
  maxBatch: 100,
  maxInFlight: 1000,
  maxSubscriptions: 100,
  heartbeatMs: 30_000,
  frameRate: 5000,
  frameBurst: 10000,
  rateLimitCloseMs: 5000,
  sendHighWaterMark: 1024 * 1024,
  sendLowWaterMark: 256 * 1024,
  slowReaderTimeoutMs: 30_000,
  handshakeTimeoutMs: 5000,
  maxPendingUpgrades: 1000,
  maxConnections: 10_000,
  idleTimeoutMs: 0,
});

function integer(name: string, value: unknown, { min, max }: { min: number; max: number }): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

/** Merges the defaults in and checks every option; throws a TypeError naming the first bad one. */
export function resolveGatewayOptions(options: GatewayOptions): ResolvedGatewayOptions {
  if (options === null || typeof options !== 'object') throw new TypeError('Gateway options must be an object');
  if (!options.transport) throw new TypeError('transport is required');
  if (!Array.isArray(options.contracts)) throw new TypeError('contracts must be an array of contracts');
  const merged = { ...GATEWAY_DEFAULTS } as Limits;
  for (const key of Object.keys(GATEWAY_DEFAULTS) as (keyof Limits)[]) {
    if (options[key] !== undefined) merged[key] = options[key];
  }
  const positive = { min: 1, max: Number.MAX_SAFE_INTEGER };
  const timer = { min: 1, max: MAX_TIMER_MS };
  const timerOrOff = { min: 0, max: MAX_TIMER_MS };
  integer('maxPayload', merged.maxPayload, positive);
  integer('defaultTimeoutMs', merged.defaultTimeoutMs, timer);
  integer('maxBatch', merged.maxBatch, positive);
  integer('maxInFlight', merged.maxInFlight, positive);
  integer('maxSubscriptions', merged.maxSubscriptions, positive);
  integer('heartbeatMs', merged.heartbeatMs, timerOrOff);
  integer('frameRate', merged.frameRate, { min: 0, max: Number.MAX_SAFE_INTEGER });
  integer('frameBurst', merged.frameBurst, positive);
  // A batch is admitted whole or not at all, so a burst smaller than a batch would refuse it forever.
  if (merged.frameRate > 0 && merged.frameBurst < merged.maxBatch) {
    throw new TypeError(`frameBurst must be at least maxBatch (${merged.maxBatch}), got ${merged.frameBurst}`);
  }
  integer('rateLimitCloseMs', merged.rateLimitCloseMs, timerOrOff);
  integer('sendHighWaterMark', merged.sendHighWaterMark, positive);
  integer('sendLowWaterMark', merged.sendLowWaterMark, { min: 0, max: merged.sendHighWaterMark });
  integer('slowReaderTimeoutMs', merged.slowReaderTimeoutMs, timer);
  integer('handshakeTimeoutMs', merged.handshakeTimeoutMs, timer);
  integer('maxPendingUpgrades', merged.maxPendingUpgrades, positive);
  integer('maxConnections', merged.maxConnections, positive);
  integer('idleTimeoutMs', merged.idleTimeoutMs, timerOrOff);
  for (const name of ['authenticate', 'authorize', 'authorizeSubscribe'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') throw new TypeError(`${name} must be a function`);
  }
  if (options.allowedOrigins !== undefined && !(Array.isArray(options.allowedOrigins) && options.allowedOrigins.every((o) => typeof o === 'string'))) {
    throw new TypeError('allowedOrigins must be an array of strings');
  }
  const middleware = options.middleware ?? [];
  if (!(Array.isArray(middleware) && middleware.every((m) => typeof m === 'function'))) {
    throw new TypeError('middleware must be an array of Koa middleware functions');
  }
  const discovery = options.discovery ?? false;
  if (typeof discovery !== 'boolean') throw new TypeError(`discovery must be a boolean, got ${String(discovery)}`);
  const { web } = options;
  if (web !== undefined && !(web !== null && typeof web === 'object' && typeof web.root === 'string' && typeof web.sdk === 'string')) {
    throw new TypeError('web must be { root: <folder of index.html>, sdk: <generated client.ts> }');
  }
  const metrics = options.metrics ?? false;
  if (typeof metrics !== 'boolean' && !isRegistry(metrics)) throw new TypeError('metrics must be a boolean or a prom-client Registry');
  const status = resolveStatus(options.status, metrics);
  return Object.freeze({
    ...merged,
    transport: options.transport,
    contracts: options.contracts,
    allowedOrigins: options.allowedOrigins,
    authenticate: options.authenticate,
    authorize: options.authorize,
    authorizeSubscribe: options.authorizeSubscribe,
    middleware,
    discovery,
    web,
    metrics,
    status,
    log: options.log ?? silentLogger,
  });
}

function resolveStatus(option: GatewayOptions['status'], metrics: MetricsOption): ResolvedGatewayOptions['status'] {
  if (option === undefined || option === false) return undefined;
  if (option !== true && (option === null || typeof option !== 'object')) throw new TypeError(`status must be a boolean or { windowMs }, got ${String(option)}`);
  // Turning metrics on here would also open /metrics, which nobody asked for: say so instead.
  if (metrics === false) throw new TypeError('status needs metrics: the page reads the gateway\'s metrics (set metrics: true or a Registry)');
  const windowMs = (option === true ? undefined : option.windowMs) ?? STATUS_DEFAULTS.windowMs;
  integer('status.windowMs', windowMs, { min: 1000, max: 3_600_000 });
  return Object.freeze({ windowMs });
}
