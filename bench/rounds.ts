/**
 * The measured rounds: each round starts every system fresh, in a rotated order, and runs
 * every setting on it (systems interleaved within the round, so drift on a shared machine
 * hits all of them). Server CPU comes from /proc around the measured window, the broker's
 * from RabbitMQ's beam.smp. A sample spoiled from outside is kept, marked, and taken again.
 */
import { performance } from 'node:perf_hooks';
import { BASELINE_QUEUES, BrokerSentinel, purgeQueues, WARREN_QUEUES } from './amqpAdmin.ts';
import { CLUSTER_URLS, clusterPids, clusterUrlsShown, deleteClusterQueues } from './cluster.ts';
import { runLoad, type LoadOptions } from './loadgen.ts';
import { brokerPid, cpuMicros, cpuSnapshot, machineBusyMicros } from './procStats.ts';
import type { Sample, SettingName } from './report.ts';
import { startSystem, SYSTEMS, type RunningSystem, type SystemName } from './systems.ts';

/** One load shape; `processes` generator processes, since one saturates a core before the fast servers do. */
export interface Setting extends Pick<LoadOptions, 'payload' | 'connections' | 'inflight' | 'processes' | 'warmupMs' | 'durationMs' | 'rate'> {
  name: SettingName;
}

export interface RoundsPlan {
  rounds: number;
  systems: SystemName[];
  settings: Setting[];
  /** Tries per measurement when something outside the system spoils it. */
  attempts: number;
}

export function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

async function measure(system: SystemName, setting: Setting, round: number, url: string, pids: Record<string, number>): Promise<Sample> {
  const spec = SYSTEMS[system];
  // The broker is every node the system's queues live on: the shared one, or the cluster's three.
  const brokers = spec.cluster ? clusterPids() : [brokerPid()].filter((pid): pid is number => pid !== undefined);
  const tracked: Record<string, number | undefined> = { ...pids, ...Object.fromEntries(brokers.map((pid, i) => [`broker#${i}`, pid])) };
  let before: Record<string, number | undefined> = {};
  let after: Record<string, number | undefined> = {};
  let busyBefore = 0;
  let busyAfter = 0;
  let t0 = 0;
  let t1 = 0;
  const load = await runLoad({
    url,
    protocol: spec.protocol,
    payload: setting.payload,
    connections: setting.connections,
    inflight: setting.inflight,
    processes: setting.processes,
    warmupMs: setting.warmupMs,
    durationMs: setting.durationMs,
    ...(setting.rate === undefined ? {} : { rate: setting.rate }),
    onMeasureStart: () => {
      before = cpuSnapshot(tracked);
      busyBefore = machineBusyMicros();
      t0 = performance.now();
    },
    onMeasureEnd: () => {
      after = cpuSnapshot(tracked);
      busyAfter = machineBusyMicros();
      t1 = performance.now();
    },
  });
  const perCall: Record<string, number> = {};
  let serverUs = 0;
  let brokerUs: number | undefined;
  let ownUs = 0;
  for (const role of Object.keys(tracked)) {
    const a = before[role];
    const b = after[role];
    if (a === undefined || b === undefined || load.completed === 0) continue;
    ownUs += b - a;
    if (role.startsWith('broker#')) brokerUs = (brokerUs ?? 0) + b - a;
    else {
      perCall[role] = (b - a) / load.completed;
      serverUs += b - a;
    }
  }
  if (brokerUs !== undefined) perCall.broker = brokerUs / load.completed;
  ownUs += (load.loadgenCpuPerCallUs ?? 0) * load.completed;
  const windowUs = (t1 - t0) * 1000;
  return {
    round,
    system,
    setting: setting.name,
    load,
    cpuPerCallUs: perCall,
    serverCpuPerCallUs: load.completed > 0 ? serverUs / load.completed : undefined,
    brokerCpuPerCallUs: perCall.broker,
    machineBusyCores: windowUs > 0 ? (busyAfter - busyBefore) / windowUs : undefined,
    otherCores: windowUs > 0 ? Math.max(0, (busyAfter - busyBefore - ownUs) / windowUs) : undefined,
  };
}

/** Why a sample cannot stand for its system, or undefined when it can. */
function invalidity(sample: Sample, amqp: boolean, interrupted: boolean, dead: string | undefined): string | undefined {
  const load = sample.load;
  if (!load) return sample.error ?? 'no result';
  if (dead) return `a server process exited during the measurement: ${dead}`;
  if (amqp && interrupted) return 'RabbitMQ was stopped or restarted (by other work on the machine) during the measurement';
  if (load.dropped > 0) return `${load.dropped} connections dropped`;
  if (load.completed === 0) return 'no call completed';
  // Open loop: the comparison holds only at the rate offered.
  if (load.unsent > 0.01 * (load.completed + load.unsent)) return `did not sustain ${load.rate} calls/s: ${load.unsent} calls found every connection at its in-flight cap`;
  const failed = load.errors + load.timeouts;
  if (failed > 0.01 * (load.completed + failed)) return `${load.errors} errors ${JSON.stringify(load.errorCodes)} and ${load.timeouts} timeouts`;
  return undefined;
}

