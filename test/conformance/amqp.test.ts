/**
 * The transport conformance suite against AmqpTransport on a real RabbitMQ. Skipped locally
 * without a broker; with CI=true it runs, and so fails, instead.
 */
import amqplib from 'amqplib';
import { eventStream, methodQueue } from '../../src/protocol/routing.ts';
import { ORDER_SHARDS, shardQueue } from '../../src/protocol/orderShards.ts';
import type { Retention } from '../../src/protocol/retention.ts';
import { AmqpTransport } from '../../src/transport/AmqpTransport.ts';
import type { Consumer, EventHistory, ServeFn, ServeOptions } from '../../src/transport/Transport.ts';
import { AMQP_URL, needsBroker } from '../helpers/broker.ts';
import { takeDeadLetters } from '../fault/deadLetterQueue.ts';
import { defineTransportConformance } from './transportConformance.ts';

/** Remembers which method queues it declared, so the run can delete them afterwards. */
class TrackedAmqpTransport extends AmqpTransport {
  constructor(readonly methods: Set<string>) {
    super({ url: AMQP_URL });
  }

  override serve(method: string, fn: ServeFn, options?: ServeOptions): Promise<Consumer> {
    this.methods.add(method);
    return super.serve(method, fn, options);
  }

  override history(event: string, retention: Retention): EventHistory {
    this.methods.add(`stream:${event}`);
    return super.history(event, retention);
  }
}

defineTransportConformance(
  'amqp',
  async () => {
    const methods = new Set<string>();
    return {
      make: () => new TrackedAmqpTransport(methods),
      takeDeadLetters: async (method) =>
        (await takeDeadLetters(method)).map(({ params, attempts, reason }) => ({ params, attempts, reason })),
      // Method queues are durable; each test made new ones, so remove them.
      cleanup: async () => {
        const connection = await amqplib.connect(AMQP_URL);
        try {
          const channel = await connection.createChannel();
          for (const method of methods) {
            await channel.deleteQueue(method.startsWith('stream:') ? eventStream(method.slice(7)) : methodQueue(method));
            // An ordered method's calls are in its shards' queues.
            if (!method.startsWith('stream:')) for (let shard = 0; shard < ORDER_SHARDS; shard++) await channel.deleteQueue(shardQueue(method, shard));
          }
        } finally {
          await connection.close();
        }
      },
    };
  },
  await needsBroker(),
);
