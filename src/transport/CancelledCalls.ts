/**
 * The cancels one worker process has heard of (AmqpServer's control queue), by call id: a call
 * running now is told at once, and every cancelled id is remembered until its call's deadline,
 * so that a delivery that comes later (the call was still queued, or goes back to the queue
 * after a failed run) is skipped instead of run.
 *
 * Every worker process of a method hears every cancel of it, and most of them never get that
 * call: the memory is bounded (lru-cache with a per-id ttl, the oldest id evicted past `max`).
 * An evicted id only costs a wasted run, whose reply the gateway drops.
 */
import { LRUCache } from 'lru-cache';
import type { Delivery } from './Transport.ts';

/** Cancelled ids remembered at most, per worker process. */
export const DEFAULT_CANCELLED_MAX = 10_000;

/** A run of a call, watched for its cancel. */
interface Watch {
  delivery: Delivery;
  onCancel: ((delivery: Delivery) => void) | undefined;
  /** Another run of the same call in this process (a copy published again): rare, so a list. */
  next: Watch | undefined;
}

export class CancelledCalls {
  readonly #remembered: LRUCache<string, true>;
  readonly #running = new Map<string, Watch>();

  constructor(max = DEFAULT_CANCELLED_MAX) {
    // ttlAutopurge off: an expired id is dropped when it is looked up or evicted, no timer per id.
    this.#remembered = new LRUCache<string, true>({ max, ttl: 0 });
  }

  /** The caller cancelled call `callId`, whose deadline is `deadline` (epoch ms). */
  cancel(callId: string, deadline: number, now = Date.now()): void {
    const left = deadline - now;
    if (left <= 0) return;
    // ttl 0 is "no ttl" to lru-cache: a call without a deadline is kept until evicted.
    this.#remembered.set(callId, true, { ttl: Number.isFinite(left) ? Math.ceil(left) : 0 });
    let watch = this.#running.get(callId);
    this.#running.delete(callId);
    for (; watch; watch = watch.next) watch.onCancel?.(watch.delivery);
  }

  /** True when call `callId` was cancelled before this delivery of it: skip it. */
  has(callId: string | undefined): boolean {
    return callId !== undefined && this.#remembered.has(callId);
  }

  /**
   * Watches one run of a call: `onCancel` is told if the call is cancelled while it runs. The
   * returned function ends the watch (the run ended).
   */
  watch(delivery: Delivery, onCancel: ((delivery: Delivery) => void) | undefined): () => void {
    const callId = delivery.callId;
    if (callId === undefined || onCancel === undefined) return NOTHING;
    const watch: Watch = { delivery, onCancel, next: this.#running.get(callId) };
    this.#running.set(callId, watch);
    return () => {
      // A cancel came meanwhile: the map no longer holds it, or holds another run's watch.
      const first = this.#running.get(callId);
      watch.onCancel = undefined;
      if (first !== watch) return;
      // Runs after this one in the list that ended already are dropped with it.
      let next = watch.next;
      while (next && !next.onCancel) next = next.next;
      if (next) this.#running.set(callId, next);
      else this.#running.delete(callId);
    };
  }

  /** Runs watched now (tests). */
  get running(): number {
    return this.#running.size;
  }
}

const NOTHING = (): void => {};
