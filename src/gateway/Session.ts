/**
 * One WebSocket connection: turns each text frame into calls on the transport and writes
 * back exactly one response per request (batches as one array), never for notifications.
 *
 * Session is the dispatcher. Each concern it dispatches to has a module of its own: the rate
 * limit (Admission), the `rpc.*` methods (Builtins), batches (Batch), the authorize hook
 * (Authorization), publishing and the requests in flight (Publisher, Answer), and writing
 * (FrameWriter, Backpressure). What is left here is the way of one request: its method, the
 * roles check, params validation, the in-flight limit, the call, and where it goes next.
 */
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { MethodEntry, Registry } from '../contract/registry.ts';
import { absentParams } from '../contract/params.ts';
import { validateParams } from '../contract/validateParams.ts';
import { ErrorCode, encodeError, parseFrame, spliceReply, type Entry, type Frame, type Id, type Request } from 'warren-client/protocol';
import type { Call, CallLocal, Principal, ReplyBody } from '../protocol/call.ts';
import {
  BINARY_REFUSED_BODY,
  errorReply,
  methodNotFoundBody,
  PARAMS_TOO_DEEP_BODY,
  SHUTTING_DOWN_BODY,
  tooManyInFlightBody,
  UNAUTHORIZED_BODY,
} from '../protocol/errors.ts';
import { Admission } from './Admission.ts';
import { answerNow, type Done } from './Answer.ts';
import { Authorization } from './Authorization.ts';
import { Backpressure } from './Backpressure.ts';
import { Batch } from './Batch.ts';
import { Builtins } from './Builtins.ts';
import type { Discovery } from './discovery.ts';
import { FrameWriter } from './FrameWriter.ts';
import type { ResolvedGatewayOptions } from './GatewayOptions.ts';
import { holdsRole } from './holdsRole.ts';
import { Publisher } from './Publisher.ts';
import { SocketSubscriptions } from './SocketSubscriptions.ts';
import type { Subscriptions } from './Subscriptions.ts';
import type { ReplayableEvents } from './ReplayableEvents.ts';
import type { GatewayMetrics } from '../metrics/GatewayMetrics.ts';
import { endGatewaySpan, gatewayTrace, type CallTrace } from '../tracing/spans.ts';
import type { Span } from '@opentelemetry/api';

/** The key a method's `orderBy` gives these params; a key that is not a string is the contract's bug (INTERNAL_ERROR). */
function orderKey(orderBy: (input: never) => string, params: unknown): string {
  const key: unknown = orderBy(params as never);
  if (typeof key !== 'string') throw new TypeError(`orderBy returned ${typeof key}, not a string`);
  return key;
}

/** What every Session of one gateway shares. */
export interface SessionDeps {
  options: ResolvedGatewayOptions;
  registry: Registry;
  subscriptions: Subscriptions;
  replayable: ReplayableEvents;
  /** The gateway's series, when it keeps metrics. */
  metrics: GatewayMetrics | undefined;
  /** The discovery document, when the gateway serves one (rpc.discover). */
  discovery: Discovery | undefined;
}

const BINARY_REFUSED = spliceReply(null, BINARY_REFUSED_BODY);

/** `done`, ending the request's span once its response is written. */
function traced(span: Span, id: Id | undefined, done: Done): Done {
  return (response) => {
    done(response);
    endGatewaySpan(span, id, response);
  };
}

/** The requests a frame refused by the rate limit had: each was answered OVERLOADED. */
function refusedRequests(frame: Frame | undefined): number {
  if (frame === undefined || frame.kind === 'invalid') return 1;
  if (frame.kind === 'single') return frame.entry.ok && frame.entry.notification ? 0 : 1;
  let count = 0;
  for (const entry of frame.entries) if (!(entry.ok && entry.notification)) count++;
  return count;
}

