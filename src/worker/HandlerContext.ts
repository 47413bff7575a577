/**
 * The context a handler receives: one small object per call, its methods on the prototype.
 *
 * The deadline signal is made on first read. An AbortController (an EventTarget) and its
 * deadline timer cost more than a typical handler, and most handlers never look at the
 * signal; the worker checks the deadline by the clock when the handler returns instead. A
 * cancel (the caller's rpc.cancel) that comes before the first read is remembered, and the
 * signal is made aborted.
 *
 * Events are part of a call's successful outcome: emit() queues them, and the worker publishes
 * them (publishEvents) only once the handler has returned a result, before that result goes
 * back to the transport. A handler that throws, or whose run is cut by the deadline or a
 * shutdown, publishes none. Each event is named `<callId>:<index>` (a UUID for a notification's),
 * so the run of a redelivered call emits the same ids again and gateways drop the copies.
 */
import { randomUUID } from 'node:crypto';
import type { Context, Logger } from '../contract/implement.ts';
import type { Contract } from '../contract/defineContract.ts';
import { ErrorCode, WarrenError } from 'warren-client/protocol';
import { DEFAULT_TOPIC, isValidTopic } from '../protocol/routing.ts';
import { replayRetention } from '../contract/eventDelivery.ts';
import type { Retention } from '../protocol/retention.ts';
import type { Call, Principal } from '../protocol/call.ts';
import type { Delivery, EventMessage, Transport } from '../transport/Transport.ts';
import { parseTraceparent, type TraceContext } from '../protocol/traceContext.ts';
import { MAX_TIMER_MS } from 'warren-client/protocol';

/** The abort reason when the worker stops before the handler finished. */
export const SHUTDOWN = new WarrenError(ErrorCode.UNAVAILABLE, 'Worker shutting down');

/** The abort reason when the caller cancelled the call. */
export const CANCELLED = new WarrenError(ErrorCode.CANCELLED, 'Cancelled by the caller');

export interface ContextSource {
  contract: Contract;
  call: Call;
  delivery: Delivery;
  transport: Transport;
  log: Logger;
  /** The worker span's trace context; undefined when the call is part of no trace. */
  trace?: TraceContext | undefined;
}

/** A logger that can bind fields to the loggers it makes, as pino's `child` does. */
interface ChildLogger extends Logger {
  child(bindings: object): Logger;
}

export class HandlerContext implements Context {
  readonly principal: Principal | null;
  readonly deadline: number;
  readonly redelivered: boolean;
  readonly callId: string | undefined;
  readonly method: string;
  readonly #log: Logger;
  /** ctx.log, made on first read. */
  #callLog: Logger | undefined;
  readonly #trace: TraceContext | undefined;
  #ids: { traceId: string; spanId: string } | undefined;
  readonly #contract: Contract;
  readonly #transport: Transport;
  #controller: AbortController | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Set once stop() gave up waiting for this call. */
  #shutdown = false;
  /** Set once the caller cancelled this call. */
  #cancelled = false;
  #ended = false;
  /** Events emitted by this run, in order, published only if it succeeds. */
  readonly #events: EventMessage[] = [];
  /** Per queued event, its retention when it is replayable (stored in its history). */
  readonly #retentions: (Retention | undefined)[] = [];

  constructor({ contract, call, delivery, transport, log, trace }: ContextSource) {
    this.principal = call.principal;
    this.deadline = call.deadline;
    this.redelivered = delivery.redelivered;
    this.callId = delivery.callId;
    this.method = call.method;
    this.#log = log;
    this.#trace = trace;
    this.#contract = contract;
    this.#transport = transport;
  }

