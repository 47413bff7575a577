/**
 * The caller side of the RabbitMQ transport (a gateway's): publishes calls and notifications,
 * and consumes the replies and the subscribed events. Opened on the first use, so a process
 * that only serves never opens it.
 *
 * Its channels, set up together on every connection (AmqpChannelGroup.ts):
 * - `replies`, with publisher confirms: consumes this process's exclusive reply queue and its
 *   events queue, and publishes the calls to bounded queues, whose refusal only a confirm reveals;
 * - `calls`, without confirms: publishes the calls to unbounded queues and the notifications.
 *   A confirm would tell such a call nothing it needs (a call the broker loses still ends in
 *   TIMEOUT at its deadline) and costs the broker work on every call.
 *
 * The hot path publishes on the raw channels, so while the broker is away calls fail fast
 * (UNAVAILABLE) instead of piling up in a buffer, and while a channel's write buffer is over
 * its high-water mark (publish() returned false, until 'drain') new calls get OVERLOADED. Calls
 * made while the channels are being opened on a live connection (the first calls of a
 * process, or the moment after a reconnect) wait for them, within their deadline.
 *
 * Calls in flight when the connection drops stay pending: the reply queue keeps its name and
 * is declared again on reconnect, so a reply sent after that still reaches its caller; a
 * reply sent while this process was disconnected is lost and the caller gets TIMEOUT at its
 * deadline. Either way exactly one answer, by the deadline.
 */
