/**
 * The benchmark harness. `npm run bench` (full) and `npm run bench:quick` (CI smoke test).
 *
 * Plans the run (rounds.ts measures it, capacity.ts measures capacity), writes the results
 * JSON and Markdown, and updates the table in bench/README.md after a full run. Medians
 * and min–max over rounds are reported; the issue's targets are judged from the same run.
 *
 *   node --import tsx bench/run.ts [--quick] [--rounds N] [--systems a,b] [--settings latency,throughput,validate,rate]
 *     [--rate CALLS_PER_SECOND] [--no-capacity | --capacity-only | --fanout-only] [--out DIR] [--no-readme]
 *
 * Capacity: idle sockets once, then fan-out for as many rounds as the calls (Warren memory,
 * Warren amqp and Socket.IO, interleaved); --fanout-only runs the fan-out rounds alone.
 *
 * The systems on the bench's RabbitMQ cluster (warren-amqp-cluster, warren-amqp-quorum; see
 * bench/cluster.ts) are left out, with a line saying so, when the cluster does not answer;
 * named with --systems, they make the run fail instead.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BASELINE_EXCHANGE, BASELINE_QUEUES, BrokerSentinel, brokerReachable, deleteTopology, WARREN_QUEUES } from './amqpAdmin.ts';
import { clusterReachable, clusterUrlsShown, deleteClusterQueues } from './cluster.ts';
import { FAN_SYSTEMS, fanOut, idleSockets } from './capacity.ts';
import { machineInfo, machineLoad, rabbitVersion } from './procStats.ts';
import { installCleanup, stopAll } from './processes.ts';
import { evaluateTargets, renderMarkdown, summarise, updateReadme, type CapacityResult, type FanOutResult, type RunInfo, type Sample } from './report.ts';
import { log, runRounds, type RoundsPlan, type Setting } from './rounds.ts';
import { SYSTEMS, type SystemName } from './systems.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Plan extends RoundsPlan {
  mode: 'full' | 'quick';
  /** `idle: false` measures fan-out alone (--fanout-only). */
  capacity: { idle: boolean; idleSockets: number; idleProcesses: number; subscribers: number; fanProcesses: number; events: number } | undefined;
  /** The whole run is abandoned (and every process stopped) past this. */
  deadlineMs: number;
  /** The systems were named with --systems (a missing cluster then fails the run). */
  named: boolean;
}

const FULL_SETTINGS: Setting[] = [
  { name: 'latency', payload: 'echo', connections: 1, inflight: 1, processes: 1, warmupMs: 8000, durationMs: 8000 },
  { name: 'throughput', payload: 'echo', connections: 50, inflight: 10, processes: 2, warmupMs: 3000, durationMs: 10_000 },
  { name: 'validate', payload: 'validate', connections: 50, inflight: 10, processes: 2, warmupMs: 3000, durationMs: 10_000 },
];

/** Open loop at a fixed rate that every amqp system sustains: CPU per call compared at the same load. Only with --settings. */
const RATE_SETTING = (rate: number): Setting => ({
  name: 'rate',
  payload: 'echo',
  connections: 50,
  inflight: 10,
  processes: 2,
  warmupMs: 3000,
  durationMs: 10_000,
  rate,
});
const DEFAULT_RATE = 1500;

const QUICK_SETTINGS: Setting[] = [
  { name: 'latency', payload: 'echo', connections: 1, inflight: 1, processes: 1, warmupMs: 300, durationMs: 700 },
  { name: 'throughput', payload: 'echo', connections: 50, inflight: 10, processes: 2, warmupMs: 500, durationMs: 1500 },
];

function plan(): Plan & { out: string | undefined; readme: boolean } {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      systems: { type: 'string' },
      settings: { type: 'string' },
      rate: { type: 'string' },
      'no-capacity': { type: 'boolean', default: false },
      'capacity-only': { type: 'boolean', default: false },
      'fanout-only': { type: 'boolean', default: false },
      out: { type: 'string' },
      'no-readme': { type: 'boolean', default: false },
    },
  });
  const quick = values.quick;
  const all = Object.keys(SYSTEMS) as SystemName[];
  const standard = all.filter((name) => !SYSTEMS[name].optional);
  const capacityOnly = values['capacity-only'] || values['fanout-only'];
  if (capacityOnly && values['no-capacity']) throw new Error('--no-capacity contradicts --capacity-only / --fanout-only');
  const systems = capacityOnly
    ? []
    : values.systems
      ? (values.systems.split(',') as SystemName[])
      : quick
        ? (['warren-amqp', 'baseline', 'warren-memory'] as SystemName[])
        : standard;
  for (const name of systems) if (!all.includes(name)) throw new Error(`Unknown system "${name}": ${all.join(', ')}`);
  let settings = quick ? QUICK_SETTINGS : FULL_SETTINGS;
  const rate = Number(values.rate ?? DEFAULT_RATE);
  if (!(rate > 0)) throw new Error('--rate must be a positive number of calls per second');
  if (values.settings) {
    const wanted = values.settings.split(',');
    const known = [...FULL_SETTINGS, RATE_SETTING(rate)];
    for (const name of wanted) if (!known.some((s) => s.name === name)) throw new Error(`Unknown setting "${name}": ${known.map((s) => s.name).join(', ')}`);
    settings = known.filter((s) => wanted.includes(s.name)).map((s) => (quick ? { ...s, warmupMs: 500, durationMs: 1500 } : s));
  }
  const rounds = Number(values.rounds ?? (quick ? 1 : 3));
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a positive integer');
  return {
    mode: quick ? 'quick' : 'full',
    rounds,
    systems,
    settings,
    capacity: values['no-capacity']
      ? undefined
      : quick
        ? { idle: !values['fanout-only'], idleSockets: 300, idleProcesses: 2, subscribers: 300, fanProcesses: 2, events: 2 }
        : { idle: !values['fanout-only'], idleSockets: 15_000, idleProcesses: 4, subscribers: 10_000, fanProcesses: 4, events: 5 },
    deadlineMs: quick ? 120_000 : 50 * 60_000,
    attempts: quick ? 2 : 3,
    named: !!values.systems,
    out: values.out,
    readme: !quick && !values['no-readme'] && !values.systems && !values.settings && !capacityOnly,
  };
}

