/**
 * Removes the durable per-method queues a test service left on the broker, so repeated
 * runs do not pile up queues named after services that no longer exist.
 */
import amqplib from 'amqplib';
import { AMQP_URL } from '../helpers/broker.ts';
import { testkitContract } from '../fixtures/testkit.ts';
import { methodQueue } from '../../src/protocol/routing.ts';

export async function deleteServiceQueues(service: string): Promise<void> {
  const connection = await amqplib.connect(AMQP_URL, { timeout: 2000 });
  connection.on('error', () => {});
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => {});
    for (const method of Object.keys(testkitContract(service).methods)) {
      await channel.deleteQueue(methodQueue(`${service}.${method}`));
    }
  } finally {
    await connection.close().catch(() => {});
  }
}
