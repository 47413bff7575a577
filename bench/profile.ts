/**
 * CPU profile of Warren amqp (gateway and worker processes) under load: runs both with
 * `node --cpu-prof`, drives them with the load generator, stops them (the profiles are
 * written at exit) and prints the functions and packages with the most self time.
 *
 *   node --import tsx bench/profile.ts [--setting throughput|latency] [--duration 15] [--out DIR]
 *     [--system warren-amqp|warren-amqp-quorum|baseline|warren-memory|...] [--rate CALLS_PER_SECOND]
 *
 * Prints, per process, CPU µs per call (from /proc, so with the profiler's own cost), and read and
 * write system calls and context switches per call: how many calls each wake-up handles.
 * --no-prof runs the same without the profiler (counters only).
 *
 * --rate makes the throughput setting's load open (that many calls per second in all, at most
 * 10 in flight per connection), so that two systems are profiled at the same load. A system on
 * the cluster (bench/cluster.ts) gets its method queues deleted before and after.
 */
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runLoad } from './loadgen.ts';
import { deleteClusterQueues } from './cluster.ts';
import { cpuMicros, wakeCounters } from './procStats.ts';
import { installCleanup, stopAll } from './processes.ts';
import { startSystem, SYSTEMS, type SystemName } from './systems.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Hotspot {
  name: string;
  where: string;
  selfMs: number;
  percent: number;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function shortUrl(url: string): string {
  if (!url) return '';
  const path = url.replace(/^file:\/\//, '').split('?')[0]!;
  const inModules = path.lastIndexOf('node_modules/');
  if (inModules >= 0) return path.slice(inModules + 'node_modules/'.length);
  return path.startsWith(ROOT) ? path.slice(ROOT.length) : path;
}

/** Package (node_modules/<name>), Warren source folder, node internals or V8 pseudo-frames. */
function packageOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const short = shortUrl(url);
  if (url.includes('node_modules/')) return short.startsWith('@') ? short.split('/').slice(0, 2).join('/') : short.split('/')[0]!;
  if (url.startsWith('node:')) return 'node internals';
  return short.split('/').slice(0, 2).join('/');
}

/** Self time per function and per package, idle excluded from the percentages. */
export function summariseProfile(file: string, top = 20): { totalMs: number; idleMs: number; functions: Hotspot[]; packages: Hotspot[] } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const functions = new Map<string, Hotspot>();
  const packages = new Map<string, Hotspot>();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    const name = frame.functionName || '(anonymous)';
    if (name === '(idle)') {
      idleUs += us;
      continue;
    }
    totalUs += us;
    const where = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '';
    const key = `${name} ${where}`;
    const fn = functions.get(key) ?? { name, where, selfMs: 0, percent: 0 };
    fn.selfMs += us / 1000;
    functions.set(key, fn);
    const pkg = packageOf(frame.url, name);
    const entry = packages.get(pkg) ?? { name: pkg, where: '', selfMs: 0, percent: 0 };
    entry.selfMs += us / 1000;
    packages.set(pkg, entry);
  }
  const rank = (map: Map<string, Hotspot>) =>
    [...map.values()]
      .map((h) => ({ ...h, percent: totalUs > 0 ? (h.selfMs * 100_000) / totalUs : 0 }))
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, top);
  return { totalMs: totalUs / 1000, idleMs: idleUs / 1000, functions: rank(functions), packages: rank(packages) };
}

