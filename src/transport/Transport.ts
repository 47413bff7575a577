/**
 * The one seam between Warren's gateway/worker and a message broker. Two implementations:
 * `MemoryTransport` (in process, the embedded default) and `AmqpTransport` (RabbitMQ).
 * Both pass the same conformance suite (test/conformance/transportConformance.ts).
 */
import type { Call, ReplyBody } from '../protocol/call.ts';

/** A call handed to a worker. */
export interface Delivery {
  call: Call;
  /** The broker delivered this call before, to a consumer that did not ack it. */
  redelivered: boolean;
  /** False for JSON-RPC notifications: the worker runs them and sends nothing back. */
  expectsReply: boolean;
}

/**
 * Serves one delivery; resolves to the reply body, or undefined for nothing to send.
 * The transport acks the delivery once the reply is handed to the broker.
 */
export type ServeFn = (delivery: Delivery) => Promise<ReplyBody | undefined>;

export interface ServeOptions {
  /** Most deliveries this consumer holds at once. @default 32 */
  prefetch?: number;
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
}

/** Called exactly once per request with its reply body: the worker's, or a Warren error. */
export type ReplyFn = (body: ReplyBody) => void;

export interface Transport {
  readonly kind: 'memory' | 'amqp';
  /** Begins connecting; returns at once. Reconnects on its own until closed. */
  start(): void;
  /** Resolves once the transport can carry calls, or rejects after `timeoutMs`. */
  whenReady(timeoutMs?: number): Promise<void>;
  isReady(): boolean;
  close(): Promise<void>;

  /**
   * Sends a call that expects a reply. `onReply` runs exactly once: with the worker's reply,
   * or with TIMEOUT at the deadline, UNAVAILABLE when it cannot be delivered, OVERLOADED
   * when too many calls wait. The returned function drops the call (its reply is ignored).
   */
  request(call: Call, onReply: ReplyFn): () => void;
  /** Sends a call that expects no reply (a JSON-RPC notification). Best effort. */
  notify(call: Call): void;

  /** Consumes the queue of one method. */
  serve(method: string, fn: ServeFn, options?: ServeOptions): Promise<Consumer>;
  /** Publishes one event to every subscriber bound to its event and topic. */
  publishEvent(message: EventMessage): Promise<void>;

  /** Receives every event matching this transport's bindings. One listener. */
  onEvent(listener: (message: EventMessage) => void): void;
  /** Subscribes this transport to an event; no topic means every topic. Idempotent. */
  bindEvent(event: string, topic?: string): Promise<void>;
  unbindEvent(event: string, topic?: string): Promise<void>;
}
