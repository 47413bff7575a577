/**
 * The responses of one batch frame: collected as its requests are answered, in whatever order
 * that happens, and sent as one array once the last one is; nothing at all when every request
 * of the batch was a notification (JSON-RPC 2.0, section 6).
 */
import type { Done } from './Answer.ts';

export class Batch {
  readonly #sink: { send(frame: string): void };
  readonly #responses: string[] = [];
  #remaining: number;

  constructor(size: number, sink: { send(frame: string): void }) {
    this.#remaining = size;
    this.#sink = sink;
  }

  /** The Done of every request of the batch: each calls it once. */
  readonly done: Done = (response) => {
    if (response !== undefined) this.#responses.push(response);
    if (--this.#remaining === 0 && this.#responses.length > 0) this.#sink.send(`[${this.#responses.join(',')}]`);
  };
}
