/**
 * The table of calls waiting for a reply: correlation id → reply callback and deadline timer.
 * It guarantees each call is answered exactly once and that nothing stays after the answer.
 */
import type { ReplyBody } from '../protocol/call.ts';
import { OVERLOADED_BODY, TIMEOUT_BODY } from '../protocol/errors.ts';
import type { ReplyFn } from './Transport.ts';
import { MAX_TIMER_MS } from 'warren-client/protocol';

interface Pending {
  onReply: ReplyFn;
  timer: ReturnType<typeof setTimeout>;
}


export class PendingCalls {
  readonly #calls = new Map<string, Pending>();
  readonly #prefix: string;
  readonly #max: number;
  #next = 0;

  /** @param prefix makes ids unique across processes; @param max bounds the table. */
  constructor(prefix: string, max: number) {
    this.#prefix = prefix;
    this.#max = max;
  }

  get size(): number {
    return this.#calls.size;
  }

  /**
   * Registers a call before it is published. Returns its correlation id, or undefined
   * when the table is full (the caller has then been answered OVERLOADED).
   */
  add(deadline: number, onReply: ReplyFn): string | undefined {
    if (this.#calls.size >= this.#max) {
      onReply(OVERLOADED_BODY);
      return undefined;
    }
    const id = this.#prefix + (this.#next++).toString(36);
    const delay = Math.min(Math.max(0, deadline - Date.now()), MAX_TIMER_MS);
    const timer = setTimeout(() => this.settle(id, TIMEOUT_BODY), delay);
    this.#calls.set(id, { onReply, timer });
    return id;
  }

  /** Answers a call if it still waits; a late or duplicate reply is dropped. */
  settle(id: string, body: ReplyBody): boolean {
    const pending = this.#calls.get(id);
    if (!pending) return false;
    this.#calls.delete(id);
    clearTimeout(pending.timer);
    pending.onReply(body);
    return true;
  }

  /** Forgets a call without answering it (its caller went away). */
  drop(id: string): void {
    const pending = this.#calls.get(id);
    if (!pending) return;
    this.#calls.delete(id);
    clearTimeout(pending.timer);
  }

  /** Answers every waiting call with the same body (used on close). */
  settleAll(body: ReplyBody): void {
    for (const id of [...this.#calls.keys()]) this.settle(id, body);
  }
}
