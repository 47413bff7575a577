/**
 * Warren's client runtime: JSON-RPC 2.0 over one WebSocket, in Node (pass `ws`) or a browser
 * (the global WebSocket). It imports only the protocol module, so a browser bundle stays small.
 *
 * It outlives its sockets: a lost connection is replaced with backoff and jitter, the app's
 * subscriptions are re-sent on the new socket before anything else, and each call gets exactly
 * one outcome by its deadline (see `call`).
 */
import { ErrorCode } from './protocol/codes.ts';
import { classifyIncoming, type Params } from './protocol/envelope.ts';
import { WarrenError } from './protocol/WarrenError.ts';
import { backoffDelay } from './protocol/backoff.ts';
import { MAX_TIMER_MS } from './protocol/timers.ts';
import { resolveClientOptions, type ClientOptions, type ResolvedClientOptions, type TraceCarrier } from './ClientOptions.ts';
import { ClientSocket } from './ClientSocket.ts';
import { StateListeners, type ConnectionState, type StateChange, type StateListener } from './ConnectionState.ts';
import { Outbox, type OutboxEntry } from './Outbox.ts';
import { deliverEvent, Subscription, subscriptionKey, type EventHandler, type SubscribeOptions } from './Subscription.ts';

export interface CallOptions {
  /**
   * Aborting rejects the call with CANCELLED at once. A call already sent is cancelled on the
   * server too (an `rpc.cancel` notification): the gateway forgets it, and its handler's
   * `ctx.signal` aborts, or a worker that has not started it skips it.
   */
  signal?: AbortSignal;
  /**
   * Deadline for this call, counted from now; sent to the server, which honours it when it is
   * shorter than the method's. Waiting for a connection counts against it.
   * @default the client's `timeoutMs`
   */
  timeoutMs?: number;
  /**
   * The method is safe to run twice: when the connection is lost while the call is in flight,
   * or the gateway answers it UNAVAILABLE because it is shutting down, it is sent again after
   * the reconnect (within its deadline) instead of failing with CONNECTION_LOST or UNAVAILABLE.
   * The generated SDK sets this from the contract's `idempotent`; set it by hand only for a
   * method whose second run does no harm. @default false
   */
  idempotent?: boolean;
  /**
   * W3C trace context of this call, sent with it (wire members `traceparent`, `tracestate`) so the
   * server's spans continue the caller's trace; instead of the client's `traceContext`.
   */
  trace?: TraceCarrier;
}

const CONNECTION_LOST = ErrorCode.CONNECTION_LOST;

