/**
 * The connection's life as the app sees it, the errors that say why it was lost, and the
 * small listener list that reports it.
 *
 *     connecting ─▶ open ─▶ reconnecting ─▶ open ─▶ …      (a failed attempt: reconnecting again)
 *     any state ─▶ closed                                   (close(), reconnect: false, maxAttempts)
 */
import { ErrorCode } from './protocol/codes.ts';
import { WarrenError, type ErrorObject } from './protocol/WarrenError.ts';

/**
 * - `connecting`: the first connection is being opened.
 * - `open`: connected, subscriptions are in place, calls go out at once.
 * - `reconnecting`: the connection was lost (or the first one failed); the client waits
 *   `delayMs` and tries again. Reported once per attempt.
 * - `closed`: final. close() was called, reconnecting is off, or `maxAttempts` ran out.
 */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface StateChange {
  state: ConnectionState;
  previous: ConnectionState;
  /** In 'reconnecting': the number of this attempt since the connection was last open, from 1. Else 0. */
  attempt: number;
  /** In 'reconnecting': how long the client waits before this attempt, in ms. */
  delayMs?: number;
  /**
   * In 'reconnecting' and 'closed': why. Usually CONNECTION_LOST with `data.detectedBy`
   * (see LossDetectedBy); the server's error when it refused to re-subscribe.
   */
  error?: WarrenError;
}

export type StateListener = (change: StateChange) => void;

/**
 * How the client noticed a lost connection, in `error.data.detectedBy` of its CONNECTION_LOST:
 * the socket closed (`data.code` and `data.reason` then come from the close event; 1006 means
 * it closed without a close frame), the heartbeat ping went unanswered, or the connection did
 * not open in time.
 */
export type LossDetectedBy = 'close' | 'heartbeat' | 'connectTimeout';

export function lostError(detectedBy: LossDetectedBy, message: string, details: Record<string, unknown> = {}): WarrenError {
  return new WarrenError(ErrorCode.CONNECTION_LOST, message, { data: { detectedBy, ...details } });
}

/**
 * The gateway's answer to a call it gave up on because it is shutting down: UNAVAILABLE with
 * `data.reason` 'shuttingDown', sent just before it closes the socket with 1001. For the call
 * it means what a lost connection means: no answer, and it may or may not have run.
 */
export function isShuttingDown(error: ErrorObject): boolean {
  const { reason } = (error.data ?? {}) as { reason?: unknown };
  return error.code === ErrorCode.UNAVAILABLE && reason === 'shuttingDown';
}

/** The error of a close event (a browser CloseEvent or ws's). */
export function closeError(event: { code?: unknown; reason?: unknown } | undefined): WarrenError {
  const code = typeof event?.code === 'number' ? event.code : undefined;
  const reason = typeof event?.reason === 'string' ? event.reason : '';
  return lostError('close', code === undefined ? 'Connection closed' : `Connection closed (${code})`, { code, reason });
}

/** The listeners of one client. A throwing listener does not stop the others, nor the client. */
export class StateListeners {
  readonly #listeners = new Set<StateListener>();

  add(listener: StateListener): () => void {
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    // Wrapped, so the same function added twice is called twice and removed once per add.
    const entry: StateListener = (change) => listener(change);
    this.#listeners.add(entry);
    return () => void this.#listeners.delete(entry);
  }

  emit(change: StateChange): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(change);
      } catch {
        // The app's listener failed; the connection must carry on regardless.
      }
    }
  }
}