async function retried<T>(attempts: number, fn: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  const sentinel = new BrokerSentinel();
  sentinel.start();
  try {
    for (let attempt = 1; ; attempt++) {
      await sentinel.waitConnected(60_000);
      const cuts = sentinel.interruptions;
      try {
        const value = await fn();
        if ((ok(value) && sentinel.interruptions === cuts) || attempt >= attempts) return value;
        log(`  attempt ${attempt} discarded (${sentinel.interruptions !== cuts ? 'RabbitMQ was restarted meanwhile' : 'incomplete'}); again`);
      } catch (err) {
        if (attempt >= attempts) throw err;
        log(`  attempt ${attempt} failed: ${(err as Error).message.split('\n')[0]}; again`);
      }
    }
  } finally {
    await sentinel.stop();
  }
}

async function runCapacity(p: Plan): Promise<CapacityResult | undefined> {
  if (!p.capacity) return undefined;
  const c = p.capacity;
  const result: CapacityResult = { fanOut: [] };
  if (c.idle) {
    log(`capacity: ${c.idleSockets} idle sockets over ${c.idleProcesses} client processes`);
    try {
      result.idle = await retried(p.attempts, () => idleSockets(c.idleSockets, c.idleProcesses), (idle) => idle.opened === c.idleSockets);
      log(`  ${result.idle.opened} open, RSS ${(result.idle.rssAfterBytes / 2 ** 20).toFixed(0)} MiB`);
    } catch (err) {
      result.idleError = (err as Error).message.slice(0, 2000);
      log(`  failed: ${result.idleError.split('\n')[0]}`);
    }
  }
  // Warren's fan-out and Socket.IO's room broadcast, interleaved: every round runs each system
  // fresh, in an order rotated per round, with the same subscribers, client processes and events.
  for (let round = 1; round <= p.rounds; round++) {
    const shift = (round - 1) % FAN_SYSTEMS.length;
    const order = [...FAN_SYSTEMS.slice(shift), ...FAN_SYSTEMS.slice(0, shift)];
    for (const system of order) {
      log(`fan-out round ${round}/${p.rounds}: ${system}, ${c.events} events to ${c.subscribers} subscribers over ${c.fanProcesses} client processes`);
      try {
        const complete = (fan: FanOutResult) => fan.events.every((e) => e.received === c.subscribers);
        const fan = await retried(p.attempts, () => fanOut(system, c.subscribers, c.fanProcesses, c.events, round), complete);
        result.fanOut.push(fan);
        log(`  last subscriber after ${fan.medianLastMs.toFixed(0)} ms (median), ${fan.maxLastMs.toFixed(0)} ms (max); each: ${fan.events.map((e) => e.lastMs.toFixed(0)).join(', ')}`);
      } catch (err) {
        result.fanOut.push({ system, round, subscribers: c.subscribers, events: [], medianLastMs: NaN, maxLastMs: NaN, error: (err as Error).message.slice(0, 2000) });
        log(`  failed: ${(err as Error).message.split('\n')[0]}`);
      }
    }
  }
  return result;
}

function versions(): Record<string, string> {
  const of = (name: string) => {
    try {
      return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      return '?';
    }
  };
  const own = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  let commit = '?';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT, encoding: 'utf8' }).trim();
    if (dirty) commit += ' + uncommitted src changes';
  } catch {
    commit = '?';
  }
  const names = ['ws', 'amqplib', 'koa', 'zod', 'socket.io', '@trpc/server', 'hdr-histogram-js', 'tsx'];
  return { warren: `${own} (${commit})`, ...Object.fromEntries(names.map((n) => [n, of(n)])) };
}

