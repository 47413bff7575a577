/**
 * Node loss: clients call continuously through 2 gateways to 2 workers (separate `warren`
 * processes given the three nodes of the test cluster, method queues quorum), half of them a
 * method that is not idempotent (`work`), half one that is (`lookup`). Then, under that load:
 * 1. the node the gateways are connected to is killed (`kill -9` of its VM), and restarted;
 * 2. once it is back, the node leading the `work` queue is killed, and restarted.
 * Every request is then classified from the clients' ledgers (callLedger.ts), per method, with
 * the per-second timeline of the whole run.
 *
 * test/fault/nodeLoss.test.ts runs it: a short form in CI, a longer one with
 * WARREN_NODE_LOSS_LONG=1 (`npm run node-loss`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DEAD_LETTER_QUEUE, methodQueue } from '../../src/protocol/routing.ts';
import { queueState, uniqueName } from '../helpers/broker.ts';
import { CLUSTER_AMQP_URLS, CLUSTER_NODES, killNode, nodeOfUrl, queueLeader, queueTypeOf, restartNode } from '../helpers/cluster.ts';
import { faultkitProcesses } from '../helpers/faultkit.ts';
import { logLines, waitReady, type WarrenProcess } from '../helpers/processes.ts';
import { ChaosClient } from './ChaosClient.ts';
import { connectCount, countLedgers, formatCount, formatTimeline, reconnectTimes, type LedgerCount } from './callLedger.ts';
import { takeDeadLetters } from './deadLetterQueue.ts';

export interface NodeLossOptions {
  /** WebSocket clients per method, spread over the two gateways. */
  clients: number;
  /** Calls each client keeps in flight. */
  inFlight: number;
  /** Load before the first fault, between a node's return and the next fault, and after the last, in seconds. */
  settleSeconds: number;
  /** Deadline of each call. @default 10000 */
  timeoutMs?: number;
  /** The gateways' reply queue type (`--reply-queue-type`). @default 'classic' */
  replyQueueType?: 'classic' | 'quorum';
  /**
   * The workers get the node list rotated by one, so they (and the method queues they declare,
   * led by the node they declared them through) start on another node than the gateways.
   */
  spread?: boolean;
  /** The gateways' `--reconnect-hold-ms`. @default the CLI's */
  reconnectHoldMs?: number;
  log?: (line: string) => void;
}

export interface NodeFault {
  what: 'gateways' | 'leader';
  node: string;
  /** The gateways were connected to it when it was killed. */
  hitGateways: boolean;
  /** When it was killed, and when it was back in the cluster (s from the start of the load). */
  killedAt: number;
  backAt: number;
}

export interface NodeLossReport {
  seconds: number;
  faults: NodeFault[];
  /** Every call, and per method. */
  all: LedgerCount;
  work: LedgerCount;
  lookup: LedgerCount;
  /** The gateways' reply queues' types, as the cluster listed them once the gateways were ready. */
  replyQueueTypes: (string | undefined)[];
  /** `connected to RabbitMQ` lines per process (gateways, then workers). */
  connects: number[];
  reconnectMs: number[];
  /** Ready messages left in the method queues, and dead letters of the two methods. */
  queueMessages: number;
  deadLetters: number;
  /** Ready messages in warren.dlq at the end, whoever put them there. */
  dlqMessages: number;
  /** The processes' warnings and errors, `msg: err` with how many times each was logged. */
  warnings: Record<string, number>;
}

function warningsOf(procs: WarrenProcess[]): Record<string, number> {
  const seen: Record<string, number> = {};
  for (const proc of procs) {
    for (const line of logLines(proc, '"level":')) {
      if (Number(line.level) < 40) continue;
      const key = `${String(line.msg)}${line.err ? `: ${String(line.err).slice(0, 120)}` : ''}`;
      seen[key] = (seen[key] ?? 0) + 1;
    }
  }
  return seen;
}

/** The node a process is connected to now, from its last `connected to RabbitMQ` log line. */
function nodeOf(proc: WarrenProcess): string | undefined {
  const url = logLines(proc, 'connected to RabbitMQ').at(-1)?.url;
  return typeof url === 'string' ? nodeOfUrl(url) : undefined;
}

