/**
 * The worker side of an ordered method on RabbitMQ (a contract with `orderBy`): consumes every
 * shard queue of the method (orderShards.ts), each a quorum queue with a single active
 * consumer, one delivery at a time, and moves shards between the workers so they spread.
 *
 * Order. The gateway publishes every call of one key to one shard, on one channel, so the shard
 * holds them in the order the gateway received them. RabbitMQ delivers a shard to one consumer
 * at a time, and each shard has a channel of its own with a prefetch of 1: its next call comes
 * only after the previous one is answered and acked. A shard changes hands only when the channel
 * of its consumer closes (the worker died, or gave the shard away): the quorum queue then hands
 * the calls that channel held back to the next consumer before any call behind them.
 *
 * Giving a shard away is never a basic.cancel: RabbitMQ makes the next consumer active at
 * once, while the cancelled one may still hold a delivery sent before the cancel arrived, and
 * the two would run calls of one key side by side. The worker holds (does not run) what
 * arrives, waits for the call it runs to be acked, then closes the shard's channel, which
 * returns the held delivery to the head of the shard; it consumes the shard again at once, now
 * behind the other workers' consumers. A held delivery counts as a delivery (the quorum queue's
 * x-delivery-count), so its next run sees `redelivered`.
 *
 * Spreading. RabbitMQ makes the first consumer of a shard the active one, so the worker that
 * starts first would get every shard. Every `roundMs` each worker sends a probe to every shard
 * carrying its report (how many shards it is active on, how many ran calls lately); the
 * active consumer of the shard acks it, and so learns that it is active there and hears every
 * other worker. From that, shardBalance.ts decides which shards to give away.
 */
import { randomUUID } from 'node:crypto';
import type { Channel, ConsumeMessage } from 'amqplib';
import { ORDER_SHARDS, PROBE_HEADER, readProbe, shardQueue, shardQueueArguments, shardRoutingKey, type ShardReport } from '../protocol/orderShards.ts';
import { AmqpMethodConsumer, type MethodConsumerOptions, type ServerChannels } from './AmqpMethodConsumer.ts';
import { shardsToYield } from './shardBalance.ts';

export interface ShardConsumerOptions extends Omit<MethodConsumerOptions, 'shard' | 'prefetch' | 'queueType'> {
  /** The probe round. @default 500 */
  roundMs?: number;
}

/**
 * The probe round, by default. A death needs no round (the other workers already wait on every
 * shard); a new worker gets its first shard within a few rounds, and, when every shard is busy,
 * one more every 4 rounds (bench/README.md, "Ordered calls": 7–8.7 s to a share of 4).
 */
export const SHARD_ROUND_MS = 500;

interface Shard {
  index: number;
  queue: string;
  consumer: AmqpMethodConsumer | undefined;
  channel: Channel | undefined;
  /** performance.now() of its last delivery (a probe or a call); a delivery says this worker is its active consumer. */
  deliveredAt: number;
  /** Of its last call. */
  calledAt: number;
  /** Being given away (or closed): what arrives is held, not run. */
  leaving: boolean;
}

export class AmqpShardConsumer {
  readonly #options: ShardConsumerOptions;
  readonly #roundMs: number;
  readonly #id = randomUUID();
  readonly #shards: Shard[];
  readonly #peers = new Map<string, { report: ShardReport; at: number }>();
  #channels: ServerChannels | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** performance.now() of the last busy shard given away. */
  #movedAt = Number.NEGATIVE_INFINITY;
  #cancelled = false;
  /** Shard channels of older server channels, closing. */
  #closing: Promise<void> = Promise.resolve();

