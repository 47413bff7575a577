/**
 * One WebSocket connection: turns each text frame into calls on the transport and writes
 * back exactly one response per request (batches as one array), never for notifications.
 */
import type { WebSocket } from 'ws';
import type { Registry } from '../contract/registry.ts';
import { isPositional, validateParams } from '../contract/validateParams.ts';
import type { Logger } from '../contract/implement.ts';
import type { Principal } from '../protocol/call.ts';
import { ErrorCode } from '../protocol/codes.ts';
import { encodeError, encodeResult, parseFrame, spliceReply, type Entry, type Id, type Request } from '../protocol/envelope.ts';
import { isValidTopic } from '../protocol/routing.ts';
import { WarrenError, type ErrorObject } from '../protocol/WarrenError.ts';
import type { Transport } from '../transport/Transport.ts';
import type { Subscriptions } from './Subscriptions.ts';

export interface SessionLimits {
  defaultTimeoutMs: number;
  maxBatch: number;
  maxInFlight: number;
  maxSubscriptions: number;
}

export interface SessionDeps {
  registry: Registry;
  transport: Transport;
  subscriptions: Subscriptions;
  limits: SessionLimits;
  log: Logger;
  /** Extra `rpc.*` methods answered by the gateway itself (e.g. rpc.discover). */
  builtins: ReadonlyMap<string, () => unknown>;
}

type Done = (response: string | undefined) => void;

const BINARY_REFUSED = encodeError(null, {
  code: ErrorCode.INVALID_REQUEST,
  message: 'Binary frames are not supported: send JSON-RPC as UTF-8 text frames',
});

export class Session {
  readonly #ws: WebSocket;
  readonly #deps: SessionDeps;
  readonly principal: Principal | null;
  /** Cancel functions of calls waiting for a reply. */
  readonly #inFlight = new Set<() => void>();
  readonly #subscribed = new Map<string, { event: string; topic: string | undefined }>();
  #closed = false;

  constructor(ws: WebSocket, principal: Principal | null, deps: SessionDeps) {
    this.#ws = ws;
    this.#deps = deps;
    this.principal = principal;
    ws.on('message', (data, isBinary) => {
      if (isBinary) return this.send(BINARY_REFUSED);
      this.handleFrame(String(data));
    });
    ws.on('error', (err) => deps.log.debug({ err: err.message }, 'socket error'));
    ws.on('close', () => this.#onClose());
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  send(frame: string): void {
    if (!this.#closed && this.#ws.readyState === this.#ws.OPEN) this.#ws.send(frame);
  }

  handleFrame(text: string): void {
    const frame = parseFrame(text, { maxBatch: this.#deps.limits.maxBatch });
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

  #dispatch(entry: Entry, done: Done): void {
    if (!entry.ok) return done(encodeError(entry.id, entry.error));
    const { request, notification } = entry;
    const id = request.id ?? null;
    const fail = (error: ErrorObject) => done(notification ? undefined : encodeError(id, error));
    try {
      if (request.method.startsWith('rpc.')) return this.#builtin(request, notification, done);
      const method = this.#deps.registry.methods.get(request.method);
      if (!method) return fail({ code: ErrorCode.METHOD_NOT_FOUND, message: `Method not found: ${request.method}` });
      validateParams(method.spec.input, request.params);
      const { limits, transport } = this.#deps;
      const timeoutMs = Math.min(method.spec.timeoutMs ?? limits.defaultTimeoutMs, request.timeoutMs ?? Infinity);
      const call = {
        method: request.method,
        params: request.params === undefined ? (isPositional(method.spec.input) ? '[]' : '{}') : JSON.stringify(request.params),
        deadline: Date.now() + timeoutMs,
        principal: this.principal,
      };
      if (notification) {
        transport.notify(call);
        return done(undefined);
      }
      if (this.#inFlight.size >= limits.maxInFlight) {
        return fail({ code: ErrorCode.OVERLOADED, message: `More than ${limits.maxInFlight} calls in flight on this connection` });
      }
      let settled = false;
      const cancel = transport.request(call, (body) => {
        settled = true;
        this.#inFlight.delete(cancel);
        done(spliceReply(id, body));
      });
      if (!settled) this.#inFlight.add(cancel);
    } catch (thrown) {
      fail(this.#requestError(thrown).toJSON());
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
        return void answer(this.#subscribe(request.params));
      case 'rpc.ping':
        // Lets clients that cannot see ws pings (browsers) check that the server still answers.
        return void answer(Promise.resolve('pong'));
      case 'rpc.unsubscribe':
        return void answer(this.#unsubscribe(request.params));
      default: {
        const builtin = this.#deps.builtins.get(request.method);
        if (builtin) return void answer(Promise.resolve().then(builtin));
        done(notification ? undefined : encodeError(id, { code: ErrorCode.METHOD_NOT_FOUND, message: `Method not found: ${request.method}` }));
      }
    }
  }

  #readTopicParams(params: unknown): { event: string; topic: string | undefined } {
    const raw = Array.isArray(params)
      ? { event: params[0], topic: params[1] }
      : ((params ?? {}) as { event?: unknown; topic?: unknown });
    const issues = [];
    if (typeof raw.event !== 'string' || !this.#deps.registry.events.has(raw.event)) {
      issues.push({ code: 'invalid_value', path: ['event'], message: 'Unknown event' });
    }
    if (raw.topic !== undefined && raw.topic !== null && !isValidTopic(raw.topic)) {
      issues.push({ code: 'invalid_format', path: ['topic'], message: 'Topic must be 1-200 UTF-8 bytes without dots, *, # or whitespace' });
    }
    if (issues.length > 0) throw new WarrenError(ErrorCode.INVALID_PARAMS, 'Invalid params', { data: { issues } });
    return { event: raw.event as string, topic: (raw.topic ?? undefined) as string | undefined };
  }

  async #subscribe(params: unknown): Promise<true> {
    const { event, topic } = this.#readTopicParams(params);
    const key = `${event}\u0000${topic ?? '*'}`;
    if (this.#subscribed.has(key)) return true;
    if (this.#subscribed.size >= this.#deps.limits.maxSubscriptions) {
      throw new WarrenError(ErrorCode.OVERLOADED, `More than ${this.#deps.limits.maxSubscriptions} subscriptions on this connection`);
    }
    this.#subscribed.set(key, { event, topic });
    try {
      await this.#deps.subscriptions.add(this, event, topic);
    } catch {
      this.#subscribed.delete(key);
      throw new WarrenError(ErrorCode.UNAVAILABLE, 'Could not subscribe: broker unavailable');
    }
    if (this.#closed) void this.#deps.subscriptions.remove(this, event, topic).catch(() => {});
    return true;
  }

  async #unsubscribe(params: unknown): Promise<boolean> {
    const { event, topic } = this.#readTopicParams(params);
    const key = `${event}\u0000${topic ?? '*'}`;
    if (!this.#subscribed.delete(key)) return false;
    await this.#deps.subscriptions.remove(this, event, topic).catch(() => {});
    return true;
  }

  #onClose(): void {
    this.#closed = true;
    for (const cancel of this.#inFlight) cancel();
    this.#inFlight.clear();
    for (const { event, topic } of this.#subscribed.values()) {
      this.#deps.subscriptions.remove(this, event, topic).catch(() => {});
    }
    this.#subscribed.clear();
  }
}
