/** `warren/server`: the gateway, the worker and the transports they share. */
export { Gateway } from './gateway/Gateway.ts';
export type { GatewayOptions, AuthorizeTarget, SubscribeTarget, WebOptions } from './gateway/Gateway.ts';
export { Worker } from './worker/Worker.ts';
export type { WorkerOptions } from './worker/Worker.ts';
export { MemoryTransport } from './transport/MemoryTransport.ts';
export type { MemoryTransportOptions } from './transport/MemoryTransport.ts';
export { MemoryBroker } from './transport/MemoryBroker.ts';
export { AmqpTransport, DEFAULT_AMQP_URL } from './transport/AmqpTransport.ts';
export type { AmqpTransportOptions } from './transport/AmqpTransport.ts';
export type { Transport, Delivery, ServeFn, ServeOptions, Consumer, EventMessage } from './transport/Transport.ts';
export { createLogger } from './log.ts';
export { TRACER_NAME } from './tracing/spans.ts';
export { createMetricsRegistry } from './metrics/registry.ts';
export type { MetricsOption } from './metrics/registry.ts';
export { serveMetrics } from './metrics/serveMetrics.ts';
export type { MetricsServer } from './metrics/serveMetrics.ts';
export type { StatusOptions, StatusReport, MethodStatus, CodeStatus } from './metrics/GatewayStatus.ts';
