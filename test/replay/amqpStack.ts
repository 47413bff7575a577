/**
 * A gateway and a worker in this process on RabbitMQ, each with its own AmqpTransport, serving
 * the replay services of replayService.ts; `close()` also deletes their method queues and the
 * streams of their replayable `item` events.
 */
import { Gateway } from '../../src/gateway/Gateway.ts';
import type { Implementation } from '../../src/contract/implement.ts';
import { eventStream } from '../../src/protocol/routing.ts';
import { AmqpTransport } from '../../src/transport/AmqpTransport.ts';
import { Worker } from '../../src/worker/Worker.ts';
import { AMQP_URL, deleteMethodQueues, withChannel } from '../helpers/broker.ts';
import { waitReady } from '../helpers/processes.ts';

export interface AmqpReplayStack {
  /** `ws://127.0.0.1:<port>/rpc` */
  url: string;
  /** `http://127.0.0.1:<port>` */
  http: string;
  close(): Promise<void>;
}

export async function startAmqpReplayStack(implementations: readonly Implementation[]): Promise<AmqpReplayStack> {
  const workerTransport = new AmqpTransport({ url: AMQP_URL });
  const gatewayTransport = new AmqpTransport({ url: AMQP_URL });
  workerTransport.start();
  gatewayTransport.start();
  await Promise.all([workerTransport.whenReady(10_000), gatewayTransport.whenReady(10_000)]);
  const worker = new Worker({ transport: workerTransport, implementations });
  await worker.start();
  const gateway = new Gateway({ transport: gatewayTransport, contracts: implementations.map((i) => i.contract) });
  const { port } = await gateway.listen(0, '127.0.0.1');
  const http = `http://127.0.0.1:${port}`;
  await waitReady(http);
  return {
    url: `ws://127.0.0.1:${port}/rpc`,
    http,
    close: async () => {
      await gateway.close(200);
      await worker.stop();
      await Promise.all([gatewayTransport.close(), workerTransport.close()]);
      for (const { contract } of implementations) await deleteMethodQueues(contract);
      await withChannel(async (channel) => {
        for (const { contract } of implementations) await channel.deleteQueue(eventStream(`${contract.service}.item`));
      });
    },
  };
}
