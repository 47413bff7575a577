/**
 * What a consumer does with one delivery of a call, decided the same way by every transport:
 * run it, count a failed delivery and put the call back, give it up to the dead-letter
 * queue, or drop it because nobody waits for it any more.
 *
 * A delivery "failed" when it ended without an answer: the worker holding it died (its
 * connection closed, so the broker redelivers it flagged `redelivered`) or its serve
 * function rejected. The count travels with the call, so a call that keeps killing workers
 * is given up after `maxDeliveries` runs instead of looping. Who counts depends on the queue:
 * - a classic queue only flags a redelivery: the consumer counts, in a copy of the call it
 *   publishes back with the count (`x-warren-attempts`), and acks the redelivered original;
 * - a quorum queue counts itself (`x-delivery-count`, failed deliveries before this one): the
 *   consumer reads the count and never republishes.
 */

/** @default 5 */
export const DEFAULT_MAX_DELIVERIES = 5;

export type DeliveryAction =
  /** Run the handler; `attempts` earlier deliveries failed. */
  | { kind: 'run'; attempts: number }
  /** The broker redelivered it: publish a copy with `attempts` counted, ack this one. */
  | { kind: 'retry'; attempts: number }
  /** `attempts` deliveries failed, the allowed number: dead-letter it and answer the caller. */
  | { kind: 'dead-letter'; attempts: number }
  /** The deadline passed: nobody waits for an answer, ack and forget it. */
  | { kind: 'expired' };

export interface DeliveryFacts {
  /**
   * Failed deliveries counted so far: by the consumer (the attempts header), or, with
   * `brokerCounts`, by the queue, this delivery's predecessors included.
   */
  attempts: number;
  /** The broker flags this delivery as a redelivery: the previous one failed too. */
  redelivered: boolean;
  /** The queue counts failed deliveries itself (a quorum queue's `x-delivery-count`). */
  brokerCounts: boolean;
  deadline: number;
  now: number;
  maxDeliveries: number;
}

export function decideDelivery({ attempts, redelivered, brokerCounts, deadline, now, maxDeliveries }: DeliveryFacts): DeliveryAction {
  // The flag says one more failure than the consumer's header holds; the broker's count has it already.
  const uncounted = redelivered && !brokerCounts;
  const failed = attempts + (uncounted ? 1 : 0);
  if (failed >= maxDeliveries) return { kind: 'dead-letter', attempts: failed };
  if (deadline <= now) return { kind: 'expired' };
  if (uncounted) return { kind: 'retry', attempts: failed };
  return { kind: 'run', attempts: failed };
}

/** Rejects a bad `maxDeliveries` with a TypeError naming the option. */
export function checkMaxDeliveries(value: number): number {
  if (!(Number.isInteger(value) && value > 0)) throw new TypeError(`maxDeliveries must be a positive integer, got ${value}`);
  return value;
}
