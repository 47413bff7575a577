/**
 * A request of one connection on its way to its answer: where its response is written, and
 * its place among the connection's requests in flight while it waits (for its authorization
 * or for its reply).
 */
import { spliceReply, type Id } from 'warren-client/protocol';
import type { ReplyBody } from '../protocol/call.ts';
import { CANCELLED_BODY } from '../protocol/errors.ts';
import type { DropFn } from '../transport/Transport.ts';
import type { InFlight } from './InFlight.ts';

/** Writes a request's response; undefined for a notification, which gets none. */
export type Done = (response: string | undefined) => void;

/** Answers a request at once with `body`; a notification (id undefined) gets nothing. */
export function answerNow(done: Done, id: Id | undefined, body: ReplyBody): void {
  done(id === undefined ? undefined : spliceReply(id, body));
}

/**
 * One request from the moment it may have to wait until its answer. A class, not closures: one
 * small object per call on the gateway's hottest path, and one only, whether its answer comes
 * from a worker, the transport, the authorize hook or the shutdown.
 */
export class Answer {
  readonly #inFlight: InFlight;
  readonly #id: Id | undefined;
  readonly #done: Done;
  #answered = false;
  #cancel: DropFn | undefined = undefined;

  /**
   * @param inFlight the connection's requests in flight, which it joins while it waits
   * @param id the request's id; undefined for a notification
   */
  constructor(inFlight: InFlight, id: Id | undefined, done: Done) {
    this.#inFlight = inFlight;
    this.#id = id;
    this.#done = done;
  }

  get notification(): boolean {
    return this.#id === undefined;
  }

  /**
   * Counts it in flight until it is answered; `cancel` (from Transport.request) is how the
   * transport forgets it if it is dropped. Nothing when it is answered already: a transport may
   * answer inside request().
   */
  wait(cancel?: DropFn): void {
    if (this.#answered) return;
    this.#cancel = cancel;
    this.#inFlight.add(this, this.#id);
  }

  /** Stops waiting, as its authorization is decided; false when it was answered or dropped meanwhile. */
  resume(): boolean {
    this.#inFlight.delete(this, this.#id);
    return !this.#answered;
  }

  /** Answers it with a reply body (a worker's, or an error), once; a notification gets nothing. */
  reply(body: ReplyBody): void {
    if (this.#answered) return;
    this.#answered = true;
    this.#inFlight.delete(this, this.#id);
    this.#done(this.#id === undefined ? undefined : spliceReply(this.#id, body));
  }

  /** Ends a notification once it is published: there is nothing to send. */
  end(): void {
    if (this.#answered) return;
    this.#answered = true;
    this.#inFlight.delete(this, this.#id);
    this.#done(undefined);
  }

  /** Answers it now with `body` and drops whatever it waited for (the gateway is shutting down). */
  settle(body: ReplyBody): void {
    this.#cancel?.();
    this.reply(body);
  }

  /**
   * The caller cancelled it (rpc.cancel): answers it CANCELLED now, and drops what it waited
   * for, telling the transport to cancel the call on its workers. False when it was answered
   * already (its answer stands, and nothing else is sent).
   */
  cancel(): boolean {
    if (this.#answered) return false;
    this.#cancel?.('cancelled');
    this.reply(CANCELLED_BODY);
    return true;
  }

  /** Forgets it without an answer: the socket is gone. */
  drop(): void {
    this.#answered = true;
    this.#cancel?.();
    this.#inFlight.delete(this, this.#id);
  }
}
