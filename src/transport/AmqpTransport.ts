/**
 * The RabbitMQ transport. Calls go to the direct exchange `warren.rpc` with the method as
 * routing key, into a durable queue per method; replies come back to this process's own
 * reply queue (durable, expiring once unused: see AmqpCaller) by correlation id; events go
 * through the topic exchange `warren.events` to one exclusive queue per subscribing process.
 *
 * One connection (AmqpConnection: reconnection with backoff), and on it one side per role,
 * each opened on its first use with channels of its own:
 * - AmqpCaller (request, notify, onEvent, bindEvent): publishes calls, consumes replies and events;
 * - AmqpServer (serve, publishEvent): consumes method queues, replies, retries, dead-letters, emits;
 * - the history readers (history): read replayable events' streams (AmqpEventHistory).
 * A gateway never opens the server's channels, and a worker never opens a reply queue;
 * `warren serve` opens both.
 */
import { callRoutingKey } from '../protocol/orderShards.ts';
import { randomUUID } from 'node:crypto';
import type { Call, CallLocal } from '../protocol/call.ts';
import type { Logger } from '../log.ts';
import { AmqpCaller } from './AmqpCaller.ts';
import { AmqpConnection } from './AmqpConnection.ts';
import { AmqpServer } from './AmqpServer.ts';
import { unavailableBody } from '../protocol/errors.ts';
import { resolveAmqpOptions, type AmqpTransportOptions, type ResolvedAmqpOptions } from './amqpOptions.ts';
import type { Consumer, EventHistory, EventMessage, ReplyFn, ServeFn, ServeOptions, Transport } from './Transport.ts';
import { AmqpEventHistory, StreamDeclarations, historyGroup, type HistoryChannels } from './AmqpEventHistory.ts';
import type { ChannelGroup } from './AmqpChannelGroup.ts';
import type { Retention } from '../protocol/retention.ts';

export { DEFAULT_AMQP_URL, DEFAULT_RECONNECT_HOLD_MS, type AmqpTransportOptions } from './amqpOptions.ts';

export class AmqpTransport implements Transport {
  readonly kind = 'amqp' as const;
  readonly #options: ResolvedAmqpOptions;
  readonly #log: Logger;
  readonly #id = randomUUID();
  #connection: AmqpConnection | undefined;
  #caller: AmqpCaller | undefined;
  #server: AmqpServer | undefined;
  /** onEvent() came before start(): the caller side opens with the connection. */
  #callerWanted = false;
  #listener: (message: EventMessage) => void = () => {};
  #closing = false;
  #historyGroup: ChannelGroup<HistoryChannels> | undefined;
  readonly #histories = new Map<string, AmqpEventHistory>();
  /** One record of declared streams for both sides, so `warren serve` declares each once per connection. */
  readonly #streams: StreamDeclarations;

  constructor(options: AmqpTransportOptions = {}) {
    this.#options = resolveAmqpOptions(options);
    this.#log = this.#options.log;
    this.#streams = new StreamDeclarations(this.#log);
  }

  /** Broker connections made again after one was lost. */
  get reconnects(): number {
    return this.#connection?.reconnects ?? 0;
  }

  /** Calls in flight waiting for a reply. */
  get pendingCount(): number {
    return this.#caller?.pendingCount ?? 0;
  }

  start(): void {
    if (this.#connection) return;
    const { urls, heartbeatSeconds, backoff, connectionName, log } = this.#options;
    this.#connection = new AmqpConnection({ urls, heartbeatSeconds, backoff, connectionName, log });
    if (this.#callerWanted) this.#callerSide();
  }

  get #conn(): AmqpConnection {
    if (!this.#connection) throw new Error('AmqpTransport: start() was not called');
    return this.#connection;
  }

  /** The caller side, opened on first use; undefined before start(). */
  #callerSide(): AmqpCaller | undefined {
    if (!this.#connection) return undefined;
    // Opened with the caller, so that a first replayable subscription does not make the
    // transport unready (every group must be set up) while its channel opens.
    this.#historyGroup ??= historyGroup(this.#connection);
    return (this.#caller ??= new AmqpCaller({
      connection: this.#connection,
      id: this.#id,
      maxPending: this.#options.maxPending,
      reconnectHoldMs: this.#options.reconnectHoldMs,
      maxHeldCalls: this.#options.maxHeldCalls,
      replyQueueType: this.#options.replyQueueType,
      log: this.#log,
      onEvent: (message) => this.#listener(message),
    }));
  }

  /** The server side, opened on first use. */
  #serverSide(): AmqpServer {
    return (this.#server ??= new AmqpServer(this.#conn, { log: this.#log, queueType: this.#options.queueType, streams: this.#streams }));
  }

  /** Also rejects, at once, when a method queue turns out to exist as another type (queueTypeMismatch.ts). */
  async whenReady(timeoutMs = 30_000): Promise<void> {
    const connection = this.#conn;
    let unlisten = () => {};
    const mismatched = new Promise<never>((_, reject) => {
      const found = this.#server?.mismatch(reject);
      if (found?.error) reject(found.error);
      if (found) unlisten = found.unlisten;
    });
    try {
      await Promise.race([connection.whenReady(timeoutMs), mismatched]);
    } finally {
      unlisten();
    }
  }

  /** Connected, and every side opened so far set up. */
  isReady(): boolean {
    return !this.#closing && !!this.#connection?.isReady();
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    await this.#server?.close();
    await this.#caller?.close();
    await this.#connection?.close();
  }

  request(call: Call, onReply: ReplyFn, local?: CallLocal): () => void {
    const caller = this.#closing ? undefined : this.#callerSide();
    if (!caller) {
      onReply(unavailableBody('Broker unavailable'));
      return () => {};
    }
    return caller.request(call, onReply, local?.bounded === true, local?.idempotent === true, callRoutingKey(call.method, local?.orderKey));
  }

  /** Of `local`, only the order key matters here: a notification's refusal would tell nobody anything. */
  notify(call: Call, local?: CallLocal): void {
    if (!this.#closing) this.#callerSide()?.notify(call, callRoutingKey(call.method, local?.orderKey));
  }

  serve(method: string, fn: ServeFn, options?: ServeOptions): Promise<Consumer> {
    return this.#serverSide().serve(method, fn, options);
  }

  history(event: string, retention: Retention): EventHistory {
    let history = this.#histories.get(event);
    if (!history) {
      this.#historyGroup ??= historyGroup(this.#conn);
      history = new AmqpEventHistory(event, retention, this.#historyGroup, this.#streams);
      this.#histories.set(event, history);
    }
    return history;
  }

  publishEvent(message: EventMessage, retention?: Retention): Promise<void> {
    return this.#serverSide().publishEvent(message, retention);
  }

  onEvent(listener: (message: EventMessage) => void): void {
    this.#listener = listener;
    this.#callerWanted = true;
    this.#callerSide();
  }

  async bindEvent(event: string, topic?: string): Promise<void> {
    await this.#callerSide()?.bindEvent(event, topic);
  }

  async unbindEvent(event: string, topic?: string): Promise<void> {
    await this.#callerSide()?.unbindEvent(event, topic);
  }
}
