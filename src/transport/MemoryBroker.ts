/**
 * An in-process broker with the semantics Warren relies on from RabbitMQ: one queue per
 * method that outlives its consumers, per-consumer prefetch, round-robin dispatch,
 * messages dropped once their deadline passes, redelivery of calls whose serve function
 * rejected (counted, and dead-lettered after `maxDeliveries`, as AmqpTransport does), an
 * optional queue length past which new calls are refused, and topic-routed events.
 *
 * An ordered method's queue (ServeOptions.ordered) is split into the same shards as on RabbitMQ
 * (orderShards.ts): each shard runs one call at a time, on one consumer, in publish order, and a
 * call that failed goes back to its shard's head. The shards are dealt over the live consumers
 * (shard i to consumer i mod n); a shard moves to another consumer only between two calls.
 */
import { DeadLetterReason } from '../protocol/routing.ts';
import type { Call, CallLocal, ReplyBody } from '../protocol/call.ts';
import { DEAD_LETTER_BODY } from '../protocol/errors.ts';
import { decideDelivery } from './deliveryPolicy.ts';
import type { Delivery, EventMessage, ServeFn } from './Transport.ts';
import type { Retention } from '../protocol/retention.ts';
import { MemoryEventLog } from './MemoryEventLog.ts';
import { ORDER_SHARDS, orderShard } from '../protocol/orderShards.ts';

interface Message {
  call: Call;
  /** What the publisher knew beyond the wire; its validated params reach the worker. */
  local: CallLocal | undefined;
  /** Where the reply goes; undefined for a notification. */
  reply?: (body: ReplyBody) => void;
  /** Deliveries of this call that ended without an answer. */
  attempts: number;
  /** The caller's id for the call (its pending-call id); undefined for a notification. */
  id?: string;
}

/** A call given up on, kept for inspection like RabbitMQ's `warren.dlq`. */
export interface DeadLetter {
  call: Call;
  attempts: number;
  reason: string;
}

/** Dead letters kept in memory; older ones are dropped so a poison flood cannot grow the heap. */
const MAX_DEAD_LETTERS = 1000;

interface QueueConsumer {
  fn: ServeFn;
  prefetch: number;
  maxDeliveries: number;
  onDeadLetter: (() => void) | undefined;
  inFlight: Set<Message>;
  active: boolean;
  idle?: () => void;
}

export type PublishOutcome = 'queued' | 'unroutable' | 'refused';

class MemoryQueue {
  #messages: Message[] = [];
  #head = 0;
  readonly consumers: QueueConsumer[] = [];
  #turn = 0;
  readonly #deadLetter: (message: Message, attempts: number) => void;
  /** Fixed by the first consumer, as a RabbitMQ queue keeps the arguments it was declared with. */
  readonly maxLength: number | undefined;
  /** The shards of an ordered method's queue (each its calls in order); undefined for any other. */
  readonly #shards: Message[][] | undefined;
  /** Per shard, the consumer running its call; at most one. */
  readonly #running: (QueueConsumer | undefined)[] = [];
  #sharded = 0;

  constructor(maxLength: number | undefined, ordered: boolean, deadLetter: (message: Message, attempts: number) => void) {
    this.maxLength = maxLength;
    this.#deadLetter = deadLetter;
    if (ordered) this.#shards = Array.from({ length: ORDER_SHARDS }, () => []);
  }

  get ordered(): boolean {
    return this.#shards !== undefined;
  }

  enqueue(message: Message): boolean {
    if (this.maxLength !== undefined && this.depth >= this.maxLength) return false;
    if (this.#shards) {
      this.#shards[orderShard(message.local?.orderKey ?? '')]!.push(message);
      this.#sharded++;
    } else this.#messages.push(message);
    this.dispatch();
    return true;
  }

  /** A delivery ended without an answer: count it, then retry, dead-letter or drop the call. */
  requeue(message: Message, { maxDeliveries, onDeadLetter }: QueueConsumer): void {
    const action = decideDelivery({
      attempts: message.attempts,
      redelivered: true,
      brokerCounts: false,
      deadline: message.call.deadline,
      now: Date.now(),
      maxDeliveries,
    });
    if (action.kind === 'dead-letter') {
      onDeadLetter?.();
      return this.#deadLetter(message, action.attempts);
    }
    if (action.kind !== 'retry') return;
    message.attempts = action.attempts;
    if (this.#shards) {
      // Back to its shard's head: the calls behind it still wait for it.
      this.#shards[orderShard(message.local?.orderKey ?? '')]!.unshift(message);
      this.#sharded++;
    } else this.#messages.splice(this.#head, 0, message);
  }

  get depth(): number {
    return this.#shards ? this.#sharded : this.#messages.length - this.#head;
  }

