/**
 * Broker housekeeping for the harness: empty the bench's method queues before an amqp
 * system starts (so no stale call from an earlier run is served inside a measurement), and
 * delete everything the bench declared once it is done. Each operation gets its own channel,
 * because RabbitMQ closes a channel on a 404.
 */
import amqp, { type Channel, type ChannelModel } from 'amqplib';

const URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** The durable queues the bench service makes Warren declare. */
export const WARREN_QUEUES = ['warren.rpc.bench.echo', 'warren.rpc.bench.validate', 'warren.rpc.bench.emit', 'warren.rpc.bench.emitKept', 'warren.stream.bench.kept'];
export const BASELINE_PREFIX = 'benchbase';
export const BASELINE_QUEUES = [`${BASELINE_PREFIX}.rpc.bench.echo`, `${BASELINE_PREFIX}.rpc.bench.validate`];
export const BASELINE_EXCHANGE = `${BASELINE_PREFIX}.rpc`;

async function withConnection<T>(fn: (connection: ChannelModel) => Promise<T>): Promise<T> {
  const connection = await amqp.connect(URL, { timeout: 5000 });
  connection.on('error', () => {});
  try {
    return await fn(connection);
  } finally {
    await connection.close().catch(() => {});
  }
}

async function eachOnOwnChannel(connection: ChannelModel, names: string[], op: (channel: Channel, name: string) => Promise<unknown>): Promise<void> {
  for (const name of names) {
    const channel = await connection.createChannel();
    channel.on('error', () => {});
    await op(channel, name).catch(() => {});
    await channel.close().catch(() => {});
  }
}

/** Drops waiting messages from queues that exist; missing queues are fine. */
export function purgeQueues(queues: string[]): Promise<void> {
  return withConnection((connection) => eachOnOwnChannel(connection, queues, (channel, queue) => channel.purgeQueue(queue)));
}

/** Deletes the queues (only when no consumer holds them) and the exchanges. */
export function deleteTopology(queues: string[], exchanges: string[]): Promise<void> {
  return withConnection(async (connection) => {
    await eachOnOwnChannel(connection, queues, (channel, queue) => channel.deleteQueue(queue, { ifUnused: true }));
    await eachOnOwnChannel(connection, exchanges, (channel, exchange) => channel.deleteExchange(exchange));
  });
}

/** True when RabbitMQ accepts a connection within 5 s. */
export async function brokerReachable(): Promise<boolean> {
  try {
    await withConnection(async () => undefined);
    return true;
  } catch {
    return false;
  }
}

/**
 * Holds one idle connection to RabbitMQ for the whole run and counts how often it is cut:
 * other work on a shared machine may stop and start the broker (tests of reconnection do),
 * and a measurement spanning such a restart measures the restart, not the system.
 */
export class BrokerSentinel {
  readonly #url: string;
  #connection: ChannelModel | undefined;
  #interruptions = 0;
  #stopped = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** @param url the broker to watch (AMQP_URL's by default; a cluster's first node for systems on it) */
  constructor(url: string = URL) {
    this.#url = url;
  }

  /** Times the connection was lost (or could not be made) since start(). */
  get interruptions(): number {
    return this.#interruptions;
  }

  get connected(): boolean {
    return this.#connection !== undefined;
  }

  start(): void {
    if (this.#stopped) return;
    amqp.connect(this.#url, { timeout: 2000, noDelay: true }).then(
      (connection) => {
        if (this.#stopped) return void connection.close().catch(() => {});
        this.#connection = connection;
        connection.on('error', () => {});
        connection.once('close', () => {
          this.#connection = undefined;
          this.#interruptions++;
          this.#retry();
        });
      },
      () => {
        this.#interruptions++;
        this.#retry();
      },
    );
  }

  #retry(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => this.start(), 250);
  }

  /** Resolves once connected, or after `timeoutMs`. */
  async waitConnected(timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (!this.connected && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    return this.connected;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    const connection = this.#connection;
    this.#connection = undefined;
    await connection?.close().catch(() => {});
  }
}
