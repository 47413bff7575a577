/**
 * The RabbitMQ transport. Calls go to the direct exchange `warren.rpc` with the method as
 * routing key, into a durable queue per method; replies come back to this process's own
 * exclusive reply queue by correlation id; events go through the topic exchange
 * `warren.events` to one exclusive queue per subscribing process.
 *
 * amqp-connection-manager owns reconnection: it reruns each channel's setup (topology,
 * consumers) on every new connection. The hot path publishes on the raw confirm channel
 * that setup received, so while the broker is away calls fail fast instead of piling up
 * in an unbounded buffer.
 */
import { randomUUID } from 'node:crypto';
import amqp, { type AmqpConnectionManager, type ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import type { Call } from '../protocol/call.ts';
import { ErrorCode } from '../protocol/codes.ts';
import { WarrenError } from '../protocol/WarrenError.ts';
import {
  EVENTS_EXCHANGE,
  RPC_EXCHANGE,
  callProperties,
  eventBindingKey,
  eventRoutingKey,
  methodQueue,
  parseEventRoutingKey,
  readCall,
} from '../protocol/routing.ts';
import type { Logger } from '../log.ts';
import { silentLogger } from '../log.ts';
import { PendingCalls, unavailableBody } from './PendingCalls.ts';
import type { Consumer, EventMessage, ReplyFn, ServeFn, ServeOptions, Transport } from './Transport.ts';

export const DEFAULT_AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';

export interface AmqpTransportOptions {
  /** Broker URL. @default process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672' */
  url?: string;
  /** Most calls waiting for a reply at once. @default 100000 */
  maxPending?: number;
  /** Seconds between connection attempts while the broker is unreachable. @default 1 */
  reconnectSeconds?: number;
  /** AMQP heartbeat in seconds. @default 5 */
  heartbeatSeconds?: number;
  log?: Logger;
}

/** A channel wrapper plus the raw confirm channel its latest setup received. */
interface Lane {
  wrapper: ChannelWrapper;
  channel: ConfirmChannel | undefined;
}

const JSON_TYPE = 'application/json';

export class AmqpTransport implements Transport {
  readonly kind = 'amqp' as const;
  readonly #url: string;
  readonly #log: Logger;
  readonly #id = randomUUID();
  readonly #replyQueue = `warren.reply.${this.#id}`;
  readonly #eventsQueue = `warren.events.${this.#id}`;
  readonly #pending: PendingCalls;
  readonly #bindings = new Set<string>();
  readonly #consumers = new Set<Consumer>();
  readonly #options: AmqpTransportOptions;
  #manager: AmqpConnectionManager | undefined;
  #calls: Lane | undefined;
  #work: Lane | undefined;
  #listener: (message: EventMessage) => void = () => {};
  #closing = false;

  constructor(options: AmqpTransportOptions = {}) {
    this.#options = options;
    this.#url = options.url ?? process.env.AMQP_URL ?? DEFAULT_AMQP_URL;
    this.#log = options.log ?? silentLogger;
    const maxPending = options.maxPending ?? 100_000;
    if (!(Number.isInteger(maxPending) && maxPending > 0)) throw new TypeError('maxPending must be a positive integer');
    this.#pending = new PendingCalls(`${this.#id.slice(0, 8)}.`, maxPending);
  }

  /** Calls in flight waiting for a reply. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  start(): void {
    if (this.#manager) return;
    const safeUrl = this.#url.replace(/\/\/[^@/]*@/, '//***@');
    const manager = amqp.connect([this.#url], {
      // Nagle's algorithm on the AMQP socket costs ~40 ms per call at low load.
      connectionOptions: { noDelay: true },
      heartbeatIntervalInSeconds: this.#options.heartbeatSeconds ?? 5,
      reconnectTimeInSeconds: this.#options.reconnectSeconds ?? 1,
    });
    manager.on('connect', () => this.#log.info({ url: safeUrl }, 'connected to RabbitMQ'));
    manager.on('disconnect', ({ err }) => {
      if (!this.#closing) this.#log.warn({ err: err?.message }, 'disconnected from RabbitMQ; reconnecting');
    });
    manager.on('connectFailed', ({ err }) => {
      this.#log.warn({ url: safeUrl, err: err?.message }, 'RabbitMQ unreachable; retrying');
    });
    manager.on('blocked', ({ reason }) => this.#log.warn({ reason }, 'RabbitMQ blocked the connection'));
    this.#manager = manager;
    // Open both lanes now, so whenReady() covers them: created lazily, the first request()
    // or publishEvent() after whenReady() found no channel yet and failed UNAVAILABLE.
    this.#callsLane();
    this.#workLane();
  }

  #lane(name: string, setup: (channel: ConfirmChannel) => Promise<void>): Lane {
    if (!this.#manager) throw new Error('AmqpTransport: start() was not called');
    const lane: Lane = { wrapper: undefined as never, channel: undefined };
    lane.wrapper = this.#manager.createChannel({
      name,
      confirm: true,
      setup: async (channel: ConfirmChannel) => {
        channel.on('close', () => {
          if (lane.channel === channel) lane.channel = undefined;
        });
        channel.on('error', (err) => this.#log.warn({ err: err.message, channel: name }, 'AMQP channel error'));
        await setup(channel);
        lane.channel = channel;
      },
    });
    lane.wrapper.on('error', (err) => this.#log.warn({ err: (err as Error).message, channel: name }, 'AMQP channel error'));
    return lane;
  }

  /** The gateway side: publishes calls, consumes replies and subscribed events. */
  #callsLane(): Lane {
    return (this.#calls ??= this.#lane('calls', async (channel) => {
      await channel.assertExchange(RPC_EXCHANGE, 'direct', { durable: true });
      await channel.assertExchange(EVENTS_EXCHANGE, 'topic', { durable: true });
      await channel.assertQueue(this.#replyQueue, { exclusive: true, autoDelete: true });
      await channel.assertQueue(this.#eventsQueue, { exclusive: true, autoDelete: true });
      for (const key of this.#bindings) await channel.bindQueue(this.#eventsQueue, EVENTS_EXCHANGE, key);
      channel.on('return', (message: ConsumeMessage) => {
        const id = message.properties.correlationId;
        if (id) this.#pending.settle(id, unavailableBody(`No queue for ${message.fields.routingKey}`));
      });
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

  /** The worker side: consumes method queues, publishes replies and events. */
  #workLane(): Lane {
    return (this.#work ??= this.#lane('work', async (channel) => {
      await channel.assertExchange(RPC_EXCHANGE, 'direct', { durable: true });
      await channel.assertExchange(EVENTS_EXCHANGE, 'topic', { durable: true });
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
    if (!this.#manager) throw new Error('AmqpTransport: start() was not called');
    const lanes = [this.#calls, this.#work].filter((lane): lane is Lane => lane !== undefined);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      if (!Number.isFinite(timeoutMs)) return;
      timer = setTimeout(
        () => reject(new WarrenError(ErrorCode.UNAVAILABLE, `RabbitMQ not ready after ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    const manager = this.#manager;
    const connected = manager.isConnected()
      ? Promise.resolve()
      : new Promise<void>((resolve) => manager.once('connect', () => resolve()));
    try {
      await Promise.race([Promise.all([connected, ...lanes.map((lane) => lane.wrapper.waitForConnect())]), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  isReady(): boolean {
    if (!this.#manager?.isConnected()) return false;
    return (!this.#calls || !!this.#calls.channel) && (!this.#work || !!this.#work.channel);
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    await Promise.all([...this.#consumers].map((consumer) => consumer.cancel()));
    this.#pending.settleAll(unavailableBody('Transport closed'));
    await Promise.all([this.#calls?.wrapper.close(), this.#work?.wrapper.close()]);
    await this.#manager?.close();
  }

  request(call: Call, onReply: ReplyFn): () => void {
    const channel = this.#callsLane().channel;
    if (!channel || this.#closing) {
      onReply(unavailableBody('Broker unavailable'));
      return () => {};
    }
    const id = this.#pending.add(call.deadline, onReply);
    if (id === undefined) return () => {};
    const properties = callProperties(call, { correlationId: id, replyTo: this.#replyQueue }, Date.now());
    try {
      channel.publish(RPC_EXCHANGE, call.method, Buffer.from(call.params), properties, (err) => {
        if (err) this.#pending.settle(id, unavailableBody('Broker refused the call'));
      });
    } catch {
      this.#pending.settle(id, unavailableBody('Broker unavailable'));
    }
    return () => this.#pending.drop(id);
  }

  notify(call: Call): void {
    const channel = this.#callsLane().channel;
    if (!channel || this.#closing) return;
    try {
      channel.publish(RPC_EXCHANGE, call.method, Buffer.from(call.params), callProperties(call, undefined, Date.now()));
    } catch (err) {
      this.#log.warn({ err: (err as Error).message, method: call.method }, 'notification not published');
    }
  }

  async serve(method: string, fn: ServeFn, options: ServeOptions = {}): Promise<Consumer> {
    const prefetch = options.prefetch ?? 32;
    if (!(Number.isInteger(prefetch) && prefetch > 0)) throw new TypeError('prefetch must be a positive integer');
    const lane = this.#workLane();
    const queue = methodQueue(method);
    const inFlight = new Set<Promise<void>>();
    let active: { channel: ConfirmChannel; tag: string } | undefined;

    const handle = (channel: ConfirmChannel, message: ConsumeMessage) => {
      const { replyTo, correlationId, headers } = message.properties;
      const call = readCall(method, message.content.toString('utf8'), headers);
      const done = fn({ call, redelivered: message.fields.redelivered, expectsReply: !!replyTo })
        .then(
          (body) =>
            new Promise<void>((resolve) => {
              if (body === undefined || !replyTo) {
                settleDelivery(channel, message, true);
                return resolve();
              }
              channel.publish('', replyTo, Buffer.from(body), { correlationId, contentType: JSON_TYPE }, (err) => {
                // Ack only once the broker holds the reply; otherwise let the call be redelivered.
                settleDelivery(channel, message, !err);
                resolve();
              });
            }),
          () => settleDelivery(channel, message, false),
        )
        .catch(() => settleDelivery(channel, message, false))
        .finally(() => inFlight.delete(done));
      inFlight.add(done);
    };

    const setup = async (channel: ConfirmChannel) => {
      await channel.assertQueue(queue, { durable: true });
      await channel.bindQueue(queue, RPC_EXCHANGE, method);
      await channel.prefetch(prefetch);
      const { consumerTag } = await channel.consume(queue, (message) => message && handle(channel, message));
      active = { channel, tag: consumerTag };
    };
    // A setup cut short by a lost connection runs again on the next one; it must not fail serve().
    await lane.wrapper.addSetup(setup).catch((err: Error) => {
      this.#log.warn({ err: err.message, method }, 'consumer setup failed; it runs again on reconnect');
    });

    const consumer: Consumer = {
      cancel: async () => {
        this.#consumers.delete(consumer);
        await lane.wrapper.removeSetup(setup);
        if (active && lane.channel === active.channel) {
          await active.channel.cancel(active.tag).catch(() => {});
        }
        await Promise.all(inFlight);
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

/** Acks, or requeues, a delivery on the channel it came on, if that channel still lives. */
function settleDelivery(channel: ConfirmChannel, message: ConsumeMessage, ok: boolean): void {
  try {
    if (ok) channel.ack(message);
    else channel.nack(message, false, true);
  } catch {
    // The channel closed: the broker already requeued the delivery.
  }
}
