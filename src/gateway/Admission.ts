/**
 * One connection's frames under its rate limit (RateLimiter). Each frame is charged before
 * anything in it runs, a batch one per request, so batching cannot multiply the limit. Over the
 * limit every request of the frame is answered OVERLOADED and its notifications dropped; a
 * connection that keeps at it is closed with 1008 (policy violation).
 */
import type { WebSocket } from 'ws';
import { spliceReply, type Entry, type Frame } from 'warren-client/protocol';
import type { Logger } from '../contract/implement.ts';
import { RATE_LIMITED_BODY } from '../protocol/errors.ts';
import { RateLimiter, type RateLimiterOptions } from './RateLimiter.ts';

/** The response refusing one request of a frame over the limit; none for a notification. */
function refusal(entry: Entry): string | undefined {
  if (entry.ok && entry.notification) return undefined;
  return spliceReply(entry.ok ? (entry.request.id ?? null) : entry.id, RATE_LIMITED_BODY);
}

export class Admission {
  readonly #ws: WebSocket;
  readonly #sink: { send(frame: string): void };
  readonly #limiter: RateLimiter;
  readonly #log: Logger;

  /** @param sink where the refusals go: the connection's writer. */
  constructor(ws: WebSocket, sink: { send(frame: string): void }, options: RateLimiterOptions, log: Logger) {
    this.#ws = ws;
    this.#sink = sink;
    this.#limiter = new RateLimiter(options);
    this.#log = log;
  }

  /**
   * Charges one frame (undefined for a binary frame, which costs one). False when it is over
   * the limit: its requests are answered already, and the frame must not run.
   */
  admit(frame: Frame | undefined, now: number): boolean {
    const verdict = this.#limiter.take(frame?.kind === 'batch' ? frame.entries.length : 1, now);
    if (verdict === 'ok') return true;
    if (frame === undefined || frame.kind === 'invalid') this.#sink.send(spliceReply(null, RATE_LIMITED_BODY));
    else if (frame.kind === 'single') {
      const response = refusal(frame.entry);
      if (response !== undefined) this.#sink.send(response);
    } else {
      const responses = frame.entries.map(refusal).filter((response) => response !== undefined);
      if (responses.length > 0) this.#sink.send(`[${responses.join(',')}]`);
    }
    if (verdict === 'close') {
      this.#log.warn({ refused: this.#limiter.refusals }, 'closing a connection that kept exceeding the rate limit');
      this.#ws.close(1008, 'Rate limit exceeded');
    }
    return false;
  }
}
