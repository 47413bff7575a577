/**
 * The systems under test, each started as its own server process(es), so the OS can say
 * how much CPU each one used. Roles name the processes whose CPU counts as "server".
 */
import { fileURLToPath } from 'node:url';
import { BASELINE_PREFIX } from './amqpAdmin.ts';
import { CLUSTER_AMQP_URL } from './cluster.ts';
import { startProcess, type Started } from './processes.ts';
import type { ProtocolName } from './protocols.ts';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
/**
 * Warren runs through its own CLI, as an operator would run it, with two gateway limits raised:
 * the per-connection request rate (its default refuses a load generator by design) is set far
 * above any load here, so the limiter still runs on every frame (its cost is measured) but never
 * refuses; and the connection cap is raised above the 15k idle-socket capacity target.
 */
const WARREN = here('../bin/warren.js');
const GATEWAY_LIMITS = ['--frame-rate', '1000000000', '--frame-burst', '1000000000', '--max-connections', '20000'];
/**
 * Metrics as an operator who scrapes them runs Warren: a gateway keeps them by default (served
 * at /metrics), a worker with --metrics-port. The `-nometrics` systems turn both off, to
 * measure what they cost in the same run.
 */
const WORKER_METRICS = ['--metrics-port', '0'];
const NO_METRICS = ['--no-metrics'];
/**
 * The `-otel` systems: Warren with an OpenTelemetry SDK registered before it loads (a
 * BatchSpanProcessor and an exporter that drops the spans, bench/otelSdk.mjs), beside the same
 * system with none, to measure what tracing costs.
 */
