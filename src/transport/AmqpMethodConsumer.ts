/**
 * The worker side of one method on RabbitMQ: declares and consumes its queue on every new set
 * of the server's channels (AmqpServer.ts), runs each delivery through the serve function,
 * and sends the reply and the ack in one write (see answer()).
 *
 * Bounded redelivery: a delivery that arrives flagged `redelivered` means the previous one
 * ended without an answer (its worker died, or the serve function rejected and nacked it).
 * Its handler is not run again straight away: a copy with `x-warren-attempts` + 1 is published
 * back to the same queue and the original acked, so the count survives the crash. Once the
 * count reaches `maxDeliveries` the call goes to `warren.dlx` instead and the caller gets
 * INTERNAL_ERROR. Classic queues have no delivery limit of their own; this gives
 * them one without a redelivery loop.
 *
 * A quorum queue counts failed deliveries itself (`x-delivery-count`) and enforces
 * `x-delivery-limit` (= maxDeliveries, see methodQueueArguments): nothing is republished,
 * the delivery whose count reached maxDeliveries is dead-lettered and answered here, and the
 * broker drops a call only if that last delivery fails as well (the worker lost its
 * connection while dead-lettering it). A failed run is returned with basic.reject, which
 * RabbitMQ counts as a failed delivery on every version; 4.3 no longer counts basic.nack.
 *
 * A method queue that exists as the other type (a classic queue, and a worker that wants
 * quorum) cannot be redeclared: RabbitMQ refuses. That is a deployment error, reported with
 * its fix (queueTypeMismatch) instead of consuming a queue of the wrong type.
 *
 * Cancelled calls: the consumer binds the server's control queue to its method, and a delivery
 * of a call whose cancel came first (CancelledCalls) is acked without running, like an expired
 * one; a cancel that comes while the call runs is handed to `onCancel`.
 */
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import type { Logger } from '../log.ts';
import {
  DEAD_LETTER_EXCHANGE,
  DeadLetterReason,
  RPC_EXCHANGE,
  deadLetterProperties,
  methodQueue,
  methodQueueArguments,
  queueTypeRefusal,
  readAttempts,
  readCall,
  readConfirmReply,
  traceHeaders,
  readDeliveryCount,
  retryProperties,
  type QueueType,
} from '../protocol/routing.ts';
import type { ReplyBody } from '../protocol/call.ts';
import { declareQueue } from './AmqpConnection.ts';
import type { Lane } from './AmqpChannelGroup.ts';
import { isNack } from './amqplibInternals.ts';
import { DEAD_LETTER_BODY, REFUSED_BODY } from '../protocol/errors.ts';
import { decideDelivery } from './deliveryPolicy.ts';
import { queueTypeMismatch } from './queueTypeMismatch.ts';
import type { TraceContext } from '../protocol/traceContext.ts';
import type { Delivery, ServeFn } from './Transport.ts';
import type { CancelledCalls } from './CancelledCalls.ts';
import { CONTROL_EXCHANGE } from '../protocol/control.ts';

const JSON_TYPE = 'application/json';

/** The server's channels (see AmqpServer), one set per connection. */
export interface ServerChannels {
  model: ChannelModel;
  deliveries: Lane<Channel>;
  confirmed: Lane<ConfirmChannel>;
  /** This connection's control queue: the cancels of every method served (see AmqpServer). */
  control: string;
}

export interface MethodConsumerOptions {
  method: string;
  fn: ServeFn;
  prefetch: number;
  maxDeliveries: number;
  maxQueueLength: number | undefined;
  queueType: QueueType;
  /** The method's queue exists as another type: it is not consumed, and this says why. */
  onMismatch(error: Error): void;
  /** Told of every call dead-lettered here (metrics). */
  onDeadLetter?: () => void;
  /** The cancels this process heard of. */
  cancelled: CancelledCalls;
  /** See ServeOptions.onCancel. */
  onCancel?: (delivery: Delivery) => void;
  /** See ServeOptions.onSkipCancelled. */
  onSkipCancelled?: () => void;
  log: Logger;
  /** One shard of an ordered method (AmqpShardConsumer.ts): its queue, routing key and queue arguments. */
  shard?: {
    queue: string;
    routingKey: string;
    arguments: Record<string, string | number | boolean>;
    /** Sees each delivery first: 'run' it, 'ack' it unrun (a probe), or 'hold' it unacked (the shard is being given away). */
    intercept(message: ConsumeMessage): 'run' | 'ack' | 'hold';
  };
}

