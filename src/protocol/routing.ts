/**
 * The mapping from Warren calls and events to AMQP names, routing keys, properties
 * and headers. Pure data, shared by the transport and its tests.
 */
import type { Call, Principal } from './call.ts';
import type { TraceContext } from './traceContext.ts';

export const RPC_EXCHANGE = 'warren.rpc';
export const EVENTS_EXCHANGE = 'warren.events';
/** Fanout exchange that takes calls given up on after too many deliveries. */
export const DEAD_LETTER_EXCHANGE = 'warren.dlx';
/** The durable queue bound to DEAD_LETTER_EXCHANGE; operators inspect or replay it. */
export const DEAD_LETTER_QUEUE = 'warren.dlq';

export const Header = {
  DEADLINE: 'x-warren-deadline',
  PRINCIPAL: 'x-warren-principal',
  /** W3C trace context, on calls, replies and events (docs/tracing.md). */
  TRACEPARENT: 'traceparent',
  TRACESTATE: 'tracestate',
  /** Earlier deliveries of this call that ended without an answer (a worker died or failed). */
  ATTEMPTS: 'x-warren-attempts',
  /** On a dead-lettered call: its method, its queue and why it was given up. */
  DEAD_METHOD: 'x-warren-method',
  DEAD_QUEUE: 'x-warren-queue',
  DEAD_REASON: 'x-warren-reason',
  /**
   * On a call whose reply queue is replicated (a quorum queue): the worker publishes the reply
   * with a confirm, and again while the queue has no leader, before it acks the call.
   */
  CONFIRM_REPLY: 'x-warren-confirm-reply',
} as const;

/** Why a call went to the dead-letter queue. */
export const DeadLetterReason = {
  /** Every allowed delivery ended without an answer (the handler crashed its worker, or threw past the transport). */
  MAX_DELIVERIES: 'max-deliveries',
} as const;

/** The stream that holds the history of one replayable event. */
export function eventStream(event: string): string {
  return `warren.stream.${event}`;
}

/** On a stored event: its topic (a stream has no routing key to carry it). */
export const TOPIC_HEADER = 'x-warren-topic';

/** The durable queue that holds calls of one method. */
export function methodQueue(method: string): string {
  return `warren.rpc.${method}`;
}

/**
 * The kinds of method queue: `classic` (one node holds it) or `quorum` (replicated with Raft
 * across a cluster's nodes, RabbitMQ 3.8 and later).
 */
export type QueueType = 'classic' | 'quorum';

export const QUEUE_TYPES: readonly QueueType[] = ['classic', 'quorum'];

/** The queue type of methods that choose none, on a transport that chooses none. */
export const DEFAULT_QUEUE_TYPE: QueueType = 'classic';

export function isQueueType(value: unknown): value is QueueType {
  return value === 'classic' || value === 'quorum';
}

export interface MethodQueueOptions {
  queueType: QueueType;
  maxQueueLength?: number | undefined;
  /** The consumer's delivery limit; a quorum queue enforces it itself (`x-delivery-limit`). */
  maxDeliveries: number;
}

/**
 * Arguments of a method's queue. RabbitMQ refuses (PRECONDITION_FAILED) to redeclare a queue
 * with other arguments, so this is the single place that derives them from the contract.
 * With `maxQueueLength`, a full queue nacks new calls (`reject-publish`) rather than dropping
 * the oldest, so the caller learns at once that the call was refused.
 *
 * A classic queue carries no `x-queue-type`, so it stays equivalent to the classic queues
 * declared without one. A quorum queue counts the failed deliveries of each message itself
 * (the `x-delivery-count` header) and drops a message once that count passes
 * `x-delivery-limit`; the limit is `maxDeliveries`, so the consumer sees the delivery whose
 * count reached it and dead-letters that one, answering the caller (AmqpMethodConsumer.ts).
 */
export function methodQueueArguments(options: MethodQueueOptions): Record<string, string | number> {
  const bounded: Record<string, string | number> =
    options.maxQueueLength === undefined ? {} : { 'x-max-length': options.maxQueueLength, 'x-overflow': 'reject-publish' };
  if (options.queueType === 'classic') return bounded;
  return { 'x-queue-type': 'quorum', 'x-delivery-limit': options.maxDeliveries, ...bounded };
}

