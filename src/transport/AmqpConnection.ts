/**
 * One process's connection to RabbitMQ and the channels ("lanes") on it.
 *
 * amqp-connection-manager owns reconnection: it reruns each channel's setup (topology,
 * consumers) once on every new connection. This class turns its fixed retry delay into an
 * exponential backoff with jitter, names the connection for `rabbitmqctl`, keeps the raw
 * confirm channel of each lane's latest setup for the hot path, and declares queues where a
 * refusal cannot take a lane down.
 */
import amqp, { type AmqpConnectionManager, type ChannelWrapper } from 'amqp-connection-manager';
import type { Channel, ConfirmChannel } from 'amqplib';
import type { Logger } from '../log.ts';
import { ErrorCode, WarrenError } from 'warren-client/protocol';
import { amqpSocket, coalesceWrites } from './coalesceWrites.ts';
import { reconnectDelay, type BackoffOptions } from './reconnectDelay.ts';

/** A channel wrapper plus the raw channel its latest setup received. */
export interface Lane<C extends Channel = ConfirmChannel> {
  wrapper: ChannelWrapper;
  channel: C | undefined;
  /** False from a publish() that returned false until the channel's 'drain'. */
  writable: boolean;
}

export interface AmqpConnectionOptions {
  url: string;
  heartbeatSeconds: number;
  backoff: BackoffOptions;
  connectionName: string;
  log: Logger;
}

export class AmqpConnection {
  readonly #options: AmqpConnectionOptions;
  readonly #lanes: Lane<Channel>[] = [];
  /** Failed attempts since the last successful connect. */
  #retries = 0;
  #closing = false;
  /** Forced reconnects after a channel error, counted for their backoff. */
  #recoveries = 0;
  #lastRecoveryAt = -Infinity;
  #recovery: ReturnType<typeof setTimeout> | undefined;
  readonly manager: AmqpConnectionManager;

