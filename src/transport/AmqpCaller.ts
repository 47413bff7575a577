/**
 * The caller side of the RabbitMQ transport (a gateway's): publishes calls and notifications,
 * and consumes the replies and the subscribed events. Opened on the first use, so a process
 * that only serves never opens it.
 *
 * Its channels, set up together on every connection (AmqpChannelGroup.ts):
 * - `replies`, with publisher confirms: consumes this process's reply queue and its events
 *   queue, and publishes the calls to bounded queues, whose refusal (a nack) only a confirm
 *   reveals: such a call is OVERLOADED at once; and, for CONFIRM_AFTER_RECONNECT_MS after a
 *   reconnect, every call (a cluster that just lost a node drops unconfirmed ones);
 * - `calls`, without confirms: publishes the calls to unbounded queues and the notifications.
 *   A confirm on every call would say which calls the broker took before a connection loss,
 *   but measured, it costs more than the whole path's latency budget at low load (bench/README.md).
 *
 * The reply queue is durable and not exclusive, named after this process, with `x-expires`
 * (REPLY_QUEUE_EXPIRES_MS): it outlives this process's connection, so a reply published while
 * the process reconnects waits in it, and it is declared again on every connection. RabbitMQ
 * deletes it once nobody has consumed it for that long (the process is gone). On every
 * connection the caller first asks whether the queue is still there; when it is not (it expired,
 * the broker lost it, its node is down) no reply published before can arrive any more.
 *
 * A quorum reply queue (`replyQueueType: 'quorum'`, for a cluster) is replicated: it, and the
 * replies in it, outlive the node it was declared through. It is consumed with acks, so a reply
 * on its way when the connection goes comes again on the next one; its calls ask the workers to
 * confirm their replies (Header.CONFIRM_REPLY); and every call is published with a confirm, so a
 * call the broker took waits for its reply through a node loss, up to its deadline. What a node
 * loss still costs is the calls in flight that the broker had not confirmed: an idempotent one
 * is published again, any other waits for the hold at most (below).
 *
 * While there is no connection (or its channels are being opened), calls are held (the hold,
 * reconnectHold.ts): published once the channels are back, or answered UNAVAILABLE after
 * `reconnectHoldMs`, before their deadline. At most `maxHeldCalls` wait so; past that a call is
 * answered UNAVAILABLE at once.
 *
 * Calls in flight when the connection goes may or may not have reached their queue (no
 * confirm says so, except for bounded queues and the calls just after a reconnect):
 * - an idempotent call is held and published again once the connection is back (unless the
 *   broker confirmed it and its reply queue survived: then its reply comes);
 * - every other call waits for its reply, for the hold at most, counted from the loss: when the
 *   connection is back and the reply queue survived, the reply comes as if nothing happened.
 *   One that has no reply by the end of the hold is answered UNAVAILABLE (it may have run);
 * - when the reply queue did not survive, idempotent calls are published again and the others
 *   answered UNAVAILABLE at once.
 * Republished calls keep their correlation id, so a reply to the first publish still settles
 * them, and the later one is dropped: exactly one answer, never later than the deadline.
 *
 * While a channel's write buffer is over its high-water mark (publish() returned false, until
 * 'drain') new calls get OVERLOADED.
 */
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { EVENTS_EXCHANGE, RPC_EXCHANGE, callProperties, eventBindingKey, parseEventRoutingKey, readTraceHeaders, replyQueueArguments, type QueueType } from '../protocol/routing.ts';
import type { Call } from '../protocol/call.ts';
import type { Logger } from '../log.ts';
import type { ChannelGroup, GroupContext, Lane } from './AmqpChannelGroup.ts';
import { declareQueue, queueExists, type AmqpConnection } from './AmqpConnection.ts';
import { isNack } from './amqplibInternals.ts';
import { REFUSED_BODY, unavailableBody } from '../protocol/errors.ts';
import { PendingCalls } from './PendingCalls.ts';
import { holdDecision, refusalMessage } from './reconnectHold.ts';
import type { DropFn, EventMessage, ReplyFn } from './Transport.ts';
import { CONTROL_EXCHANGE, cancelProperties } from '../protocol/control.ts';

/**
 * How long RabbitMQ keeps a reply queue nobody consumes: far past any reconnect (the backoff's
 * ceiling is seconds) and the reconnect hold, so that a reconnecting gateway finds it, and short
 * enough that a gateway that died leaves its queue and the replies in it behind for a minute only.
 */
export const REPLY_QUEUE_EXPIRES_MS = 60_000;

