/**
 * One WebSocket connection: turns each text frame into calls on the transport and writes
 * back exactly one response per request (batches as one array), never for notifications.
 * It applies the per-connection limits: request rate, calls in flight, subscriptions, and
 * backpressure when the client reads its answers too slowly.
 */
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { MethodEntry, Registry } from '../contract/registry.ts';
import { isPositional, validateParams } from '../contract/validateParams.ts';
import type { Logger } from '../contract/implement.ts';
import { ErrorCode, encodeError, encodeResult, parseFrame, type Entry, type Frame, type Id, type Request, WarrenError, type ErrorObject } from 'warren-client/protocol';
import type { Call, Principal } from '../protocol/call.ts';
import type { Transport } from '../transport/Transport.ts';
import { Answer, answerError, type Done, type Waiting } from './Answer.ts';
import { Backpressure, type BackpressureOptions } from './Backpressure.ts';
import { FrameWriter } from './FrameWriter.ts';
import type { GatewayOptions } from './GatewayOptions.ts';
import { holdsRole } from './holdsRole.ts';
import { RateLimiter, type RateLimiterOptions } from './RateLimiter.ts';
import { SocketSubscriptions } from './SocketSubscriptions.ts';
import type { Subscriptions } from './Subscriptions.ts';

export interface SessionLimits {
  defaultTimeoutMs: number;
  maxBatch: number;
  maxInFlight: number;
  maxSubscriptions: number;
  rate: RateLimiterOptions;
  backpressure: BackpressureOptions;
}

export interface SessionDeps {
  registry: Registry;
  transport: Transport;
  subscriptions: Subscriptions;
  limits: SessionLimits;
  log: Logger;
  authorize: GatewayOptions['authorize'];
  authorizeSubscribe: GatewayOptions['authorizeSubscribe'];
  /** Extra `rpc.*` methods answered by the gateway itself (e.g. rpc.discover). */
  builtins: ReadonlyMap<string, () => unknown>;
}

const BINARY_REFUSED = encodeError(null, {
  code: ErrorCode.INVALID_REQUEST,
  message: 'Binary frames are not supported: send JSON-RPC as UTF-8 text frames',
});
const RATE_LIMITED: ErrorObject = { code: ErrorCode.OVERLOADED, message: 'Rate limit exceeded: slow down' };
const UNAUTHORIZED: ErrorObject = { code: ErrorCode.UNAUTHORIZED, message: 'Unauthorized' };
/**
 * `data.reason` tells clients this is no answer from the method: Warren's client resends an
 * idempotent call after reconnecting, as after a lost connection (warren-client, ConnectionState.ts).
 */
const SHUTTING_DOWN: ErrorObject = {
  code: ErrorCode.UNAVAILABLE,
  message: 'Gateway shutting down: reconnect and retry',
  data: { reason: 'shuttingDown' },
};

export class Session {
  readonly #ws: WebSocket;
  readonly #deps: SessionDeps;
  readonly principal: Principal | null;
  readonly #waiting = new Set<Waiting>();
  readonly #subscriptions: SocketSubscriptions;
  readonly #limiter: RateLimiter;
  readonly #backpressure: Backpressure;
  readonly #writer: FrameWriter;
  #lastFrameAt = performance.now();
  #closed = false;
  #draining = false;