export class Session {
  /** Names this connection in logs and spans (`warren.socket.id`). */
  readonly id = randomUUID();
  readonly principal: Principal | null;
  readonly #ws: WebSocket;
  readonly #deps: SessionDeps;
  readonly #writer: FrameWriter;
  readonly #backpressure: Backpressure;
  readonly #admission: Admission;
  readonly #publisher: Publisher;
  readonly #authorization: Authorization | undefined;
  readonly #subscriptions: SocketSubscriptions;
  readonly #builtins: Builtins;
  /** The Done of a request that came alone in its frame: its response is a frame of its own. */
  readonly #respond: Done = (response) => {
    if (response !== undefined) this.send(response);
  };
  #lastFrameAt = performance.now();
  #closed = false;
  #draining = false;

  /** @param socket the TCP socket under `ws`, so answers of one turn leave in one write. */
  constructor(ws: WebSocket, principal: Principal | null, deps: SessionDeps, socket?: Duplex) {
    const { options } = deps;
    this.#ws = ws;
    this.#deps = deps;
    this.principal = principal;
    this.#writer = new FrameWriter(ws, socket);
    this.#backpressure = new Backpressure(ws, options);
    this.#admission = new Admission(ws, this, options, options.log);
    this.#publisher = new Publisher(options.transport);
    this.#authorization = options.authorize && new Authorization(options.authorize, principal, this.#publisher, options.log);
    this.#subscriptions = new SocketSubscriptions(this, {
      registry: deps.registry,
      subscriptions: deps.subscriptions,
      replayable: deps.replayable,
      maxSubscriptions: options.maxSubscriptions,
      principal,
      authorizeSubscribe: options.authorizeSubscribe,
      log: options.log,
      ...(deps.metrics ? { pushes: deps.metrics.pushes.bind(deps.metrics) } : {}),
    });
    this.#builtins = new Builtins(this.#subscriptions, this.#publisher, { discovery: deps.discovery, log: options.log });
    ws.on('message', (data, isBinary) => {
      if (!isBinary) return this.handleFrame(String(data));
      if (!this.#admit(undefined)) return;
      deps.metrics?.refused('binary');
      this.send(BINARY_REFUSED);
    });
    ws.on('error', (err) => {
      // ws closes the socket with 1009 past maxPayload, and says so here.
      if ((err as { code?: string }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') deps.metrics?.refused('too_big');
      options.log.debug({ err: err.message }, 'socket error');
    });
    ws.on('close', () => this.#onClose());
  }

  /** Requests waiting for authorization or for a reply. */
  get inFlight(): number {
    return this.#publisher.size;
  }

  /** Subscriptions this connection holds. */
  get subscriptionCount(): number {
    return this.#subscriptions.size;
  }

  /** True while reading is stopped because the client does not read its answers. */
  get paused(): boolean {
    return this.#backpressure.paused;
  }

  /** Nothing sent for `idleMs`, no subscription, no call waiting. */
  isIdle(idleMs: number, now = performance.now()): boolean {
    return this.#publisher.size === 0 && this.#subscriptions.size === 0 && now - this.#lastFrameAt >= idleMs;
  }

  send(frame: string | Buffer): void {
    if (this.#closed || this.#ws.readyState !== this.#ws.OPEN) return;
    this.#writer.send(frame);
    this.#backpressure.afterSend();
  }

  handleFrame(text: string): void {
    const frame = parseFrame(text, { maxBatch: this.#deps.options.maxBatch });
    if (!this.#admit(frame)) return;
    if (frame.kind === 'invalid') {
      this.#deps.metrics?.refused(frame.error.code === ErrorCode.PARSE_ERROR ? 'invalid_json' : 'invalid_request');
      return this.send(encodeError(null, frame.error));
    }
    if (frame.kind === 'single') return this.#dispatch(frame.entry, this.#respond);
    const batch = new Batch(frame.entries.length, this);
    for (const entry of frame.entries) this.#dispatch(entry, batch.done);
  }

  /** Stops taking new calls: from now on they are answered UNAVAILABLE. */
  drain(): void {
    this.#draining = true;
  }

  /** Answers every request still waiting with UNAVAILABLE, so none is silently dropped. */
  settleAll(): void {
    this.#publisher.settleAll(SHUTTING_DOWN_BODY);
  }

  #admit(frame: Frame | undefined): boolean {
    if (this.#ws.readyState !== this.#ws.OPEN) return false;
    this.#lastFrameAt = performance.now();
    if (this.#admission.admit(frame, this.#lastFrameAt)) return true;
    const { metrics } = this.#deps;
    if (metrics) {
      metrics.refused('rate_limited');
      metrics.overloaded(refusedRequests(frame));
    }
    return false;
  }

  #dispatch(entry: Entry, done: Done): void {
    const { metrics } = this.#deps;
    if (!entry.ok) {
      if (metrics) done = metrics.track(undefined, entry.id, this.#lastFrameAt, done);
      return done(encodeError(entry.id, entry.error));
    }
    const { request } = entry;
    const id = entry.notification ? undefined : (request.id ?? null);
    // From the frame's arrival to the answer; the method is a label only if a contract declares it.
    if (metrics) done = metrics.track(request.method, id, this.#lastFrameAt, done);
    if (this.#draining) return answerNow(done, id, SHUTTING_DOWN_BODY);
    try {
      if (request.method.startsWith('rpc.')) return this.#builtins.answer(request, id, done);
      const method = this.#deps.registry.methods.get(request.method);
      const trace = gatewayTrace(request, id, method !== undefined, this.id);
      if (trace?.span) done = traced(trace.span, id, done);
      if (!method) return answerNow(done, id, methodNotFoundBody(request.method));
      // Before validation, so a caller without the role learns nothing about the params either.
      if (!holdsRole(this.principal, method.spec.roles)) return answerNow(done, id, UNAUTHORIZED_BODY);
      this.#call(method, request, id, done, trace);
    } catch (thrown) {
      answerNow(done, id, this.#failure(thrown));
    }
  }

  /** A request to a contract's method, its role checked: validated, then judged or published. */
  #call(method: MethodEntry, request: Request, id: Id | undefined, done: Done, trace: CallTrace | undefined): void {
    const { spec } = method;
    const params = validateParams(spec.input, request.params);
    const { options } = this.#deps;
    if (id !== undefined && this.#publisher.size >= options.maxInFlight) return answerNow(done, id, tooManyInFlightBody(options.maxInFlight));
    const timeoutMs = Math.min(spec.timeoutMs ?? options.defaultTimeoutMs, request.timeoutMs ?? Infinity);
    const call: Call = {
      method: request.method,
      params: JSON.stringify(request.params === undefined ? absentParams(spec.input) : request.params),
      deadline: Date.now() + timeoutMs,
      principal: this.principal,
    };
    // The worker's span is a child of the gateway's.
    const carried = trace?.carried;
    if (carried?.traceparent) {
      call.traceparent = carried.traceparent;
      if (carried.tracestate) call.tracestate = carried.tracestate;
    }
    const local: CallLocal = { bounded: spec.maxQueueLength !== undefined, idempotent: spec.idempotent === true, schema: spec.input, value: params };
    if (spec.orderBy) local.orderKey = orderKey(spec.orderBy, params);
    if (this.#authorization) return this.#authorization.judge(method, params, call, local, this.#publisher.answer(id, done));
    if (id !== undefined) return this.#publisher.request(call, local, this.#publisher.answer(id, done));
    this.#publisher.notify(call, local);
    done(undefined);
  }

  /** What failed while handling a request, as the client's error. */
  #failure(thrown: unknown): ReplyBody {
    // Validation and encoding recurse: params nested deeper than the stack allows land here.
    if (thrown instanceof RangeError) return PARAMS_TOO_DEEP_BODY;
    return errorReply(thrown, (err) => this.#deps.options.log.error({ err }, 'gateway failed on a request'));
  }

  #onClose(): void {
    this.#closed = true;
    this.#backpressure.stop();
    this.#publisher.dropAll();
    this.#subscriptions.close();
  }
}