/**
 * The queue types in RabbitMQ's refusal to redeclare a queue as another type, e.g.
 * `inequivalent arg 'x-queue-type' for queue 'q' in vhost '/': received the value 'quorum' of
 * type 'longstr' but current is none`; undefined for a refusal over any other argument.
 * A queue declared without `x-queue-type` ("none") is classic.
 */
export function queueTypeRefusal(message: string): { current: string; wanted: string } | undefined {
  const match = /inequivalent arg 'x-queue-type'.*: received (.+?) but current is (.+?)["]?$/.exec(message);
  if (!match) return undefined;
  return { wanted: refusedValue(match[1]!), current: refusedValue(match[2]!) };
}

/** `none`, `'classic'` or `the value 'quorum' of type 'longstr'` → the queue type it names. */
function refusedValue(text: string): string {
  if (text === 'none') return 'classic';
  return /'([^']*)'/.exec(text)?.[1] ?? text;
}

/** The caller asked for its reply to be confirmed (Header.CONFIRM_REPLY). */
export function readConfirmReply(headers: Record<string, unknown> | undefined): boolean {
  return headers?.[Header.CONFIRM_REPLY] === 1;
}

/**
 * Arguments of a reply queue: it outlives its process's connection for `expiresMs` after its
 * last consumer went; a quorum one also outlives the node it was declared on.
 */
export function replyQueueArguments(queueType: QueueType, expiresMs: number): Record<string, string | number> {
  return queueType === 'quorum' ? { 'x-queue-type': 'quorum', 'x-expires': expiresMs } : { 'x-expires': expiresMs };
}

/** Failed deliveries a quorum queue counted for this message; absent (the first delivery) is 0. */
export function readDeliveryCount(headers: Record<string, unknown> | undefined): number {
  const raw = Number(headers?.['x-delivery-count']);
  return Number.isInteger(raw) && raw > 0 ? raw : 0;
}

/** Reads the attempts header; anything but a non-negative integer counts as 0. */
export function readAttempts(headers: Record<string, unknown> | undefined): number {
  const raw = Number(headers?.[Header.ATTEMPTS]);
  return Number.isInteger(raw) && raw > 0 ? raw : 0;
}

/** The properties a delivered call carries on, when it is published again (retry or dead letter). */
export interface CarriedProperties {
  contentType?: string | undefined;
  correlationId?: string | undefined;
  replyTo?: string | undefined;
  headers?: Record<string, unknown> | undefined;
}

/**
 * Properties of the copy of a call published again after a delivery that ended without an
 * answer: the same correlation, reply queue and headers, the attempts counted, and only the
 * time left to its deadline as expiration.
 */
export function retryProperties(original: CarriedProperties, attempts: number, deadline: number, now: number) {
  return {
    ...carried(original),
    headers: { ...original.headers, [Header.ATTEMPTS]: attempts },
    persistent: true,
    ...(Number.isFinite(deadline) ? { expiration: String(Math.max(1, Math.ceil(deadline - now))) } : {}),
  };
}

/** Properties of a dead-lettered call: no expiration, so it stays until an operator removes it. */
export function deadLetterProperties(
  original: CarriedProperties,
  where: { method: string; queue: string; attempts: number; reason: string },
) {
  return {
    ...carried(original),
    headers: {
      ...original.headers,
      [Header.ATTEMPTS]: where.attempts,
      [Header.DEAD_METHOD]: where.method,
      [Header.DEAD_QUEUE]: where.queue,
      [Header.DEAD_REASON]: where.reason,
    },
    persistent: true,
  };
}

function carried(original: CarriedProperties) {
  return {
    contentType: original.contentType ?? 'application/json',
    ...(original.correlationId ? { correlationId: original.correlationId } : {}),
    ...(original.replyTo ? { replyTo: original.replyTo } : {}),
  };
}

