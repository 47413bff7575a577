/**
 * One connection's requests in flight, waiting for their authorization or their reply, and the
 * same requests by their JSON-RPC id, which is how `rpc.cancel` names one. Two plain
 * collections, each touched once as a request starts waiting and once as it is answered: the
 * gateway's hottest path pays a Set and a Map operation for cancellation, nothing more.
 *
 * JSON-RPC asks clients for ids unique among their requests in flight, but a gateway cannot
 * count on it: a duplicated id holds all of its requests, oldest first, and a cancel of that id
 * cancels them all (their answers could not be told apart either).
 */
import type { Id } from 'warren-client/protocol';
import type { Answer } from './Answer.ts';

export class InFlight {
  readonly #all = new Set<Answer>();
  /** Requests (never notifications) by id; an array when the id is duplicated. */
  readonly #byId = new Map<Id, Answer | Answer[]>();

  get size(): number {
    return this.#all.size;
  }

  has(answer: Answer): boolean {
    return this.#all.has(answer);
  }

  add(answer: Answer, id: Id | undefined): void {
    if (this.#all.has(answer)) return;
    this.#all.add(answer);
    if (id === undefined) return;
    const held = this.#byId.get(id);
    if (held === undefined) this.#byId.set(id, answer);
    else if (Array.isArray(held)) held.push(answer);
    else this.#byId.set(id, [held, answer]);
  }

  delete(answer: Answer, id: Id | undefined): void {
    if (!this.#all.delete(answer) || id === undefined) return;
    const held = this.#byId.get(id);
    if (held === answer) this.#byId.delete(id);
    else if (Array.isArray(held)) {
      const rest = held.filter((other) => other !== answer);
      if (rest.length === 1) this.#byId.set(id, rest[0]!);
      else this.#byId.set(id, rest);
    }
  }

  /** The requests in flight with this id, oldest first (a copy). */
  withId(id: Id): Answer[] {
    const held = this.#byId.get(id);
    if (held === undefined) return [];
    return Array.isArray(held) ? [...held] : [held];
  }

  /** Every request in flight (a copy). */
  values(): Answer[] {
    return [...this.#all];
  }
}