  /** Each idle shard's next call, to the consumer the shard is dealt to now. */
  #dispatchShards(shards: Message[][]): void {
    const live = this.consumers.filter((consumer) => consumer.active);
    if (live.length === 0) return;
    for (let shard = 0; shard < shards.length; shard++) {
      const waiting = shards[shard]!;
      while (this.#running[shard] === undefined && waiting.length > 0) {
        const message = waiting.shift()!;
        this.#sharded--;
        if (message.call.deadline <= Date.now()) continue; // expired, like a per-message TTL
        const consumer = live[shard % live.length]!;
        this.#running[shard] = consumer;
        this.#deliver(consumer, message, shard);
      }
    }
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
    if (this.#shards) return this.#dispatchShards(this.#shards);
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

  #deliver(consumer: QueueConsumer, message: Message, shard?: number): void {
    consumer.inFlight.add(message);
    const { call, local, attempts, id } = message;
    const expectsReply = !!message.reply;
    const delivery: Delivery =
      local === undefined
        ? { call, redelivered: attempts > 0, attempts, expectsReply, callId: id }
        : { call, redelivered: attempts > 0, attempts, expectsReply, callId: id, validated: local };
    // A serve function must not throw; if it does, the message goes back like an unacked one.
    queueMicrotask(() => {
      consumer.fn(delivery).then(
        (body) => this.#settle(consumer, message, shard, body),
        () => this.#settle(consumer, message, shard, undefined, true),
      );
    });
  }

  /** A delivery ended: answered (or nothing to send), or failed and put back. */
  #settle(consumer: QueueConsumer, message: Message, shard: number | undefined, body: ReplyBody | undefined, failed = false): void {
    consumer.inFlight.delete(message);
    if (shard !== undefined) this.#running[shard] = undefined;
    if (failed) this.requeue(message, consumer);
    else if (body !== undefined && message.reply) message.reply(body);
    if (consumer.inFlight.size === 0) consumer.idle?.();
    this.dispatch();
  }
}

function matches(binding: string, routingKey: string, event: string): boolean {
  return binding === routingKey || binding === `${event}.*`;
}

export interface ConsumeOptions {
  prefetch: number;
  maxDeliveries: number;
  maxQueueLength?: number | undefined;
  /** Told of every call of this consumer's that is dead-lettered. */
  onDeadLetter?: () => void;
  /** The method is ordered (ServeOptions.ordered); fixed by its first consumer. */
  ordered?: boolean;
}

export class MemoryBroker {
  readonly #queues = new Map<string, MemoryQueue>();
  readonly #subscribers = new Set<{ bindings: Set<string>; deliver: (message: EventMessage) => void }>();
  #deadLetters: DeadLetter[] = [];
  /** The histories of replayable events, by event; the first retention given for an event stays, as a stream's arguments do. */
  readonly #logs = new Map<string, MemoryEventLog>();

  /** The history of a replayable event, made on first use. */
  log(event: string, retention: Retention): MemoryEventLog {
    let log = this.#logs.get(event);
    if (!log) this.#logs.set(event, (log = new MemoryEventLog(retention)));
    return log;
  }

  /** Publishes a call: queued, unroutable (no queue for the method) or refused (the queue is full). */
  publish(call: Call, local?: CallLocal, reply?: (body: ReplyBody) => void, id?: string): PublishOutcome {
    const queue = this.#queues.get(call.method);
    // As on RabbitMQ, where an ordered method has no queue of its own, only its shards'.
    if (!queue || (queue.ordered && local?.orderKey === undefined)) return 'unroutable';
    return queue.enqueue({ call, local, attempts: 0, ...(reply ? { reply, id } : {}) }) ? 'queued' : 'refused';
  }

  /** Calls given up on after too many failed deliveries, oldest first (the last 1000). */
  get deadLetters(): readonly DeadLetter[] {
    return [...this.#deadLetters];
  }

  #deadLetter(message: Message, attempts: number): void {
    this.#deadLetters.push({ call: message.call, attempts, reason: DeadLetterReason.MAX_DELIVERIES });
    if (this.#deadLetters.length > MAX_DEAD_LETTERS) this.#deadLetters = this.#deadLetters.slice(-MAX_DEAD_LETTERS);
    if (message.reply && message.call.deadline > Date.now()) message.reply(DEAD_LETTER_BODY);
  }

  /** Number of messages waiting in a method's queue. */
  depth(method: string): number {
    return this.#queues.get(method)?.depth ?? 0;
  }

  consume(method: string, fn: ServeFn, options: ConsumeOptions): { cancel(): Promise<void> } {
    let queue = this.#queues.get(method);
    if (!queue) {
      queue = new MemoryQueue(options.maxQueueLength, options.ordered === true, (message, attempts) => this.#deadLetter(message, attempts));
      this.#queues.set(method, queue);
    }
    const { prefetch, maxDeliveries, onDeadLetter } = options;
    const consumer: QueueConsumer = { fn, prefetch, maxDeliveries, onDeadLetter, inFlight: new Set(), active: true };
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
