/**
 * The example service (chat + math) on the real RabbitMQ, in this process: a worker and a
 * gateway, each on its own AmqpTransport, so calls, replies and events cross the broker.
 *
 * The example's wire names are fixed, so its durable queues (warren.rpc.chat.*,
 * warren.rpc.math.*) are shared with any other run on the same broker. stop() deletes only
 * the queues this stack created, and only if no consumer uses them by then.
 */
import amqplib from 'amqplib';
import { authenticate, authorize, authorizeSubscribe, contracts, implementations } from '../../examples/chat/service.ts';
import { Gateway } from '../../src/gateway/Gateway.ts';
import { methodQueue } from '../../src/protocol/routing.ts';
import { AmqpTransport } from '../../src/transport/AmqpTransport.ts';
import { Worker } from '../../src/worker/Worker.ts';
import { AMQP_URL } from '../helpers/broker.ts';

const QUEUES = contracts.flatMap((contract) => Object.keys(contract.methods).map((method) => methodQueue(`${contract.service}.${method}`)));

/** Runs `use` on a fresh connection, closed afterwards. */
async function withConnection<T>(use: (connection: amqplib.ChannelModel) => Promise<T>): Promise<T> {
  const connection = await amqplib.connect(AMQP_URL, { timeout: 5000 });
  connection.on('error', () => {});
  try {
    return await use(connection);
  } finally {
    await connection.close().catch(() => {});
  }
}

/** The queues of `names` that exist now. A passive check that fails closes its channel, so each gets its own. */
function existingQueues(names: readonly string[]): Promise<Set<string>> {
  return withConnection(async (connection) => {
    const found = new Set<string>();
    for (const name of names) {
      const channel = await connection.createChannel();
      channel.on('error', () => {});
      const exists = await channel.checkQueue(name).then(() => true, () => false);
      if (exists) {
        found.add(name);
        await channel.close().catch(() => {});
      }
    }
    return found;
  });
}

/** Deletes the queues that have no consumer; one in use by another run stays. */
function deleteUnused(names: readonly string[]): Promise<void> {
  return withConnection(async (connection) => {
    for (const name of names) {
      const channel = await connection.createChannel();
      channel.on('error', () => {});
      await channel.deleteQueue(name, { ifUnused: true }).then(() => channel.close(), () => {});
    }
  });
}

export async function startExampleOnAmqp(): Promise<{ url: string; stop(): Promise<void> }> {
  const before = await existingQueues(QUEUES);
  const workerTransport = new AmqpTransport({ url: AMQP_URL });
  const gatewayTransport = new AmqpTransport({ url: AMQP_URL });
  let worker: Worker | undefined;
  let gateway: Gateway | undefined;
  const stop = async () => {
    await gateway?.close(200).catch(() => {});
    await worker?.stop().catch(() => {});
    await Promise.all([gatewayTransport.close(), workerTransport.close()]);
    await deleteUnused(QUEUES.filter((queue) => !before.has(queue)));
  };
  try {
    workerTransport.start();
    gatewayTransport.start();
    await Promise.all([workerTransport.whenReady(10_000), gatewayTransport.whenReady(10_000)]);
    worker = new Worker({ transport: workerTransport, implementations });
    // Declares and binds the method queues before the first call can be published.
    await worker.start();
    gateway = new Gateway({ transport: gatewayTransport, contracts, authenticate, authorize, authorizeSubscribe });
    const address = await gateway.listen(0, '127.0.0.1');
    return { url: `ws://127.0.0.1:${address.port}/rpc`, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
