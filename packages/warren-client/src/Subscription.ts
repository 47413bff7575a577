/**
 * One (event, topic) subscription of a client: the app's handlers for it and whether the
 * server has confirmed it, which is what makes the client re-send it on a new connection.
 */

export type EventHandler<P = unknown> = (payload: P, topic: string) => void;

const ALL_TOPICS = '\u0000all';

/** The client's key of a subscription; no topic means every topic. */
export function subscriptionKey(event: string, topic: string | undefined): string {
  return `${event}\u0000${topic ?? ALL_TOPICS}`;
}

export class Subscription {
  readonly event: string;
  readonly topic: string | undefined;
  readonly handlers = new Set<EventHandler>();
  /** Settles with the server's answer to the first rpc.subscribe. */
  confirmed: Promise<void> = Promise.resolve();
  #confirmed = false;

  constructor(event: string, topic: string | undefined) {
    this.event = event;
    this.topic = topic;
  }

  /** The server accepted it once; every later connection gets it again. */
  get isConfirmed(): boolean {
    return this.#confirmed;
  }

  /** Ties the subscription to the server's answer to its first rpc.subscribe. */
  confirm(answer: Promise<unknown>): void {
    this.confirmed = answer.then(() => {
      this.#confirmed = true;
    });
    // subscribe() awaits it; this only keeps a rejection nobody else awaits from being unhandled.
    this.confirmed.catch(() => {});
  }

  /** `params` of rpc.subscribe and rpc.unsubscribe. */
  params(): { event: string; topic?: string } {
    return this.topic === undefined ? { event: this.event } : { event: this.event, topic: this.topic };
  }

  deliver(payload: unknown, topic: string): void {
    for (const handler of [...this.handlers]) {
      try {
        handler(payload, topic);
      } catch {
        // A throwing handler must not stop delivery to the others.
      }
    }
  }
}

/** Hands an event push (`params`: `{ topic, payload }`) to the subscriptions of its topic and of every topic. */
export function deliverEvent(subscriptions: ReadonlyMap<string, Subscription>, event: string, params: unknown): void {
  const { topic, payload } = (params ?? {}) as { topic?: unknown; payload?: unknown };
  if (typeof topic !== 'string') return;
  subscriptions.get(subscriptionKey(event, topic))?.deliver(payload, topic);
  subscriptions.get(subscriptionKey(event, undefined))?.deliver(payload, topic);
}
