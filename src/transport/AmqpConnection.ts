/**
 * One process's connection to RabbitMQ, and the channel groups on it (AmqpChannelGroup.ts).
 *
 * Reconnection is amqplib's own recovery (`connect(url, { recovery })`, part of its documented
 * API), with Warren's backoff as its delay: warren-client's `backoffDelay`, full jitter, the
 * same algorithm the client uses to reach a gateway. On every new connection this class
 * names it for `rabbitmqctl`, turns Nagle's algorithm off, makes a turn's frames leave in
 * one write (coalesceWrites.ts), and sets every channel group up on it.
 *
 * With several nodes (a cluster), it connects to the first, and every lost connection or failed
 * attempt moves the next attempt to the next node in the list, round robin: the URL amqplib
 * connects with is its object form, whose fields are changed between attempts
 * (amqplibInternals.ts). Each connect is logged with the node it reached.
 *
 * Nothing here is buffered while the broker is away: the groups' channels are gone, and the
 * sides built on them decide what their calls do meanwhile (see AmqpCaller, AmqpServer).
 */
import amqplib, { type ChannelModel, type RecoveringChannelModel } from 'amqplib';
import { backoffDelay, ErrorCode, WarrenError, type BackoffPolicy } from 'warren-client/protocol';
import type { Logger } from '../log.ts';
import { ChannelGroup, type GroupSetup } from './AmqpChannelGroup.ts';
import { reconnectPolicy, type ReconnectBackoff } from './amqpOptions.ts';
import { amqpSocket } from './amqplibInternals.ts';
import { connectFields, safeUrl, type ConnectFields } from './amqpUrls.ts';
import { coalesceWrites } from './coalesceWrites.ts';

export interface AmqpConnectionOptions {
  /** The nodes, tried in this order (parseAmqpUrls checked them). */
  urls: readonly string[];
  heartbeatSeconds: number;
  backoff: ReconnectBackoff;
  connectionName: string;
  log: Logger;
}

/** A connection attempt to a host that never answers gives up after this long, and is retried. */
const CONNECT_TIMEOUT_MS = 10_000;
/** How long close() waits for RabbitMQ to confirm the channels' close before closing the connection. */
const CLOSE_CHANNELS_MS = 2_000;

export class AmqpConnection {
  readonly #options: AmqpConnectionOptions;
  readonly #backoff: BackoffPolicy;
  readonly #groups = new Set<ChannelGroup<unknown>>();
  /** Called on every change of readiness; see until(). */
  readonly #watchers = new Set<() => void>();
  readonly #recovering: Promise<RecoveringChannelModel | undefined>;
  #model: ChannelModel | undefined;
  #closing = false;
  /** Connections made so far; all but the first were reconnects. */
  #connects = 0;
  /** The node of the current connection, or of the next attempt while there is none. */
  #node = 0;
  /** What amqplib connects with: the fields of urls[#node], replaced in place on every move. */
  readonly #target: ConnectFields;

