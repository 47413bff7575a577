/** The embedded transport: every gateway and worker of one process share a MemoryBroker. */
import { eventBindingKey } from '../protocol/routing.ts';
import type { Call, CallLocal } from '../protocol/call.ts';
import { MemoryBroker } from './MemoryBroker.ts';
import { REFUSED_BODY, unavailableBody } from '../protocol/errors.ts';
import { PendingCalls } from './PendingCalls.ts';
import { resolveServeOptions } from './serveOptions.ts';
import type { Consumer, EventHistory, EventMessage, ReplyFn, ServeFn, ServeOptions, Transport } from './Transport.ts';
import type { Retention } from '../protocol/retention.ts';

export interface MemoryTransportOptions {
  /** The broker to attach to. @default one broker shared by the whole process */
  broker?: MemoryBroker;
  /** Most calls waiting for a reply at once. @default 100000 */
  maxPending?: number;
}

let processBroker: MemoryBroker | undefined;
let instances = 0;

export class MemoryTransport implements Transport {
  readonly kind = 'memory' as const;
  readonly #broker: MemoryBroker;
  readonly #pending: PendingCalls;
  readonly #bindings = new Set<string>();
  readonly #consumers = new Set<Consumer>();
  #listener: (message: EventMessage) => void = () => {};
  #unsubscribe: (() => void) | undefined;
  #open = false;

  constructor(options: MemoryTransportOptions = {}) {
    this.#broker = options.broker ?? (processBroker ??= new MemoryBroker());
    this.#pending = new PendingCalls(`m${instances++}.`, options.maxPending ?? 100_000);
  }

  start(): void {
    if (this.#open) return;
    this.#open = true;
    this.#unsubscribe = this.#broker.subscribe(this.#bindings, (message) => this.#listener(message));
  }

  whenReady(): Promise<void> {
    return this.#open ? Promise.resolve() : Promise.reject(new Error('MemoryTransport: start() was not called'));
  }

  isReady(): boolean {
    return this.#open;
  }

  /** Calls in flight waiting for a reply. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  async close(): Promise<void> {
    this.#open = false;
    this.#unsubscribe?.();
    await Promise.all([...this.#consumers].map((consumer) => consumer.cancel()));
    this.#pending.settleAll(unavailableBody('Transport closed'));
  }

  request(call: Call, onReply: ReplyFn, local?: CallLocal): () => void {
    if (!this.#open) {
      onReply(unavailableBody('Transport closed'));
      return () => {};
    }
    const id = this.#pending.add(call.deadline, onReply);
    if (id === undefined) return () => {};
    const outcome = this.#broker.publish(call, local, (body) => this.#pending.settle(id, body), id);
    if (outcome === 'unroutable') this.#pending.settle(id, unavailableBody(`No worker serves ${call.method}`));
    else if (outcome === 'refused') this.#pending.settle(id, REFUSED_BODY);
    return () => this.#pending.drop(id);
  }

  notify(call: Call, local?: CallLocal): void {
    if (this.#open) this.#broker.publish(call, local);
  }

  async serve(method: string, fn: ServeFn, options: ServeOptions = {}): Promise<Consumer> {
    const { prefetch, maxDeliveries, maxQueueLength } = resolveServeOptions(options);
    const { onDeadLetter } = options;
    // Like a RabbitMQ queue, the first consumer's maxQueueLength stays; a different one is ignored.
    const inner = this.#broker.consume(method, fn, {
      prefetch,
      maxDeliveries,
      maxQueueLength,
      ordered: options.ordered === true,
      ...(onDeadLetter ? { onDeadLetter } : {}),
    });
    const consumer: Consumer = {
      cancel: () => {
        this.#consumers.delete(consumer);
        return inner.cancel();
      },
    };
    this.#consumers.add(consumer);
    return consumer;
  }

  async publishEvent(message: EventMessage, retention?: Retention): Promise<void> {
    if (retention) this.#broker.log(message.event, retention).append(message);
    else this.#broker.publishEvent(message);
  }

  history(event: string, retention: Retention): EventHistory {
    return this.#broker.log(event, retention);
  }

  onEvent(listener: (message: EventMessage) => void): void {
    this.#listener = listener;
  }

  async bindEvent(event: string, topic?: string): Promise<void> {
    this.#bindings.add(eventBindingKey(event, topic));
  }

  async unbindEvent(event: string, topic?: string): Promise<void> {
    this.#bindings.delete(eventBindingKey(event, topic));
  }
}
