/**
 * The 3-node RabbitMQ cluster of test/cluster/cluster.sh, for the tests that need replicated
 * (quorum) queues. Like needsBroker(): a test that needs it is skipped locally (with the command
 * that starts it) when the cluster is not running, and runs, and so fails, with CI=true. The node
 * faults (kill, restart) go through cluster.sh.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import amqplib from 'amqplib';

/** cluster.sh's node-name prefix and first AMQP port (WARREN_CLUSTER_NAME, WARREN_CLUSTER_PORT), as the script defaults them. */
const CLUSTER_NAME = process.env.WARREN_CLUSTER_NAME || 'warren';
const CLUSTER_PORT = Number(process.env.WARREN_CLUSTER_PORT || 5681);

/** The nodes' AMQP URLs, comma-separated: `cluster.sh urls` prints them. */
export const CLUSTER_AMQP_URLS = (
  process.env.CLUSTER_AMQP_URLS ?? [0, 1, 2].map((i) => `amqp://guest:guest@127.0.0.1:${CLUSTER_PORT + i}`).join(',')
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

const SCRIPT = fileURLToPath(new URL('../cluster/cluster.sh', import.meta.url));
const run = promisify(execFile);

/** The cluster's nodes, in the order of CLUSTER_AMQP_URLS: `<WARREN_CLUSTER_NAME>-a@localhost` … (default warren-a@localhost …). */
export const CLUSTER_NODES: readonly string[] = ['a', 'b', 'c'].map((node) => `${CLUSTER_NAME}-${node}@localhost`);

/** The node that serves a URL of CLUSTER_AMQP_URLS (as a log line shows it, credentials hidden or not), by its port. */
export function nodeOfUrl(url: string): string | undefined {
  const port = /:(\d+)(?:\/|$)/.exec(url)?.[1];
  const index = CLUSTER_AMQP_URLS.findIndex((candidate) => /:(\d+)(?:\/|$)/.exec(candidate)?.[1] === port);
  return index < 0 ? undefined : CLUSTER_NODES[index];
}

/** The AMQP URL of a node. */
export function urlOfNode(node: string): string {
  return CLUSTER_AMQP_URLS[CLUSTER_NODES.indexOf(node)]!;
}

/** `cluster.sh kill NODE`: kill -9 of the node's Erlang VM, resolved once it is gone. */
export async function killNode(node: string): Promise<void> {
  await run(SCRIPT, ['kill', node], { timeout: 30_000 });
}

/** `cluster.sh restart NODE`: resolved once the node is back in the cluster and answers AMQP. */
export async function restartNode(node: string): Promise<void> {
  await run(SCRIPT, ['restart', node], { timeout: 120_000 });
}

/** A column of `rabbitmqctl list_queues` for one queue, as `via` (a running node) sees it. */
async function queueInfo(queue: string, column: 'leader' | 'type', via: string): Promise<string | undefined> {
  const { stdout } = await run('rabbitmqctl', ['-q', '-n', via, 'list_queues', '--no-table-headers', 'name', column], { timeout: 30_000 });
  const line = stdout.split('\n').find((l) => l.split('\t')[0] === queue);
  return line?.split('\t')[1]?.trim() || undefined;
}

/** The node leading a quorum queue, as `via` (a running node) sees it. */
export function queueLeader(queue: string, via: string): Promise<string | undefined> {
  return queueInfo(queue, 'leader', via);
}

/** A queue's type (`classic`, `quorum`), as `via` (a running node) sees it. */
export function queueTypeOf(queue: string, via: string): Promise<string | undefined> {
  return queueInfo(queue, 'type', via);
}
