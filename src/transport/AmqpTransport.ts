/**
 * The RabbitMQ transport. Calls go to the direct exchange `warren.rpc` with the method as
 * routing key, into a durable queue per method; replies come back to this process's own
 * exclusive reply queue by correlation id; events go through the topic exchange
 * `warren.events` to one exclusive queue per subscribing process.
 *
 * Reconnection (with backoff) is AmqpConnection's: every lane's setup (topology, consumers)
 * runs once on every new connection. The hot path publishes on the raw channels that setup
 * received (with confirms only for calls to bounded queues, whose refusal only a confirm
 * reveals), so while the broker is away calls fail fast (UNAVAILABLE) instead of piling up
 * in an unbounded buffer, and while a channel's write buffer is over its high-water mark
 * (publish() returned false, until 'drain') new calls get OVERLOADED.
 *
 * Calls in flight when the connection drops stay pending: the reply queue keeps its name and
 * is declared again on reconnect, so a reply sent after that still reaches its caller; a
 * reply sent while this process was disconnected is lost and the caller gets TIMEOUT at its
 * deadline. Either way exactly one answer, by the deadline.
 */
import { randomUUID } from 'node:crypto';
import type { Channel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { ErrorCode, WarrenError } from 'warren-client/protocol';
import { DEAD_LETTER_EXCHANGE, DEAD_LETTER_QUEUE, EVENTS_EXCHANGE, RPC_EXCHANGE, callProperties, eventBindingKey, eventRoutingKey, parseEventRoutingKey } from '../protocol/routing.ts';
import type { Call } from '../protocol/call.ts';
import type { Logger } from '../log.ts';
import { AmqpConnection, type Lane } from './AmqpConnection.ts';
import { AmqpMethodConsumer, isNack } from './AmqpMethodConsumer.ts';
import { PendingCalls, REFUSED_BODY, unavailableBody } from './PendingCalls.ts';
import { resolveAmqpOptions, type AmqpTransportOptions, type ResolvedAmqpOptions } from './amqpOptions.ts';
import { resolveServeOptions } from './serveOptions.ts';
import type { Consumer, EventMessage, ReplyFn, ServeFn, ServeOptions, Transport } from './Transport.ts';

export { DEFAULT_AMQP_URL, type AmqpTransportOptions } from './amqpOptions.ts';

const JSON_TYPE = 'application/json';

export class AmqpTransport implements Transport {
  readonly kind = 'amqp' as const;
  readonly #options: ResolvedAmqpOptions;
  readonly #log: Logger;
  readonly #id = randomUUID();
  readonly #replyQueue = `warren.reply.${this.#id}`;
  readonly #eventsQueue = `warren.events.${this.#id}`;
  readonly #pending: PendingCalls;
  readonly #bindings = new Set<string>();
  readonly #consumers = new Set<Consumer>();
  #connection: AmqpConnection | undefined;
  #calls: Lane | undefined;
  #publish: Lane<Channel> | undefined;
  #work: Lane | undefined;
  #serve: Lane<Channel> | undefined;
  #listener: (message: EventMessage) => void = () => {};
  #closing = false;

  constructor(options: AmqpTransportOptions = {}) {
    this.#options = resolveAmqpOptions(options);
    this.#log = this.#options.log;
    this.#pending = new PendingCalls(`${this.#id.slice(0, 8)}.`, this.#options.maxPending);
  }

  /** Calls in flight waiting for a reply. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  start(): void {
    if (this.#connection) return;
    const { url, heartbeatSeconds, backoff, connectionName, log } = this.#options;
    this.#connection = new AmqpConnection({ url, heartbeatSeconds, backoff, connectionName, log });
    // Open every lane now, so whenReady() covers them: created lazily, the first request()
    // or publishEvent() after whenReady() found no channel yet and failed UNAVAILABLE.
    this.#callsLane();
    this.#publishLane();
    this.#workLane();
    this.#serveLane();
  }

  get #conn(): AmqpConnection {
    if (!this.#connection) throw new Error('AmqpTransport: start() was not called');
    return this.#connection;
  }

  /**
   * The gateway side: consumes replies and subscribed events, and publishes the calls to
   * bounded queues, whose refusal only a confirm reveals.
   */
  #callsLane(): Lane {
    return (this.#calls ??= this.#conn.lane('calls', async (channel) => {
      await channel.assertExchange(RPC_EXCHANGE, 'direct', { durable: true });
      await channel.assertExchange(EVENTS_EXCHANGE, 'topic', { durable: true });
      await channel.assertQueue(this.#replyQueue, { exclusive: true, autoDelete: true });
      await channel.assertQueue(this.#eventsQueue, { exclusive: true, autoDelete: true });
      for (const key of this.#bindings) await channel.bindQueue(this.#eventsQueue, EVENTS_EXCHANGE, key);
      this.#onReturn(channel);
      await channel.consume(
        this.#replyQueue,
        (message) => {
          if (message?.properties.correlationId) {
            this.#pending.settle(message.properties.correlationId, message.content.toString('utf8'));
          }
        },
        { noAck: true },
      );
      await channel.consume(this.#eventsQueue, (message) => message && this.#onEventMessage(message), { noAck: true });
    }));
  }

  /**
   * The gateway's other publishing channel, without confirms: calls to unbounded queues and
   * notifications. A confirm would tell such a call nothing it needs (a call the broker loses
   * still ends in TIMEOUT at its deadline) and costs the broker work on every call.
   */
  #publishLane(): Lane<Channel> {
    return (this.#publish ??= this.#conn.plainLane('publish', async (channel) => {
      await channel.assertExchange(RPC_EXCHANGE, 'direct', { durable: true });
      this.#onReturn(channel);
    }));
  }

  /** A call no queue took (mandatory) comes back: its caller gets UNAVAILABLE at once. */
  #onReturn(channel: Channel): void {
    channel.on('return', (message: ConsumeMessage) => {
      const id = message.properties.correlationId;
      if (id) this.#pending.settle(id, unavailableBody(`No queue for ${message.fields.routingKey}`));
    });
  }

  /** The worker side: consumes method queues, publishes replies, retries, dead letters and events. */
  #workLane(): Lane {
    return (this.#work ??= this.#conn.lane('work', async (channel) => {
      await channel.assertExchange(RPC_EXCHANGE, 'direct', { durable: true });
      await channel.assertExchange(EVENTS_EXCHANGE, 'topic', { durable: true });
      await channel.assertExchange(DEAD_LETTER_EXCHANGE, 'fanout', { durable: true });
      const refused = await this.#conn.declareQueue(DEAD_LETTER_QUEUE, { durable: true, arguments: {} });
      if (refused) {
        this.#log.error(
          { queue: DEAD_LETTER_QUEUE, err: refused },
          `queue ${DEAD_LETTER_QUEUE} exists with other arguments than Warren declares; delete it so dead letters are kept`,
        );
      }
      await channel.bindQueue(DEAD_LETTER_QUEUE, DEAD_LETTER_EXCHANGE, '');
    }));
  }

  /**
   * The worker's channel without confirms, for the methods whose queue cannot refuse a call
   * (no maxQueueLength): their deliveries, replies, acks and retried copies. A confirm on a
   * reply would protect nothing (see AmqpMethodConsumer's answer()); dead letters still go
   * through the confirm channel of the work lane.
   */
  #serveLane(): Lane<Channel> {
    return (this.#serve ??= this.#conn.plainLane('serve', async (channel) => {
      await channel.assertExchange(RPC_EXCHANGE, 'direct', { durable: true });
    }));
  }

  #onEventMessage(message: ConsumeMessage): void {
    const parsed = parseEventRoutingKey(message.fields.routingKey);
    if (!parsed) return;
    try {
      this.#listener({ event: parsed.event, topic: parsed.topic, payload: message.content.toString('utf8') });
    } catch (err) {
      this.#log.error({ err }, 'event listener threw');
    }
  }

  async whenReady(timeoutMs = 30_000): Promise<void> {
    return this.#conn.whenReady(timeoutMs);
  }

  isReady(): boolean {
    return !this.#closing && !!this.#connection?.isReady();
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    await Promise.all([...this.#consumers].map((consumer) => consumer.cancel()));
    this.#pending.settleAll(unavailableBody('Transport closed'));
    await this.#connection?.close();
  }

  request(call: Call, onReply: ReplyFn): () => void {
    const lane = call.bounded ? this.#callsLane() : this.#publishLane();
    const channel = lane.channel;
    if (!channel || this.#closing || !this.#callsLane().channel) {
      onReply(unavailableBody('Broker unavailable'));
      return () => {};
    }
    // amqplib already holds a full write buffer for this channel: refuse rather than add to it.
    if (!lane.writable) {
      onReply(REFUSED_BODY);
      return () => {};
    }
    const id = this.#pending.add(call.deadline, onReply);
    if (id === undefined) return () => {};
    const properties = callProperties(call, { correlationId: id, replyTo: this.#replyQueue }, Date.now());
    const content = Buffer.from(call.params);
    try {
      const room = call.bounded
        ? (channel as ConfirmChannel).publish(RPC_EXCHANGE, call.method, content, properties, (err) => {
            // A nack is the broker refusing the call (a full queue with reject-publish). A channel
            // that closed before confirming leaves the call's fate unknown: it may sit in its
            // queue, so it stays pending until its reply or its deadline.
            if (err && isNack(err)) this.#pending.settle(id, REFUSED_BODY);
          })
        : channel.publish(RPC_EXCHANGE, call.method, content, properties);
      if (!room) lane.writable = false;
    } catch {
      this.#pending.settle(id, unavailableBody('Broker unavailable'));
    }
    return () => this.#pending.drop(id);
  }

  notify(call: Call): void {
    const lane = this.#publishLane();
    const channel = lane.channel;
    if (!channel || this.#closing || !lane.writable) return;
    try {
      const room = channel.publish(RPC_EXCHANGE, call.method, Buffer.from(call.params), callProperties(call, undefined, Date.now()));
      if (!room) lane.writable = false;
    } catch (err) {
      this.#log.warn({ err: (err as Error).message, method: call.method }, 'notification not published');
    }
  }

  async serve(method: string, fn: ServeFn, options: ServeOptions = {}): Promise<Consumer> {
    const { prefetch, maxDeliveries, maxQueueLength } = resolveServeOptions(options);
    // A bounded queue may refuse a retried copy: only a confirm channel hears the nack.
    const lane: Lane<Channel> = maxQueueLength === undefined ? this.#serveLane() : this.#workLane();
    const methodConsumer = new AmqpMethodConsumer({
      method,
      fn,
      prefetch,
      maxDeliveries,
      maxQueueLength,
      log: this.#log,
      declareQueue: (queue, declaration) => this.#conn.declareQueue(queue, declaration),
      deadLetterChannel: () => this.#work?.channel,
    });
    // A setup cut short by a lost connection runs again on the next one; it must not fail serve().
    await lane.wrapper.addSetup(methodConsumer.setup).catch((err: Error) => {
      this.#log.warn({ err: err.message, method }, 'consumer setup failed; it runs again on reconnect');
    });

    const consumer: Consumer = {
      cancel: async () => {
        this.#consumers.delete(consumer);
        await lane.wrapper.removeSetup(methodConsumer.setup);
        await methodConsumer.cancel();
      },
    };
    this.#consumers.add(consumer);
    return consumer;
  }

  async publishEvent(message: EventMessage): Promise<void> {
    const channel = this.#workLane().channel;
    if (!channel) throw new WarrenError(ErrorCode.UNAVAILABLE, 'Broker unavailable');
    await new Promise<void>((resolve, reject) => {
      channel.publish(
        EVENTS_EXCHANGE,
        eventRoutingKey(message.event, message.topic),
        Buffer.from(message.payload),
        { contentType: JSON_TYPE },
        (err) => (err ? reject(new WarrenError(ErrorCode.UNAVAILABLE, 'Broker refused the event')) : resolve()),
      );
    });
  }

  onEvent(listener: (message: EventMessage) => void): void {
    this.#listener = listener;
    this.#callsLane();
  }

  async bindEvent(event: string, topic?: string): Promise<void> {
    const key = eventBindingKey(event, topic);
    if (this.#bindings.has(key)) return;
    this.#bindings.add(key);
    await this.#callsLane().channel?.bindQueue(this.#eventsQueue, EVENTS_EXCHANGE, key);
  }

  async unbindEvent(event: string, topic?: string): Promise<void> {
    const key = eventBindingKey(event, topic);
    if (!this.#bindings.delete(key)) return;
    await this.#callsLane().channel?.unbindQueue(this.#eventsQueue, EVENTS_EXCHANGE, key);
  }
}
