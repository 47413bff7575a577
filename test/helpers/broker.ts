/**
 * RabbitMQ for tests: always the real broker. Locally a test that needs it is skipped
 * (with a reason) when the broker is absent; with CI=true it runs and fails instead.
 */
import { ORDER_SHARDS, shardQueue } from '../../src/protocol/orderShards.ts';
import amqplib from 'amqplib';
import { silentLogger } from '../../src/log.ts';
import { AmqpConnection } from '../../src/transport/AmqpConnection.ts';
import type { Contract } from '../../src/contract/defineContract.ts';
import { methodQueue } from '../../src/protocol/routing.ts';

export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

let probe: Promise<boolean> | undefined;

export function brokerAvailable(): Promise<boolean> {
  return (probe ??= amqplib
    .connect(AMQP_URL, { timeout: 2000 })
    .then(async (connection) => {
      await connection.close();
      return true;
    })
    .catch(() => false));
}

/** Options for node:test's describe/it: `{ skip }` locally without a broker, `{}` otherwise and always in CI. */
export async function needsBroker(): Promise<{ skip?: string }> {
  if (process.env.CI === 'true') return {};
  return (await brokerAvailable()) ? {} : { skip: `RabbitMQ not reachable at ${AMQP_URL}` };
}

/** A name unique to this test run, for services and queues that must not collide. */
export function uniqueName(prefix: string): string {
  return `${prefix}${process.pid}x${Math.random().toString(36).slice(2, 8)}`;
}

/** Runs `fn` on a fresh channel of a fresh connection (to `url`, the test broker unless given), closed afterwards. */
export async function withChannel<T>(fn: (channel: amqplib.Channel) => Promise<T>, url = AMQP_URL): Promise<T> {
  const connection = await amqplib.connect(url, { timeout: 2000 });
  connection.on('error', () => {});
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => {});
    return await fn(channel);
  } finally {
    await connection.close().catch(() => {});
  }
}

/** Ready messages and consumers of a queue, as RabbitMQ counts them. */
export function queueState(queue: string, url = AMQP_URL): Promise<{ messages: number; consumers: number }> {
  return withChannel(async (channel) => {
    const { messageCount, consumerCount } = await channel.checkQueue(queue);
    return { messages: messageCount, consumers: consumerCount };
  }, url);
}

/**
 * Deletes a contract's durable method queues, so repeated runs do not pile up queues named
 * after services that no longer exist.
 */
export async function deleteMethodQueues(contract: Contract, url = AMQP_URL): Promise<void> {
  await withChannel(async (channel) => {
    for (const [name, spec] of Object.entries(contract.methods)) {
      const method = `${contract.service}.${name}`;
      await channel.deleteQueue(methodQueue(method));
      if (spec.orderBy) for (let shard = 0; shard < ORDER_SHARDS; shard++) await channel.deleteQueue(shardQueue(method, shard));
    }
  }, url);
}

/** A Warren AmqpConnection to the test broker, reconnecting quickly, named for rabbitmqctl. */
export function testConnection(name: string): AmqpConnection {
  return new AmqpConnection({
    urls: [AMQP_URL],
    heartbeatSeconds: 5,
    backoff: { initialSeconds: 0.1, maxSeconds: 0.5 },
    connectionName: `warren test ${name}`,
    log: silentLogger,
  });
}