type Outcome = 'sent' | 'nacked' | 'lost';

/** The wait before a confirmed reply that its queue refused is published again. */
const REPLY_RETRY_MS = 200;

export class AmqpMethodConsumer {
  readonly #options: MethodConsumerOptions;
  readonly #queue: string;
  readonly #inFlight = new Set<Promise<void>>();
  #active: { channel: Channel; tag: string } | undefined;
  #cancelled = false;

  constructor(options: MethodConsumerOptions) {
    this.#options = options;
    this.#queue = options.shard?.queue ?? methodQueue(options.method);
  }

  /**
   * Declares, binds, sets the prefetch and consumes, on every new set of the server's channels
   * (once all of them are open): on `confirmed` when the queue is bounded, on `deliveries` otherwise.
   */
  readonly start = async (channels: ServerChannels): Promise<void> => {
    const { method, prefetch, maxQueueLength, maxDeliveries, queueType, log, shard } = this.#options;
    const queue = this.#queue;
    // A bounded classic queue may refuse a retried copy: only a confirm channel hears the nack.
    const confirmed = maxQueueLength !== undefined && queueType === 'classic';
    const channel: Channel = confirmed ? channels.confirmed.channel : channels.deliveries.channel;
    // On a channel of its own: a refusal there cannot close the server's channels.
    const refused = await declareQueue(channels.model, queue, {
      durable: true,
      arguments: shard?.arguments ?? methodQueueArguments({ queueType, maxQueueLength, maxDeliveries }),
    });
    const types = refused === undefined ? undefined : queueTypeRefusal(refused);
    if (types) {
      const error = queueTypeMismatch(queue, types.current, types.wanted);
      log.error({ queue, method, current: types.current, wanted: types.wanted }, error.message);
      this.#options.onMismatch(error);
      throw error;
    }
    if (refused) {
      // Serving the queue as it is beats serving nothing: calls still get answered.
      log.error(
        { queue, method, queueType, maxQueueLength: maxQueueLength ?? null, maxDeliveries, err: refused },
        `queue ${queue} exists with other arguments than this worker declares ` +
          `(maxQueueLength${queueType === 'quorum' ? ', maxDeliveries as x-delivery-limit' : ''}); ` +
          'delete the queue (rabbitmqctl delete_queue) or align the contract and flags on every worker. Consuming it as it is',
      );
    }
    await channel.bindQueue(queue, RPC_EXCHANGE, shard?.routingKey ?? method);
    // Before consuming: a cancel of a call delivered from now on reaches this process.
    await channel.bindQueue(channels.control, CONTROL_EXCHANGE, method);
    // Sent back to back: amqplib queues a channel's RPCs in call order, so no other method's
    // setup can slip its own prefetch in between (qos applies to the consumers made after it).
    const [, { consumerTag }] = await Promise.all([
      channel.prefetch(prefetch),
      channel.consume(queue, (message) => {
        if (!message) log.warn({ queue }, 'RabbitMQ cancelled the consumer (queue deleted?); it resumes on reconnect');
        else if (!shard) this.#track(this.#handle(channels, channel, message));
        else this.#intercepted(shard.intercept(message), channels, channel, message);
      }),
    ]);
    this.#active = { channel, tag: consumerTag };
    // Cancelled while it was starting.
    if (this.#cancelled) await this.cancel();
  };

  /** Stops deliveries, then waits for the ones in flight (call after the server stopped starting it). */
  async cancel(): Promise<void> {
    this.#cancelled = true;
    const active = this.#active;
    this.#active = undefined;
    try {
      await active?.channel.cancel(active.tag);
    } catch {
      // The channel is gone, and its consumer with it.
    }
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
  }

  /** Resolves once no delivery is in flight (a shard given away closes its channel then). */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
  }