  /** Begins connecting at once, and keeps reconnecting until close(). */
  constructor(options: AmqpConnectionOptions) {
    this.#options = options;
    this.#backoff = reconnectPolicy(options.backoff);
    const { connectionName, log } = options;
    this.#target = this.#fieldsOf(0);
    this.#recovering = amqplib
      .connect(this.#target, {
        // Nagle's algorithm on the AMQP socket costs ~40 ms per call at low load.
        noDelay: true,
        timeout: CONNECT_TIMEOUT_MS,
        clientProperties: { connection_name: connectionName },
        recovery: {
          // Returns at once; the first attempt waits for the listeners below.
          waitForConnect: false,
          maxRetries: Number.POSITIVE_INFINITY,
          // amqplib counts attempts from 1.
          calculateDelay: (attempt: number) => backoffDelay(attempt - 1, this.#backoff),
        },
      })
      .then((recovering) => {
        // From 'disconnect' to the next scheduled attempt: which of the two waits it is.
        let afterDisconnect = false;
        // Every error also closes the connection, and recovery handles that.
        recovering.on('error', () => {});
        // The node the failed attempt or the lost connection was on.
        let from = this.#nodeUrl();
        recovering.on('connect', (model: ChannelModel) => this.#connected(model));
        recovering.on('disconnect', () => {
          this.#model = undefined;
          afterDisconnect = true;
          from = this.#moveOn();
          this.#changed();
        });
        recovering.on('connect-failed', () => {
          from = this.#moveOn();
        });
        recovering.on('reconnect-scheduled', ({ delay, error }: { delay: number; error?: Error }) => {
          if (this.#closing) return;
          const where = { url: from, next: this.#nodeUrl(), err: error?.message, retryInMs: delay };
          if (afterDisconnect) log.warn(where, 'disconnected from RabbitMQ; reconnecting');
          else log.warn(where, 'RabbitMQ unreachable; retrying');
          afterDisconnect = false;
        });
        recovering.on('blocked', (reason: string) => log.warn({ reason }, 'RabbitMQ blocked the connection'));
        if (this.#closing) return recovering.close().then(() => undefined);
        return recovering;
      });
    this.#recovering.catch((err: Error) => log.error({ err: err.message }, 'cannot start connecting to RabbitMQ'));
  }

  /** Fields of one node's URL, with the heartbeat. */
  #fieldsOf(node: number): ConnectFields {
    return connectFields(this.#options.urls[node]!, this.#options.heartbeatSeconds);
  }

  /** The current node's URL as logs show it. */
  #nodeUrl(): string {
    return safeUrl(this.#options.urls[this.#node]!);
  }

  /** Points the next attempt at the next node; returns the URL of the one it leaves. */
  #moveOn(): string {
    const left = this.#nodeUrl();
    const { urls } = this.#options;
    if (urls.length > 1) {
      this.#node = (this.#node + 1) % urls.length;
      const target = this.#target as unknown as Record<string, unknown>;
      for (const key of Object.keys(target)) delete target[key];
      Object.assign(target, this.#fieldsOf(this.#node));
    }
    return left;
  }

  /** Connections made again after one was lost. */
  get reconnects(): number {
    return Math.max(0, this.#connects - 1);
  }

  /** The URL of the node connected to now, or tried next (credentials hidden). */
  get node(): string {
    return this.#nodeUrl();
  }

  #connected(model: ChannelModel): void {
    const { log } = this.#options;
    if (this.#closing) return;
    const socket = amqpSocket(model);
    if (socket) coalesceWrites(socket);
    else log.warn('cannot reach the AMQP socket: frames are written one system call each');
    this.#model = model;
    this.#connects++;
    const { urls } = this.#options;
    log.info({ url: this.#nodeUrl(), node: `${this.#node + 1}/${urls.length}` }, 'connected to RabbitMQ');
    for (const group of this.#groups) group.open(model);
    this.#changed();
  }

  /**
   * Channels opened together by `setup` on every connection, from now on (and on the current
   * one at once): one side of the transport.
   */
  group<T>(name: string, setup: GroupSetup<T>, options: { readyWithoutFollowers?: boolean } = {}): ChannelGroup<T> {
    const group = new ChannelGroup(name, setup, {
      log: this.#options.log,
      backoff: this.#backoff,
      isLive: (model) => !this.#closing && this.#model === model,
      changed: () => this.#changed(),
      ...options,
    });
    this.#groups.add(group as ChannelGroup<unknown>);
    if (this.#model) group.open(this.#model);
    return group;
  }

  /** The connection now, undefined while there is none. */
  get model(): ChannelModel | undefined {
    return this.#model;
  }

  /** Connected to RabbitMQ (the channel groups may still be opening). */
  isConnected(): boolean {
    return !this.#closing && this.#model !== undefined;
  }

  /** Connected, and every channel group set up with its followers started. */
  isReady(): boolean {
    if (!this.isConnected()) return false;
    for (const group of this.#groups) if (!group.isReady()) return false;
    return true;
  }

  /** Resolves once ready (see isReady); rejects UNAVAILABLE after `timeoutMs`. */
  async whenReady(timeoutMs = Number.POSITIVE_INFINITY): Promise<void> {
    if (!(await this.until(() => this.isReady(), timeoutMs))) {
      throw new WarrenError(ErrorCode.UNAVAILABLE, `RabbitMQ not ready after ${timeoutMs} ms`);
    }
  }

  /** Resolves true once `check` holds (checked on every change of readiness), false after `timeoutMs`. */
  until(check: () => boolean, timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    if (check()) return Promise.resolve(true);
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (held: boolean) => {
        this.#watchers.delete(watcher);
        clearTimeout(timer);
        resolve(held);
      };
      const watcher = () => {
        if (check()) done(true);
      };
      this.#watchers.add(watcher);
      if (Number.isFinite(timeoutMs)) timer = setTimeout(() => done(false), timeoutMs);
    });
  }

  #changed(): void {
    for (const watcher of [...this.#watchers]) watcher();
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    const stopped = Promise.all([...this.#groups].map((group) => group.stop()));
    this.#model = undefined;
    this.#changed();
    // A broker that stopped answering never confirms a channel's close: do not wait for it forever.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([stopped, new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_CHANNELS_MS)))]);
    clearTimeout(timer);
    const recovering = await this.#recovering.catch(() => undefined);
    await recovering?.close().catch(() => {});
  }
}

/**
 * Declares a queue on a channel of its own. RabbitMQ answers a declaration whose arguments
 * differ from the existing queue's with PRECONDITION_FAILED, which closes the channel it came
 * on; on a group's channel that would close the whole group. Resolves to RabbitMQ's refusal
 * text for that case, so the caller can say what to do, and to undefined once declared.
 */
export async function declareQueue(
  model: ChannelModel,
  queue: string,
  options: { durable: boolean; arguments: Record<string, unknown> },
): Promise<string | undefined> {
  const probe = await model.createChannel();
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

/**
 * Whether a queue exists (a passive declare), on a channel of its own: RabbitMQ answers a
 * missing queue, or one whose node is down, with NOT_FOUND, which closes the channel it came on.
 */
export async function queueExists(model: ChannelModel, queue: string): Promise<boolean> {
  const probe = await model.createChannel();
  probe.on('error', () => {});
  try {
    await probe.checkQueue(queue);
  } catch (err) {
    if ((err as { code?: number }).code === 404) return false;
    throw err;
  }
  await probe.close().catch(() => {});
  return true;
}
