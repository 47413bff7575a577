/**
 * Classic against quorum method queues, side by side: Warren's gateway + worker processes
 * (`warren-amqp`) against the shared broker with classic queues, and against the 3-node test
 * cluster (test/cluster/cluster.sh) with classic and with quorum queues, interleaved over rounds.
 * Prints, per system and setting, the median over rounds of throughput, p50 and p99, and the
 * CPU per call of Warren's processes and of the broker (every node of the cluster).
 *
 *   node --import tsx bench/queueTypes.ts [--rounds 3] [--duration 5]
 *
 * Needs the shared RabbitMQ (AMQP_URL) and the cluster (CLUSTER_AMQP_URLS, its first node; see
 * bench/cluster.ts). The main bench runs the same comparison as its systems warren-amqp-cluster
 * and warren-amqp-quorum (bench/run.ts), with the open-loop setting too.
 * It deletes the bench's method queues on the cluster between systems and at the end (a
 * queue's type cannot change); on the shared broker, which other runs may be using at the same
 * time, it leaves them to the main bench's clean-up.
 */
import { parseArgs } from 'node:util';
import amqp from 'amqplib';
import { runLoad } from './loadgen.ts';
import { installCleanup } from './processes.ts';
import { brokerPid, cpuMicros } from './procStats.ts';
import { SYSTEMS, startSystem, type SystemSpec } from './systems.ts';
import { CLUSTER_URLS, clusterPids, deleteClusterQueues } from './cluster.ts';

const SHARED_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const CLUSTER_URL = CLUSTER_URLS[0]!;

interface Variant {
  name: string;
  url: string;
  queueType: 'classic' | 'quorum';
  /** The broker's processes: their CPU is the broker's. */
  brokerPids(): number[];
}

const VARIANTS: Variant[] = [
  { name: 'classic, one node (shared broker)', url: SHARED_URL, queueType: 'classic', brokerPids: () => [brokerPid(Number(new URL(SHARED_URL).port) || 5672)].filter((p): p is number => p !== undefined) },
  { name: 'classic, 3-node cluster', url: CLUSTER_URL, queueType: 'classic', brokerPids: clusterPids },
  { name: 'quorum, 3-node cluster', url: CLUSTER_URL, queueType: 'quorum', brokerPids: clusterPids },
];

const SETTINGS = [
  { name: '1×1', connections: 1, inflight: 1, processes: 1 },
  { name: '50×10', connections: 50, inflight: 10, processes: 2 },
];

/** `warren-amqp` on this variant's broker, its worker with the variant's queue type. */
function spec(variant: Variant): SystemSpec {
  const base = SYSTEMS['warren-amqp'];
  return {
    ...base,
    processes: base.processes.map((proc) => ({
      ...proc,
      script: proc.role === 'worker' ? [...proc.script, '--queue-type', variant.queueType] : proc.script,
      env: { ...proc.env, AMQP_URL: variant.url },
    })),
  };
}

const cpu = (pids: number[]) => pids.reduce((sum, pid) => sum + (cpuMicros(pid) ?? 0), 0);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string' }, duration: { type: 'string' } } });
  const rounds = Number(values.rounds ?? 3);
  const durationMs = Number(values.duration ?? 5) * 1000;
  installCleanup();
  const samples = new Map<string, { throughput: number; p50: number; p99: number; warrenUs: number; brokerUs: number; errors: number }[]>();
  for (let round = 1; round <= rounds; round++) {
    for (const variant of VARIANTS) {
      if (variant.url === CLUSTER_URL) await deleteClusterQueues();
      const system = await startSystem(spec(variant));
      try {
        for (const setting of SETTINGS) {
          const warrenPids = Object.values(system.pids);
          const brokerPids = variant.brokerPids();
          let before = { warren: 0, broker: 0 };
          let after = { warren: 0, broker: 0 };
          const result = await runLoad({
            url: system.url,
            protocol: 'jsonrpc',
            payload: 'echo',
            ...setting,
            warmupMs: 2000,
            durationMs,
            onMeasureStart: () => (before = { warren: cpu(warrenPids), broker: cpu(brokerPids) }),
            onMeasureEnd: () => (after = { warren: cpu(warrenPids), broker: cpu(brokerPids) }),
          });
          const key = `${variant.name} | ${setting.name}`;
          const calls = Math.max(1, result.completed);
          const sample = {
            throughput: result.throughput,
            p50: result.latencyUs.p50 / 1000,
            p99: result.latencyUs.p99 / 1000,
            warrenUs: (after.warren - before.warren) / calls,
            brokerUs: (after.broker - before.broker) / calls,
            errors: result.errors + result.timeouts,
          };
          samples.set(key, [...(samples.get(key) ?? []), sample]);
          console.error(`round ${round}: ${key}: ${JSON.stringify(sample)}`);
        }
      } finally {
        await system.stop();
      }
    }
  }
  await deleteClusterQueues();
  console.log(`| queues | setting | calls/s | p50 ms | p99 ms | Warren CPU µs/call | broker CPU µs/call | errors |`);
  console.log(`|---|---|---|---|---|---|---|---|`);
  for (const [key, list] of samples) {
    const [queues, setting] = key.split(' | ');
    const m = (pick: (s: (typeof list)[number]) => number, digits = 0) => median(list.map(pick)).toFixed(digits);
    const errors = list.reduce((sum, s) => sum + s.errors, 0);
    console.log(`| ${queues} | ${setting} | ${m((s) => s.throughput)} | ${m((s) => s.p50, 2)} | ${m((s) => s.p99, 2)} | ${m((s) => s.warrenUs)} | ${m((s) => s.brokerUs)} | ${errors} |`);
  }
}

await main();
process.exit(0);