/** Topics are one routing-key word: no dots, no AMQP wildcards, no whitespace; at most 200 UTF-8 bytes. */
const TOPIC = /^[^.*#\s]{1,200}$/;
const utf8 = new TextEncoder();

/** Topic used when an event is emitted without one. */
export const DEFAULT_TOPIC = 'default';

export function isValidTopic(topic: unknown): topic is string {
  // AMQP caps a routing key at 255 bytes; the topic shares it with the event name.
  return typeof topic === 'string' && TOPIC.test(topic) && utf8.encode(topic).length <= 200;
}

/** Routing key of one emitted event. */
export function eventRoutingKey(event: string, topic: string): string {
  return `${event}.${topic}`;
}

/** Binding key for a subscription; no topic means every topic of the event. */
export function eventBindingKey(event: string, topic?: string): string {
  return `${event}.${topic ?? '*'}`;
}

/** Splits a routing key back into event and topic (the topic is the last word). */
export function parseEventRoutingKey(key: string): { event: string; topic: string } | undefined {
  const dot = key.lastIndexOf('.');
  if (dot <= 0 || dot === key.length - 1) return undefined;
  return { event: key.slice(0, dot), topic: key.slice(dot + 1) };
}

/** The AMQP publish properties for a call; `now` is injected so tests are deterministic. */
export function callProperties(
  call: Call,
  reply: { correlationId: string; replyTo: string; confirmReply?: boolean } | undefined,
  now: number,
) {
  const headers: Record<string, string | number> = { [Header.DEADLINE]: call.deadline };
  if (call.principal) headers[Header.PRINCIPAL] = JSON.stringify(call.principal);
  // A tracestate means nothing without the traceparent it goes with (W3C).
  if (call.traceparent) {
    headers[Header.TRACEPARENT] = call.traceparent;
    if (call.tracestate) headers[Header.TRACESTATE] = call.tracestate;
  }
  if (reply?.confirmReply) headers[Header.CONFIRM_REPLY] = 1;
  return {
    contentType: 'application/json',
    persistent: true,
    mandatory: true,
    // A message nobody took before the deadline is worthless; let the broker drop it.
    expiration: String(Math.max(1, Math.ceil(call.deadline - now))),
    headers,
    ...(reply ? { correlationId: reply.correlationId, replyTo: reply.replyTo } : {}),
  };
}

/** Reads a call back from a delivered message's routing key, body and headers. */
export function readCall(method: string, body: string, headers: Record<string, unknown> | undefined): Call {
  const deadline = Number(headers?.[Header.DEADLINE]);
  let principal: Principal | null = null;
  const rawPrincipal = headers?.[Header.PRINCIPAL];
  if (typeof rawPrincipal === 'string' || rawPrincipal instanceof Uint8Array) {
    try {
      const text = typeof rawPrincipal === 'string' ? rawPrincipal : new TextDecoder().decode(rawPrincipal);
      const parsed: unknown = JSON.parse(text);
      // Valid JSON that is not an object (`42`, `"u1"`, `[]`) is no principal either.
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) principal = parsed as Principal;
    } catch {
      principal = null;
    }
  }
  return {
    method,
    params: body,
    deadline: Number.isFinite(deadline) ? deadline : Number.POSITIVE_INFINITY,
    principal,
    ...readTraceHeaders(headers),
  };
}

/** The trace context headers of a reply or an event message: none when there is none. */
export function traceHeaders(trace: TraceContext | undefined): Record<string, string> | undefined {
  if (!trace?.traceparent) return undefined;
  return trace.tracestate ? { [Header.TRACEPARENT]: trace.traceparent, [Header.TRACESTATE]: trace.tracestate } : { [Header.TRACEPARENT]: trace.traceparent };
}

/** Reads the trace context headers of a delivered message; what is not a string is not there. */
export function readTraceHeaders(headers: Record<string, unknown> | undefined): TraceContext {
  const traceparent = headers?.[Header.TRACEPARENT];
  if (typeof traceparent !== 'string') return {};
  const tracestate = headers?.[Header.TRACESTATE];
  return typeof tracestate === 'string' ? { traceparent, tracestate } : { traceparent };
}
