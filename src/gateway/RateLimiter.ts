/**
 * Per-connection request rate limit: a token bucket (`frameRate` tokens a second, at most
 * `frameBurst` saved up), plus the rule that turns a persistent offender into a disconnect.
 *
 * Brief bursts over the limit are refused request by request, so a well-meaning client that
 * overshoots learns it from OVERLOADED answers and backs off. A client that keeps going past
 * the limit, with no quiet second in between, for `rateLimitCloseMs`, is abusing the connection
 * and loses it.
 */
import type { ResolvedGatewayOptions } from './GatewayOptions.ts';

export type Verdict = 'ok' | 'refuse' | 'close';

/**
 * The gateway options it reads: `frameRate` tokens added per second (0 disables the limiter),
 * at most `frameBurst` saved up, and `rateLimitCloseMs` of refusals without a quiet second
 * before the connection is closed (0 never closes).
 */
export type RateLimiterOptions = Pick<ResolvedGatewayOptions, 'frameRate' | 'frameBurst' | 'rateLimitCloseMs'>;

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
    this.#tokens = options.frameBurst;
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
    const { frameRate, frameBurst, rateLimitCloseMs } = this.#options;
    if (frameRate === 0) return 'ok';
    this.#tokens = Math.min(frameBurst, this.#tokens + ((now - this.#refilledAt) / 1000) * frameRate);
    this.#refilledAt = now;
    if (this.#tokens >= cost) {
      this.#tokens -= cost;
      if (this.#abuseSince !== undefined && now - this.#lastRefusal > QUIET_MS) this.#abuseSince = undefined;
      return 'ok';
    }
    this.#refusals += cost;
    if (this.#abuseSince === undefined || now - this.#lastRefusal > QUIET_MS) this.#abuseSince = now;
    this.#lastRefusal = now;
    return rateLimitCloseMs > 0 && now - this.#abuseSince >= rateLimitCloseMs ? 'close' : 'refuse';
  }
}
