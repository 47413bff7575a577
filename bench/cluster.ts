/**
 * The bench's RabbitMQ cluster (test/cluster/cluster.sh, three nodes on this machine): its
 * AMQP URLs, its nodes' processes (their CPU is the broker's for a system on the cluster),
 * whether it answers, and the clean-up of Warren's method queues on it. A queue's type cannot
 * change, so the bench deletes them before each system that runs on the cluster.
 *
 * CLUSTER_AMQP_URLS (comma-separated, as `cluster.sh urls` prints them) names the nodes; by
 * default they follow WARREN_CLUSTER_PORT (cluster.sh's first AMQP port, 5681).
 */
import amqp from 'amqplib';
import { WARREN_QUEUES } from './amqpAdmin.ts';
import { brokerPid } from './procStats.ts';

const FIRST_PORT = Number(process.env.WARREN_CLUSTER_PORT || 5681);

export const CLUSTER_URLS: string[] = (process.env.CLUSTER_AMQP_URLS ?? [0, 1, 2].map((i) => `amqp://guest:guest@127.0.0.1:${FIRST_PORT + i}`).join(','))
  .split(',')
  .map((url) => url.trim())
  .filter((url) => url !== '');

/** The URL list a Warren process takes (AMQP_URL): it connects to the first node and fails over to the next. */
export const CLUSTER_AMQP_URL = CLUSTER_URLS.join(',');

/** The URLs without credentials, for logs and result files. */
export function clusterUrlsShown(): string {
  return CLUSTER_URLS.map((url) => {
    const u = new URL(url);
    return `${u.hostname}:${u.port}`;
  }).join(', ');
}

/** Every node's beam.smp, found by the AMQP port it listens on (a node that is down is missing). */
export function clusterPids(): number[] {
  return CLUSTER_URLS.map((url) => brokerPid(Number(new URL(url).port) || 5672)).filter((pid): pid is number => pid !== undefined);
}

/** Every node accepts an AMQP connection within 3 s. */
export async function clusterReachable(): Promise<boolean> {
  const up = await Promise.all(
    CLUSTER_URLS.map((url) =>
      amqp.connect(url, { timeout: 3000 }).then(
        async (connection) => {
          connection.on('error', () => {});
          await connection.close().catch(() => {});
          return true;
        },
        () => false,
      ),
    ),
  );
  return up.length > 0 && up.every(Boolean);
}

/** Deletes Warren's bench method queues on the cluster (consumed or not: only the bench uses this cluster). */
export async function deleteClusterQueues(queues: string[] = WARREN_QUEUES): Promise<void> {
  const connection = await amqp.connect(CLUSTER_URLS[0]!, { timeout: 5000 });
  connection.on('error', () => {});
  try {
    for (const queue of queues) {
      const channel = await connection.createChannel();
      channel.on('error', () => {});
      await channel.deleteQueue(queue).catch(() => {});
      await channel.close().catch(() => {});
    }
  } finally {
    await connection.close().catch(() => {});
  }
}
