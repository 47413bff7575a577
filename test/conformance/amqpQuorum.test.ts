/**
 * The transport conformance suite against AmqpTransport with quorum method and reply queues, on the 3-node
 * test cluster (test/cluster/cluster.sh). Skipped locally without the cluster; with CI=true it
 * runs, and so fails, instead.
 */
import { eventStream, methodQueue } from '../../src/protocol/routing.ts';
import { ORDER_SHARDS, shardQueue } from '../../src/protocol/orderShards.ts';
import type { Retention } from '../../src/protocol/retention.ts';
import { AmqpTransport } from '../../src/transport/AmqpTransport.ts';
import type { Consumer, EventHistory, ServeFn, ServeOptions } from '../../src/transport/Transport.ts';
import { withChannel } from '../helpers/broker.ts';
import { CLUSTER_AMQP_URL, needsCluster } from '../helpers/cluster.ts';
import { takeDeadLetters } from '../fault/deadLetterQueue.ts';
import { defineTransportConformance } from './transportConformance.ts';

/** Remembers which method queues it declared, so the run can delete them afterwards. */
class TrackedQuorumTransport extends AmqpTransport {
  constructor(readonly methods: Set<string>) {
    super({ url: CLUSTER_AMQP_URL, queueType: 'quorum', replyQueueType: 'quorum' });
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
  'amqp, quorum method and reply queues on a 3-node cluster',
  async () => {
    const methods = new Set<string>();
    return {
      make: () => new TrackedQuorumTransport(methods),
      // Measured on RabbitMQ 3.10.8: with x-max-length 2 and reject-publish, the third call is taken.
      queueLengthOvershoot: 1,
      takeDeadLetters: async (method) =>
        (await takeDeadLetters(method, CLUSTER_AMQP_URL)).map(({ params, attempts, reason }) => ({ params, attempts, reason })),
      cleanup: () =>
        withChannel(async (channel) => {
          for (const method of methods) {
            await channel.deleteQueue(method.startsWith('stream:') ? eventStream(method.slice(7)) : methodQueue(method));
            // An ordered method's calls are in its shards' queues.
            if (!method.startsWith('stream:')) for (let shard = 0; shard < ORDER_SHARDS; shard++) await channel.deleteQueue(shardQueue(method, shard));
          }
        }, CLUSTER_AMQP_URL),
    };
  },
  await needsCluster(),
);
