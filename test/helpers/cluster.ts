/**
 * The 3-node RabbitMQ cluster of test/cluster/cluster.sh, for the tests that need replicated
 * (quorum) queues. Like needsBroker(): a test that needs it is skipped locally (with the command
 * that starts it) when the cluster is not running, and runs, and so fails, with CI=true.
 */
import amqplib from 'amqplib';

/** The nodes' AMQP URLs, comma-separated: `cluster.sh urls` prints them. */
export const CLUSTER_AMQP_URLS = (
  process.env.CLUSTER_AMQP_URLS ?? 'amqp://guest:guest@127.0.0.1:5681,amqp://guest:guest@127.0.0.1:5682,amqp://guest:guest@127.0.0.1:5683'
)
  .split(',')
  .map((url) => url.trim())
  .filter((url) => url !== '');

/** The node the tests connect to: the first of the list. */
export const CLUSTER_AMQP_URL = CLUSTER_AMQP_URLS[0]!;

let probe: Promise<boolean> | undefined;

/** Every node answers AMQP. */
export function clusterAvailable(): Promise<boolean> {
  return (probe ??= Promise.all(
    CLUSTER_AMQP_URLS.map((url) =>
      amqplib.connect(url, { timeout: 2000 }).then(
        async (connection) => {
          await connection.close();
          return true;
        },
        () => false,
      ),
    ),
  ).then((up) => up.every(Boolean)));
}

/** Options for node:test's describe/it: `{ skip }` locally without the cluster, `{}` otherwise and always in CI. */
export async function needsCluster(): Promise<{ skip?: string }> {
  if (process.env.CI === 'true') return {};
  return (await clusterAvailable()) ? {} : { skip: `the test cluster is not running (test/cluster/cluster.sh start): ${CLUSTER_AMQP_URLS.join(', ')}` };
}
