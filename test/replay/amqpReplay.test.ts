/**
 * The replay cases (replayCases.ts) on RabbitMQ: a gateway and a worker in this process, each
 * with its own AmqpTransport, the events in streams. Skipped locally without a broker; with
 * CI=true it runs, and so fails, instead.
 */
import { Gateway } from '../../src/gateway/Gateway.ts';
import { eventStream } from '../../src/protocol/routing.ts';
import { AmqpTransport } from '../../src/transport/AmqpTransport.ts';
import { Worker } from '../../src/worker/Worker.ts';
import { AMQP_URL, deleteMethodQueues, needsBroker, uniqueName, withChannel } from '../helpers/broker.ts';
import { waitReady } from '../helpers/processes.ts';
import { defineReplayCases } from './replayCases.ts';
import { replayImplementation } from './replayService.ts';

defineReplayCases(
  'amqp transport (RabbitMQ streams)',
  async (feed, tiny) => {
    const implementations = [replayImplementation(feed), replayImplementation(tiny, { maxBytes: 2_000_000 })];
    const workerTransport = new AmqpTransport({ url: AMQP_URL });
    const gatewayTransport = new AmqpTransport({ url: AMQP_URL });
    workerTransport.start();
    gatewayTransport.start();
    await Promise.all([workerTransport.whenReady(10_000), gatewayTransport.whenReady(10_000)]);
    const worker = new Worker({ transport: workerTransport, implementations });
    await worker.start();
    const gateway = new Gateway({ transport: gatewayTransport, contracts: implementations.map((i) => i.contract) });
    const { port } = await gateway.listen(0, '127.0.0.1');
    await waitReady(`http://127.0.0.1:${port}`);
    return {
      url: `ws://127.0.0.1:${port}/rpc`,
      close: async () => {
        await gateway.close(200);
        await worker.stop();
        await Promise.all([gatewayTransport.close(), workerTransport.close()]);
        for (const { contract } of implementations) await deleteMethodQueues(contract);
        await withChannel(async (channel) => {
          for (const service of [feed, tiny]) await channel.deleteQueue(eventStream(`${service}.item`));
        });
      },
    };
  },
  { ...(await needsBroker()), feed: uniqueName('feed').replace(/\./g, ''), tiny: uniqueName('tiny').replace(/\./g, '') },
);