export class WarrenClient {
  readonly #options: ResolvedClientOptions;
  readonly #outbox = new Outbox((frame) => this.#socket?.send(frame));
  readonly #subscriptions = new Map<string, Subscription>();
  readonly #listeners = new StateListeners();
  #state: ConnectionState = 'connecting';
  /** The current socket. Its `isOpen` turns true at once; the state turns 'open' only after re-subscribing. */
  #socket: ClientSocket | undefined;
  /** Failed attempts since the connection was last open. */
  #attempt = 0;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: ClientOptions) {
    this.#options = resolveClientOptions(options);
    // A bad URL throws here, at construction, like the WebSocket constructor it comes from.
    this.#connect();
  }

  /** The connection's state now. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** Calls `listener` on every state change; returns a function that removes it. */
  onState(listener: StateListener): () => void {
    return this.#listeners.add(listener);
  }

  /**
   * Resolves once the client is open; rejects with CONNECTION_LOST once it is closed, or with
   * TIMEOUT after the client's `timeoutMs`.
   */
  ready(): Promise<void> {
    if (this.#state === 'open') return Promise.resolve();
    if (this.#state === 'closed') return Promise.reject(new WarrenError(CONNECTION_LOST, 'Client closed'));
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        stop();
      };
      const timer = setTimeout(() => {
        done();
        reject(new WarrenError(ErrorCode.TIMEOUT, 'Not connected in time'));
      }, this.#options.timeoutMs);
      const stop = this.onState(({ state, error }) => {
        if (state === 'open') {
          done();
          resolve();
        } else if (state === 'closed') {
          done();
          reject(error ?? new WarrenError(CONNECTION_LOST, 'Client closed'));
        }
      });
    });
  }

  /**
   * Calls a method and resolves with its result, or rejects with a WarrenError: the server's
   * error, TIMEOUT at the deadline, CANCELLED on abort, or CONNECTION_LOST when the connection
   * goes while the call is in flight or the client is closed. An `idempotent` call is resent
   * after the reconnect instead, also when a gateway that is shutting down gave up on it. A
   * call made while the client is (re)connecting waits for the connection, within its deadline.
   */
  call<R = unknown>(method: string, params?: Params, options: CallOptions = {}): Promise<R> {
    return this.#request<R>(method, params, options, 'call');
  }

  /** Sends a notification: the method runs, nothing is answered. Resolves once it is sent. */
  notify(method: string, params?: Params): Promise<void> {
    return this.#request<void>(method, params, {}, 'notification');
  }

  /**
   * Subscribes to an event, for one topic or (no topic) every topic. Resolves once the
   * server confirmed, with a function that unsubscribes. The subscription survives
   * reconnects: the client subscribes again on every new connection. For a replayable event it
   * resumes after the last event it received (`since`), on whichever gateway it reaches: the
   * handler sees each event once, in order, or `onHistoryLost` is called when the events
   * missed are past the history the server keeps.
   */
  async subscribe<P = unknown>(event: string, topic: string | undefined, handler: EventHandler<P>, options: SubscribeOptions = {}): Promise<() => Promise<void>> {
    const key = subscriptionKey(event, topic);
    let subscription = this.#subscriptions.get(key);
    if (!subscription) {
      const created = new Subscription(event, topic);
      subscription = created;
      this.#subscriptions.set(key, created);
      // Subscribing twice is harmless on the server, so an rpc.subscribe cut off by a lost
      // connection is resent like any idempotent call.
      created.confirm(this.#request('rpc.subscribe', created.params(), { idempotent: true }, 'call'));
    }
    const own = subscription;
    own.handlers.add(handler as EventHandler);
    if (options.onHistoryLost) own.lostHandlers.add(options.onHistoryLost);
    try {
      // Later subscribers of the key wait for the same confirmation, and fail with it.
      await own.confirmed;
    } catch (error) {
      own.handlers.delete(handler as EventHandler);
      if (options.onHistoryLost) own.lostHandlers.delete(options.onHistoryLost);
      if (own.handlers.size === 0 && this.#subscriptions.get(key) === own) this.#subscriptions.delete(key);
      throw error;
    }
    let active = true;
    return async () => {
      if (!active) return;
      active = false;
      own.handlers.delete(handler as EventHandler);
      if (options.onHistoryLost) own.lostHandlers.delete(options.onHistoryLost);
      if (own.handlers.size > 0 || this.#subscriptions.get(key) !== own) return;
      this.#subscriptions.delete(key);
      // Only the socket holding the subscription needs telling: a later one never gets it.
      if (!this.#socket?.isOpen) return;
      try {
        await this.#request('rpc.unsubscribe', own.target(), {}, 'internal');
      } catch (error) {
        if ((error as WarrenError).code !== CONNECTION_LOST) throw error;
      }
    };
  }

  /** Closes the connection for good: no reconnect; calls in flight or waiting reject with CONNECTION_LOST. */
  close(): void {
    this.#shutdown(new WarrenError(CONNECTION_LOST, 'Client closed'), true);
  }

  // Calls ----------------------------------------------------------------------------------------

  #request<R>(method: string, params: Params | undefined, options: CallOptions, kind: OutboxEntry['kind']): Promise<R> {
    const { signal, timeoutMs } = options;
    if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs > 0 && timeoutMs <= MAX_TIMER_MS)) {
      return Promise.reject(new TypeError(`timeoutMs must be a positive number of ms up to ${MAX_TIMER_MS}, got ${String(timeoutMs)}`));
    }
    if (signal?.aborted) return Promise.reject(new WarrenError(ErrorCode.CANCELLED));
    if (this.#state === 'closed') return Promise.reject(new WarrenError(CONNECTION_LOST, 'Client closed'));
    if (kind === 'internal' && !this.#socket?.isOpen) return Promise.reject(new WarrenError(CONNECTION_LOST, 'Not connected'));
    let paramsJson: string | undefined;
    let trace: TraceCarrier | undefined;
    try {
      paramsJson = params === undefined ? undefined : JSON.stringify(params);
      // The client's own calls (re-subscribing) belong to no caller's trace.
      trace = kind === 'internal' ? undefined : (options.trace ?? this.#options.traceContext?.());
    } catch (error) {
      return Promise.reject(error);
    }
    const traceparent = trace?.traceparent;
    const tracestate = trace?.tracestate;
    if ((traceparent !== undefined && typeof traceparent !== 'string') || (tracestate !== undefined && typeof tracestate !== 'string')) {
      return Promise.reject(new TypeError('trace.traceparent and trace.tracestate must be strings'));
    }
    return new Promise<R>((resolve, reject) => {
      const entry = this.#outbox.add({
        kind,
        method,
        paramsJson,
        timeoutMs,
        deadline: Date.now() + (timeoutMs ?? this.#options.timeoutMs),
        idempotent: options.idempotent === true,
        signal,
        traceparent,
        // A tracestate means nothing without its traceparent (W3C).
        tracestate: traceparent === undefined ? undefined : tracestate,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      // Internal calls belong to the socket being set up and go out before the client is open.
      if (kind === 'internal' || this.#state === 'open') this.#transmit(entry);
    });
  }

  #transmit(entry: OutboxEntry): void {
    entry.sent = true;
    this.#socket?.send(entry.frame());
    if (entry.kind === 'notification') this.#outbox.settle(entry.id, undefined);
  }

  #receive(text: string): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return;
    }
    for (const item of Array.isArray(value) ? value : [value]) {
      const message = classifyIncoming(item);
      if (message.kind === 'response') {
        if (typeof message.id === 'number') this.#outbox.answer(message.id, message);
      } else if (message.kind === 'notification') {
        deliverEvent(this.#subscriptions, message.method, message.params);
      }
    }
  }

  // Connection -----------------------------------------------------------------------------------

  #connect(): void {
    this.#socket = new ClientSocket(this.#options, {
      opened: (socket) => void this.#resubscribe(socket),
      message: (text) => this.#receive(text),
      lost: (error) => this.#lost(error),
      pingId: () => this.#outbox.nextId(),
    });
  }

  /**
   * Re-sends every confirmed subscription on the new socket and waits for the answers before
   * the client opens: a queued call could otherwise run, and emit, before the gateway bound
   * the event. A refused re-subscription drops this connection and tries again with backoff.
   */
  async #resubscribe(socket: ClientSocket): Promise<void> {
    const confirmed = [...this.#subscriptions.values()].filter((subscription) => subscription.isConfirmed);
    try {
      await Promise.all(
        confirmed.map(async (subscription) => subscription.started(await this.#request('rpc.subscribe', subscription.params(), {}, 'internal'))),
      );
    } catch (error) {
      if (socket === this.#socket) this.#lost(error instanceof WarrenError ? error : new WarrenError(CONNECTION_LOST, 'Re-subscribing failed'));
      return;
    }
    if (socket !== this.#socket || this.#state === 'closed') return;
    const change = this.#enter('open', { attempt: 0 });
    this.#attempt = 0;
    for (const entry of this.#outbox.unsent()) this.#transmit(entry);
    this.#listeners.emit(change);
  }

  /** The socket closed, never opened in time, or stopped answering. */
  #lost(error: WarrenError): void {
    if (this.#state === 'closed') return;
    const policy = this.#options.reconnect;
    if (!policy || this.#attempt >= policy.maxAttempts) return this.#shutdown(error, false);
    this.#dropSocket(false);
    this.#outbox.lost(error);
    const delayMs = backoffDelay(this.#attempt, policy, policy.random);
    this.#attempt += 1;
    this.#reconnectTimer = setTimeout(() => this.#reconnect(), delayMs);
    this.#listeners.emit(this.#enter('reconnecting', { attempt: this.#attempt, delayMs, error }));
  }

  #reconnect(): void {
    try {
      this.#connect();
    } catch (error) {
      this.#lost(new WarrenError(CONNECTION_LOST, 'Could not open a WebSocket', { cause: error }));
    }
  }

  /** Final: stops reconnecting and fails everything still waiting. */
  #shutdown(error: WarrenError, graceful: boolean): void {
    if (this.#state === 'closed') return;
    clearTimeout(this.#reconnectTimer);
    this.#dropSocket(graceful);
    const change = this.#enter('closed', { attempt: 0, error });
    this.#outbox.failAll(error);
    this.#listeners.emit(change);
  }

  /** Lets go of the current socket: its events no longer reach the client. */
  #dropSocket(graceful: boolean): void {
    this.#socket?.drop(graceful);
    this.#socket = undefined;
  }

  #enter(state: ConnectionState, details: Omit<StateChange, 'state' | 'previous'>): StateChange {
    const previous = this.#state;
    this.#state = state;
    return { state, previous, ...details };
  }
}
