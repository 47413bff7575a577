/**
 * `warren`: the everyday names. Define a contract, implement it, throw its declared errors.
 * The server pieces are in `warren/server`, the client in `warren/client` (or `warren-client`),
 * codegen in `warren/codegen` and the contract check in `warren/check`.
 */
export { defineContract, isContract } from './contract/defineContract.ts';
export type { Contract, ContractSpec, MethodSpec, EventSpec, ErrorSpec, ParamsSchema } from './contract/defineContract.ts';
export { eventDelivery, maxAgeMs, DEFAULT_RETENTION } from './contract/eventDelivery.ts';
export type { DeliveryKind, EventDelivery, Retention } from './contract/eventDelivery.ts';
export { implement } from './contract/implement.ts';
export type { Context, Handler, Handlers, Implementation, Logger } from './contract/implement.ts';
export { WarrenError, toWarrenError, ErrorCode } from 'warren-client/protocol';
export type { ErrorObject } from 'warren-client/protocol';
export type { Principal } from './protocol/call.ts';
