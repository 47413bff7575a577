export { WarrenClient } from './WarrenClient.ts';
export type { ClientOptions, CallOptions, EventHandler, WebSocketLike, WebSocketConstructor } from './WarrenClient.ts';
export { WarrenError } from '../protocol/WarrenError.ts';
export { ErrorCode } from '../protocol/codes.ts';