/** The roles whose process is gone, with their last output; undefined when all live. */
function dead(running: RunningSystem): string | undefined {
  const gone = Object.entries(running.pids).filter(([, pid]) => cpuMicros(pid) === undefined);
  if (gone.length === 0) return undefined;
  return gone.map(([role]) => `${role} (${running.output(role).replace(/\s+/g, ' ').slice(-300)})`).join('; ');
}

async function start(system: SystemName, sentinel: BrokerSentinel): Promise<RunningSystem> {
  const spec = SYSTEMS[system];
  if (spec.cluster) {
    if (!(await sentinel.waitConnected(60_000))) throw new Error(`the RabbitMQ cluster (${clusterUrlsShown()}) is unreachable for 60 s`);
    // A queue's type cannot change: the next system on the cluster may want the other one.
    await deleteClusterQueues();
  } else if (spec.amqp) {
    if (!(await sentinel.waitConnected(60_000))) throw new Error('RabbitMQ unreachable for 60 s');
    await purgeQueues(system.startsWith('baseline') ? BASELINE_QUEUES : WARREN_QUEUES);
  }
  return startSystem(spec);
}

function describe(sample: Sample): string {
  const l = sample.load!;
  return `${Math.round(l.throughput)} calls/s, p50 ${(l.latencyUs.p50 / 1000).toFixed(2)} ms, p99 ${(l.latencyUs.p99 / 1000).toFixed(2)} ms, server ${sample.serverCpuPerCallUs?.toFixed(1)} µs/call, broker ${sample.brokerCpuPerCallUs?.toFixed(1)} µs/call, errors ${l.errors}, timeouts ${l.timeouts}`;
}

/**
 * One system in one round: started fresh, every setting measured on it. A sample spoiled by
 * something outside the system (the broker restarted, a process died, connections dropped)
 * is kept in the results, marked invalid, and measured again on a freshly started system.
 */
async function runSystem(p: RoundsPlan, round: number, system: SystemName, sentinels: Sentinels, samples: Sample[]): Promise<void> {
  const spec = SYSTEMS[system];
  const sentinel = spec.cluster ? sentinels.cluster! : sentinels.shared;
  let running: RunningSystem | undefined;
  try {
    for (const setting of p.settings) {
      for (let attempt = 1; attempt <= p.attempts; attempt++) {
        let sample: Sample;
        try {
          running ??= await start(system, sentinel);
          const cuts = sentinel.interruptions;
          sample = await measure(system, setting, round, running.url, running.pids);
          const interrupted = sentinel.interruptions !== cuts || !sentinel.connected;
          sample.invalid = invalidity(sample, spec.amqp, interrupted, dead(running));
        } catch (err) {
          sample = { round, system, setting: setting.name, error: (err as Error).message.slice(0, 2000) };
          sample.invalid = sample.error;
        }
        sample.attempt = attempt;
        samples.push(sample);
        if (!sample.invalid) {
          log(`  ${setting.name}: ${describe(sample)}`);
          break;
        }
        log(`  ${setting.name} attempt ${attempt} discarded: ${sample.invalid.split('\n')[0]}${sample.load ? ` (${describe(sample)})` : ''}`);
        await running?.stop();
        running = undefined;
      }
    }
  } finally {
    await running?.stop();
  }
}

/** One idle connection to each broker in use: the shared one, and the cluster's first node when a system runs there. */
interface Sentinels {
  shared: BrokerSentinel;
  cluster: BrokerSentinel | undefined;
}

export async function runRounds(p: RoundsPlan, samples: Sample[]): Promise<void> {
  const sentinels: Sentinels = {
    shared: new BrokerSentinel(),
    cluster: p.systems.some((s) => SYSTEMS[s].cluster) ? new BrokerSentinel(CLUSTER_URLS[0]) : undefined,
  };
  sentinels.shared.start();
  sentinels.cluster?.start();
  try {
    for (let round = 1; round <= p.rounds; round++) {
      // Rotate the order each round so no system always runs first (or right after a heavy one).
      const offset = (round - 1) % p.systems.length;
      const order = [...p.systems.slice(offset), ...p.systems.slice(0, offset)];
      for (const system of order) {
        log(`round ${round}/${p.rounds}: ${system}`);
        await runSystem(p, round, system, sentinels, samples);
      }
    }
  } finally {
    await sentinels.shared.stop();
    await sentinels.cluster?.stop();
  }
}

/** Runs a capacity measure, again (up to `attempts` times) when it fails or the broker was cut meanwhile. */