  #intercepted(verdict: 'run' | 'ack' | 'hold', channels: ServerChannels, channel: Channel, message: ConsumeMessage): void {
    if (verdict === 'run') this.#track(this.#handle(channels, channel, message));
    else if (verdict === 'ack') settle(channel, message, true);
  }

  #track(work: Promise<void>): void {
    const done = work
      .catch((err: Error) => this.#options.log.error({ err: err.message, method: this.#options.method }, 'delivery handling failed'))
      .finally(() => this.#inFlight.delete(done));
    this.#inFlight.add(done);
  }

  async #handle(channels: ServerChannels, channel: Channel, message: ConsumeMessage): Promise<void> {
    const { method, fn, maxDeliveries, queueType } = this.#options;
    const { properties } = message;
    const call = readCall(method, message.content.toString('utf8'), properties.headers);
    if (this.#options.cancelled.has(properties.correlationId)) {
      // Its caller cancelled it before it came: nobody waits for it, and it must not run.
      this.#options.onSkipCancelled?.();
      return settle(channel, message, true);
    }
    const now = Date.now();
    const brokerCounts = queueType === 'quorum';
    const action = decideDelivery({
      attempts: brokerCounts ? readDeliveryCount(properties.headers) : readAttempts(properties.headers),
      redelivered: message.fields.redelivered,
      brokerCounts,
      deadline: call.deadline,
      now,
      maxDeliveries,
    });
    switch (action.kind) {
      case 'expired':
        return settle(channel, message, true);
      case 'retry': {
        const copy = retryProperties(properties, action.attempts, call.deadline, now);
        const sent = publish(channel, '', this.#queue, message.content, copy);
        // Ack in the same tick as the publish, not on its confirm: RabbitMQ may deliver the copy
        // to this very consumer before confirming it, and a copy that kills the process before
        // the ack left would leave the original to be redelivered, and counted, forever. Both
        // frames leave in one write, in order, so the broker gets the copy, then the ack.
        settle(channel, message, true);
        // Refused (the queue is full): the call cannot wait again, so it ends OVERLOADED.
        if ((await sent) === 'nacked') await this.#reply(channels, channel, message, call.deadline, REFUSED_BODY);
        return;
      }
      case 'dead-letter': {
        const where = { method, queue: this.#queue, attempts: action.attempts, reason: DeadLetterReason.MAX_DELIVERIES };
        // Dead letters must be in the broker before the call is acked: they go on the confirm channel.
        const outcome = await publish(channels.confirmed.channel, DEAD_LETTER_EXCHANGE, method, message.content, deadLetterProperties(properties, where));
        if (outcome === 'lost') {
          // The confirm channel closed, and the server's channels close with it; put the call
          // back now, so that the next delivery decides again.
          return settle(channel, message, false);
        }
        this.#options.onDeadLetter?.();
        if (outcome === 'nacked') this.#options.log.error({ method, attempts: action.attempts }, 'dead-letter queue refused a call; dropped');
        else this.#options.log.warn({ method, attempts: action.attempts }, 'call dead-lettered after failing on every delivery');
        await this.#reply(channels, channel, message, call.deadline, DEAD_LETTER_BODY);
        return settle(channel, message, true);
      }
      case 'run': {
        const delivery: Delivery = {
          call,
          redelivered: action.attempts > 0,
          attempts: action.attempts,
          expectsReply: !!properties.replyTo,
          callId: properties.correlationId,
        };
        const unwatch = this.#options.cancelled.watch(delivery, this.#options.onCancel);
        return fn(delivery).then(
          (body) => {
            unwatch();
            return readConfirmReply(properties.headers) && body !== undefined
              ? this.#answerConfirmed(channels, channel, message, call.deadline, body, delivery.replyTrace)
              : answer(channel, message, body, delivery.replyTrace);
          },
          // Counted as a failed delivery when the broker hands it out again.
          () => {
            unwatch();
            settle(channel, message, false);
          },
        );
      }
    }
  }

  /**
   * Answers a call whose reply queue is replicated (Header.CONFIRM_REPLY): the reply goes on the
   * confirm channel and the call is acked once the broker has the reply, so a node loss between
   * the two leaves the call to be redelivered rather than its reply lost.
   */
  async #answerConfirmed(channels: ServerChannels, channel: Channel, message: ConsumeMessage, deadline: number, body: ReplyBody, trace?: TraceContext): Promise<void> {
    if ((await this.#reply(channels, channel, message, deadline, body, trace)) !== 'lost') settle(channel, message, true);
  }

  /**
   * Answers the caller directly, if it still waits. A reply the caller wants confirmed goes on
   * the confirm channel and is published again, every REPLY_RETRY_MS, while its queue refuses it
   * (a quorum queue has no leader for a moment after its node was lost) and the deadline leaves
   * time. 'lost': the channels closed before the broker confirmed it.
   */
  async #reply(channels: ServerChannels, channel: Channel, message: ConsumeMessage, deadline: number, body: ReplyBody, trace?: TraceContext): Promise<Outcome> {
    const { replyTo, correlationId, headers } = message.properties;
    if (!replyTo || deadline <= Date.now()) return 'sent';
    const options = { correlationId, contentType: JSON_TYPE, headers: traceHeaders(trace) };
    if (!readConfirmReply(headers)) return publish(channel, '', replyTo, Buffer.from(body), options);
    for (;;) {
      const outcome = await publish(channels.confirmed.channel, '', replyTo, Buffer.from(body), options);
      if (outcome !== 'nacked') return outcome;
      if (deadline - Date.now() <= REPLY_RETRY_MS) {
        this.#options.log.warn({ method: this.#options.method, queue: replyTo }, 'reply queue refused the reply until the deadline; dropped');
        return 'nacked';
      }
      await new Promise((resolve) => setTimeout(resolve, REPLY_RETRY_MS));
    }
  }
}

/**
 * Publishes: on a confirm channel, sent (acked), nacked by the broker, or lost with the channel;
 * on a plain one, sent once handed to amqplib (it publishes only to queues that cannot refuse).
 */
function publish(
  channel: Channel,
  exchange: string,
  routingKey: string,
  content: Buffer,
  options: Parameters<Channel['publish']>[3],
): Promise<Outcome> {
  return new Promise((resolve) => {
    try {
      if (!isConfirmChannel(channel)) {
        channel.publish(exchange, routingKey, content, options);
        return resolve('sent');
      }
      channel.publish(exchange, routingKey, content, options, (err) => {
        // amqplib fails pending confirms with 'channel closed' when the channel goes away.
        resolve(err ? (isNack(err) ? 'nacked' : 'lost') : 'sent');
      });
    } catch {
      resolve('lost');
    }
  });
}

function isConfirmChannel(channel: Channel): channel is ConfirmChannel {
  return typeof (channel as Partial<ConfirmChannel>).waitForConfirms === 'function';
}

/**
 * Publishes the reply and acks the call in the same turn, so both leave in one write, the reply
 * first. RabbitMQ handles one channel's frames in order: by the time it takes the ack it has
 * routed the reply. A worker that dies before that write leaves the call to be redelivered.
 * Waiting for the reply's confirm instead would hold the prefetch slot a round trip longer
 * and protect nothing more on a classic reply queue: it lives on one node, and its replies are
 * transient, so they do not outlive that node either way. A caller whose reply queue is
 * replicated asks for the confirm (see #answerConfirmed).
 */
function answer(channel: Channel, message: ConsumeMessage, body: ReplyBody | undefined, trace: TraceContext | undefined): void {
  const { replyTo, correlationId } = message.properties;
  if (body !== undefined && replyTo) {
    try {
      channel.publish('', replyTo, Buffer.from(body), { correlationId, contentType: JSON_TYPE, headers: traceHeaders(trace) });
    } catch {
      // The channel closed: the broker requeues the delivery, and another run replies.
      return;
    }
  }
  settle(channel, message, true);
}

/**
 * Acks, or requeues, a delivery on the channel it came on, if that channel still lives.
 * A requeue is a basic.reject: RabbitMQ 4.3 counts a rejected delivery in a quorum queue's
 * `x-delivery-count`, and no longer a nacked one.
 */
function settle(channel: Channel, message: ConsumeMessage, ok: boolean): void {
  try {
    if (ok) channel.ack(message);
    else channel.reject(message, true);
  } catch {
    // The channel closed: the broker already requeued the delivery.
  }
}
