/**
 * The server side of the RabbitMQ transport (a worker's): consumes the method queues, replies,
 * retries and dead-letters calls, and publishes events. Opened on the first use, so a process
 * that only calls never opens it.
 *
 * Its channels, set up together on every connection (AmqpChannelGroup.ts):
 * - `deliveries`, without confirms: the deliveries of methods whose queue cannot refuse a call
 *   (no maxQueueLength), their replies, acks and retried copies. A confirm on a reply would
 *   protect nothing (see AmqpMethodConsumer's answer());
 * - `confirmed`, with publisher confirms: dead letters, which must be in the broker before the
 *   call is acked; events, whose publisher learns that the broker took them; and the methods
 *   with a bounded queue, whose retried copies the queue may refuse.
 *
 * The exchanges and the dead-letter queue are declared once per connection, on `confirmed`,
 * before any method consumer starts: a consumer takes deliveries only once every channel its
 * decisions need is open, and loses them (the broker hands them out again) as soon as one of
 * those channels closes. A dead-letter queue whose node is down does not stop the consumers.
 *
 * Cancels (protocol/control.ts) come on a control queue of this process's own, declared on every
 * connection: exclusive and auto-delete, so it dies with the connection, and every method
 * consumer binds it, as it starts, to `warren.control` with its method. A cancel sent while the
 * connection is away is lost: cancelling is best effort, and the caller has its answer already.
 */
import { ErrorCode, WarrenError } from 'warren-client/protocol';
import { DEAD_LETTER_EXCHANGE, DEAD_LETTER_QUEUE, EVENTS_EXCHANGE, RPC_EXCHANGE, eventRoutingKey, traceHeaders, type QueueType } from '../protocol/routing.ts';
import type { Logger } from '../log.ts';
import type { ChannelGroup, GroupContext } from './AmqpChannelGroup.ts';
import { declareQueue, type AmqpConnection } from './AmqpConnection.ts';
import { AmqpMethodConsumer, type ServerChannels } from './AmqpMethodConsumer.ts';
import { AmqpShardConsumer } from './AmqpShardConsumer.ts';
import { resolveServeOptions } from './serveOptions.ts';
import { storedEventProperties, type StreamDeclarations } from './AmqpEventHistory.ts';
import { eventStream } from '../protocol/routing.ts';
import type { Retention } from '../protocol/retention.ts';
import type { Consumer, EventMessage, ServeFn, ServeOptions } from './Transport.ts';
import { CONTROL_EXCHANGE, readCancel } from '../protocol/control.ts';
import { CancelledCalls } from './CancelledCalls.ts';

const JSON_TYPE = 'application/json';

export interface ServerOptions {
  log: Logger;
  /** The queue type of methods whose serve() options name none. */
  queueType: QueueType;
  /** The transport's record of the streams declared on each connection (shared with its history readers). */
  streams: StreamDeclarations;
}

export class AmqpServer {
  readonly #log: Logger;
  readonly #queueType: QueueType;
  readonly #group: ChannelGroup<ServerChannels>;
  readonly #consumers = new Set<Consumer>();
  /** The first method queue found to exist as another type; see mismatch(). */
  #mismatch: Error | undefined;
  readonly #mismatchListeners = new Set<(error: Error) => void>();
  readonly #streams: StreamDeclarations;
  readonly #cancelled = new CancelledCalls();

  constructor(connection: AmqpConnection, options: ServerOptions) {
    this.#log = options.log;
    this.#queueType = options.queueType;
    this.#streams = options.streams;
    this.#group = connection.group('server', (context) => this.#setup(context));
  }

