/**
 * RabbitMQ for tests: always the real broker. Locally a test that needs it is skipped
 * (with a reason) when the broker is absent; with CI=true it runs and fails instead.
 */
import amqplib from 'amqplib';

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
