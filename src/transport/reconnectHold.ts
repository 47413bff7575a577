/**
 * The hold: what becomes of a call made while the caller side has no broker connection (a
 * reconnect in progress, the broker away). Pure code, decided per call by AmqpCaller.
 *
 * A call is held, to be published once the connection is back, when there is room for it
 * (fewer than `maxHeld` held already) and time for it (its deadline not reached); it is held
 * for `holdMs` at most, and never up to its deadline, so that the UNAVAILABLE it gets when the
 * connection does not come back in time arrives before the deadline would answer TIMEOUT.
 */

export interface HoldRequest {
  /** reconnectHoldMs: 0 holds nothing. */
  holdMs: number;
  /** maxHeldCalls */
  maxHeld: number;
  /** Calls held right now. */
  held: number;
  /** Epoch ms now, and the call's deadline. */
  now: number;
  deadline: number;
}

export type HoldDecision =
  /** Held for `waitMs` at most: then UNAVAILABLE, unless the connection came back first. */
  | { hold: true; waitMs: number }
  /** UNAVAILABLE at once. */
  | { hold: false; reason: 'no hold' | 'hold full' | 'no time left' };

export function holdDecision({ holdMs, maxHeld, held, now, deadline }: HoldRequest): HoldDecision {
  if (holdMs <= 0) return { hold: false, reason: 'no hold' };
  if (held >= maxHeld) return { hold: false, reason: 'hold full' };
  // A millisecond before the deadline, so that the deadline's own TIMEOUT never comes first.
  const waitMs = Math.min(holdMs, Math.floor(deadline - now) - 1);
  if (!(waitMs > 0)) return { hold: false, reason: 'no time left' };
  return { hold: true, waitMs };
}

/** The reason as a caller reads it in its UNAVAILABLE answer. */
export function refusalMessage(reason: 'no hold' | 'hold full' | 'no time left' | 'hold over'): string {
  switch (reason) {
    case 'hold full':
      return 'Broker unavailable: too many calls waiting for the connection';
    case 'hold over':
      return 'Broker unavailable: no connection within the reconnect hold';
    default:
      return 'Broker unavailable';
  }
}
