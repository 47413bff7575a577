/**
 * The errors Warren answers with by itself, as reply bodies encoded once, and the one
 * conversion of a thrown value into the error a caller gets.
 *
 * The rule is toWarrenError's: a WarrenError keeps its code, message and data; anything else
 * becomes INTERNAL_ERROR, which says nothing. The part of Warren that caught the value is told
 * about every value hidden this way (`hide`), so it can log it. A handler's errors go through
 * one more filter, the errors its contract declares (handlerErrorReply).
 *
 * A reply body is `{"error":…}` without id (see spliceReply): the gateway splices the request's
 * id in, so one body serves every request it answers.
 */
import { ErrorCode, ErrorMessage, errorBody, isReservedCode, toWarrenError, WarrenError } from 'warren-client/protocol';
import type { ReplyBody } from './call.ts';

/** Told about a thrown value the caller is not shown, and why; it logs it. */
export type Hide = (thrown: unknown, why: string) => void;

export const INTERNAL_BODY: ReplyBody = errorBody({ code: ErrorCode.INTERNAL_ERROR, message: ErrorMessage[ErrorCode.INTERNAL_ERROR] });
/** The call's deadline passed: at the caller's transport, or while its handler ran. */
export const TIMEOUT_BODY: ReplyBody = errorBody({ code: ErrorCode.TIMEOUT, message: ErrorMessage[ErrorCode.TIMEOUT] });
/** The caller cancelled the call (`rpc.cancel`): the gateway answers it so, at once, and once. */
export const CANCELLED_BODY: ReplyBody = errorBody({ code: ErrorCode.CANCELLED, message: 'Cancelled by the caller' });
export const UNAUTHORIZED_BODY: ReplyBody = errorBody({ code: ErrorCode.UNAUTHORIZED, message: ErrorMessage[ErrorCode.UNAUTHORIZED] });
/** A request over its connection's rate limit. */
export const RATE_LIMITED_BODY: ReplyBody = errorBody({ code: ErrorCode.OVERLOADED, message: 'Rate limit exceeded: slow down' });
/**
 * A request the gateway will not run because it is shutting down. `data.reason` tells clients
 * this is no answer from the method: Warren's client resends an idempotent call after
 * reconnecting, as after a lost connection (warren-client, ConnectionState.ts).
 */
export const SHUTTING_DOWN_BODY: ReplyBody = errorBody({
  code: ErrorCode.UNAVAILABLE,
  message: 'Gateway shutting down: reconnect and retry',
  data: { reason: 'shuttingDown' },
});
/** A binary WebSocket frame: Warren speaks JSON-RPC in text frames only. */
export const BINARY_REFUSED_BODY: ReplyBody = errorBody({
  code: ErrorCode.INVALID_REQUEST,
  message: 'Binary frames are not supported: send JSON-RPC as UTF-8 text frames',
});
/** Params nested deeper than validation or encoding can recurse (a RangeError). */
export const PARAMS_TOO_DEEP_BODY: ReplyBody = errorBody({
  code: ErrorCode.INVALID_PARAMS,
  message: 'params are nested too deeply',
  data: { issues: [] },
});

export function methodNotFoundBody(method: string): ReplyBody {
  return errorBody({ code: ErrorCode.METHOD_NOT_FOUND, message: `Method not found: ${method}` });
}

export function tooManyInFlightBody(maxInFlight: number): ReplyBody {
  return errorBody({ code: ErrorCode.OVERLOADED, message: `More than ${maxInFlight} calls in flight on this connection` });
}

/** A WarrenError as it is; anything else hidden, as INTERNAL_ERROR. */
export function errorOf(thrown: unknown, hide: Hide): WarrenError {
  if (!(thrown instanceof WarrenError)) hide(thrown, 'not a WarrenError');
  return toWarrenError(thrown);
}

/** errorOf(thrown, hide) as a reply body. */
export function errorReply(thrown: unknown, hide: Hide): ReplyBody {
  return errorBody(errorOf(thrown, hide).toJSON());
}

/** What handlerErrorReply reads of an error a contract declares. */
export interface DeclaredError {
  code: number;
  /** The schema of `error.data` (zod's safeParse); without one the data is not sent. */
  data?: { safeParse(value: unknown): { success: boolean; data?: unknown } } | undefined;
}

/**
 * The reply for what a handler threw. An error its contract declares (by code) keeps its code
 * and message, and its data once the declared schema accepts it; Warren's own codes pass as
 * errorOf lets them (INVALID_PARAMS from validating again, TIMEOUT from the deadline signal);
 * anything else is hidden: an undeclared code, data outside its schema, a value that is no
 * WarrenError.
 */
export function handlerErrorReply(thrown: unknown, declared: ReadonlyMap<number, DeclaredError>, hide: Hide): ReplyBody {
  if (!(thrown instanceof WarrenError) || isReservedCode(thrown.code)) return errorReply(thrown, hide);
  const spec = declared.get(thrown.code);
  if (!spec) {
    hide(thrown, `code ${thrown.code} is not declared by the contract`);
    return INTERNAL_BODY;
  }
  if (!spec.data) return errorBody({ code: thrown.code, message: thrown.message });
  const data = spec.data.safeParse(thrown.data);
  if (!data.success) {
    hide(thrown, 'declared error thrown with data outside its schema');
    return INTERNAL_BODY;
  }
  return errorBody({ code: thrown.code, message: thrown.message, data: data.data });
}

/** A call over its transport's limit of calls in flight. */
export const OVERLOADED_BODY: ReplyBody = errorBody({ code: ErrorCode.OVERLOADED, message: 'Too many calls in flight' });
/** The broker refused the call: the method's queue is full, or the channel is over its high-water mark. */
export const REFUSED_BODY: ReplyBody = errorBody({ code: ErrorCode.OVERLOADED, message: 'Broker refused the call: overloaded' });
/** The caller's answer for a dead-lettered call: an internal error, with nothing internal in it. */
export const DEAD_LETTER_BODY: ReplyBody = errorBody({
  code: ErrorCode.INTERNAL_ERROR,
  message: 'Internal error: the call failed on every delivery',
});

/** A call that could not be delivered, with the reason (broker down, transport closed…). */
export function unavailableBody(reason: string): ReplyBody {
  return errorBody({ code: ErrorCode.UNAVAILABLE, message: reason });
}
