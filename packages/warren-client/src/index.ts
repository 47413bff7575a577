export { WarrenClient } from './WarrenClient.ts';
export type { CallOptions } from './WarrenClient.ts';
export type { EventHandler, EventPosition, SubscribeOptions } from './Subscription.ts';
export type { ClientOptions, ReconnectOptions, TraceCarrier, WebSocketLike, WebSocketConstructor } from './ClientOptions.ts';
export type { ConnectionState, StateChange, StateListener, LossDetectedBy } from './ConnectionState.ts';
export { backoffDelay, type BackoffPolicy } from './protocol/backoff.ts';
export { WarrenError } from './protocol/WarrenError.ts';
export { ErrorCode } from './protocol/codes.ts';
