/**
 * Per-connection request rate limit: a token bucket (`rate` tokens a second, at most `burst`
 * saved up), plus the rule that turns a persistent offender into a disconnect.
 *
 * Brief bursts over the limit are refused request by request, so a well-meaning client that
 * overshoots learns it from OVERLOADED answers and backs off. A client that keeps going past
 * the limit, with no quiet second in between, for `closeAfterMs`, is abusing the connection
 * and loses it.
 */

export type Verdict = 'ok' | 'refuse' | 'close';

export interface RateLimiterOptions {
  /** Tokens added per second; 0 disables the limiter. */
  rate: number;
  /** Most tokens saved up. */
  burst: number;
  /** Refusals spanning this long without a quiet second close the connection; 0 never closes. */
  closeAfterMs: number;
}

/** A gap this long without a refusal ends an episode of abuse. */
const QUIET_MS = 1000;

export class RateLimiter {
  readonly #options: RateLimiterOptions;
  #tokens: number;
  #refilledAt: number;
  /** When the current run of refusals began, or undefined when the client behaves. */
  #abuseSince: number | undefined;
  #lastRefusal = 0;
  #refusals = 0;

  constructor(options: RateLimiterOptions, now = performance.now()) {
    this.#options = options;
    this.#tokens = options.burst;
    this.#refilledAt = now;
  }

  /** Requests refused so far on this connection. */
  get refusals(): number {
    return this.#refusals;
  }

  /**
   * Takes `cost` tokens (one per request; a batch costs its length). All or nothing: a batch
   * is never half admitted.
   */
  take(cost: number, now = performance.now()): Verdict {
    const { rate, burst, closeAfterMs } = this.#options;
    if (rate === 0) return 'ok';
    this.#tokens = Math.min(burst, this.#tokens + ((now - this.#refilledAt) / 1000) * rate);
    this.#refilledAt = now;
    if (this.#tokens >= cost) {
      this.#tokens -= cost;
      if (this.#abuseSince !== undefined && now - this.#lastRefusal > QUIET_MS) this.#abuseSince = undefined;
      return 'ok';
    }
    this.#refusals += cost;
    if (this.#abuseSince === undefined || now - this.#lastRefusal > QUIET_MS) this.#abuseSince = now;
    this.#lastRefusal = now;
    return closeAfterMs > 0 && now - this.#abuseSince >= closeAfterMs ? 'close' : 'refuse';
  }
}