function render(role: string, file: string): string {
  const s = summariseProfile(file);
  const lines = [`### ${role} (${file})`, '', `${s.totalMs.toFixed(0)} ms on CPU, ${s.idleMs.toFixed(0)} ms idle.`, '', '| self % | self ms | function | where |', '|---|---|---|---|'];
  for (const h of s.functions) lines.push(`| ${h.percent.toFixed(1)} | ${h.selfMs.toFixed(0)} | ${h.name} | ${h.where} |`);
  lines.push('', '| self % | package / folder |', '|---|---|');
  for (const h of s.packages.slice(0, 12)) lines.push(`| ${h.percent.toFixed(1)} | ${h.name} |`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  installCleanup();
  const { values } = parseArgs({
    options: {
      setting: { type: 'string', default: 'throughput' },
      duration: { type: 'string', default: '15' },
      out: { type: 'string', default: join(ROOT, '.scratch', 'profiles') },
      system: { type: 'string', default: 'warren-amqp' },
      rate: { type: 'string' },
      'no-prof': { type: 'boolean', default: false },
    },
  });
  const system = values.system as SystemName;
  if (!SYSTEMS[system]) throw new Error(`Unknown system ${system}`);
  const dir = resolve(values.out, `${system}-${values.setting}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const latency = values.setting === 'latency';
  const roles = SYSTEMS[system].processes.map((p) => p.role);
  // One folder per role: each thread (the main one, tsx's loader thread) writes its own file.
  const nodeArgs = values['no-prof'] ? {} : Object.fromEntries(roles.map((role) => [role, ['--cpu-prof', `--cpu-prof-dir=${join(dir, role)}`]]));
  type Counters = { cpu: number | undefined; wake: ReturnType<typeof wakeCounters> };
  const snapshot = (pids: Record<string, number>): Record<string, Counters> =>
    Object.fromEntries(Object.entries(pids).map(([role, pid]) => [role, { cpu: cpuMicros(pid), wake: wakeCounters(pid) }]));
  let before: Record<string, Counters> = {};
  let after: Record<string, Counters> = {};
  const onCluster = !!SYSTEMS[system].cluster;
  if (onCluster) await deleteClusterQueues();
  const rate = values.rate === undefined ? undefined : Number(values.rate);
  const running = await startSystem(SYSTEMS[system], { nodeArgs });
  try {
    const result = await runLoad({
      url: running.url,
      protocol: SYSTEMS[system].protocol,
      payload: 'echo',
      connections: latency ? 1 : 50,
      inflight: latency ? 1 : 10,
      processes: latency ? 1 : 2,
      warmupMs: 2000,
      durationMs: Number(values.duration) * 1000,
      ...(rate === undefined || latency ? {} : { rate }),
      onMeasureStart: () => (before = snapshot(running.pids)),
      onMeasureEnd: () => (after = snapshot(running.pids)),
    });
    console.log(
      `${system} ${values.setting}${rate === undefined || latency ? '' : ` at ${rate} calls/s offered`}: ${Math.round(result.throughput)} calls/s, p50 ${(result.latencyUs.p50 / 1000).toFixed(2)} ms, p99 ${(result.latencyUs.p99 / 1000).toFixed(2)} ms, ${result.completed} calls, ${result.unsent} unsent\n`,
    );
    console.log('| process | CPU µs/call | read syscalls/call | write syscalls/call | voluntary switches/call | involuntary/call |');
    console.log('|---|---|---|---|---|---|');
    const calls = Math.max(1, result.completed);
    for (const role of roles) {
      const a = before[role];
      const b = after[role];
      const per = (x: number | undefined, y: number | undefined, digits: number) => (x === undefined || y === undefined ? '—' : ((y - x) / calls).toFixed(digits));
      console.log(
        `| ${role} | ${per(a?.cpu, b?.cpu, 1)} | ${per(a?.wake?.reads, b?.wake?.reads, 3)} | ${per(a?.wake?.writes, b?.wake?.writes, 3)} | ${per(a?.wake?.voluntary, b?.wake?.voluntary, 3)} | ${per(a?.wake?.involuntary, b?.wake?.involuntary, 3)} |`,
      );
    }
    console.log('');
  } finally {
    await running.stop();
    await stopAll();
    if (onCluster) await deleteClusterQueues().catch(() => {});
  }
  for (const role of values['no-prof'] ? [] : roles) {
    // The main thread's profile is the one with the most samples.
    const files = readdirSync(join(dir, role))
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => join(dir, role, f))
      .sort((a, b) => statSync(b).size - statSync(a).size);
    if (files[0]) console.log(`${render(role, files[0])}\n`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch(async (err: Error) => {
    console.error(`profile: ${err.stack ?? err.message}`);
    await stopAll();
    process.exitCode = 1;
  });
}