export async function runNodeLoss(options: NodeLossOptions): Promise<NodeLossReport> {
  const log = options.log ?? (() => {});
  const timeoutMs = options.timeoutMs ?? 10_000;
  const group = faultkitProcesses(uniqueName('nodeloss'), { amqpUrl: CLUSTER_AMQP_URLS.join(',') });
  const quorum = ['--queue-type', 'quorum'];
  if (options.spread) quorum.push('--amqp-url', [...CLUSTER_AMQP_URLS.slice(1), CLUSTER_AMQP_URLS[0]!].join(','));
  const clients: { work: ChaosClient[]; lookup: ChaosClient[] } = { work: [], lookup: [] };
  const down = new Set<string>();
  try {
    const replies = ['--reply-queue-type', options.replyQueueType ?? 'classic'];
    if (options.reconnectHoldMs !== undefined) replies.push('--reconnect-hold-ms', String(options.reconnectHoldMs));
    const procs: WarrenProcess[] = await Promise.all([group.start('gateway', replies), group.start('gateway', replies), group.start('worker', quorum), group.start('worker', quorum)]);
    const gateways = procs.slice(0, 2);
    await Promise.all(gateways.map((g) => waitReady(g.http!)));
    const replyQueueTypes = await Promise.all(
      gateways.map((g) => {
        const queue = logLines(g, 'reply queue declared').at(-1)?.queue;
        return typeof queue === 'string' ? queueTypeOf(queue, CLUSTER_NODES[0]!) : undefined;
      }),
    );
    for (const method of ['work', 'lookup'] as const) {
      for (let i = 0; i < options.clients; i++) {
        const client = new ChaosClient({
          url: gateways[i % 2]!.url!,
          method: group.method(method),
          name: `${method[0]}${i}`,
          inFlight: options.inFlight,
          paceMs: 0,
          timeoutMs,
          graceMs: 3000,
        });
        await client.open();
        clients[method].push(client);
      }
    }
    const everyClient = [...clients.work, ...clients.lookup];
    log(`node loss: ${options.clients} clients per method × ${options.inFlight} in flight on 2 gateways (${options.replyQueueType ?? 'classic'} reply queues), 2 quorum workers, on ${CLUSTER_NODES.join(', ')}`);
    const started = Date.now();
    const since = () => (Date.now() - started) / 1000;
    for (const client of everyClient) client.start();

    const faults: NodeFault[] = [];
    const fault = async (what: NodeFault['what'], node: string) => {
      const hitGateways = gateways.some((g) => nodeOf(g) === node);
      const killedAt = since();
      down.add(node);
      await killNode(node);
      log(`  ${killedAt.toFixed(1)} s: killed ${node} (${what === 'gateways' ? "the gateways' node" : 'leader of the work queue'})`);
      await restartNode(node);
      down.delete(node);
      const backAt = since();
      log(`  ${backAt.toFixed(1)} s: ${node} back in the cluster`);
      faults.push({ what, node, hitGateways, killedAt, backAt });
    };

    await sleep(options.settleSeconds * 1000);
    const gatewaysNode = nodeOf(gateways[0]!);
    if (!gatewaysNode || gateways.some((g) => nodeOf(g) !== gatewaysNode)) {
      throw new Error(`the gateways are not on one node: ${gateways.map(nodeOf).join(', ')}`);
    }
    await fault('gateways', gatewaysNode);
    await sleep(options.settleSeconds * 1000);
    const leader = await queueLeader(methodQueue(group.method('work')), gatewaysNode);
    if (!leader) throw new Error(`no leader for ${methodQueue(group.method('work'))}`);
    await fault('leader', leader);
    await sleep(options.settleSeconds * 1000);

    await Promise.all(everyClient.map((client) => client.stop()));
    // A duplicate or a late reply has had its chance by now.
    await sleep(1000);
    const seconds = Math.ceil(since());
    const url = CLUSTER_AMQP_URLS[0]!;
    const queues = await Promise.all(['work', 'lookup'].map(async (m) => (await queueState(methodQueue(group.method(m as 'work')), url)).messages));
    const dead = await Promise.all(['work', 'lookup'].map(async (m) => (await takeDeadLetters(group.method(m as 'work'), url)).length));
    return {
      seconds,
      faults,
      replyQueueTypes,
      all: countLedgers(everyClient, started, seconds),
      work: countLedgers(clients.work, started, seconds),
      lookup: countLedgers(clients.lookup, started, seconds),
      connects: procs.map(connectCount),
      reconnectMs: reconnectTimes(procs),
      queueMessages: queues.reduce((a, b) => a + b, 0),
      deadLetters: dead.reduce((a, b) => a + b, 0),
      dlqMessages: (await queueState(DEAD_LETTER_QUEUE, url)).messages,
      warnings: warningsOf(procs),
    };
  } finally {
    for (const client of [...clients.work, ...clients.lookup]) client.close();
    // A fault that failed half-way leaves its node down: the next test needs the whole cluster.
    for (const node of down) await restartNode(node).catch(() => {});
    await group.stopAll();
    await group.deleteQueues(CLUSTER_AMQP_URLS[0]).catch(() => {});
  }
}

/** The most seconds in a row of the load (the last two seconds, as it stopped, aside) without a result. */
export function longestStall(report: NodeLossReport): number {
  let longest = 0;
  let run = 0;
  for (const slot of report.all.timeline.slice(0, -2)) {
    run = slot.ok === 0 ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  return longest;
}

export function formatNodeLoss(report: NodeLossReport): string {
  return [
    `node loss: ${report.seconds} s; ${report.faults.map((f) => `${f.node} (${f.what}${f.hitGateways ? ', the gateways were on it' : ''}) killed at ${f.killedAt.toFixed(1)} s, back at ${f.backAt.toFixed(1)} s`).join('; ')}`,
    `  all: ${formatCount(report.all)}`,
    `  work (not idempotent): ${formatCount(report.work)}`,
    `  lookup (idempotent): ${formatCount(report.lookup)}`,
    `  reply queues: ${report.replyQueueTypes.join(', ')}`,
    `  connects per process: ${report.connects.join(', ')}; reconnects took ${report.reconnectMs.join(', ')} ms`,
    `  left in the method queues: ${report.queueMessages}; dead letters of these methods: ${report.deadLetters}; warren.dlq holds ${report.dlqMessages}`,
    `  ${formatTimeline(report.all)}; longest stall ${longestStall(report)} s`,
    `  warnings logged: ${Object.entries(report.warnings).map(([w, n]) => `${n} × ${w}`).join('; ') || 'none'}`,
  ].join('\n');
}
