/**
 * Warren's closed error-code table. Every error a client can receive from Warren
 * itself carries one of these JSON-RPC codes; the README lists them with their meaning.
 * Application errors declared in a contract use codes outside -32768..-32000.
 */
export const ErrorCode = {
  /** The frame is not valid JSON. */
  PARSE_ERROR: -32700,
  /** The frame is JSON but not a valid JSON-RPC 2.0 request (or is a binary frame). */
  INVALID_REQUEST: -32600,
  /** No contract declares this method. */
  METHOD_NOT_FOUND: -32601,
  /** `params` does not match the method's input schema; `data.issues` lists why. */
  INVALID_PARAMS: -32602,
  /** The handler failed or returned a value outside its output schema. No detail is leaked. */
  INTERNAL_ERROR: -32603,
  /** The call's deadline passed before a reply arrived. */
  TIMEOUT: -32000,
  /** The call could not be delivered: broker down, no queue for the method, publish refused. */
  UNAVAILABLE: -32001,
  /** The caller is not allowed to make this call. */
  UNAUTHORIZED: -32002,
  /** Too many calls in flight or too many requests; retry later. */
  OVERLOADED: -32003,
  /** Client side: the connection closed while the call was in flight. */
  CONNECTION_LOST: -32004,
  /** Client side: the caller aborted the call with its AbortSignal. */
  CANCELLED: -32005,
} as const;

export type ErrorCodeName = keyof typeof ErrorCode;
export type WarrenErrorCodeNumber = (typeof ErrorCode)[ErrorCodeName];

/** Default human-readable message for each code. */
export const ErrorMessage: Record<WarrenErrorCodeNumber, string> = {
  [ErrorCode.PARSE_ERROR]: 'Parse error',
  [ErrorCode.INVALID_REQUEST]: 'Invalid Request',
  [ErrorCode.METHOD_NOT_FOUND]: 'Method not found',
  [ErrorCode.INVALID_PARAMS]: 'Invalid params',
  [ErrorCode.INTERNAL_ERROR]: 'Internal error',
  [ErrorCode.TIMEOUT]: 'Deadline exceeded',
  [ErrorCode.UNAVAILABLE]: 'Service unavailable',
  [ErrorCode.UNAUTHORIZED]: 'Unauthorized',
  [ErrorCode.OVERLOADED]: 'Overloaded',
  [ErrorCode.CONNECTION_LOST]: 'Connection lost',
  [ErrorCode.CANCELLED]: 'Cancelled',
};

const byNumber = new Map<number, ErrorCodeName>(
  Object.entries(ErrorCode).map(([name, code]) => [code, name as ErrorCodeName]),
);

/** The table name of a Warren code, or undefined for an application code. */
export function errorCodeName(code: number): ErrorCodeName | undefined {
  return byNumber.get(code);
}

/** JSON-RPC reserves -32768..-32000 for the protocol and the implementation. */
export function isReservedCode(code: number): boolean {
  return code >= -32768 && code <= -32000;
}
