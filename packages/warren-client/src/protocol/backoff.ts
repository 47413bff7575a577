/**
 * Reconnect delays: exponential growth, capped, with full jitter. A restart drops everything
 * connected to the restarted peer at once (every client of a gateway, every process of a
 * broker); a uniform random delay between 0 and the capped exponential (the "full jitter" of
 * AWS's "Exponential Backoff and Jitter") spreads their returns out instead of bringing them
 * all back in the same instant, and again at each later attempt. It sits in the wire protocol,
 * which has no dependencies, so that the client and Warren's server side share one algorithm.
 *
 * A pure function rather than a dependency: the npm backoff packages either wrap a
 * promise-returning function in their own retry loop (exponential-backoff, p-retry, retry),
 * which does not fit a loop driven by socket events that close() must stop, or jitter by a
 * randomisation factor instead of full jitter (backo2). This is the whole algorithm.
 */

export interface BackoffPolicy {
  /** Ceiling of the first delay, in ms. */
  initialDelayMs: number;
  /** Largest ceiling, in ms. */
  maxDelayMs: number;
  /** Growth of the ceiling per attempt. */
  factor: number;
}

/**
 * The delay before reconnect attempt `attempt` (0 for the first after a loss), in whole ms:
 * uniform in [0, min(maxDelayMs, initialDelayMs × factor^attempt)).
 *
 * @param random a source of numbers in [0, 1); tests inject their own.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  // factor^attempt overflows to Infinity after enough attempts; min() keeps the cap.
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** attempt);
  // Clamped, so that a source returning 1 or more still stays below the ceiling.
  const fraction = Math.min(Math.max(random(), 0), 1 - Number.EPSILON);
  return Math.floor(fraction * ceiling);
}
