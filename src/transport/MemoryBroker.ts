/**
 * An in-process broker with the semantics Warren relies on from RabbitMQ: one queue per
 * method that outlives its consumers, per-consumer prefetch, round-robin dispatch,
 * messages dropped once their deadline passes, redelivery of unacked messages when a
 * consumer goes away, and topic-routed events.
 */
import type { Call, ReplyBody } from '../protocol/call.ts';
import type { Delivery, EventMessage, ServeFn } from './Transport.ts';

interface Message {
  call: Call;
  /** Where the reply goes; undefined for a notification. */
  reply?: (body: ReplyBody) => void;
  redelivered: boolean;
}

interface QueueConsumer {
  fn: ServeFn;
  prefetch: number;
  inFlight: Set<Message>;
  active: boolean;
  idle?: () => void;
}

class MemoryQueue {
  #messages: Message[] = [];
  #head = 0;
  readonly consumers: QueueConsumer[] = [];
  #turn = 0;

  enqueue(message: Message): void {
    this.#messages.push(message);
    this.dispatch();
  }

  requeue(message: Message): void {
    message.redelivered = true;
    this.#messages.splice(this.#head, 0, message);
  }

  get depth(): number {
    return this.#messages.length - this.#head;
  }

  #pick(): QueueConsumer | undefined {
    const n = this.consumers.length;
    for (let i = 0; i < n; i++) {
      const consumer = this.consumers[(this.#turn + i) % n]!;
      if (consumer.active && consumer.inFlight.size < consumer.prefetch) {
        this.#turn = (this.#turn + i + 1) % n;
        return consumer;
      }
    }
    return undefined;
  }

  dispatch(): void {
    while (this.#head < this.#messages.length) {
      const consumer = this.#pick();
      if (!consumer) break;
      const message = this.#messages[this.#head]!;
      this.#messages[this.#head++] = undefined as never;
      if (message.call.deadline <= Date.now()) continue; // expired, like a per-message TTL
      this.#deliver(consumer, message);
    }
    if (this.#head > 1024 && this.#head * 2 > this.#messages.length) {
      this.#messages = this.#messages.slice(this.#head);
      this.#head = 0;
    }
  }

  #deliver(consumer: QueueConsumer, message: Message): void {
    consumer.inFlight.add(message);
    const delivery: Delivery = { call: message.call, redelivered: message.redelivered, expectsReply: !!message.reply };
    const settle = (body: ReplyBody | undefined) => {
      consumer.inFlight.delete(message);
      if (body !== undefined && message.reply) message.reply(body);
      if (consumer.inFlight.size === 0) consumer.idle?.();
      this.dispatch();
    };
    // A serve function must not throw; if it does, the message goes back like an unacked one.
    queueMicrotask(() => {
      consumer.fn(delivery).then(settle, () => {
        consumer.inFlight.delete(message);
        this.requeue(message);
        this.dispatch();
      });
    });
  }
}

function matches(binding: string, routingKey: string, event: string): boolean {
  return binding === routingKey || binding === `${event}.*`;
}

export class MemoryBroker {
  readonly #queues = new Map<string, MemoryQueue>();
  readonly #subscribers = new Set<{ bindings: Set<string>; deliver: (message: EventMessage) => void }>();

  /** Publishes a call. Returns false when no queue exists for the method (unroutable). */
  publish(message: Message): boolean {
    const queue = this.#queues.get(message.call.method);
    if (!queue) return false;
    queue.enqueue(message);
    return true;
  }

  /** Number of messages waiting in a method's queue. */
  depth(method: string): number {
    return this.#queues.get(method)?.depth ?? 0;
  }

  consume(method: string, fn: ServeFn, prefetch: number): { cancel(): Promise<void> } {
    let queue = this.#queues.get(method);
    if (!queue) {
      queue = new MemoryQueue();
      this.#queues.set(method, queue);
    }
    const consumer: QueueConsumer = { fn, prefetch, inFlight: new Set(), active: true };
    queue.consumers.push(consumer);
    queue.dispatch();
    const owner = queue;
    return {
      cancel: () => {
        consumer.active = false;
        const index = owner.consumers.indexOf(consumer);
        if (index >= 0) owner.consumers.splice(index, 1);
        if (consumer.inFlight.size === 0) return Promise.resolve();
        return new Promise<void>((resolve) => {
          consumer.idle = resolve;
        });
      },
    };
  }

  subscribe(bindings: Set<string>, deliver: (message: EventMessage) => void): () => void {
    const subscriber = { bindings, deliver };
    this.#subscribers.add(subscriber);
    return () => this.#subscribers.delete(subscriber);
  }

  publishEvent(message: EventMessage): void {
    const routingKey = `${message.event}.${message.topic}`;
    for (const subscriber of this.#subscribers) {
      for (const binding of subscriber.bindings) {
        if (matches(binding, routingKey, message.event)) {
          queueMicrotask(() => subscriber.deliver(message));
          break;
        }
      }
    }
  }
}
