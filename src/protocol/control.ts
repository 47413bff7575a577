/**
 * The control route: messages from callers to the workers of a method about calls already
 * published, beside the calls themselves. Pure data, shared by the transport and its tests.
 *
 * One message so far, the cancel: "the caller of the call with this correlation id no longer
 * waits for it". It goes to the topic exchange `warren.control`, routing key the call's method;
 * every worker process binds one exclusive, auto-delete queue to it with the methods it serves,
 * so every worker that may hold or later get the call hears of it.
 */
import { Header } from './routing.ts';

/** Topic exchange of control messages; routing key: the method the message is about. */
export const CONTROL_EXCHANGE = 'warren.control';

/** The AMQP `type` of a cancel (the property names the kind of control message). */
export const CANCEL_TYPE = 'cancel';

/** A cancel as it crosses the broker. */
export interface CancelMessage {
  /** The cancelled call's correlation id. */
  callId: string;
  /** The call's deadline (epoch ms): past it, nobody needs to remember the cancel. */
  deadline: number;
}

/**
 * The AMQP publish properties of a cancel. It expires with its call: a worker that connects
 * after the deadline has nothing to skip. Not persistent: it is worth nothing after a broker
 * restart, when its call is gone too (or its caller answered already).
 */
export function cancelProperties(cancel: CancelMessage, now: number) {
  return {
    type: CANCEL_TYPE,
    correlationId: cancel.callId,
    headers: { [Header.DEADLINE]: cancel.deadline },
    ...(Number.isFinite(cancel.deadline) ? { expiration: String(Math.max(1, Math.ceil(cancel.deadline - now))) } : {}),
  };
}

/** Reads a cancel back from a control message's properties; undefined for anything else. */
export function readCancel(properties: { type?: unknown; correlationId?: unknown; headers?: Record<string, unknown> | undefined }): CancelMessage | undefined {
  if (properties.type !== CANCEL_TYPE || typeof properties.correlationId !== 'string' || properties.correlationId === '') return undefined;
  const deadline = Number(properties.headers?.[Header.DEADLINE]);
  return { callId: properties.correlationId, deadline: Number.isFinite(deadline) ? deadline : Number.POSITIVE_INFINITY };
}
