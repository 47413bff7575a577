/**
 * What a consumer does with one delivery of a call, decided the same way by every transport:
 * run it, count a failed delivery and put the call back, give it up to the dead-letter
 * queue, or drop it because nobody waits for it any more.
 *
 * A delivery "failed" when it ended without an answer: the worker holding it died (its
 * connection closed, so the broker redelivers it flagged `redelivered`) or its serve
 * function rejected. The count travels with the call (`x-warren-attempts` on AMQP), so a
 * call that keeps killing workers is given up after `maxDeliveries` runs instead of looping.
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
  /** Failed deliveries counted so far (the attempts header). */
  attempts: number;
  /** The broker flags this delivery as a redelivery: the previous one failed too. */
  redelivered: boolean;
  deadline: number;
  now: number;
  maxDeliveries: number;
}

export function decideDelivery({ attempts, redelivered, deadline, now, maxDeliveries }: DeliveryFacts): DeliveryAction {
  const failed = attempts + (redelivered ? 1 : 0);
  if (failed >= maxDeliveries) return { kind: 'dead-letter', attempts: failed };
  if (deadline <= now) return { kind: 'expired' };
  if (redelivered) return { kind: 'retry', attempts: failed };
  return { kind: 'run', attempts };
}

/** Rejects a bad `maxDeliveries` with a TypeError naming the option. */
export function checkMaxDeliveries(value: number): number {
  if (!(Number.isInteger(value) && value > 0)) throw new TypeError(`maxDeliveries must be a positive integer, got ${value}`);
  return value;
}
