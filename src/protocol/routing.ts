/**
 * The mapping from Warren calls and events to AMQP names, routing keys, properties
 * and headers. Pure data, shared by the transport and its tests.
 */
import type { Call, Principal } from './call.ts';

export const RPC_EXCHANGE = 'warren.rpc';
export const EVENTS_EXCHANGE = 'warren.events';

export const Header = {
  DEADLINE: 'x-warren-deadline',
  PRINCIPAL: 'x-warren-principal',
  TRACEPARENT: 'traceparent',
} as const;

/** The durable queue that holds calls of one method. */
export function methodQueue(method: string): string {
  return `warren.rpc.${method}`;
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
  reply: { correlationId: string; replyTo: string } | undefined,
  now: number,
) {
  const headers: Record<string, string | number> = { [Header.DEADLINE]: call.deadline };
  if (call.principal) headers[Header.PRINCIPAL] = JSON.stringify(call.principal);
  if (call.traceparent) headers[Header.TRACEPARENT] = call.traceparent;
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
  const traceparent = headers?.[Header.TRACEPARENT];
  return {
    method,
    params: body,
    deadline: Number.isFinite(deadline) ? deadline : Number.POSITIVE_INFINITY,
    principal,
    ...(typeof traceparent === 'string' ? { traceparent } : {}),
  };
}
