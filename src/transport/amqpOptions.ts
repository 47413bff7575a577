/** AmqpTransport's options: what each means, its default, and the checks on bad values. */
import type { BackoffPolicy } from 'warren-client/protocol';
import type { Logger } from '../log.ts';
import { silentLogger } from '../log.ts';
import { DEFAULT_QUEUE_TYPE, isQueueType, type QueueType } from '../protocol/routing.ts';
import { parseAmqpUrls } from './amqpUrls.ts';

export const DEFAULT_AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';
/** See AmqpTransportOptions.reconnectHoldMs. */
export const DEFAULT_RECONNECT_HOLD_MS = 2000;

export interface AmqpTransportOptions {
  /**
   * The broker's URL, or its nodes' URLs: a comma-separated list or an array. The transport
   * connects to the first and moves on to the next one, round robin, whenever a connection is
   * lost or an attempt fails (amqpUrls.ts).
   * @default process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672'
   */
  url?: string | readonly string[];
  /** Most calls waiting for a reply at once. @default 100000 */
  maxPending?: number;
  /**
   * How long a call waits for the broker connection when there is none (a reconnect in
   * progress, the broker away): it is published as soon as the connection is back, or answered
   * UNAVAILABLE after this long (or at its deadline, if that comes first). Calls in flight when
   * the connection went wait as long for it. 0 answers them UNAVAILABLE at once. @default 2000
   */
  reconnectHoldMs?: number;
  /** Most calls held at once waiting for the connection; past it new calls get UNAVAILABLE at once. @default 10000 */
  maxHeldCalls?: number;
  /**
   * Ceiling of the first wait before reconnecting, in seconds; each failed attempt doubles it,
   * up to `maxReconnectSeconds`, and each wait is uniform between 0 and its ceiling (full
   * jitter: warren-client's `backoffDelay`, the same backoff as the client's). @default 0.5
   */
  reconnectSeconds?: number;
  /** Largest ceiling of the wait between two attempts to reconnect, in seconds. @default 5 */
  maxReconnectSeconds?: number;
  /** AMQP heartbeat in seconds. @default 5 */
  heartbeatSeconds?: number;
  /** Name RabbitMQ shows for the connection (`rabbitmqctl list_connections client_properties`). @default `warren <pid>` */
  connectionName?: string;
  /**
   * The queue type of the method queues this transport's workers declare, for the methods
   * whose contract (or serve() options) names none: the contract's choice wins, since every
   * worker of a method shares its contract and a queue's type cannot change. `quorum` needs
   * RabbitMQ 3.8 or later and is meant for a cluster (docs/cluster.md). @default 'classic'
   */
  queueType?: QueueType;
  /**
   * The type of this process's reply queue, the queue the replies to its calls come to.
   * `quorum` replicates it over a cluster's nodes, so that the replies to the calls in flight
   * survive the loss of the node it was declared on; the workers then publish each reply to it
   * with a confirm (again while the queue elects a new leader) before they ack the call. Meant
   * for a cluster (docs/cluster.md). @default 'classic'
   */
  replyQueueType?: QueueType;
  log?: Logger;
}

/** The reconnect backoff in the options' units. */
export interface ReconnectBackoff {
  /** Ceiling of the first wait, in seconds. */
  initialSeconds: number;
  /** Largest ceiling, in seconds. */
  maxSeconds: number;
}

/** The reconnect backoff as warren-client's `backoffDelay` takes it: ms, doubling per attempt. */
export function reconnectPolicy(backoff: ReconnectBackoff): BackoffPolicy {
  return { initialDelayMs: backoff.initialSeconds * 1000, maxDelayMs: backoff.maxSeconds * 1000, factor: 2 };
}

export interface ResolvedAmqpOptions {
  urls: string[];
  maxPending: number;
  reconnectHoldMs: number;
  maxHeldCalls: number;
  backoff: ReconnectBackoff;
  heartbeatSeconds: number;
  connectionName: string;
  queueType: QueueType;
  replyQueueType: QueueType;
  log: Logger;
}

function positive(name: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0)) throw new TypeError(`${name} must be a positive number, got ${value}`);
  return value;
}

function checkQueueType(name: string, value: unknown): QueueType {
  if (!isQueueType(value)) throw new TypeError(`${name} must be 'classic' or 'quorum', got ${String(value)}`);
  return value;
}

/** Merges the defaults; a bad value throws a TypeError naming the option. */
export function resolveAmqpOptions(options: AmqpTransportOptions): ResolvedAmqpOptions {
  const maxPending = options.maxPending ?? 100_000;
  if (!(Number.isInteger(maxPending) && maxPending > 0)) throw new TypeError('maxPending must be a positive integer');
  const initialSeconds = positive('reconnectSeconds', options.reconnectSeconds ?? 0.5);
  const maxSeconds = positive('maxReconnectSeconds', options.maxReconnectSeconds ?? 5);
  if (maxSeconds < initialSeconds) throw new TypeError('maxReconnectSeconds must not be below reconnectSeconds');
  const reconnectHoldMs = options.reconnectHoldMs ?? DEFAULT_RECONNECT_HOLD_MS;
  if (!(Number.isFinite(reconnectHoldMs) && reconnectHoldMs >= 0)) {
    throw new TypeError(`reconnectHoldMs must be a number of ms, 0 or more, got ${reconnectHoldMs}`);
  }
  const maxHeldCalls = options.maxHeldCalls ?? 10_000;
  if (!(Number.isInteger(maxHeldCalls) && maxHeldCalls > 0)) throw new TypeError(`maxHeldCalls must be a positive integer, got ${maxHeldCalls}`);
  return {
    urls: parseAmqpUrls(options.url ?? process.env.AMQP_URL ?? DEFAULT_AMQP_URL),
    maxPending,
    reconnectHoldMs,
    maxHeldCalls,
    backoff: { initialSeconds, maxSeconds },
    heartbeatSeconds: positive('heartbeatSeconds', options.heartbeatSeconds ?? 5),
    connectionName: options.connectionName ?? `warren ${process.pid}`,
    queueType: checkQueueType('queueType', options.queueType ?? DEFAULT_QUEUE_TYPE),
    replyQueueType: checkQueueType('replyQueueType', options.replyQueueType ?? DEFAULT_QUEUE_TYPE),
    log: options.log ?? silentLogger,
  };
}