import type { Channel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { EVENTS_EXCHANGE, RPC_EXCHANGE, callProperties, eventBindingKey, parseEventRoutingKey } from '../protocol/routing.ts';
import type { Call } from '../protocol/call.ts';
import type { Logger } from '../log.ts';
import type { ChannelGroup, GroupContext, Lane } from './AmqpChannelGroup.ts';
import type { AmqpConnection } from './AmqpConnection.ts';
import { isNack } from './amqplibInternals.ts';
import { REFUSED_BODY, unavailableBody } from '../protocol/errors.ts';
import { PendingCalls } from './PendingCalls.ts';
import type { EventMessage, ReplyFn } from './Transport.ts';

export interface CallerChannels {
  replies: Lane<ConfirmChannel>;
  calls: Lane<Channel>;
}

export interface CallerOptions {
  connection: AmqpConnection;
  /** Unique per process: names the reply and events queues, prefixes the correlation ids. */
  id: string;
  maxPending: number;
  log: Logger;
  /** Receives every event matching the bindings. */
  onEvent(message: EventMessage): void;
}

/** A call or notification made while the channels were being opened. */
interface Held {
  call: Call;
  bounded: boolean;
  /** Its correlation id; undefined for a notification. */
  id: string | undefined;
}

const NOTHING = (): void => {};

export class AmqpCaller {
  readonly #options: CallerOptions;
  readonly #replyQueue: string;
  readonly #eventsQueue: string;
  readonly #pending: PendingCalls;
  readonly #bindings = new Set<string>();
  readonly #group: ChannelGroup<CallerChannels>;
  #held: Held[] = [];
  #closing = false;

  constructor(options: CallerOptions) {
    this.#options = options;
    this.#replyQueue = `warren.reply.${options.id}`;
    this.#eventsQueue = `warren.events.${options.id}`;
    this.#pending = new PendingCalls(`${options.id.slice(0, 8)}.`, options.maxPending);
    this.#group = options.connection.group('caller', (context) => this.#setup(context));
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  async #setup({ channel, confirmChannel }: GroupContext): Promise<CallerChannels> {
    const [replies, calls] = await Promise.all([confirmChannel('replies'), channel('calls')]);
    const topology = replies.channel;
    await topology.assertExchange(RPC_EXCHANGE, 'direct', { durable: true });
    await topology.assertExchange(EVENTS_EXCHANGE, 'topic', { durable: true });
    await topology.assertQueue(this.#replyQueue, { exclusive: true, autoDelete: true });
    await topology.assertQueue(this.#eventsQueue, { exclusive: true, autoDelete: true });
    for (const key of this.#bindings) await topology.bindQueue(this.#eventsQueue, EVENTS_EXCHANGE, key);
    this.#onReturn(replies.channel);
    this.#onReturn(calls.channel);
    await topology.consume(
      this.#replyQueue,
      (message) => {
        if (message?.properties.correlationId) this.#pending.settle(message.properties.correlationId, message.content.toString('utf8'));
      },
      { noAck: true },
    );
    await topology.consume(this.#eventsQueue, (message) => message && this.#onEventMessage(message), { noAck: true });
    return { replies, calls };
  }

  /** A call no queue took (mandatory) comes back: its caller gets UNAVAILABLE at once. */
  #onReturn(channel: Channel): void {
    channel.on('return', (message: ConsumeMessage) => {
      const id = message.properties.correlationId;
      if (id) this.#pending.settle(id, unavailableBody(`No queue for ${message.fields.routingKey}`));
    });
  }

  #onEventMessage(message: ConsumeMessage): void {
    const parsed = parseEventRoutingKey(message.fields.routingKey);
    if (!parsed) return;
    try {
      this.#options.onEvent({ event: parsed.event, topic: parsed.topic, payload: message.content.toString('utf8') });
    } catch (err) {
      this.#options.log.error({ err }, 'event listener threw');
    }
  }

  /** `bounded`: the method's queue has a length limit, so the call goes on the confirm channel. */
  request(call: Call, onReply: ReplyFn, bounded: boolean): () => void {
    const channels = this.#group.current;
    if (!channels) return this.#hold(call, onReply, bounded);
    const lane = bounded ? channels.replies : channels.calls;
    // amqplib already holds a full write buffer for this channel: refuse rather than add to it.
    if (!lane.writable) {
      onReply(REFUSED_BODY);
      return NOTHING;
    }
    const id = this.#pending.add(call.deadline, onReply);
    if (id === undefined) return NOTHING;
    this.#publish(lane, call, bounded, id);
    return () => this.#pending.drop(id);
  }

  /** Holds a call while the channels are being opened on a live connection; UNAVAILABLE otherwise. */
  #hold(call: Call, onReply: ReplyFn, bounded: boolean): () => void {
    if (!this.#canHold()) {
      onReply(unavailableBody('Broker unavailable'));
      return NOTHING;
    }
    const id = this.#pending.add(call.deadline, onReply);
    if (id === undefined) return NOTHING;
    this.#keep({ call, bounded, id });
    // Dropping it only stops the wait for its reply: it is still published.
    return () => this.#pending.drop(id);
  }

  /** The channels are being opened on a live connection: a call made now can wait for them. */
  #canHold(): boolean {
    return !this.#closing && this.#group.opening !== undefined && this.#options.connection.isConnected();
  }

  #keep(held: Held): void {
    this.#held.push(held);
    if (this.#held.length === 1) void this.#group.opening?.then(() => this.#release());
  }

  /** Publishes the held calls once the channels are open, or answers them UNAVAILABLE. */
  #release(): void {
    const channels = this.#group.current;
    const now = Date.now();
    for (const { call, bounded, id } of this.#held.splice(0)) {
      // Past its deadline it got TIMEOUT already, and the broker would drop it.
      if (call.deadline <= now) continue;
      if (id === undefined) {
        if (channels) this.#notify(channels.calls, call);
        continue;
      }
      if (!channels) {
        this.#pending.settle(id, unavailableBody('Broker unavailable'));
        continue;
      }
      const lane = bounded ? channels.replies : channels.calls;
      if (lane.writable) this.#publish(lane, call, bounded, id);
      else this.#pending.settle(id, REFUSED_BODY);
    }
  }

  #publish(lane: Lane, call: Call, bounded: boolean, id: string): void {
    const properties = callProperties(call, { correlationId: id, replyTo: this.#replyQueue }, Date.now());
    const content = Buffer.from(call.params);
    try {
      const room = bounded
        ? (lane.channel as ConfirmChannel).publish(RPC_EXCHANGE, call.method, content, properties, (err: Error | null) => {
            // A nack is the broker refusing the call (a full queue with reject-publish). A channel
            // that closed before confirming leaves the call's fate unknown: it may sit in its
            // queue, so it stays pending until its reply or its deadline.
            if (err && isNack(err)) this.#pending.settle(id, REFUSED_BODY);
          })
        : lane.channel.publish(RPC_EXCHANGE, call.method, content, properties);
      if (!room) lane.writable = false;
    } catch {
      this.#pending.settle(id, unavailableBody('Broker unavailable'));
    }
  }

  notify(call: Call): void {
    const channels = this.#group.current;
    if (channels) this.#notify(channels.calls, call);
    else if (this.#canHold()) this.#keep({ call, bounded: false, id: undefined });
  }

  #notify(lane: Lane, call: Call): void {
    if (this.#closing || !lane.writable) return;
    try {
      const room = lane.channel.publish(RPC_EXCHANGE, call.method, Buffer.from(call.params), callProperties(call, undefined, Date.now()));
      if (!room) lane.writable = false;
    } catch (err) {
      this.#options.log.warn({ err: (err as Error).message, method: call.method }, 'notification not published');
    }
  }

  async bindEvent(event: string, topic?: string): Promise<void> {
    const key = eventBindingKey(event, topic);
    if (this.#bindings.has(key)) return;
    this.#bindings.add(key);
    // A setup in progress may have bound its keys already; binding again is a no-op for RabbitMQ.
    if (!this.#group.current) await this.#group.opening;
    await this.#group.current?.replies.channel.bindQueue(this.#eventsQueue, EVENTS_EXCHANGE, key);
  }

  async unbindEvent(event: string, topic?: string): Promise<void> {
    const key = eventBindingKey(event, topic);
    if (!this.#bindings.delete(key)) return;
    await this.#group.current?.replies.channel.unbindQueue(this.#eventsQueue, EVENTS_EXCHANGE, key);
  }

  /** Answers every waiting call UNAVAILABLE; the connection's close closes the channels. */
  close(): void {
    this.#closing = true;
    this.#held = [];
    this.#pending.settleAll(unavailableBody('Transport closed'));
  }
}