  /** The trace and span id of the worker's span of this call; undefined when the call is part of no trace. */
  get trace(): { traceId: string; spanId: string } | undefined {
    if (this.#ids || !this.#trace?.traceparent) return this.#ids;
    const parsed = parseTraceparent(this.#trace.traceparent);
    return (this.#ids = parsed && { traceId: parsed.traceId, spanId: parsed.spanId });
  }

  /**
   * The worker's logger, with `trace_id` and `span_id` bound when the call is traced and the
   * logger binds fields (`child`, as pino's). Made on first read: a call that never logs pays nothing.
   */
  get log(): Logger {
    if (this.#callLog) return this.#callLog;
    const ids = this.trace;
    const log = this.#log as Partial<ChildLogger>;
    return (this.#callLog = ids && typeof log.child === 'function' ? log.child({ trace_id: ids.traceId, span_id: ids.spanId }) : this.#log);
  }

  /**
   * Aborts with TIMEOUT at the deadline, with CANCELLED when the caller cancels the call, or
   * with UNAVAILABLE when the worker stops first.
   */
  get signal(): AbortSignal {
    if (this.#controller) return this.#controller.signal;
    const controller = (this.#controller = new AbortController());
    if (this.#cancelled) controller.abort(CANCELLED);
    else if (this.#shutdown) controller.abort(SHUTDOWN);
    else if (!this.#ended) {
      const remaining = this.deadline - Date.now();
      if (remaining <= 0) controller.abort(new WarrenError(ErrorCode.TIMEOUT));
      // Beyond setTimeout's range (~24.8 days) the deadline is as good as none.
      else if (remaining <= MAX_TIMER_MS) this.#timer = setTimeout(abortAtDeadline, remaining, controller);
    }
    return controller.signal;
  }

  /** True once stop() aborted this call: its outcome goes back to the queue unanswered. */
  get shutDown(): boolean {
    return this.#shutdown;
  }

  /** True once the caller cancelled this call: its outcome is not sent, and its events are not published. */
  get cancelled(): boolean {
    return this.#cancelled;
  }

  /** The caller cancelled the call: aborts the signal (now, or as it is made) with CANCELLED. */
  cancel(): void {
    if (this.#cancelled || this.#shutdown) return;
    this.#cancelled = true;
    clearTimeout(this.#timer);
    this.#controller?.abort(CANCELLED);
  }

  abortForShutdown(): void {
    this.#shutdown = true;
    clearTimeout(this.#timer);
    this.#controller?.abort(SHUTDOWN);
  }

  /** The handler finished: no timer may outlive it, and no emit joins its events. */
  end(): void {
    this.#ended = true;
    clearTimeout(this.#timer);
  }

  /**
   * Checks one of the contract's events and queues it; resolves once it is queued. Throws at
   * once for an unknown event, a bad topic or a payload outside the event's schema.
   *
   * The event is published when the handler has returned a result, with the run's other events
   * in emit order, before the result goes back to the caller: events are part of a call's
   * successful outcome. A handler that throws (a declared error or any other), or whose run is
   * cut by its deadline or a shutdown, publishes none of them. An emit after the handler ended
   * (from a timer it left behind) is dropped with a warning.
   */
  async emit(event: string, payload: unknown, options: { topic?: string } = {}): Promise<void> {
    const contract = this.#contract;
    const spec = contract.events?.[event];
    if (!spec) throw new TypeError(`${contract.service}: no event named "${event}"`);
    const topic = options.topic ?? DEFAULT_TOPIC;
    if (!isValidTopic(topic)) throw new TypeError(`Invalid topic "${topic}": 1-200 UTF-8 bytes, no dots, *, # or whitespace`);
    const parsed = spec.payload.parse(payload);
    const name = `${contract.service}.${event}`;
    if (this.#ended) {
      this.log.warn({ method: this.method, event: name }, 'event emitted after its handler ended; dropped');
      return;
    }
    // The index counts this run's emits, so every run of the call names its events alike.
    const id = this.callId === undefined ? randomUUID() : `${this.callId}:${this.#events.length}`;
    const message: EventMessage = { event: name, topic, payload: JSON.stringify(parsed), id };
    // The event carries the trace of the run that emitted it.
    if (this.#trace?.traceparent) {
      message.traceparent = this.#trace.traceparent;
      if (this.#trace.tracestate) message.tracestate = this.#trace.tracestate;
    }
    this.#events.push(message);
    this.#retentions.push(replayRetention(spec));
  }

  /** Events this run emitted, in emit order. */
  get events(): readonly EventMessage[] {
    return this.#events;
  }

  /**
   * Publishes the run's events, in emit order; resolves once the transport has them all (on
   * RabbitMQ: confirmed). Rejects if any of them could not be published: the worker then puts
   * the call back, and its next run publishes the same ids again.
   */
  async publishEvents(): Promise<void> {
    const events = this.#events;
    if (events.length === 0) return;
    if (events.length === 1) return this.#transport.publishEvent(events[0]!, this.#retentions[0]);
    // Published together, confirmed together: one round trip, not one per event. The transports
    // publish in call order (AmqpServer: on its one confirm channel), so emit order holds.
    await Promise.all(events.map((message, i) => this.#transport.publishEvent(message, this.#retentions[i])));
  }

  error(name: string, ...rest: unknown[]): WarrenError {
    const spec = this.#contract.errors?.[name];
    if (!spec) throw new TypeError(`${this.#contract.service}: no error named "${name}"`);
    return new WarrenError(spec.code, spec.message, { data: rest[0] });
  }
}

function abortAtDeadline(controller: AbortController): void {
  controller.abort(new WarrenError(ErrorCode.TIMEOUT));
}
