export { ErrorCode, ErrorMessage, errorCodeName, isReservedCode } from './codes.ts';
export type { ErrorCodeName } from './codes.ts';
export { WarrenError, toWarrenError } from './WarrenError.ts';
export type { ErrorObject } from './WarrenError.ts';
export {
  parseFrame,
  checkRequest,
  encodeResult,
  encodeError,
  encodeNotification,
  spliceReply,
  resultBody,
  errorBody,
  classifyIncoming,
} from './envelope.ts';
export type { Id, Params, Request, Entry, Frame, ParseOptions, Incoming } from './envelope.ts';
export { backoffDelay } from './backoff.ts';
export type { BackoffPolicy } from './backoff.ts';
export { MAX_TIMER_MS } from './timers.ts';
