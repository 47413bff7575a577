/**
 * A request of one connection on its way to an answer: the callback that writes the answer,
 * and the record of a request that waits (for its authorization or for its reply).
 */
import { encodeError, spliceReply, type Id, type ErrorObject } from 'warren-client/protocol';
import type { Call } from '../protocol/call.ts';

/** Writes a request's response; undefined for a notification, which gets none. */
export type Done = (response: string | undefined) => void;

/** A request that waits: for its authorization or for its reply. */
export interface Waiting {
  /** Answers it now with `error` and forgets whatever it waited for. */
  settle(error: ErrorObject): void;
  /** Forgets it without an answer: the socket is gone. */
  drop(): void;
}

/** Answers a request with an error, or says nothing to a notification. */
export function answerError(done: Done, notification: boolean, id: Id, error: ErrorObject): void {
  done(notification ? undefined : encodeError(id, error));
}

/**
 * One request between its publication (or its authorization) and its answer. A class, not
 * closures: one small object per call on the gateway's hottest path.
 */
export class Answer implements Waiting {
  answered = false;
  cancel: (() => void) | undefined = undefined;

  constructor(
    readonly waiting: Set<Waiting>,
    readonly call: Call,
    readonly notification: boolean,
    readonly id: Id,
    readonly done: Done,
  ) {}

  /** The worker's reply body, or the transport's error body. */
  reply(body: string): void {
    if (this.answered) return;
    this.answered = true;
    this.waiting.delete(this);
    this.done(spliceReply(this.id, body));
  }

  fail(error: ErrorObject): void {
    answerError(this.done, this.notification, this.id, error);
  }

  settle(error: ErrorObject): void {
    this.drop();
    this.fail(error);
  }

  drop(): void {
    this.answered = true;
    this.cancel?.();
    this.waiting.delete(this);
  }
}