  /** Begins connecting at once, and keeps reconnecting until close(). */
  constructor(options: AmqpConnectionOptions) {
    this.#options = options;
    const { url, heartbeatSeconds, backoff, connectionName, log } = options;
    const safeUrl = url.replace(/\/\/[^@/]*@/, '//***@');
    const manager = amqp.connect([url], {
      connectionOptions: {
        // Nagle's algorithm on the AMQP socket costs ~40 ms per call at low load.
        noDelay: true,
        clientProperties: { connection_name: connectionName },
      },
      heartbeatIntervalInSeconds: heartbeatSeconds,
      reconnectTimeInSeconds: backoff.initialSeconds,
    });
    // The manager reads `reconnectTimeInSeconds` right after emitting 'disconnect' or
    // 'connectFailed', before it waits; setting it here turns its fixed delay into a backoff.
    const nextDelay = () => {
      manager.reconnectTimeInSeconds = reconnectDelay(this.#retries++, backoff);
      return Math.round(manager.reconnectTimeInSeconds * 1000);
    };
    manager.on('connect', ({ connection }) => {
      const socket = amqpSocket(connection);
      if (socket) coalesceWrites(socket);
      else log.warn('cannot reach the AMQP socket: frames are written one system call each');
      this.#retries = 0;
      manager.reconnectTimeInSeconds = backoff.initialSeconds;
      log.info({ url: safeUrl }, 'connected to RabbitMQ');
    });
    manager.on('disconnect', ({ err }) => {
      const retryInMs = nextDelay();
      if (!this.#closing) log.warn({ err: err?.message, retryInMs }, 'disconnected from RabbitMQ; reconnecting');
    });
    manager.on('connectFailed', ({ err }) => {
      const retryInMs = nextDelay();
      log.warn({ url: safeUrl, err: err?.message, retryInMs }, 'RabbitMQ unreachable; retrying');
    });
    manager.on('blocked', ({ reason }) => log.warn({ reason }, 'RabbitMQ blocked the connection'));
    this.manager = manager;
  }

  /** Opens a confirm channel whose `setup` runs on every new connection. */
  lane(name: string, setup: (channel: ConfirmChannel) => Promise<void>): Lane {
    return this.#open(name, true, setup);
  }

  /** The same without publisher confirms: for publishes nobody would wait on. */
  plainLane(name: string, setup: (channel: Channel) => Promise<void>): Lane<Channel> {
    return this.#open(name, false, setup);
  }

  #open<C extends Channel>(name: string, confirm: boolean, setup: (channel: C) => Promise<void>): Lane<C> {
    const { log } = this.#options;
    const lane: Lane<C> = { wrapper: undefined as never, channel: undefined, writable: true };
    lane.wrapper = this.manager.createChannel({
      name,
      confirm,
      setup: async (raw: Channel) => {
        const channel = raw as C;
        let failed = false;
        channel.on('close', () => {
          if (lane.channel === channel) lane.channel = undefined;
          if (failed) this.#recover(name);
        });
        channel.on('error', (err) => {
          // The broker closed this channel alone (an error on it); the connection stays up.
          failed = true;
          log.warn({ err: err.message, channel: name }, 'AMQP channel error');
        });
        channel.on('drain', () => {
          if (lane.channel === channel) lane.writable = true;
        });
        await setup(channel);
        lane.channel = channel;
        lane.writable = true;
      },
    });
    lane.wrapper.on('error', (err) => log.warn({ err: (err as Error).message, channel: name }, 'AMQP channel error'));
    this.#lanes.push(lane as Lane<Channel>);
    return lane;
  }

  /**
   * amqp-connection-manager opens a lane's channel again only on the next connection: a channel
   * the broker closed over an error (a deleted exchange, say) would stay closed, and its lane
   * answer UNAVAILABLE, for as long as the connection lives. Reconnecting sets every lane up again.
   */
  #recover(name: string): void {
    if (this.#recovery) return;
    // With the reconnect backoff, so a setup that fails every time cannot spin.
    const now = performance.now();
    if (now - this.#lastRecoveryAt > 60_000) this.#recoveries = 0;
    this.#lastRecoveryAt = now;
    const delayMs = Math.round(reconnectDelay(this.#recoveries++, this.#options.backoff) * 1000);
    this.#options.log.error({ channel: name, retryInMs: delayMs }, 'RabbitMQ closed a channel over an error; reconnecting to set it up again');
    this.#recovery = setTimeout(() => {
      this.#recovery = undefined;
      if (!this.#closing && this.manager.isConnected()) this.manager.reconnect();
    }, delayMs);
  }

  /** Connected, and every lane has a channel set up. */
  isReady(): boolean {
    return this.manager.isConnected() && this.#lanes.every((lane) => !!lane.channel);
  }

  /** Resolves once connected and every lane is set up; rejects UNAVAILABLE after `timeoutMs`. */
  async whenReady(timeoutMs = Number.POSITIVE_INFINITY): Promise<void> {
    const manager = this.manager;
    const connected = manager.isConnected() ? Promise.resolve() : new Promise<void>((resolve) => manager.once('connect', () => resolve()));
    const ready = Promise.all([connected, ...this.#lanes.map((lane) => lane.wrapper.waitForConnect())]);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      if (!Number.isFinite(timeoutMs)) return;
      timer = setTimeout(() => reject(new WarrenError(ErrorCode.UNAVAILABLE, `RabbitMQ not ready after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([ready, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Declares a queue on a channel of its own. RabbitMQ answers a declaration whose arguments
   * differ from the existing queue's with PRECONDITION_FAILED, which closes the channel it
   * came on; on a shared channel that would silently stop every consumer of the lane until
   * the next reconnect. Resolves to RabbitMQ's refusal text for that case, so the caller can
   * say what to do, and to undefined once declared.
   */
  async declareQueue(queue: string, options: { durable: boolean; arguments: Record<string, unknown> }): Promise<string | undefined> {
    const connection = this.manager.connection;
    if (!connection) throw new Error('not connected');
    const probe = await connection.createChannel();
    probe.on('error', () => {});
    try {
      await probe.assertQueue(queue, options);
    } catch (err) {
      if ((err as { code?: number }).code === 406) return (err as Error).message;
      throw err;
    }
    await probe.close().catch(() => {});
    return undefined;
  }

  async close(): Promise<void> {
    this.#closing = true;
    clearTimeout(this.#recovery);
    await Promise.all(this.#lanes.map((lane) => lane.wrapper.close()));
    await this.manager.close();
  }
}
