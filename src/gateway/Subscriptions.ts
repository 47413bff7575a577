/**
 * Which sockets of this gateway subscribed to which event and topic. The transport is bound
 * once per distinct (event, topic) and unbound when the last subscriber leaves; each event
 * is encoded once and written to every matching socket.
 */
import type { EventMessage, Transport } from '../transport/Transport.ts';
import { SeenEvents } from './SeenEvents.ts';

export interface Subscriber {
  /** A JSON-RPC frame: text, or its UTF-8 bytes (sent as a text frame). */
  send(frame: string | Buffer): void;
}

const ALL = '*';

function keyOf(event: string, topic: string | undefined): string {
  return `${event}\u0000${topic ?? ALL}`;
}

export class Subscriptions {
  readonly #transport: Transport;
  readonly #byKey = new Map<string, Set<Subscriber>>();
  /** Per key, the transport binding: in progress or done. Later subscribers wait for it too. */
  readonly #bound = new Map<string, Promise<void>>();
  /** Ids of the events delivered lately: a copy from a redelivered call is dropped. */
  readonly #seen = new SeenEvents();
  /** Told how many sockets each event was written to (metrics). */
  readonly #pushed: ((event: string, count: number) => void) | undefined;

  constructor(transport: Transport, pushed?: (event: string, count: number) => void) {
    this.#transport = transport;
    this.#pushed = pushed;
    transport.onEvent((message) => this.#deliver(message));
  }

  /** Number of distinct (event, topic) bindings. */
  get bindingCount(): number {
    return this.#byKey.size;
  }

  async add(subscriber: Subscriber, event: string, topic?: string): Promise<void> {
    const key = keyOf(event, topic);
    let subscribers = this.#byKey.get(key);
    if (!subscribers) {
      subscribers = new Set();
      this.#byKey.set(key, subscribers);
    }
    subscribers.add(subscriber);
    let bound = this.#bound.get(key);
    if (!bound) {
      bound = this.#transport.bindEvent(event, topic);
      this.#bound.set(key, bound);
    }
    try {
      await bound;
    } catch (err) {
      subscribers.delete(subscriber);
      if (this.#bound.get(key) === bound) this.#bound.delete(key);
      if (subscribers.size === 0 && this.#byKey.get(key) === subscribers) this.#byKey.delete(key);
      throw err;
    }
  }

  async remove(subscriber: Subscriber, event: string, topic?: string): Promise<void> {
    const key = keyOf(event, topic);
    const subscribers = this.#byKey.get(key);
    if (!subscribers?.delete(subscriber) || subscribers.size > 0) return;
    this.#byKey.delete(key);
    this.#bound.delete(key);
    await this.#transport.unbindEvent(event, topic);
  }

  #deliver(message: EventMessage): void {
    if (this.#seen.check(message.id)) return;
    const exact = this.#byKey.get(keyOf(message.event, message.topic));
    const all = this.#byKey.get(keyOf(message.event, undefined));
    if (!exact && !all) return;
    const frame =
      `{"jsonrpc":"2.0","method":${JSON.stringify(message.event)},` +
      `"params":{"topic":${JSON.stringify(message.topic)},"payload":${message.payload}}}`;
    // A socket subscribed both to the topic and to every topic still gets one notification.
    const targets = exact && all ? new Set([...exact, ...all]) : (exact ?? all)!;
    // Encoded once for every subscriber, rather than once per socket by ws.
    const bytes = targets.size > 1 ? Buffer.from(frame) : frame;
    for (const subscriber of targets) subscriber.send(bytes);
    this.#pushed?.(message.event, targets.size);
  }
}