async function main(): Promise<void> {
  installCleanup();
  const p = plan();
  const watchdog = setTimeout(() => {
    log(`deadline of ${p.deadlineMs / 1000} s passed: stopping everything`);
    void stopAll(1000).finally(() => process.exit(1));
  }, p.deadlineMs);
  watchdog.unref();

  const startedAt = new Date();
  const before = machineLoad();
  const needsBroker = p.systems.some((s) => SYSTEMS[s].amqp) || !!p.capacity;
  if (needsBroker && !(await brokerReachable())) throw new Error('RabbitMQ is not reachable at AMQP_URL (default amqp://guest:guest@127.0.0.1:5672)');
  const notes: string[] = [];
  const onCluster = p.systems.filter((s) => SYSTEMS[s].cluster);
  if (onCluster.length > 0 && !(await clusterReachable())) {
    const why = `the RabbitMQ cluster for ${onCluster.join(', ')} does not answer at ${clusterUrlsShown()} (start one: test/cluster/cluster.sh start; CLUSTER_AMQP_URLS names it)`;
    if (p.named) throw new Error(why);
    p.systems = p.systems.filter((s) => !SYSTEMS[s].cluster);
    notes.push(`Left out: ${onCluster.join(', ')}: ${why}.`);
    log(`LEFT OUT: ${why}`);
  }
  log(`${p.mode} run: ${p.rounds} round(s) × [${p.systems.join(', ')}] × [${p.settings.map((s) => s.name).join(', ')}]; load average ${before.loadavg.join(' ')}`);

  const samples: Sample[] = [];
  let capacity: CapacityResult | undefined;
  try {
    await runRounds(p, samples);
    capacity = await runCapacity(p);
  } finally {
    await stopAll();
    await deleteTopology([...WARREN_QUEUES, ...BASELINE_QUEUES], [BASELINE_EXCHANGE]).catch((err: Error) => log(`cleanup: ${err.message}`));
    if (p.systems.some((s) => SYSTEMS[s].cluster)) await deleteClusterQueues().catch((err: Error) => log(`cleanup (cluster): ${err.message}`));
  }

  const summaries = summarise(samples);
  const fullScale = p.mode === 'full' && p.capacity?.idleSockets === 15_000;
  const targets = evaluateTargets(samples, summaries, capacity, fullScale);
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const outDir = p.out ?? (p.mode === 'quick' ? mkdtempSync(join(tmpdir(), 'warren-bench-')) : join(ROOT, 'bench', 'results'));
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `${stamp}.json`);
  const lifecycle = process.env.npm_lifecycle_event;
  const info: RunInfo = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    command: lifecycle?.startsWith('bench') ? `npm run ${lifecycle}` : `node --import tsx bench/run.ts ${process.argv.slice(2).join(' ')}`.trim(),
    mode: p.mode,
    rounds: p.rounds,
    machine: { ...machineInfo(), rabbitmq: rabbitVersion() },
    versions: versions(),
    load: { before, after: machineLoad() },
    loadgen: `${p.settings.map((s) => `${s.name}: ${s.connections}×${s.inflight}${s.rate === undefined ? '' : ` at most, open loop at ${s.rate} calls/s`}, ${s.processes} process${s.processes > 1 ? 'es' : ''}, ${s.warmupMs / 1000} s warm-up + ${s.durationMs / 1000} s measured`).join('; ')}; raw Engine.IO/Socket.IO and tRPC ws messages (see bench/protocols.ts)`,
    ...(onCluster.length > 0 && notes.length === 0 ? { cluster: `${onCluster.join(', ')} on the 3-node RabbitMQ cluster at ${clusterUrlsShown()} (processes connected to the first node; broker CPU summed over the three nodes)` } : {}),
    notes,
  };
  const shown = relative(ROOT, file).startsWith('..') ? file : relative(ROOT, file);
  const markdown = renderMarkdown(info, samples, targets, capacity, shown);
  writeFileSync(file, JSON.stringify({ info, plan: p, samples, summaries, capacity, targets }, null, 2));
  writeFileSync(file.replace(/\.json$/, '.md'), `${markdown}\n`);
  if (p.readme) updateReadme(join(ROOT, 'bench', 'README.md'), markdown);
  console.log(markdown);
  log(`results: ${file}`);

  // A measurement failed when none of its attempts gave a valid sample.
  const measured = new Set(samples.filter((s) => !s.invalid).map((s) => `${s.round} ${s.system} ${s.setting}`));
  const wanted = p.rounds * p.systems.length * p.settings.length;
  const failures = wanted - measured.size + (capacity?.idleError ? 1 : 0) + (capacity?.fanOut.filter((f) => f.error).length ?? 0);
  // The quick run proves the harness works: any failed measurement fails it.
  if (failures > 0) {
    log(`${failures} measurement(s) failed`);
    process.exitCode = 1;
  }
}

main()
  .catch(async (err: Error) => {
    log(`failed: ${err.stack ?? err.message}`);
    await stopAll();
    process.exitCode = 1;
  })
  .finally(() => {
    // Sockets of stopped children may keep the loop alive a moment; never hang a CI job.
    setTimeout(() => process.exit(), 500).unref();
  });
