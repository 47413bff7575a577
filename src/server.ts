/** Warren's server-side public surface. */
export { defineContract, isContract } from './contract/defineContract.ts';
export type { Contract, ContractSpec, MethodSpec, EventSpec, ErrorSpec, ParamsSchema } from './contract/defineContract.ts';
export { implement } from './contract/implement.ts';
export type { Context, Handler, Handlers, Implementation, Logger } from './contract/implement.ts';
export { Gateway } from './gateway/Gateway.ts';
export type { GatewayOptions } from './gateway/Gateway.ts';
export { Worker } from './worker/Worker.ts';
export type { WorkerOptions } from './worker/Worker.ts';
export { MemoryTransport } from './transport/MemoryTransport.ts';
export type { MemoryTransportOptions } from './transport/MemoryTransport.ts';
export { MemoryBroker } from './transport/MemoryBroker.ts';
export { AmqpTransport, DEFAULT_AMQP_URL } from './transport/AmqpTransport.ts';
export type { AmqpTransportOptions } from './transport/AmqpTransport.ts';
export type { Transport, Delivery, ServeFn, ServeOptions, Consumer, EventMessage } from './transport/Transport.ts';
export { WarrenError, toWarrenError } from './protocol/WarrenError.ts';
export { ErrorCode } from './protocol/codes.ts';
export type { Principal } from './protocol/call.ts';
export { createLogger } from './log.ts';