/**
 * How long after a reconnect every call is published with a confirm. A node of a cluster that
 * has just lost another node still routes to the queues that node led until their replicas have
 * elected a new leader; measured on 3.10.8, calls published without a confirm through it in
 * that time (the first tens of ms after the loss) were dropped without a trace, while RabbitMQ
 * sends a confirmed publish on to the new leader. A reconnect that follows a node loss comes in
 * that time; calls published later than this see leaders that are settled again.
 */
export const CONFIRM_AFTER_RECONNECT_MS = 5_000;

export interface CallerChannels {
  replies: Lane<ConfirmChannel>;
  calls: Lane<Channel>;
  /** The reply queue the calls published on these channels name. */
  replyQueue: string;
  /** The reply queue was not there when these channels were set up: earlier replies are gone. */
  repliesLost: boolean;
}

export interface CallerOptions {
  connection: AmqpConnection;
  /** Unique per process: names the reply and events queues, prefixes the correlation ids. */
  id: string;
  maxPending: number;
  /** See AmqpTransportOptions. */
  reconnectHoldMs: number;
  maxHeldCalls: number;
  /** See AmqpTransportOptions.replyQueueType. */
  replyQueueType: QueueType;
  log: Logger;
  /** Receives every event matching the bindings. */
  onEvent(message: EventMessage): void;
}

/** A call waiting for its answer. */
interface Tracked {
  call: Call;
  /** Its method's queue is bounded: it goes on the confirm channel. */
  bounded: boolean;
  idempotent: boolean;
  /** The channels it was last published on (or adopted by after a reconnect); undefined while held. */
  on: CallerChannels | undefined;
  /** The broker confirmed that publish (only calls to bounded queues are confirmed). */
  confirmed: boolean;
  /** While held: the end of its hold. */
  holdTimer: ReturnType<typeof setTimeout> | undefined;
  /** Its caller dropped it while it was held: it is still published, and nobody waits for the reply. */
  dropped: boolean;
  /** The broker nacked it once: it is published with a confirm from then on. */
  refused: boolean;
  /** Its method's, or its shard's for an ordered call (orderShards.ts). */
  routingKey: string;
}

/** A notification made while there was no connection. */
interface HeldNote {
  call: Call;
  routingKey: string;
  /** Epoch ms after which it is dropped rather than published. */
  until: number;
}

const NOTHING = (): void => {};
const LOST = 'Broker connection lost: the call may have run';
const REPLIES_LOST = 'Reply queue lost with the broker connection: the call may have run';
/** The wait before a call that the broker nacked is published again (see #retryRefused). */
const NACK_RETRY_MS = 200;
/** How long close() waits for RabbitMQ to delete the reply queue. */
const DELETE_REPLY_QUEUE_MS = 1000;

export class AmqpCaller {
  readonly #options: CallerOptions;
  /** Base name of the reply queue; a suffix is added if a node that held it is down. */
  readonly #replyBase: string;
  #replyQueue: string;
  #renames = 0;
  readonly #eventsQueue: string;
  readonly #pending: PendingCalls;
  /** Every call in #pending, by correlation id. */
  readonly #calls = new Map<string, Tracked>();
  /** Ids of the calls held now. */
  readonly #held = new Set<string>();
  #notes: HeldNote[] = [];
  readonly #lossTimers = new Set<ReturnType<typeof setTimeout>>();
  readonly #bindings = new Set<string>();
  readonly #group: ChannelGroup<CallerChannels>;
  #closing = false;
  /** A connection was lost: from the next channels on, calls are confirmed for a while. */
  #lost = false;
  /** Epoch ms until which every call is published with a confirm (CONFIRM_AFTER_RECONNECT_MS). */
  #confirmUntil = 0;
  /** The reply queue is a quorum queue: every call is confirmed, every reply too (see the header). */
  readonly #replicated: boolean;