  constructor(options: ShardConsumerOptions) {
    this.#options = options;
    this.#roundMs = options.roundMs ?? SHARD_ROUND_MS;
    this.#shards = Array.from({ length: ORDER_SHARDS }, (_, index) => ({
      index,
      queue: shardQueue(options.method, index),
      consumer: undefined,
      channel: undefined,
      deliveredAt: Number.NEGATIVE_INFINITY,
      calledAt: Number.NEGATIVE_INFINITY,
      leaving: false,
    }));
  }

  /** Shards this worker is the active consumer of, as its last probes and calls said (tests, logs). */
  get active(): number[] {
    const since = performance.now() - 2.5 * this.#roundMs;
    return this.#shards.filter((shard) => !shard.leaving && shard.channel && shard.deliveredAt >= since).map((shard) => shard.index);
  }

  /** Consumes every shard on a new set of the server's channels (a ChannelGroup follower). */
  readonly start = async (channels: ServerChannels): Promise<void> => {
    this.#channels = channels;
    await this.#closing;
    // The shards must not outlive the channels their dead letters and decisions go on.
    channels.confirmed.channel.once('close', () => {
      if (this.#channels === channels) this.#channels = undefined;
      this.#closing = Promise.all(this.#shards.map((shard) => this.#close(shard))).then(() => {});
    });
    await Promise.all(this.#shards.map((shard) => this.#consume(shard, channels)));
    this.#timer ??= setInterval(() => this.#round(), this.#roundMs);
    this.#timer.unref?.();
    if (this.#cancelled) await this.cancel();
  };

  /** Stops every shard: each closes once the call it runs is acked, handing what it holds to the next consumer. */
  async cancel(): Promise<void> {
    this.#cancelled = true;
    clearInterval(this.#timer);
    this.#channels = undefined;
    await Promise.all(this.#shards.map((shard) => this.#close(shard)));
  }

  async #consume(shard: Shard, channels: ServerChannels): Promise<void> {
    if (this.#cancelled || this.#channels !== channels) return;
    const channel = await channels.model.createChannel();
    channel.on('error', (err: Error) => this.#options.log.warn({ err: err.message, queue: shard.queue }, 'AMQP shard channel error'));
    channel.on('close', () => {
      if (shard.channel !== channel) return;
      // Closed by the broker (an error on it): consume the shard again on these channels, if they live.
      shard.channel = undefined;
      shard.consumer = undefined;
      setTimeout(() => void this.#consume(shard, channels).catch(() => {}), this.#roundMs).unref?.();
    });
    shard.channel = channel;
    shard.leaving = false;
    const { roundMs: _roundMs, ...options } = this.#options;
    const consumer = new AmqpMethodConsumer({
      ...options,
      prefetch: 1,
      queueType: 'quorum',
      shard: {
        queue: shard.queue,
        routingKey: shardRoutingKey(options.method, shard.index),
        arguments: shardQueueArguments({ maxQueueLength: options.maxQueueLength, maxDeliveries: options.maxDeliveries }),
        intercept: (message) => this.#intercept(shard, message),
      },
    });
    shard.consumer = consumer;
    await consumer.start({ model: channels.model, confirmed: channels.confirmed, control: channels.control, deliveries: { name: `shard ${shard.index}`, channel, writable: true } });
  }

  #intercept(shard: Shard, message: ConsumeMessage): 'run' | 'ack' | 'hold' {
    const now = performance.now();
    if (message.properties.headers?.[PROBE_HEADER] !== undefined) {
      const report = readProbe(message.properties.headers);
      if (report && report.id !== this.#id) this.#peers.set(report.id, { report, at: now });
      if (!shard.leaving) shard.deliveredAt = now;
      return 'ack';
    }
    if (shard.leaving) return 'hold';
    shard.deliveredAt = now;
    shard.calledAt = now;
    return 'run';
  }

  /** Closes a shard's channel once nothing of it runs; what it holds goes back to the shard's head. */
  async #close(shard: Shard): Promise<void> {
    const { channel, consumer } = shard;
    shard.leaving = true;
    shard.deliveredAt = Number.NEGATIVE_INFINITY;
    shard.calledAt = Number.NEGATIVE_INFINITY;
    await consumer?.settled();
    if (shard.channel === channel) {
      shard.channel = undefined;
      shard.consumer = undefined;
    }
    await channel?.close().catch(() => {});
  }

  /** Gives a shard away: closes it, and consumes it again behind the other workers' consumers. */
  async #yield(shard: Shard): Promise<void> {
    const channels = this.#channels;
    await this.#close(shard);
    if (channels) await this.#consume(shard, channels);
  }

  /** Probes every shard with this worker's report, then gives away what is over its share. */
  #round(): void {
    const channels = this.#channels;
    if (!channels || this.#cancelled) return;
    const now = performance.now();
    const active = this.active;
    const activeSet = new Set(active);
    const recent = now - 3 * this.#roundMs;
    const busy = this.#shards
      .filter((shard) => activeSet.has(shard.index) && shard.calledAt >= recent)
      .sort((a, b) => a.calledAt - b.calledAt)
      .map((shard) => shard.index);
    for (const [id, peer] of this.#peers) if (peer.at < recent) this.#peers.delete(id);
    const report: ShardReport = { id: this.#id, active: active.length, busy: busy.length };
    const probe = { contentType: 'application/json', expiration: String(2 * this.#roundMs), headers: { [PROBE_HEADER]: JSON.stringify(report) } };
    try {
      for (const shard of this.#shards) channels.deliveries.channel.publish('', shard.queue, Buffer.from('{}'), probe);
    } catch {
      return; // The channels closed: the next set starts over.
    }
    const yielded = shardsToYield({
      active,
      busy,
      peers: [...this.#peers.values()].map(({ report: peer }) => peer),
      shards: ORDER_SHARDS,
      settling: now - this.#movedAt < 4 * this.#roundMs,
    });
    const busySet = new Set(busy);
    for (const index of yielded) {
      if (busySet.has(index)) this.#movedAt = now;
      void this.#yield(this.#shards[index]!).catch((err: Error) =>
        this.#options.log.warn({ err: err.message, queue: this.#shards[index]!.queue }, 'giving a shard away failed; it is consumed again on the next channels'),
      );
    }
    if (yielded.length > 0) this.#options.log.debug({ method: this.#options.method, yielded, active, busy, workers: this.#peers.size + 1 }, 'shards given away');
  }
}