  /** @param socket the TCP socket under `ws`, so answers of one turn leave in one write. */
  constructor(ws: WebSocket, principal: Principal | null, deps: SessionDeps, socket?: Duplex) {
    this.#ws = ws;
    this.#writer = new FrameWriter(ws, socket);
    this.#deps = deps;
    this.principal = principal;
    this.#limiter = new RateLimiter(deps.limits.rate);
    this.#backpressure = new Backpressure(ws, deps.limits.backpressure);
    this.#subscriptions = new SocketSubscriptions(this, {
      registry: deps.registry,
      subscriptions: deps.subscriptions,
      maxSubscriptions: deps.limits.maxSubscriptions,
      principal,
      authorizeSubscribe: deps.authorizeSubscribe,
      log: deps.log,
    });
    ws.on('message', (data, isBinary) => {
      if (!isBinary) return this.handleFrame(String(data));
      if (this.#admit(undefined)) this.send(BINARY_REFUSED);
    });
    ws.on('error', (err) => deps.log.debug({ err: err.message }, 'socket error'));
    ws.on('close', () => this.#onClose());
  }

  /** Requests waiting for authorization or for a reply. */
  get inFlight(): number {
    return this.#waiting.size;
  }

  /** True while reading is stopped because the client does not read its answers. */
  get paused(): boolean {
    return this.#backpressure.paused;
  }

  /** Nothing sent for `idleMs`, no subscription, no call waiting. */
  isIdle(idleMs: number, now = performance.now()): boolean {
    return this.#waiting.size === 0 && this.#subscriptions.size === 0 && now - this.#lastFrameAt >= idleMs;
  }

  send(frame: string | Buffer): void {
    if (this.#closed || this.#ws.readyState !== this.#ws.OPEN) return;
    this.#writer.send(frame);
    this.#backpressure.afterSend();
  }

  handleFrame(text: string): void {
    const frame = parseFrame(text, { maxBatch: this.#deps.limits.maxBatch });
    if (!this.#admit(frame)) return;
    if (frame.kind === 'invalid') return this.send(encodeError(null, frame.error));
    if (frame.kind === 'single') {
      return this.#dispatch(frame.entry, (response) => response !== undefined && this.send(response));
    }
    const responses: string[] = [];
    let remaining = frame.entries.length;
    const collect: Done = (response) => {
      if (response !== undefined) responses.push(response);
      if (--remaining === 0 && responses.length > 0) this.send(`[${responses.join(',')}]`);
    };
    for (const entry of frame.entries) this.#dispatch(entry, collect);
  }

  /** Stops taking new calls: from now on they are answered UNAVAILABLE. */
  drain(): void {
    this.#draining = true;
  }

  /** Answers every request still waiting with UNAVAILABLE, so none is silently dropped. */
  settleAll(): void {
    for (const waiting of [...this.#waiting]) waiting.settle(SHUTTING_DOWN);
  }

  /**
   * Charges the rate limit for one frame (a batch costs one per item). Over the limit, every
   * request in the frame is answered OVERLOADED and false returned; persistent abuse closes.
   */
  #admit(frame: Frame | undefined): boolean {
    if (this.#ws.readyState !== this.#ws.OPEN) return false;
    this.#lastFrameAt = performance.now();
    const verdict = this.#limiter.take(frame?.kind === 'batch' ? frame.entries.length : 1, this.#lastFrameAt);
    if (verdict === 'ok') return true;
    if (frame === undefined || frame.kind === 'invalid') this.send(encodeError(null, RATE_LIMITED));
    else if (frame.kind === 'single') this.#refuse(frame.entry, (response) => response && this.send(response));
    else {
      const responses: string[] = [];
      for (const entry of frame.entries) this.#refuse(entry, (response) => response && responses.push(response));
      if (responses.length > 0) this.send(`[${responses.join(',')}]`);
    }
    if (verdict === 'close') {
      this.#deps.log.warn({ refused: this.#limiter.refusals }, 'closing a connection that kept exceeding the rate limit');
      this.#ws.close(1008, 'Rate limit exceeded');
    }
    return false;
  }

  #refuse(entry: Entry, done: Done): void {
    if (entry.ok && entry.notification) return done(undefined);
    done(encodeError(entry.ok ? (entry.request.id ?? null) : entry.id, RATE_LIMITED));
  }

  #dispatch(entry: Entry, done: Done): void {
    if (!entry.ok) return done(encodeError(entry.id, entry.error));
    const { request, notification } = entry;
    const id = request.id ?? null;
    if (this.#draining) return answerError(done, notification, id, SHUTTING_DOWN);
    try {
      if (request.method.startsWith('rpc.')) return this.#builtin(request, notification, done);
      const method = this.#deps.registry.methods.get(request.method);
      if (!method) {
        return answerError(done, notification, id, { code: ErrorCode.METHOD_NOT_FOUND, message: `Method not found: ${request.method}` });
      }
      // Before validation, so a caller without the role learns nothing about the params either.
      if (!holdsRole(this.principal, method.spec.roles)) return answerError(done, notification, id, UNAUTHORIZED);
      const params = validateParams(method.spec.input, request.params);
      const { limits } = this.#deps;
      if (!notification && this.#waiting.size >= limits.maxInFlight) {
        const error = { code: ErrorCode.OVERLOADED, message: `More than ${limits.maxInFlight} calls in flight on this connection` };
        return answerError(done, notification, id, error);
      }
      const timeoutMs = Math.min(method.spec.timeoutMs ?? limits.defaultTimeoutMs, request.timeoutMs ?? Infinity);
      const call: Call = {
        method: request.method,
        params: request.params === undefined ? (isPositional(method.spec.input) ? '[]' : '{}') : JSON.stringify(request.params),
        deadline: Date.now() + timeoutMs,
        principal: this.principal,
        bounded: method.spec.maxQueueLength !== undefined,
        validated: { schema: method.spec.input, value: params },
      };
      if (this.#deps.authorize) this.#authorize(method, params, new Answer(this.#waiting, call, notification, id, done));
      else this.#publish(call, notification, id, done);
    } catch (thrown) {
      answerError(done, notification, id, this.#requestError(thrown).toJSON());
    }
  }

  /** Runs the gateway's authorize hook; the call waits (and counts in flight) while it decides. */
  #authorize(method: MethodEntry, params: unknown, answer: Answer): void {
    let verdict: boolean | Promise<boolean>;
    try {
      verdict = this.#deps.authorize!(this.principal, { wireName: method.wireName, spec: method.spec, params });
    } catch (thrown) {
      return answer.fail(this.#hookError(method, thrown));
    }
    if (typeof (verdict as Partial<PromiseLike<boolean>> | null)?.then !== 'function') return this.#judge(verdict, answer);
    this.#waiting.add(answer);
    Promise.resolve(verdict).then(
      (value) => {
        if (!this.#waiting.delete(answer)) return;
        this.#judge(value, answer);
      },
      (thrown: unknown) => {
        if (!this.#waiting.delete(answer)) return;
        answer.fail(this.#hookError(method, thrown));
      },
    );
  }

  #judge(verdict: unknown, answer: Answer): void {
    if (verdict !== true) return answer.fail(UNAUTHORIZED);
    this.#publish(answer.call, answer.notification, answer.id, answer.done);
  }

  #hookError(method: MethodEntry, thrown: unknown): ErrorObject {
    if (thrown instanceof WarrenError) return thrown.toJSON();
    this.#deps.log.error({ err: thrown, method: method.wireName }, 'authorize hook failed');
    return { code: ErrorCode.INTERNAL_ERROR, message: 'Internal error' };
  }

  #publish(call: Call, notification: boolean, id: Id, done: Done): void {
    const { transport } = this.#deps;
    if (notification) {
      transport.notify(call);
      return done(undefined);
    }
    const answer = new Answer(this.#waiting, call, notification, id, done);
    // The transport may answer at once (broker away, table full): then there is nothing to wait for.
    const cancel = transport.request(call, (body) => answer.reply(body));
    if (!answer.answered) {
      answer.cancel = cancel;
      this.#waiting.add(answer);
    }
  }

  /** Maps what failed while handling a request to the error the client gets. */
  #requestError(thrown: unknown): WarrenError {
    if (thrown instanceof WarrenError) return thrown;
    // Validation and re-encoding recurse: params nested deeper than the stack allows land here.
    if (thrown instanceof RangeError) return new WarrenError(ErrorCode.INVALID_PARAMS, 'params are nested too deeply', { data: { issues: [] } });
    this.#deps.log.error({ err: thrown }, 'gateway failed on a request');
    return new WarrenError(ErrorCode.INTERNAL_ERROR);
  }

  #builtin(request: Request, notification: boolean, done: Done): void {
    const id: Id = request.id ?? null;
    const answer = (promise: Promise<unknown>) =>
      promise.then(
        (result) => done(notification ? undefined : encodeResult(id, result)),
        (thrown: unknown) => {
          const error = thrown instanceof WarrenError ? thrown : new WarrenError(ErrorCode.INTERNAL_ERROR);
          done(notification ? undefined : encodeError(id, error.toJSON()));
        },
      );
    switch (request.method) {
      case 'rpc.subscribe':
        return void answer(this.#subscriptions.subscribe(request.params));
      case 'rpc.ping':
        // Lets clients that cannot see ws pings (browsers) check that the server still answers.
        return void answer(Promise.resolve('pong'));
      case 'rpc.unsubscribe':
        return void answer(this.#subscriptions.unsubscribe(request.params));
      default: {
        const builtin = this.#deps.builtins.get(request.method);
        if (builtin) return void answer(Promise.resolve().then(builtin));
        done(notification ? undefined : encodeError(id, { code: ErrorCode.METHOD_NOT_FOUND, message: `Method not found: ${request.method}` }));
      }
    }
  }

  #onClose(): void {
    this.#closed = true;
    this.#backpressure.stop();
    for (const waiting of [...this.#waiting]) waiting.drop();
    this.#subscriptions.close();
  }
}
