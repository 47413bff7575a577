/**
 * The wait before the next attempt to reach the broker: exponential backoff with jitter.
 * Doubling spares a broker that is restarting from every client hammering it; the jitter
 * (a random half to whole of the step) keeps a fleet that lost the broker at the same moment
 * from coming back in lockstep.
 */

export interface BackoffOptions {
  /** Wait before the first retry, in seconds. */
  initialSeconds: number;
  /** Longest wait, in seconds. */
  maxSeconds: number;
}

/**
 * Seconds to wait before retry number `attempt` (0 for the first retry after a loss).
 * `random` is injected so tests are deterministic; it returns a number in [0, 1).
 */
export function reconnectDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  // 2 ** 30 is far past any sane cap; stopping there keeps the arithmetic finite.
  const step = Math.min(options.maxSeconds, options.initialSeconds * 2 ** Math.min(attempt, 30));
  return step / 2 + (step / 2) * random();
}
