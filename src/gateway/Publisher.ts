/**
 * Publishing one connection's calls on the transport, and the requests of the connection that
 * are in flight: waiting for their authorization or for their reply.
 */
import type { Id } from 'warren-client/protocol';
import type { Call, CallLocal, ReplyBody } from '../protocol/call.ts';
import type { Transport } from '../transport/Transport.ts';
import { Answer, type Done } from './Answer.ts';
import { InFlight } from './InFlight.ts';

export class Publisher {
  readonly #transport: Transport;
  readonly #inFlight = new InFlight();

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /** Requests waiting for their authorization or their reply. */
  get size(): number {
    return this.#inFlight.size;
  }

  /** The Answer of one request of this connection; `id` undefined for a notification. */
  answer(id: Id | undefined, done: Done): Answer {
    return new Answer(this.#inFlight, id, done);
  }

  /** Publishes a request; its Answer waits, in flight, for the reply. */
  request(call: Call, local: CallLocal, answer: Answer): void {
    // The transport may answer at once (broker away, table full): then the answer waits for nothing.
    answer.wait(this.#transport.request(call, (body) => answer.reply(body), local));
  }

  /** Publishes a notification: no reply comes, and none is sent. */
  notify(call: Call, local: CallLocal): void {
    this.#transport.notify(call, local);
  }

  /** Publishes the call of an Answer made before it was allowed: a request, or a notification that then ends. */
  publish(call: Call, local: CallLocal, answer: Answer): void {
    if (!answer.notification) return this.request(call, local, answer);
    this.notify(call, local);
    answer.end();
  }

  /**
   * Cancels the requests in flight with this id (rpc.cancel): each is answered CANCELLED now,
   * and its call cancelled on the transport. False when none was in flight.
   */
  cancel(id: Id): boolean {
    let cancelled = false;
    for (const answer of this.#inFlight.withId(id)) if (answer.cancel()) cancelled = true;
    return cancelled;
  }

  /** Answers every request in flight with `body` now. */
  settleAll(body: ReplyBody): void {
    for (const answer of this.#inFlight.values()) answer.settle(body);
  }

  /** Forgets every request in flight without an answer: the socket is gone. */
  dropAll(): void {
    for (const answer of this.#inFlight.values()) answer.drop();
  }
}