const WITH_OTEL = { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${here('./otelSdk.mjs')}`.trim() };

export type SystemName =
  | 'warren-amqp'
  | 'warren-amqp-nometrics'
  | 'warren-amqp-otel'
  | 'warren-amqp-serve'
  | 'warren-amqp-ref'
  | 'warren-amqp-cluster'
  | 'warren-amqp-quorum'
  | 'warren-amqp-quorum-replies'
  | 'baseline'
  | 'baseline-confirm'
  | 'baseline-props'
  | 'baseline-reply-confirm'
  | 'baseline-call-props'
  | 'baseline-direct-reply'
  | 'warren-memory'
  | 'warren-memory-nometrics'
  | 'warren-memory-otel'
  | 'raw-ws'
  | 'socket.io'
  | 'trpc';

interface ProcessSpec {
  role: string;
  script: string[];
  readyText: string;
  env?: Record<string, string>;
}

export interface SystemSpec {
  name: SystemName;
  label: string;
  protocol: ProtocolName;
  /** Routed through RabbitMQ: the broker's CPU belongs to it. */
  amqp: boolean;
  /** Started in this order; the last one serves the WebSocket endpoint. */
  processes: ProcessSpec[];
  /** Warren answers /readyz once its transport is up. */
  readyz: boolean;
  /** Left out of a run unless named with --systems (diagnostic variants). */
  optional?: boolean;
  /**
   * Runs on the bench's RabbitMQ cluster (bench/cluster.ts, CLUSTER_AMQP_URLS) instead of the
   * shared broker: its broker CPU is all the nodes', and its method queues are deleted before
   * it starts (the queue type differs between systems on the cluster).
   */
  cluster?: boolean;
}

const warren = (command: 'serve' | 'gateway' | 'worker', transport: 'memory' | 'amqp'): string[] => [
  WARREN,
  command,
  '--service',
  here('./service.ts'),
  '--transport',
  transport,
  '--port',
  '0',
  // A worker has no gateway, and the CLI refuses gateway limits there.
  ...(command === 'worker' ? [] : GATEWAY_LIMITS),
];

/**
 * Another checkout of Warren (with its node_modules), named by BENCH_REF_DIR, run the same way
 * as `warren-amqp`: to compare two versions interleaved in one run, e.g. a change against the
 * commit before it (`--systems warren-amqp,warren-amqp-ref`).
 */
const REF_DIR = process.env.BENCH_REF_DIR ?? '<set BENCH_REF_DIR to another checkout>';
const warrenRef = (command: 'gateway' | 'worker'): string[] => [
  `${REF_DIR}/bin/warren.js`,
  command,
  '--service',
  `${REF_DIR}/bench/service.ts`,
  '--transport',
  'amqp',
  '--port',
  '0',
  ...(command === 'worker' ? [] : GATEWAY_LIMITS),
];

/**
 * `warren-amqp` on the cluster: both processes take the node list (AMQP_URL, comma-separated;
 * they connect to the first node), the worker declares its method queues of `queueType`.
 */
function warrenOnCluster(name: SystemName, label: string, queueType: 'classic' | 'quorum', replyQueueType?: 'quorum'): SystemSpec {
  const env = { AMQP_URL: CLUSTER_AMQP_URL };
  const gateway = [...warren('gateway', 'amqp'), ...(replyQueueType ? ['--reply-queue-type', replyQueueType] : [])];
  return {
    name,
    label,
    protocol: 'jsonrpc',
    amqp: true,
    readyz: true,
    cluster: true,
    processes: [
      { role: 'worker', script: [...warren('worker', 'amqp'), '--queue-type', queueType], readyText: 'worker consuming', env },
      { role: 'gateway', script: gateway, readyText: 'gateway listening', env },
    ],
    // The quorum reply queue is a diagnostic variant: named with --systems only.
    ...(replyQueueType ? { optional: true } : {}),
  };
}

/** The baseline with some of Warren's AMQP features switched on: what they cost the broker. */
function baselineVariant(name: SystemName, label: string, env: Record<string, string>): SystemSpec {
  return {
    name,
    label,
    protocol: 'jsonrpc',
    amqp: true,
    readyz: false,
    optional: true,
    processes: [
      { role: 'worker', script: [here('./baseline/worker.ts')], readyText: 'consuming', env: { BASELINE_PREFIX, ...env } },
      { role: 'gateway', script: [here('./baseline/gateway.ts')], readyText: 'listening', env: { BASELINE_PREFIX, ...env } },
    ],
  };
}

export const SYSTEMS: Record<SystemName, SystemSpec> = {
  'warren-amqp': {
    name: 'warren-amqp',
    label: 'Warren amqp, gateway + worker processes',
    protocol: 'jsonrpc',
    amqp: true,
    readyz: true,
    processes: [
      { role: 'worker', script: [...warren('worker', 'amqp'), ...WORKER_METRICS], readyText: 'worker consuming' },
      { role: 'gateway', script: warren('gateway', 'amqp'), readyText: 'gateway listening' },
    ],
  },
  'warren-amqp-nometrics': {
    name: 'warren-amqp-nometrics',
    label: 'Warren amqp, gateway + worker processes, no metrics',
    protocol: 'jsonrpc',
    amqp: true,
    readyz: true,
    optional: true,
    processes: [
      { role: 'worker', script: warren('worker', 'amqp'), readyText: 'worker consuming' },
      { role: 'gateway', script: [...warren('gateway', 'amqp'), ...NO_METRICS], readyText: 'gateway listening' },
    ],
  },
  'warren-amqp-otel': {
    name: 'warren-amqp-otel',
    label: 'Warren amqp, gateway + worker processes, OpenTelemetry SDK',
    protocol: 'jsonrpc',
    amqp: true,
    readyz: true,
    optional: true,
    processes: [
      { role: 'worker', script: [...warren('worker', 'amqp'), ...WORKER_METRICS], readyText: 'worker consuming', env: WITH_OTEL },
      { role: 'gateway', script: warren('gateway', 'amqp'), readyText: 'gateway listening', env: WITH_OTEL },
    ],
  },
  'warren-amqp-ref': {
    name: 'warren-amqp-ref',
    label: 'Warren amqp, gateway + worker processes, from BENCH_REF_DIR',
    protocol: 'jsonrpc',
    amqp: true,
    readyz: true,
    optional: true,
    processes: [
      { role: 'worker', script: warrenRef('worker'), readyText: 'worker consuming' },
      { role: 'gateway', script: warrenRef('gateway'), readyText: 'gateway listening' },
    ],
  },
  'warren-amqp-cluster': warrenOnCluster('warren-amqp-cluster', 'Warren amqp, gateway + worker, 3-node cluster, classic queues', 'classic'),
  'warren-amqp-quorum': warrenOnCluster('warren-amqp-quorum', 'Warren amqp, gateway + worker, 3-node cluster, quorum queues', 'quorum'),
  'warren-amqp-quorum-replies': warrenOnCluster(
    'warren-amqp-quorum-replies',
    'Warren amqp, gateway + worker, 3-node cluster, quorum method and reply queues',
    'quorum',
    'quorum',
  ),
  'warren-amqp-serve': {
    name: 'warren-amqp-serve',
    label: 'Warren amqp, one process (serve)',
    protocol: 'jsonrpc',
    amqp: true,
    readyz: true,
    processes: [{ role: 'server', script: warren('serve', 'amqp'), readyText: 'gateway listening' }],
  },
  baseline: {
    name: 'baseline',
    label: 'Hand-written ws + amqplib baseline',
    protocol: 'jsonrpc',
    amqp: true,
    readyz: false,
    processes: [
      { role: 'worker', script: [here('./baseline/worker.ts')], readyText: 'consuming', env: { BASELINE_PREFIX } },
      { role: 'gateway', script: [here('./baseline/gateway.ts')], readyText: 'listening', env: { BASELINE_PREFIX } },
    ],
  },
  'baseline-confirm': baselineVariant('baseline-confirm', 'Baseline + publisher confirms (ack after reply confirm)', { BASELINE_CONFIRM: '1' }),
  'baseline-reply-confirm': baselineVariant('baseline-reply-confirm', 'Baseline + worker confirm channel (ack with the reply)', {
    BASELINE_REPLY_CONFIRM: '1',
  }),
  'baseline-call-props': baselineVariant('baseline-call-props', 'Baseline + Warren call properties (mandatory, expiration, deadline header)', {
    BASELINE_PROPS: '1',
  }),
  'baseline-direct-reply': baselineVariant('baseline-direct-reply', 'Baseline with direct reply-to instead of a reply queue', {
    BASELINE_DIRECT_REPLY: '1',
  }),
  'baseline-props': baselineVariant('baseline-props', 'Baseline + confirms + Warren call properties', { BASELINE_CONFIRM: '1', BASELINE_PROPS: '1' }),
  'warren-memory': {
    name: 'warren-memory',
    label: 'Warren memory transport (serve)',
    protocol: 'jsonrpc',
    amqp: false,
    readyz: true,
    processes: [{ role: 'server', script: warren('serve', 'memory'), readyText: 'gateway listening' }],
  },
  'warren-memory-nometrics': {
    name: 'warren-memory-nometrics',
    label: 'Warren memory transport (serve), no metrics',
    protocol: 'jsonrpc',
    amqp: false,
    readyz: true,
    optional: true,
    processes: [{ role: 'server', script: [...warren('serve', 'memory'), ...NO_METRICS], readyText: 'gateway listening' }],
  },
  'warren-memory-otel': {
    name: 'warren-memory-otel',
    label: 'Warren memory transport (serve), OpenTelemetry SDK',
    protocol: 'jsonrpc',
    amqp: false,
    readyz: true,
    optional: true,
    processes: [{ role: 'server', script: warren('serve', 'memory'), readyText: 'gateway listening', env: WITH_OTEL }],
  },
  'raw-ws': {
    name: 'raw-ws',
    label: 'Raw ws answering JSON-RPC',
    protocol: 'jsonrpc',
    amqp: false,
    readyz: false,
    processes: [{ role: 'server', script: [here('./servers/rawWs.ts')], readyText: '"listening"' }],
  },
  'socket.io': {
    name: 'socket.io',
    label: 'Socket.IO 4 ack',
    protocol: 'socketio',
    amqp: false,
    readyz: false,
    processes: [{ role: 'server', script: [here('./servers/socketIo.ts')], readyText: '"listening"' }],
  },
  trpc: {
    name: 'trpc',
    label: 'tRPC 11 ws mutation (zod)',
    protocol: 'trpc',
    amqp: false,
    readyz: false,
    processes: [{ role: 'server', script: [here('./servers/trpc.ts')], readyText: '"listening"' }],
  },
};

export interface RunningSystem {
  spec: SystemSpec;
  url: string;
  /** Server process ids by role. */
  pids: Record<string, number>;
  /** The last output of each process, to tell why one died. */
  output(role: string): string;
  stop(): Promise<void>;
}

async function waitReadyz(url: string, timeoutMs: number): Promise<void> {
  const http = url.replace(/^ws/, 'http').replace(/\/rpc$/, '');
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const status = await fetch(`${http}/readyz`).then((r) => r.status, () => 0);
    if (status === 200) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${http}/readyz not ready within ${timeoutMs} ms`);
}

