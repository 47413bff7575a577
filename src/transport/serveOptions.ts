/**
 * ServeOptions with their defaults merged, checked the same way by every transport, and by the
 * Worker when it is constructed, so that a bad prefetch or maxDeliveries fails before start().
 */
import { DEFAULT_MAX_DELIVERIES, checkMaxDeliveries } from './deliveryPolicy.ts';
import { isQueueType, type QueueType } from '../protocol/routing.ts';
import type { ServeOptions } from './Transport.ts';

export interface ResolvedServeOptions {
  prefetch: number;
  maxDeliveries: number;
  maxQueueLength: number | undefined;
  /** Undefined: the transport's own default. */
  queueType: QueueType | undefined;
}

/** Throws a TypeError naming the option for a bad value. */
export function resolveServeOptions(options: ServeOptions): ResolvedServeOptions {
  const prefetch = options.prefetch ?? 32;
  if (!(Number.isInteger(prefetch) && prefetch > 0)) throw new TypeError('prefetch must be a positive integer');
  const maxDeliveries = checkMaxDeliveries(options.maxDeliveries ?? DEFAULT_MAX_DELIVERIES);
  const { maxQueueLength } = options;
  if (maxQueueLength !== undefined && !(Number.isInteger(maxQueueLength) && maxQueueLength > 0)) {
    throw new TypeError(`maxQueueLength must be a positive integer, got ${maxQueueLength}`);
  }
  const { queueType } = options;
  if (queueType !== undefined && !isQueueType(queueType)) throw new TypeError(`queueType must be 'classic' or 'quorum', got ${String(queueType)}`);
  return { prefetch, maxDeliveries, maxQueueLength, queueType };
}