  constructor(options: CallerOptions) {
    this.#options = options;
    this.#replyBase = `warren.reply.${options.id}`;
    this.#replyQueue = this.#replyBase;
    this.#eventsQueue = `warren.events.${options.id}`;
    this.#replicated = options.replyQueueType === 'quorum';
    this.#pending = new PendingCalls(`${options.id.slice(0, 8)}.`, options.maxPending);
    this.#group = options.connection.group('caller', (context) => this.#setup(context));
    void this.#group.follow(async (channels) => this.#onChannels(channels));
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  async #setup({ model, channel, confirmChannel }: GroupContext): Promise<CallerChannels> {
    const [replies, calls] = await Promise.all([confirmChannel('replies'), channel('calls')]);
    const topology = replies.channel;
    await topology.assertExchange(RPC_EXCHANGE, 'direct', { durable: true });
    await topology.assertExchange(EVENTS_EXCHANGE, 'topic', { durable: true });
    // Cancels go to it (#cancel): publishing to an exchange that does not exist closes the channel.
    await topology.assertExchange(CONTROL_EXCHANGE, 'topic', { durable: true });
    const repliesLost = await this.#declareReplyQueue(model);
    const channels: CallerChannels = { replies, calls, replyQueue: this.#replyQueue, repliesLost };
    this.#options.log.info({ queue: channels.replyQueue, type: this.#options.replyQueueType, repliesLost }, 'reply queue declared');
    await topology.assertQueue(this.#eventsQueue, { exclusive: true, autoDelete: true });
    for (const key of this.#bindings) await topology.bindQueue(this.#eventsQueue, EVENTS_EXCHANGE, key);
    this.#onReturn(replies.channel);
    this.#onReturn(calls.channel);
    replies.channel.on('close', () => this.#onLost(channels));
    // A replicated reply queue is consumed with acks: a reply on its way to this process when
    // the connection goes is delivered again on the next one, instead of lost with the socket.
    const acked = this.#replicated;
    await topology.consume(
      channels.replyQueue,
      (message) => {
        if (!message) return;
        if (message.properties.correlationId) this.#pending.settle(message.properties.correlationId, message.content.toString('utf8'));
        if (acked) topology.ack(message);
      },
      { noAck: !acked },
    );
    await topology.consume(this.#eventsQueue, (message) => message && this.#onEventMessage(message), { noAck: true });
    return channels;
  }

  /**
   * Declares the reply queue; resolves true when it was not there before (replies sent to it
   * earlier are gone). A queue whose node is down cannot be declared again (NOT_FOUND): the
   * caller moves to a new name, which the calls published from now on carry.
   */
  async #declareReplyQueue(model: ChannelModel): Promise<boolean> {
    const options = { durable: true, arguments: replyQueueArguments(this.#options.replyQueueType, REPLY_QUEUE_EXPIRES_MS) };
    const lost = !(await queueExists(model, this.#replyQueue));
    try {
      await declareQueue(model, this.#replyQueue, options);
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
      const unreachable = this.#replyQueue;
      this.#replyQueue = `${this.#replyBase}.${++this.#renames}`;
      this.#options.log.warn({ queue: unreachable, now: this.#replyQueue, err: (err as Error).message }, 'reply queue unreachable; using a new one');
      await declareQueue(model, this.#replyQueue, options);
      return true;
    }
    return lost;
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
      const { messageId } = message.properties;
      const event: EventMessage = { event: parsed.event, topic: parsed.topic, payload: message.content.toString('utf8'), ...readTraceHeaders(message.properties.headers) };
      if (typeof messageId === 'string') event.id = messageId;
      this.#options.onEvent(event);
    } catch (err) {
      this.#options.log.error({ err }, 'event listener threw');
    }
  }

  /**
   * `bounded`: the method's queue has a length limit, so the call goes on the confirm channel.
   * `idempotent`: the call may be published again when its fate or its reply is lost.
   * `routingKey`: its shard's for an ordered call; one channel carries every call of a shard
   * while the connection stays up, so the broker takes them in the order they were published.
   */
  request(call: Call, onReply: ReplyFn, bounded: boolean, idempotent: boolean, routingKey = call.method): DropFn {
    const channels = this.#group.current;
    let waitMs = 0;
    if (channels) {
      // amqplib already holds a full write buffer for this channel: refuse rather than add to it.
      if (!(bounded ? channels.replies : channels.calls).writable) {
        onReply(REFUSED_BODY);
        return NOTHING;
      }
    } else {
      const decision = this.#holdDecision(call, this.#options.maxHeldCalls);
      if (!decision.hold) {
        onReply(unavailableBody(refusalMessage(decision.reason)));
        return NOTHING;
      }
      waitMs = decision.waitMs;
    }
    let id: string | undefined;
    id = this.#pending.add(call.deadline, (body) => {
      this.#forget(id!);
      onReply(body);
    });
    if (id === undefined) return NOTHING;
    const tracked: Tracked = { call, bounded, idempotent, on: undefined, confirmed: false, holdTimer: undefined, dropped: false, refused: false, routingKey };
    this.#calls.set(id, tracked);
    if (channels) this.#publish(channels, id, tracked);
    else this.#hold(id, tracked, waitMs);
    // Dropping it only stops the wait for its reply: it is still published. A cancelled one is
    // not, if it is still held; otherwise its workers are told.
    return (reason) => {
      this.#pending.drop(id);
      if (reason === 'cancelled') return this.#cancel(id, tracked);
      if (this.#held.has(id)) tracked.dropped = true;
      else this.#forget(id);
    };
  }

  /**
   * Tells the workers of a call's method that its caller cancelled it, on the channels of now:
   * best effort, as a cancel that cannot go now has no use later (the caller was answered).
   */
  #cancel(id: string, tracked: Tracked): void {
    const held = this.#held.has(id);
    this.#forget(id);
    const channels = this.#group.current;
    if (held || !channels || !channels.calls.writable) return;
    const { call } = tracked;
    try {
      const room = channels.calls.channel.publish(CONTROL_EXCHANGE, call.method, Buffer.alloc(0), cancelProperties({ callId: id, deadline: call.deadline }, Date.now()));
      if (!room) channels.calls.writable = false;
    } catch (err) {
      this.#options.log.warn({ err: (err as Error).message, method: call.method }, 'cancel not published');
    }
  }

  #holdDecision(call: Call, maxHeld: number) {
    const { reconnectHoldMs } = this.#options;
    return holdDecision({ holdMs: this.#closing ? 0 : reconnectHoldMs, maxHeld, held: this.#held.size + this.#notes.length, now: Date.now(), deadline: call.deadline });
  }

  #hold(id: string, tracked: Tracked, waitMs: number): void {
    tracked.on = undefined;
    tracked.confirmed = false;
    clearTimeout(tracked.holdTimer);
    tracked.holdTimer = setTimeout(() => {
      if (tracked.dropped) this.#forget(id);
      else this.#pending.settle(id, unavailableBody(refusalMessage('hold over')));
    }, waitMs);
    this.#held.add(id);
  }

  /** The call is answered or dropped: nothing of it stays. */
  #forget(id: string): void {
    const tracked = this.#calls.get(id);
    if (!tracked) return;
    clearTimeout(tracked.holdTimer);
    this.#held.delete(id);
    this.#calls.delete(id);
  }

  #publish(channels: CallerChannels, id: string, tracked: Tracked): void {
    const { call } = tracked;
    tracked.on = channels;
    tracked.confirmed = false;
    const now = Date.now();
    const properties = callProperties(call, { correlationId: id, replyTo: channels.replyQueue, confirmReply: this.#replicated }, now);
    if (!tracked.bounded && !tracked.refused && now >= this.#confirmUntil && !this.#replicated) {
      try {
        if (!channels.calls.channel.publish(RPC_EXCHANGE, tracked.routingKey, Buffer.from(call.params), properties)) channels.calls.writable = false;
      } catch {
        this.#pending.settle(id, unavailableBody('Broker unavailable'));
      }
      return;
    }
    const lane = channels.replies;
    try {
      const room = lane.channel.publish(RPC_EXCHANGE, tracked.routingKey, Buffer.from(call.params), properties, (err: Error | null) => {
        if (this.#calls.get(id) !== tracked || tracked.on !== channels) return;
        if (!err) tracked.confirmed = true;
        // The broker refused the call: a full queue with reject-publish.
        else if (isNack(err) && tracked.bounded) this.#pending.settle(id, REFUSED_BODY);
        // An unbounded queue refuses nothing: the queue could not take it (no leader yet).
        else if (isNack(err)) this.#retryRefused(id, tracked);
        // The channel closed before the confirm: the call may or may not be in its queue.
        else this.#cutOff(id, tracked);
      });
      if (!room) lane.writable = false;
    } catch {
      this.#pending.settle(id, unavailableBody('Broker unavailable'));
    }
  }

  /**
   * A call to an unbounded queue that the broker nacked: the queue could not take it, which a
   * quorum queue does while its replicas elect a leader (measured on 3.10.8: for up to 3 s after
   * its leader's node was killed). The call did not run, so it is published again, every
   * NACK_RETRY_MS, as long as its deadline leaves time; then it is answered UNAVAILABLE, a
   * millisecond before the deadline, like a held call.
   */
  #retryRefused(id: string, tracked: Tracked): void {
    tracked.refused = true;
    const left = tracked.call.deadline - Date.now() - 1;
    if (left <= NACK_RETRY_MS) {
      this.#pending.settle(id, unavailableBody('Broker could not take the call'));
      return;
    }
    const timer = setTimeout(() => {
      this.#lossTimers.delete(timer);
      if (this.#calls.get(id) !== tracked) return;
      const channels = this.#group.current;
      // Gone with its connection: the next channels publish it again, or its hold ends it.
      if (!channels || tracked.on !== channels) return;
      this.#publish(channels, id, tracked);
    }, NACK_RETRY_MS);
    this.#lossTimers.add(timer);
  }

  /**
   * A confirmed call whose publish the broker never confirmed before the connection
   * went. An idempotent one is held, to be published again; any other waits, like every call in
   * flight, for the hold at most: the broker may have taken it, and then its reply comes.
   */
  #cutOff(id: string, tracked: Tracked): void {
    if (!tracked.idempotent) return;
    const decision = this.#holdDecision(tracked.call, Number.POSITIVE_INFINITY);
    if (decision.hold) this.#hold(id, tracked, decision.waitMs);
    else this.#pending.settle(id, unavailableBody(refusalMessage(decision.reason)));
  }

  /** The channels went: the calls in flight on them wait for the connection and their reply, for the hold at most. */
  #onLost(channels: CallerChannels): void {
    if (this.#closing) return;
    this.#lost = true;
    const timer = setTimeout(() => {
      this.#lossTimers.delete(timer);
      // Calls the next channels took over (#onChannels) are no longer on these.
      for (const [id, tracked] of [...this.#calls]) {
        if (tracked.on === channels) this.#pending.settle(id, unavailableBody(LOST));
      }
    }, this.#options.reconnectHoldMs);
    this.#lossTimers.add(timer);
  }

  /** New channels are set up: take over the calls in flight on the old ones, then publish the held ones. */
  #onChannels(channels: CallerChannels): void {
    if (this.#closing) return;
    if (this.#lost) this.#confirmUntil = Date.now() + CONFIRM_AFTER_RECONNECT_MS;
    this.#lost = false;
    for (const [id, tracked] of [...this.#calls]) {
      if (tracked.on === undefined || tracked.on === channels) continue;
      if (!channels.repliesLost) {
        // Its reply still comes to the queue it names.
        if (tracked.confirmed) tracked.on = channels;
        else if (tracked.idempotent) this.#publish(channels, id, tracked);
        // Unconfirmed: a reply may come, and the loss timer of its channels ends the wait for it.
        continue;
      }
      if (tracked.idempotent) this.#publish(channels, id, tracked);
      else this.#pending.settle(id, unavailableBody(REPLIES_LOST));
    }
    const now = Date.now();
    for (const id of [...this.#held]) {
      const tracked = this.#calls.get(id)!;
      clearTimeout(tracked.holdTimer);
      tracked.holdTimer = undefined;
      this.#held.delete(id);
      // Past its deadline it is answered TIMEOUT, and the broker would drop it.
      if (tracked.call.deadline > now) {
        if ((tracked.bounded ? channels.replies : channels.calls).writable) this.#publish(channels, id, tracked);
        else this.#pending.settle(id, REFUSED_BODY);
      }
      if (tracked.dropped) this.#forget(id);
    }
    for (const { call, routingKey, until } of this.#notes.splice(0)) if (until > now && call.deadline > now) this.#notify(channels.calls, call, routingKey);
  }

  notify(call: Call, routingKey = call.method): void {
    const channels = this.#group.current;
    if (channels) return this.#notify(channels.calls, call, routingKey);
    const now = Date.now();
    while (this.#notes.length > 0 && this.#notes[0]!.until <= now) this.#notes.shift();
    const decision = this.#holdDecision(call, this.#options.maxHeldCalls);
    if (decision.hold) this.#notes.push({ call, routingKey, until: now + decision.waitMs });
  }

  #notify(lane: Lane, call: Call, routingKey: string): void {
    if (this.#closing || !lane.writable) return;
    try {
      const room = lane.channel.publish(RPC_EXCHANGE, routingKey, Buffer.from(call.params), callProperties(call, undefined, Date.now()));
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

  /**
   * Answers every waiting call UNAVAILABLE and deletes the reply queue (nothing will consume
   * it again); the connection's close closes the channels.
   */
  async close(): Promise<void> {
    this.#closing = true;
    for (const timer of this.#lossTimers) clearTimeout(timer);
    this.#lossTimers.clear();
    this.#notes = [];
    this.#pending.settleAll(unavailableBody('Transport closed'));
    const channels = this.#group.current;
    if (!channels) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      channels.replies.channel.deleteQueue(channels.replyQueue).catch(() => {}),
      new Promise((resolve) => (timer = setTimeout(resolve, DELETE_REPLY_QUEUE_MS))),
    ]);
    clearTimeout(timer);
  }
}
