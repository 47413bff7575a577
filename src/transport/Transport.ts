/**
 * The one seam between Warren's gateway/worker and a message broker. Two implementations:
 * `MemoryTransport` (in process, the embedded default) and `AmqpTransport` (RabbitMQ).
 * Both pass the same conformance suite (test/conformance/transportConformance.ts).
 */
import type { Call, CallLocal, ReplyBody, Validated } from '../protocol/call.ts';
import type { QueueType } from '../protocol/routing.ts';
import type { Retention } from '../protocol/retention.ts';
import type { TraceContext } from '../protocol/traceContext.ts';

/** A call handed to a worker. */
export interface Delivery {
  call: Call;
  /** This call was delivered before and that delivery ended without an answer (`attempts > 0`). */
  redelivered: boolean;
  /** Earlier deliveries of this call that ended without an answer: a worker died or its serve function rejected. */
  attempts: number;
  /** False for JSON-RPC notifications: the worker runs them and sends nothing back. */
  expectsReply: boolean;
  /**
   * The call's id, the same on every delivery of it (its correlation id), so a handler can
   * record its effect under it and run it once. Undefined for notifications.
   */
  callId: string | undefined;
  /**
   * The params as the gateway's validation returned them, when the call was published in this
   * process with them (the memory transport); absent on calls that crossed a broker.
   */
  validated?: Validated;
  /**
   * Set by the serve function before it resolves: the W3C trace context of the run (the
   * worker's span), which the transport carries on the reply (AMQP: headers `traceparent`,
   * `tracestate`).
   */
  replyTrace?: TraceContext;
}

/**
 * Serves one delivery; resolves to the reply body, or undefined for nothing to send.
 * The transport acks the delivery once the reply is handed to the broker. A rejection puts
 * the call back (counted as a failed delivery, like a worker that died holding it).
 */
export type ServeFn = (delivery: Delivery) => Promise<ReplyBody | undefined>;

export interface ServeOptions {
  /** Most deliveries this consumer holds at once. @default 32 */
  prefetch?: number;
  /**
   * Most deliveries of one call. A call whose deliveries all ended without an answer goes to
   * the dead-letter queue (`warren.dlq`) and its caller gets INTERNAL_ERROR. @default 5
   */
  maxDeliveries?: number;
  /**
   * Most calls waiting in the method's queue; past it the broker refuses new calls and their
   * callers get OVERLOADED. Every consumer of a method must pass the same value.
   * @default unbounded
   */
  maxQueueLength?: number;
  /**
   * The kind of the method's queue on RabbitMQ: `quorum` is replicated across a cluster's
   * nodes, `classic` lives on one node. Every consumer of a method must pass the same type: a
   * queue's type cannot change once it exists. The memory transport has one kind of queue.
   * @default the transport's queueType (AmqpTransport: 'classic')
   */
  queueType?: QueueType;
  /** Told of every call of this method the transport dead-letters (metrics). */
  onDeadLetter?: () => void;
  /**
   * The method declares `orderBy`: calls with the same order key (CallLocal.orderKey) run one
   * after another, in publish order, and `prefetch` bounds the deliveries held across the
   * method's shards, not within one. Every consumer of a method must pass the same value.
   * @default false
   */
  ordered?: boolean;
  /**
   * The caller cancelled a call while this consumer's serve function runs it: told with that
   * delivery, so the handler can stop (the reply, if one still comes, is not needed). A call
   * cancelled before its delivery is never handed to the serve function.
   */
  onCancel?: (delivery: Delivery) => void;
  /** Told of every call of this method the transport skipped because its caller cancelled it before it ran (metrics). */
  onSkipCancelled?: () => void;
}

export interface Consumer {
  /** Stops new deliveries; resolves once the ones in flight are answered. */
  cancel(): Promise<void>;
}

export interface EventMessage {
  /** Wire name, `<service>.<event>`. */
  event: string;
  topic: string;
  /** JSON text of the payload. */
  payload: string;
  /** Names this emit; the same on every copy of it. */
  id?: string;
  /** W3C trace context of the run that emitted it (AMQP: headers `traceparent`, `tracestate`). */
  traceparent?: string;
  tracestate?: string;
}

