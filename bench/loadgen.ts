/**
 * The load generator: K processes (loadClient.ts) share C connections with P calls in flight
 * on each, warm up, measure for a fixed time, and their HDR histograms are merged. One
 * generator process saturates a core before a fast server does, hence K. With `rate` the
 * load is open: R calls per second in all, on a clock, P in flight at most per connection.
 *
 * As a command it prints one JSON object:
 *   node --import tsx bench/loadgen.ts --url ws://127.0.0.1:3000/rpc [--protocol jsonrpc|socketio|trpc]
 *     [--method bench.echo] [--payload echo|validate] [--connections 50] [--inflight 10]
 *     [--processes 2] [--warmup 3] [--duration 10] [--timeout 10]
 * The harness (run.ts) calls runLoad() and reads server CPU in the hooks around the window.
 */
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import hdr from 'hdr-histogram-js';
import type { ClientConfig, ClientResult } from './loadClient.ts';
import { cpuMicros } from './procStats.ts';
import { forkTs, stopChild, waitForMessage } from './processes.ts';
import type { ProtocolName } from './protocols.ts';
import { sampleOrder } from './service.ts';

const CLIENT = fileURLToPath(new URL('./loadClient.ts', import.meta.url));

export type PayloadName = 'echo' | 'validate';

export interface LoadOptions {
  url: string;
  protocol: ProtocolName;
  /** Method name without the service, e.g. `echo`; the wire name is `bench.<method>`. */
  payload: PayloadName;
  connections: number;
  inflight: number;
  processes: number;
  warmupMs: number;
  durationMs: number;
  /** @default 10000 */
  timeoutMs?: number;
  /**
   * Open loop: calls per second offered in all (split over the processes by their share of
   * the connections), `inflight` being a cap per connection. Undefined: closed loop.
   */
  rate?: number;
  /** Runs right after the measured window opens / closes (CPU snapshots). */
  onMeasureStart?: () => void;
  onMeasureEnd?: () => void;
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

/** The generator processes' results summed (counts) or maxed (times), plus what they add up to. */
export interface LoadResult extends Omit<ClientResult, 'histogram'> {
  connections: number;
  inflight: number;
  processes: number;
  /** Completed calls per second over the measured window. */
  throughput: number;
  /** Microseconds. */
  latencyUs: LatencySummary;
  /** CPU the generator processes used in the window, µs per completed call. */
  loadgenCpuPerCallUs: number | undefined;
  /** Open loop: the calls per second offered. */
  rate?: number;
}

export function paramsFor(payload: PayloadName): string {
  return payload === 'echo' ? JSON.stringify({ seq: 1, text: 'hello bench' }) : JSON.stringify(sampleOrder(1));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Splits n into k near-equal positive parts (fewer parts when n < k). */
function split(n: number, k: number): number[] {
  const parts = Math.min(n, k);
  return Array.from({ length: parts }, (_, i) => Math.floor(n / parts) + (i < n % parts ? 1 : 0));
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const paramsJson = paramsFor(options.payload);
  const shares = split(options.connections, options.processes);
  if (options.rate !== undefined && !(options.rate > 0)) throw new Error(`rate must be a positive number of calls per second, got ${options.rate}`);
  const children = shares.map((connections) => {
    const config: ClientConfig = {
      url: options.url,
      protocol: options.protocol,
      method: `bench.${options.payload}`,
      paramsJson,
      connections,
      inflight: options.inflight,
      timeoutMs: options.timeoutMs ?? 10_000,
      openConcurrency: 50,
      ...(options.rate === undefined ? {} : { rate: (options.rate * connections) / options.connections }),
    };
    return forkTs(CLIENT, [JSON.stringify(config)]);
  });
  try {
    await Promise.all(children.map((child) => waitForMessage(child, (m) => m.type === 'ready', 60_000, 'ready')));
    for (const child of children) child.send({ type: 'start' });
    await sleep(options.warmupMs);
    for (const child of children) child.send({ type: 'measure' });
    const cpuStart = children.map((child) => cpuMicros(child.pid!) ?? 0);
    options.onMeasureStart?.();
    await sleep(options.durationMs);
    const results = children.map((child) => waitForMessage(child, (m) => m.type === 'result', 30_000, 'result'));
    for (const child of children) child.send({ type: 'stop' });
    const cpuEnd = children.map((child) => cpuMicros(child.pid!) ?? 0);
    options.onMeasureEnd?.();
    const outcomes = (await Promise.all(results)).map((message) => message.result as ClientResult);
    const merged = merge(outcomes);
    const loadgenCpu = cpuEnd.reduce((sum, end, i) => sum + end - cpuStart[i]!, 0);
    return {
      connections: options.connections,
      inflight: options.inflight,
      processes: children.length,
      ...(options.rate === undefined ? {} : { rate: options.rate }),
      ...merged,
      loadgenCpuPerCallUs: merged.completed > 0 ? loadgenCpu / merged.completed : undefined,
    };
  } finally {
    await Promise.all(children.map(async (child) => {
      await Promise.race([once(child, 'exit'), sleep(2000)]);
      await stopChild(child, 1000);
    }));
  }
}

function merge(outcomes: ClientResult[]): Omit<LoadResult, 'connections' | 'inflight' | 'processes' | 'loadgenCpuPerCallUs' | 'rate'> {
  const total = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
  let elapsedMs = 0;
  let oldestInFlightMs = 0;
  const sums = { completed: 0, errors: 0, timeouts: 0, wrong: 0, dropped: 0, unsent: 0 };
  const errorCodes: Record<string, number> = {};
  for (const outcome of outcomes) {
    total.add(hdr.decodeFromCompressedBase64(outcome.histogram));
    for (const key of Object.keys(sums) as (keyof typeof sums)[]) sums[key] += outcome[key];
    for (const [code, n] of Object.entries(outcome.errorCodes)) errorCodes[code] = (errorCodes[code] ?? 0) + n;
    elapsedMs = Math.max(elapsedMs, outcome.elapsedMs);
    oldestInFlightMs = Math.max(oldestInFlightMs, outcome.oldestInFlightMs);
  }
  const at = (p: number) => (sums.completed > 0 ? total.getValueAtPercentile(p) : 0);
  return {
    ...sums,
    errorCodes,
    oldestInFlightMs,
    elapsedMs,
    throughput: elapsedMs > 0 ? (sums.completed * 1000) / elapsedMs : 0,
    latencyUs: {
      p50: at(50),
      p90: at(90),
      p99: at(99),
      p999: at(99.9),
      max: sums.completed > 0 ? total.maxValue : 0,
      mean: sums.completed > 0 ? Math.round(total.mean) : 0,
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      protocol: { type: 'string', default: 'jsonrpc' },
      payload: { type: 'string', default: 'echo' },
      connections: { type: 'string', default: '50' },
      inflight: { type: 'string', default: '10' },
      processes: { type: 'string', default: '2' },
      warmup: { type: 'string', default: '3' },
      duration: { type: 'string', default: '10' },
      timeout: { type: 'string', default: '10' },
      rate: { type: 'string' },
    },
  });
  if (!values.url) throw new Error('--url ws://host:port/path is required');
  if (!['jsonrpc', 'socketio', 'trpc'].includes(values.protocol)) throw new Error('--protocol: jsonrpc, socketio or trpc');
  if (!['echo', 'validate'].includes(values.payload)) throw new Error('--payload: echo or validate');
  const result = await runLoad({
    url: values.url,
    protocol: values.protocol as ProtocolName,
    payload: values.payload as PayloadName,
    connections: Number(values.connections),
    inflight: Number(values.inflight),
    processes: Number(values.processes),
    warmupMs: Number(values.warmup) * 1000,
    durationMs: Number(values.duration) * 1000,
    timeoutMs: Number(values.timeout) * 1000,
    ...(values.rate === undefined ? {} : { rate: Number(values.rate) }),
  });
  console.log(JSON.stringify(result, null, 2));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err: Error) => {
    console.error(`loadgen: ${err.message}`);
    process.exitCode = 1;
  });
}