export interface StartSystemOptions {
  /** Extra node flags per role, e.g. { gateway: ['--cpu-prof'] }. */
  nodeArgs?: Record<string, string[]>;
}

/** Starts every process of a system, in order; stops the ones started if a later one fails. */
export async function startSystem(spec: SystemSpec, options: StartSystemOptions = {}): Promise<RunningSystem> {
  const started: Started[] = [];
  const stop = async () => {
    // Front first: the gateway stops taking calls before its worker goes.
    for (const proc of [...started].reverse()) await proc.stop(5000);
  };
  try {
    const pids: Record<string, number> = {};
    for (const proc of spec.processes) {
      const nodeArgs = [...(proc.script[0]!.endsWith('.ts') ? ['--import', 'tsx'] : []), ...(options.nodeArgs?.[proc.role] ?? [])];
      const running = await startProcess({
        name: `${spec.name}/${proc.role}`,
        args: [...nodeArgs, ...proc.script],
        readyText: proc.readyText,
        env: { LOG_LEVEL: 'info', ...proc.env },
      });
      started.push(running);
      pids[proc.role] = running.pid;
    }
    const url = started.at(-1)!.url;
    if (!url) throw new Error(`${spec.name}: the last process printed no url`);
    if (spec.readyz) await waitReadyz(url, 20_000);
    const output = (role: string) => started[spec.processes.findIndex((p) => p.role === role)]?.output.join('').slice(-600) ?? '';
    return { spec, url, pids, output, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
