/**
 * One (event, topic) subscription of a client: the app's handlers for it and whether the
 * server has confirmed it, which is what makes the client re-send it on a new connection.
 */

export type EventHandler<P = unknown> = (payload: P, topic: string) => void;

/** Where a replayable event sits in its history: pushed with each one, sent back as `since`. */
export interface EventPosition {
  offset: number;
  epoch: string;
}

export interface SubscribeOptions {
  /**
   * A replayable event's subscription could not resume after a reconnect: the events missed
   * meanwhile are past the history the server keeps. The app should reload its state; events
   * from now on arrive as usual.
   */
  onHistoryLost?: () => void;
}

function isPosition(value: unknown): value is EventPosition {
  const { offset, epoch } = (value ?? {}) as Partial<EventPosition>;
  return typeof value === 'object' && typeof offset === 'number' && typeof epoch === 'string';
}

const ALL_TOPICS = '\u0000all';

/** The client's key of a subscription; no topic means every topic. */
export function subscriptionKey(event: string, topic: string | undefined): string {
  return `${event}\u0000${topic ?? ALL_TOPICS}`;
}

export class Subscription {
  readonly event: string;
  readonly topic: string | undefined;
  readonly handlers = new Set<EventHandler>();
  readonly lostHandlers = new Set<() => void>();
  /**
   * A replayable event's last position this subscription has: the server's start, then each
   * pushed event's. Sent as `since` when it subscribes again, so it resumes there.
   */
  position: EventPosition | undefined;
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
    this.confirmed = answer.then((result) => {
      this.started(result);
      this.#confirmed = true;
    });
    // subscribe() awaits it; this only keeps a rejection nobody else awaits from being unhandled.
    this.confirmed.catch(() => {});
  }

  /** rpc.subscribe's result: a replayable event's says where the subscription starts. */
  started(result: unknown): void {
    const position = (result as { position?: unknown } | null)?.position;
    if (isPosition(position)) this.position = position;
  }

  /** `params` of rpc.unsubscribe. */
  target(): { event: string; topic?: string } {
    return this.topic === undefined ? { event: this.event } : { event: this.event, topic: this.topic };
  }

  /** `params` of rpc.subscribe: `since` once a replayable event's position is known. */
  params(): { event: string; topic?: string; since?: EventPosition } {
    return { ...this.target(), ...(this.position ? { since: this.position } : {}) };
  }

  historyLost(): void {
    for (const handler of [...this.lostHandlers]) {
      try {
        handler();
      } catch {
        // Like an event handler's: must not stop the others.
      }
    }
  }

  deliver(payload: unknown, topic: string, position?: unknown): void {
    if (isPosition(position)) {
      // Delivered already (a socket subscribed to a topic and to every topic gets two copies).
      if (this.position && position.offset <= this.position.offset) return;
      this.position = position;
    }
    for (const handler of [...this.handlers]) {
      try {
        handler(payload, topic);
      } catch {
        // A throwing handler must not stop delivery to the others.
      }
    }
  }
}

/**
 * Hands an event push (`params`: `{ topic, payload, position? }`) to the subscriptions of its
 * topic and of every topic; `rpc.historyLost` (`params`: `{ event, topic? }`) to the one it names.
 */
export function deliverEvent(subscriptions: ReadonlyMap<string, Subscription>, event: string, params: unknown): void {
  if (event === 'rpc.historyLost') {
    const lost = (params ?? {}) as { event?: unknown; topic?: unknown };
    if (typeof lost.event === 'string') subscriptions.get(subscriptionKey(lost.event, typeof lost.topic === 'string' ? lost.topic : undefined))?.historyLost();
    return;
  }
  const { topic, payload, position } = (params ?? {}) as { topic?: unknown; payload?: unknown; position?: unknown };
  if (typeof topic !== 'string') return;
  subscriptions.get(subscriptionKey(event, topic))?.deliver(payload, topic, position);
  subscriptions.get(subscriptionKey(event, undefined))?.deliver(payload, topic, position);
}