  /**
   * The first method queue found to exist as another type than served (queueTypeMismatch.ts):
   * that method is not consumed, and the transport will not get ready. `listener` hears it
   * when it is found; the returned function stops listening.
   */
  mismatch(listener?: (error: Error) => void): { error: Error | undefined; unlisten: () => void } {
    if (listener && !this.#mismatch) this.#mismatchListeners.add(listener);
    return { error: this.#mismatch, unlisten: () => listener && this.#mismatchListeners.delete(listener) };
  }

  #onMismatch(error: Error): void {
    if (this.#mismatch) return;
    this.#mismatch = error;
    for (const listener of [...this.#mismatchListeners]) listener(error);
    this.#mismatchListeners.clear();
  }

  async #setup({ model, channel, confirmChannel }: GroupContext): Promise<ServerChannels> {
    const [confirmed, deliveries] = await Promise.all([confirmChannel('confirmed'), channel('deliveries')]);
    const topology = confirmed.channel;
    await topology.assertExchange(RPC_EXCHANGE, 'direct', { durable: true });
    await topology.assertExchange(EVENTS_EXCHANGE, 'topic', { durable: true });
    await topology.assertExchange(DEAD_LETTER_EXCHANGE, 'fanout', { durable: true });
    if (await this.#declareDeadLetterQueue(model)) await topology.bindQueue(DEAD_LETTER_QUEUE, DEAD_LETTER_EXCHANGE, '');
    await topology.assertExchange(CONTROL_EXCHANGE, 'topic', { durable: true });
    const { queue: control } = await topology.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
    await topology.consume(
      control,
      (message) => {
        const cancel = message && readCancel(message.properties);
        if (cancel) this.#cancelled.cancel(cancel.callId, cancel.deadline);
      },
      { noAck: true },
    );
    return { model, deliveries, confirmed, control };
  }

  /**
   * Declares warren.dlq; resolves false when its node is down. On a cluster the dead-letter queue
   * is a classic queue on one node, and RabbitMQ refuses to declare a durable queue whose node is
   * down (NOT_FOUND). Serving does not wait for that node: the queue and its binding are durable,
   * so they are there again when the node is back, and only the dead letters published meanwhile
   * are lost.
   */
  async #declareDeadLetterQueue(model: GroupContext['model']): Promise<boolean> {
    let refused: string | undefined;
    try {
      refused = await declareQueue(model, DEAD_LETTER_QUEUE, { durable: true, arguments: {} });
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
      this.#log.warn({ queue: DEAD_LETTER_QUEUE, err: (err as Error).message }, `queue ${DEAD_LETTER_QUEUE} is on a node that is down; serving without it until the node is back`);
      return false;
    }
    if (refused) {
      this.#log.error(
        { queue: DEAD_LETTER_QUEUE, err: refused },
        `queue ${DEAD_LETTER_QUEUE} exists with other arguments than Warren declares; delete it so dead letters are kept`,
      );
    }
    return true;
  }

  async serve(method: string, fn: ServeFn, options: ServeOptions = {}): Promise<Consumer> {
    const { prefetch, maxDeliveries, maxQueueLength, queueType = this.#queueType } = resolveServeOptions(options);
    const { onDeadLetter, onCancel, onSkipCancelled } = options;
    let mismatch: Error | undefined;
    const common = {
      method,
      fn,
      maxDeliveries,
      maxQueueLength,
      ...(onDeadLetter ? { onDeadLetter } : {}),
      cancelled: this.#cancelled,
      ...(onCancel ? { onCancel } : {}),
      ...(onSkipCancelled ? { onSkipCancelled } : {}),
      onMismatch: (error: Error) => {
        mismatch = error;
        this.#onMismatch(error);
      },
      log: this.#log,
    };
    // An ordered method is served from its shards, whatever the queue type (orderShards.ts).
    const methodConsumer = options.ordered
      ? new AmqpShardConsumer(common)
      : new AmqpMethodConsumer({ ...common, prefetch, queueType });
    // Resolves once it consumes, or at once while disconnected: it starts on every new set of channels.
    await this.#group.follow(methodConsumer.start);
    if (mismatch) {
      this.#group.unfollow(methodConsumer.start);
      throw mismatch;
    }
    const consumer: Consumer = {
      cancel: async () => {
        this.#consumers.delete(consumer);
        this.#group.unfollow(methodConsumer.start);
        await methodConsumer.cancel();
      },
    };
    this.#consumers.add(consumer);
    return consumer;
  }

  async publishEvent(message: EventMessage, retention?: Retention): Promise<void> {
    if (retention) return this.#store(message, retention);
    if (!this.#group.current) await this.#group.opening;
    const channel = this.#group.current?.confirmed.channel;
    if (!channel) throw new WarrenError(ErrorCode.UNAVAILABLE, 'Broker unavailable');
    await new Promise<void>((resolve, reject) => {
      try {
        channel.publish(
          EVENTS_EXCHANGE,
          eventRoutingKey(message.event, message.topic),
          Buffer.from(message.payload),
          // The event's id travels as the message id: the gateway drops a copy it already delivered.
          { contentType: JSON_TYPE, messageId: message.id, headers: traceHeaders(message) },
          (err: Error | null) => (err ? reject(new WarrenError(ErrorCode.UNAVAILABLE, 'Broker refused the event')) : resolve()),
        );
      } catch {
        reject(new WarrenError(ErrorCode.UNAVAILABLE, 'Broker unavailable'));
      }
    });
  }

  /** Stores a replayable event in its stream; resolves once the broker confirmed it. */
  async #store(message: EventMessage, retention: Retention): Promise<void> {
    if (!this.#group.current) await this.#group.opening;
    const channels = this.#group.current;
    if (!channels) throw new WarrenError(ErrorCode.UNAVAILABLE, 'Broker unavailable');
    await this.#streams.ensure(channels.model, message.event, retention);
    const channel = channels.confirmed.channel;
    await new Promise<void>((resolve, reject) => {
      try {
        channel.publish('', eventStream(message.event), Buffer.from(message.payload), storedEventProperties(message), (err: Error | null) =>
          err ? reject(new WarrenError(ErrorCode.UNAVAILABLE, 'Broker refused the event')) : resolve(),
        );
      } catch {
        reject(new WarrenError(ErrorCode.UNAVAILABLE, 'Broker unavailable'));
      }
    });
  }

  /** Cancels every consumer and waits for the deliveries in flight. */
  async close(): Promise<void> {
    await Promise.all([...this.#consumers].map((consumer) => consumer.cancel()));
  }
}