/** Where a stored (replayable) event sits in its event's history. */
export interface EventPosition {
  /** 0 for the first event the history ever stored, one more for each later one. */
  offset: number;
  /**
   * The id of the event stored at that offset. A position names one event: a position from a
   * history that was since recreated (or from another broker) names none, and is stale.
   */
  epoch: string;
}

/** An event read back from a replayable event's history. */
export interface StoredEvent extends EventMessage {
  position: EventPosition;
}

/** A replayable event's history, kept by the broker, read by gateways. */
export interface EventHistory {
  /**
   * Delivers the stored events from offset `from` (inclusive; the oldest one kept when `from`
   * is older) or, with 'next', from the next event stored, then every event stored later, in
   * order, until stopped.
   */
  read(from: number | 'next', onEvent: (event: StoredEvent) => void): Promise<{ stop(): Promise<void> }>;
  /** The position of the last event stored; undefined when there is none. */
  tail(): Promise<EventPosition | undefined>;
}

/** Called exactly once per request with its reply body: the worker's, or a Warren error. */
export type ReplyFn = (body: ReplyBody) => void;

/**
 * Ends a request's wait, returned by Transport.request(): its onReply is not called any more.
 * Without a reason the caller is gone (its socket closed) and the call runs on. With
 * 'cancelled' the caller cancelled it, and the transport tells the method's workers, best
 * effort: a worker that has not run the call yet skips it, one that runs it is told
 * (ServeOptions.onCancel).
 */
export type DropFn = (reason?: 'cancelled') => void;

export interface Transport {
  readonly kind: 'memory' | 'amqp';
  /** Begins connecting; returns at once. Reconnects on its own until closed. */
  start(): void;
  /** Resolves once the transport can carry calls, or rejects after `timeoutMs`. */
  whenReady(timeoutMs?: number): Promise<void>;
  isReady(): boolean;
  close(): Promise<void>;
  /** Calls sent with request() still waiting for their answer. */
  readonly pendingCount: number;
  /** Broker connections made again after one was lost, since start (metrics). Absent: never. */
  readonly reconnects?: number;

  /**
   * Sends a call that expects a reply. `onReply` runs exactly once: with the worker's reply,
   * or with TIMEOUT at the deadline, UNAVAILABLE when it cannot be delivered, OVERLOADED
   * when too many calls wait or the broker refused it (a full queue, a write buffer over its
   * high-water mark). The returned function drops the call (its reply is ignored), and with
   * 'cancelled' cancels it on the workers too (DropFn).
   * While the broker connection is away, AmqpTransport holds the call for a while (its
   * `reconnectHoldMs`) and may publish an idempotent one (`local.idempotent`) again when it
   * cannot tell whether the broker took it. `local` is never serialized.
   */
  request(call: Call, onReply: ReplyFn, local?: CallLocal): DropFn;
  /** Sends a call that expects no reply (a JSON-RPC notification). Best effort. */
  notify(call: Call, local?: CallLocal): void;

  /** Consumes the queue of one method. */
  serve(method: string, fn: ServeFn, options?: ServeOptions): Promise<Consumer>;
  /**
   * Publishes one event to every subscriber bound to its event and topic. With a `retention`
   * (a replayable event), it is stored in the event's history instead, and resolves once stored;
   * readers of the history (history()) deliver it.
   */
  publishEvent(message: EventMessage, retention?: Retention): Promise<void>;
  /** The history of a replayable event, kept as `retention` says. */
  history(event: string, retention: Retention): EventHistory;

  /** Receives every event matching this transport's bindings. One listener. */
  onEvent(listener: (message: EventMessage) => void): void;
  /** Subscribes this transport to an event; no topic means every topic. Idempotent. */
  bindEvent(event: string, topic?: string): Promise<void>;
  unbindEvent(event: string, topic?: string): Promise<void>;
}
