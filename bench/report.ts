/**
 * From samples to verdicts: medians and spread per system and setting, the issue's target
 * ratios computed from the same run, and the Markdown table written to bench/README.md.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { LoadResult } from './loadgen.ts';
import type { SystemName } from './systems.ts';
import { SYSTEMS } from './systems.ts';

export type SettingName = 'latency' | 'throughput' | 'validate' | 'rate';

export interface Sample {
  round: number;
  system: SystemName;
  setting: SettingName;
  /** 1 for the first try; later tries replace a sample spoiled from outside. */
  attempt?: number;
  error?: string;
  /** Why this sample is left out of the medians (kept in the JSON for inspection). */
  invalid?: string;
  load?: LoadResult;
  /** Server CPU per completed call by role (gateway, worker, server), plus `broker`. */
  cpuPerCallUs?: Record<string, number>;
  /** Sum over the system's own processes (not the broker). */
  serverCpuPerCallUs?: number;
  brokerCpuPerCallUs?: number;
  /** Cores busy machine-wide during the window, and the part used by processes outside this measurement. */
  machineBusyCores?: number;
  otherCores?: number;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export interface Summary {
  system: SystemName;
  setting: SettingName;
  rounds: number;
  /** Samples left out: spoiled from outside (and measured again) or failed. */
  discarded: number;
  throughput: Spread;
  p50Us: Spread;
  p90Us: Spread;
  p99Us: Spread;
  p999Us: Spread;
  maxUs: Spread;
  serverCpuPerCallUs: Spread | undefined;
  brokerCpuPerCallUs: Spread | undefined;
  roleCpuPerCallUs: Record<string, number>;
  errors: number;
  timeouts: number;
  wrong: number;
  otherCores: Spread | undefined;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function spread(values: (number | undefined)[]): Spread | undefined {
  const present = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  if (present.length === 0) return undefined;
  return { median: median(present), min: Math.min(...present), max: Math.max(...present) };
}

const ZERO: Spread = { median: 0, min: 0, max: 0 };

export function summarise(samples: Sample[]): Summary[] {
  const groups = new Map<string, Sample[]>();
  for (const sample of samples) {
    const key = `${sample.system}\u0000${sample.setting}`;
    groups.set(key, [...(groups.get(key) ?? []), sample]);
  }
  const out: Summary[] = [];
  for (const group of groups.values()) {
    const ok = group.filter((s) => s.load && !s.invalid);
    const loads = ok.map((s) => s.load!);
    const roles = new Set(ok.flatMap((s) => Object.keys(s.cpuPerCallUs ?? {})));
    out.push({
      system: group[0]!.system,
      setting: group[0]!.setting,
      rounds: ok.length,
      discarded: group.length - ok.length,
      throughput: spread(loads.map((l) => l.throughput)) ?? ZERO,
      p50Us: spread(loads.map((l) => l.latencyUs.p50)) ?? ZERO,
      p90Us: spread(loads.map((l) => l.latencyUs.p90)) ?? ZERO,
      p99Us: spread(loads.map((l) => l.latencyUs.p99)) ?? ZERO,
      p999Us: spread(loads.map((l) => l.latencyUs.p999)) ?? ZERO,
      maxUs: spread(loads.map((l) => l.latencyUs.max)) ?? ZERO,
      serverCpuPerCallUs: spread(ok.map((s) => s.serverCpuPerCallUs)),
      brokerCpuPerCallUs: spread(ok.map((s) => s.brokerCpuPerCallUs)),
      roleCpuPerCallUs: Object.fromEntries(
        [...roles].map((role) => [role, median(ok.map((s) => s.cpuPerCallUs?.[role]).filter((v): v is number => v !== undefined))]),
      ),
      errors: loads.reduce((sum, l) => sum + l.errors, 0),
      timeouts: loads.reduce((sum, l) => sum + l.timeouts, 0),
      wrong: loads.reduce((sum, l) => sum + l.wrong, 0),
      otherCores: spread(ok.map((s) => s.otherCores)),
    });
  }
  return out;
}

/** The systems whose fan-out is measured (bench/capacity.ts). */
export type FanSystemName = 'warren-memory' | 'warren-amqp' | 'warren-memory-replayable' | 'warren-amqp-replayable' | 'socket.io';

export const FAN_LABEL: Record<FanSystemName, string> = {
  'warren-memory': 'Warren memory (serve), one event to the subscribers of bench.tick',
  'warren-amqp': 'Warren amqp (gateway + worker), one event to the subscribers of bench.tick',
  'warren-memory-replayable': 'Warren memory (serve), one replayable event (bench.kept, stored first) to its subscribers',
  'warren-amqp-replayable': 'Warren amqp (gateway + worker), one replayable event (bench.kept, through a stream) to its subscribers',
  'socket.io': 'Socket.IO 4, io.to(room).emit, websocket transport',
};

/** One system's fan-out in one round: `events` events, each to every subscriber. */
export interface FanOutResult {
  system: FanSystemName;
  round: number;
  subscribers: number;
  events: { seq: number; firstMs: number; lastMs: number; received: number }[];
  medianLastMs: number;
  maxLastMs: number;
  error?: string;
}

export interface CapacityResult {
  idle?: { sockets: number; opened: number; rssBeforeBytes: number; rssAfterBytes: number; rssPeakBytes: number; perSocketBytes: number; fdsBefore: number; fdsAfter: number; openSeconds: number; pingUs: number | undefined };
  fanOut: FanOutResult[];
  idleError?: string;
}

/** One system's fan-out over every round of a run: the median and max over all its events. */
export interface FanSummary {
  system: FanSystemName;
  subscribers: number;
  rounds: number;
  events: number;
  /** Every event reached every subscriber, in every round measured. */
  complete: boolean;
  medianLastMs: number | undefined;
  maxLastMs: number | undefined;
  medianFirstMs: number | undefined;
  /** Per round, the median over that round's events. */
  perRound: { round: number; medianLastMs: number }[];
}

export function summariseFanOut(fanOut: FanOutResult[]): FanSummary[] {
  const systems = [...new Set(fanOut.map((f) => f.system))];
  return systems.map((system) => {
    const all = fanOut.filter((f) => f.system === system);
    const ok = all.filter((f) => !f.error && f.events.length > 0);
    const events = ok.flatMap((f) => f.events);
    const lasts = events.map((e) => e.lastMs);
    const subscribers = all[0]!.subscribers;
    return {
      system,
      subscribers,
      rounds: ok.length,
      events: events.length,
      complete: ok.length === all.length && events.every((e) => e.received === subscribers),
      medianLastMs: lasts.length ? median(lasts) : undefined,
      maxLastMs: lasts.length ? Math.max(...lasts) : undefined,
      medianFirstMs: events.length ? median(events.map((e) => e.firstMs)) : undefined,
      perRound: ok.map((f) => ({ round: f.round, medianLastMs: f.medianLastMs })),
    };
  });
}

export interface Target {
  id: string;
  text: string;
  bound: string;
  value: number | undefined;
  /** Per-round paired ratios (same round, interleaved), for spread. */
  perRound: number[];
  status: 'PASS' | 'MISS' | 'n/a';
}

type Metric = 'throughput' | 'p50Us' | 'p99Us' | 'serverCpuPerCallUs';

function metricOf(sample: Sample | undefined, metric: Metric): number | undefined {
  if (!sample?.load) return undefined;
  if (metric === 'throughput') return sample.load.throughput;
  if (metric === 'p50Us') return sample.load.latencyUs.p50;
  if (metric === 'p99Us') return sample.load.latencyUs.p99;
  return sample.serverCpuPerCallUs;
}

function ratioTarget(
  samples: Sample[],
  summaries: Summary[],
  def: { id: string; text: string; a: SystemName; b: SystemName; setting: SettingName; metric: Metric; op: '>=' | '<='; bound: number },
): Target {
  const find = (system: SystemName) => summaries.find((s) => s.system === system && s.setting === def.setting);
  const sa = find(def.a);
  const sb = find(def.b);
  const pick = (s: Summary | undefined) => (def.metric === 'serverCpuPerCallUs' ? s?.serverCpuPerCallUs : s?.[def.metric])?.median;
  const va = pick(sa);
  const vb = pick(sb);
  const value = va !== undefined && vb !== undefined && vb > 0 && sa!.rounds > 0 && sb!.rounds > 0 ? va / vb : undefined;
  const rounds = [...new Set(samples.map((s) => s.round))];
  const perRound = rounds.flatMap((round) => {
    const at = (system: SystemName) => samples.find((s) => s.round === round && s.system === system && s.setting === def.setting && !s.invalid);
    const ra = metricOf(at(def.a), def.metric);
    const rb = metricOf(at(def.b), def.metric);
    return ra !== undefined && rb !== undefined && rb > 0 ? [ra / rb] : [];
  });
  const status = value === undefined ? 'n/a' : (def.op === '>=' ? value >= def.bound : value <= def.bound) ? 'PASS' : 'MISS';
  return { id: def.id, text: def.text, bound: `${def.op} ${def.bound}`, value, perRound, status };
}

export function evaluateTargets(samples: Sample[], summaries: Summary[], capacity: CapacityResult | undefined, fullScale: boolean): Target[] {
  const t = (def: Parameters<typeof ratioTarget>[2]) => ratioTarget(samples, summaries, def);
  const targets: Target[] = [
    t({ id: 'amqp-throughput', text: 'Warren amqp (gateway + worker processes) throughput / baseline, 50×10 echo', a: 'warren-amqp', b: 'baseline', setting: 'throughput', metric: 'throughput', op: '>=', bound: 0.9 }),
    t({ id: 'amqp-p99', text: 'Warren amqp p99 / baseline p99, 50×10 echo', a: 'warren-amqp', b: 'baseline', setting: 'throughput', metric: 'p99Us', op: '<=', bound: 1.2 }),
    t({ id: 'amqp-cpu', text: 'Warren amqp gateway + worker CPU µs/call / baseline gateway + worker, 50×10 echo', a: 'warren-amqp', b: 'baseline', setting: 'throughput', metric: 'serverCpuPerCallUs', op: '<=', bound: 1.2 }),
    // What metrics cost: n/a unless the -nometrics systems are named with --systems.
    t({ id: 'metrics-amqp-throughput', text: 'Warren amqp with metrics / without, throughput, 50×10 echo', a: 'warren-amqp', b: 'warren-amqp-nometrics', setting: 'throughput', metric: 'throughput', op: '>=', bound: 0.97 }),
    t({ id: 'metrics-memory-throughput', text: 'Warren memory with metrics / without, throughput, 50×10 echo', a: 'warren-memory', b: 'warren-memory-nometrics', setting: 'throughput', metric: 'throughput', op: '>=', bound: 0.97 }),
    t({ id: 'amqp-1x1-p50', text: 'Warren amqp (gateway + worker processes) p50 / baseline p50, 1×1 echo', a: 'warren-amqp', b: 'baseline', setting: 'latency', metric: 'p50Us', op: '<=', bound: 1.2 }),
    t({ id: 'memory-vs-socketio-throughput', text: 'Warren memory throughput / Socket.IO ack, 50×10 echo', a: 'warren-memory', b: 'socket.io', setting: 'throughput', metric: 'throughput', op: '>=', bound: 1.0 }),
    t({ id: 'memory-vs-socketio-p99', text: 'Warren memory p99 / Socket.IO p99, 50×10 echo', a: 'warren-memory', b: 'socket.io', setting: 'throughput', metric: 'p99Us', op: '<=', bound: 1.0 }),
    t({ id: 'memory-vs-socketio-cpu', text: 'Warren memory server CPU µs/call / Socket.IO, 50×10 echo', a: 'warren-memory', b: 'socket.io', setting: 'throughput', metric: 'serverCpuPerCallUs', op: '<=', bound: 1.1 }),
    t({ id: 'memory-vs-trpc-throughput', text: 'Warren memory throughput / tRPC ws, 50×10 echo', a: 'warren-memory', b: 'trpc', setting: 'throughput', metric: 'throughput', op: '>=', bound: 1.3 }),
    t({ id: 'quorum-cpu', text: 'Warren quorum gateway + worker CPU µs/call / classic, same 3-node cluster, 50×10 echo (closed loop)', a: 'warren-amqp-quorum', b: 'warren-amqp-cluster', setting: 'throughput', metric: 'serverCpuPerCallUs', op: '<=', bound: 1.1 }),
    t({ id: 'quorum-cpu-rate', text: 'Warren quorum gateway + worker CPU µs/call / classic, same 3-node cluster, same offered rate (open loop)', a: 'warren-amqp-quorum', b: 'warren-amqp-cluster', setting: 'rate', metric: 'serverCpuPerCallUs', op: '<=', bound: 1.1 }),
    t({ id: 'memory-vs-trpc-p99', text: 'Warren memory p99 / tRPC ws p99, 50×10 echo', a: 'warren-memory', b: 'trpc', setting: 'throughput', metric: 'p99Us', op: '<=', bound: 1.0 }),
  ];
  // Absolute capacity targets only judge a full-scale run (15k sockets, 10k subscribers).
  const absolute = (id: string, text: string, bound: number, value: number | undefined, complete: boolean): Target => ({
    id,
    text,
    bound: `< ${bound}`,
    value,
    perRound: [],
    status: value === undefined || !fullScale ? 'n/a' : complete && value < bound ? 'PASS' : 'MISS',
  });
  const idle = capacity?.idle;
  targets.push(
    absolute('idle-15k-rss', `Gateway RSS (MiB) holding ${idle?.opened ?? '—'} idle sockets (target 15k)`, 512, idle && idle.rssAfterBytes / 2 ** 20, !!idle && idle.opened >= 15_000),
  );
  const fans = summariseFanOut(capacity?.fanOut ?? []);
  const fanOf = (system: FanSystemName) => fans.find((f) => f.system === system);
  for (const system of ['warren-memory', 'warren-amqp'] as const) {
    const fan = fanOf(system);
    if (!fan) continue;
    const transport = system === 'warren-memory' ? 'memory' : 'amqp';
    targets.push(
      absolute(
        `fanout-${transport}`,
        `Fan-out (${transport}): ms until the last of ${fan.subscribers} subscribers has the event (median of ${fan.events})`,
        1000,
        fan.medianLastMs,
        fan.complete && fan.subscribers >= 10_000,
      ),
    );
  }
  /**
   * The ratio of two fan-outs' times to the last subscriber, same run: medians, and per round.
   * Judged at full scale only (10k subscribers), as the absolute fan-out targets.
   */
  const fanRatio = (id: string, text: (fan: FanSummary, other: FanSummary) => string, fan: FanSummary | undefined, other: FanSummary | undefined, bound: number): void => {
    if (!fan || !other) return;
    const value = fan.medianLastMs !== undefined && other.medianLastMs !== undefined && other.medianLastMs > 0 ? fan.medianLastMs / other.medianLastMs : undefined;
    const perRound = fan.perRound.flatMap(({ round, medianLastMs }) => {
      const paired = other.perRound.find((r) => r.round === round);
      return paired && paired.medianLastMs > 0 ? [medianLastMs / paired.medianLastMs] : [];
    });
    const judged = value !== undefined && fullScale && fan.complete && other.complete && fan.subscribers >= 10_000;
    targets.push({ id, text: text(fan, other), bound: `<= ${bound}`, value, perRound, status: !judged ? 'n/a' : value! <= bound ? 'PASS' : 'MISS' });
  };
  for (const system of ['warren-memory', 'warren-amqp'] as const) {
    const transport = system === 'warren-memory' ? 'memory' : 'amqp';
    // Warren's fan-out against Socket.IO's room broadcast, same subscribers and events.
    fanRatio(
      `fanout-${transport}-vs-socketio`,
      (fan, peer) => `Fan-out (${transport}) ms to the last of ${fan.subscribers} subscribers / Socket.IO room broadcast to ${peer.subscribers} (median of ${fan.events} and ${peer.events} events)`,
      fanOf(system),
      fanOf('socket.io'),
      1,
    );
    // A replayable event's fan-out (stored, then read back by the gateway) against the volatile one.
    fanRatio(
      `fanout-${transport}-replayable`,
      (kept, volatile) => `Fan-out (${transport}) ms to the last of ${kept.subscribers} subscribers, replayable / volatile event (median of ${kept.events} and ${volatile.events} events)`,
      fanOf(`${system}-replayable`),
      fanOf(system),
      2,
    );
  }
  return targets;
}

const ms = (us: number) => (us / 1000).toFixed(us < 10_000 ? 2 : 1);
const fmtSpread = (s: Spread | undefined, f: (v: number) => string) => (s ? `${f(s.median)} (${f(s.min)}–${f(s.max)})` : '—');
const int = (v: number) => Math.round(v).toLocaleString('en-US');
const dec = (v: number) => v.toFixed(1);

const SETTING_LABEL: Record<SettingName, string> = {
  latency: '1 × 1 echo',
  throughput: '50 × 10 echo',
  validate: '50 × 10 validate (~1 KB)',
  rate: '50 × ≤10 echo, open loop',
};

/** The open-loop setting names its rate (from any sample of it). */
function settingLabel(setting: SettingName, samples: Sample[]): string {
  if (setting !== 'rate') return SETTING_LABEL[setting];
  const rate = samples.find((s) => s.setting === 'rate' && s.load?.rate !== undefined)?.load?.rate;
  return rate === undefined ? SETTING_LABEL.rate : `${SETTING_LABEL.rate} at ${int(rate)} calls/s`;
}

export interface RunInfo {
  startedAt: string;
  finishedAt: string;
  command: string;
  mode: 'full' | 'quick';
  rounds: number;
  machine: { cores: number; cpuModel: string; memoryGiB: number; node: string; kernel: string; rabbitmq: string | undefined };
  versions: Record<string, string>;
  load: { before: { loadavg: number[]; top: string[] }; after: { loadavg: number[]; top: string[] } };
  loadgen: string;
  /** Where the cluster systems ran, when they did. */
  cluster?: string;
  /** What the run left out and why (a cluster that did not answer). */
  notes?: string[];
}

export function renderMarkdown(info: RunInfo, samples: Sample[], targets: Target[], capacity: CapacityResult | undefined, resultFile: string): string {
  const summaries = summarise(samples);
  const lines: string[] = [];
  const shared = summaries.map((s) => s.otherCores?.median ?? 0);
  const otherMax = shared.length ? Math.max(...shared) : 0;
  lines.push(`Run ${info.startedAt} → ${info.finishedAt} (${info.mode}, ${info.rounds} round${info.rounds === 1 ? '' : 's'}), \`${info.command}\`; raw data: \`${resultFile}\`.`);
  lines.push('');
  lines.push(`Machine: ${info.machine.cores} cores (${info.machine.cpuModel}), ${info.machine.memoryGiB} GiB, Node ${info.machine.node}, RabbitMQ ${info.machine.rabbitmq ?? '?'}, Linux ${info.machine.kernel}.`);
  lines.push(`Versions: ${Object.entries(info.versions).map(([k, v]) => `${k} ${v}`).join(', ')}.`);
  lines.push(`Load average before/after: ${info.load.before.loadavg.join(' ')} / ${info.load.after.loadavg.join(' ')}; CPU used by processes outside the measurement, median per system and setting: up to ${otherMax.toFixed(2)} cores.`);
  lines.push(`Load generator: ${info.loadgen}.`);
  if (info.cluster) lines.push(`Cluster: ${info.cluster}.`);
  for (const note of info.notes ?? []) lines.push(note);
  const discarded = samples.filter((s) => s.invalid);
  if (discarded.length > 0) {
    const reasons = new Map<string, number>();
    for (const s of discarded) {
      const reason = s.invalid!.split('\n')[0]!.replace(/\d+/g, 'N').slice(0, 120);
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    lines.push(`Discarded and measured again: ${discarded.length} sample(s): ${[...reasons].map(([r, n]) => `${n} × ${r}`).join('; ')}.`);
  }
  if (samples.length > 0) {
    lines.push('');
    lines.push('| System | Setting | calls/s median (min–max) | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | server CPU µs/call | broker CPU µs/call | err / timeout |');
    lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
    const order = Object.keys(SYSTEMS) as SystemName[];
    const settings: SettingName[] = ['latency', 'throughput', 'validate', 'rate'];
    for (const setting of settings) {
      for (const system of order) {
        const s = summaries.find((x) => x.system === system && x.setting === setting);
        if (!s) continue;
        if (s.rounds === 0) {
          lines.push(`| ${SYSTEMS[system].label} | ${settingLabel(setting, samples)} | no valid sample (${s.discarded} discarded) | | | | | | | | |`);
          continue;
        }
        const roles = Object.entries(s.roleCpuPerCallUs).filter(([r]) => r !== 'broker');
        const roleText = roles.length > 1 ? ` [${roles.map(([r, v]) => `${r} ${dec(v)}`).join(', ')}]` : '';
        const broker = SYSTEMS[system].amqp ? fmtSpread(s.brokerCpuPerCallUs, dec) : '—';
        lines.push(
          `| ${SYSTEMS[system].label} | ${settingLabel(setting, samples)} | ${fmtSpread(s.throughput, int)} | ${ms(s.p50Us.median)} | ${ms(s.p90Us.median)} | ${fmtSpread(s.p99Us, ms)} | ${ms(s.p999Us.median)} | ${ms(s.maxUs.median)} | ${fmtSpread(s.serverCpuPerCallUs, dec)}${roleText} | ${broker} | ${s.errors} / ${s.timeouts}${s.wrong ? ` (${s.wrong} wrong)` : ''}${s.discarded ? `; ${s.discarded} discarded` : ''} |`,
        );
      }
    }
  }
  lines.push('');
  if (capacity) {
    lines.push('Capacity:');
    const idle = capacity.idle;
    if (idle || capacity.idleError) lines.push('');
    if (idle) {
      lines.push(
        `- Idle sockets on one Warren gateway (amqp): ${idle.opened} of ${idle.sockets} open in ${idle.openSeconds.toFixed(1)} s; RSS ${(idle.rssBeforeBytes / 2 ** 20).toFixed(0)} → ${(idle.rssAfterBytes / 2 ** 20).toFixed(0)} MiB (peak ${(idle.rssPeakBytes / 2 ** 20).toFixed(0)} MiB), ${(idle.perSocketBytes / 1024).toFixed(1)} KiB per socket; open files ${idle.fdsBefore} → ${idle.fdsAfter}; rpc.ping on a fresh socket meanwhile ${idle.pingUs === undefined ? '—' : ms(idle.pingUs)} ms.`,
      );
    } else if (capacity.idleError) {
      lines.push(`- Idle sockets: failed: ${capacity.idleError}`);
    }
    for (const fan of capacity.fanOut) {
      if (fan.error) lines.push(`- Fan-out, ${FAN_LABEL[fan.system]}, round ${fan.round}: failed: ${fan.error.split('\n')[0]}`);
    }
    const fans = summariseFanOut(capacity.fanOut);
    if (fans.length > 0) {
      lines.push('');
      lines.push('Fan-out: one event to every subscriber on one server, time from just before the triggering call is sent until the last subscriber has it (ms); rounds interleaved, order rotated per round:');
      lines.push('');
      lines.push('| System | Subscribers | Events | last ms, median (max) | first ms, median | per round, median of its events | each event (last ms) |');
      lines.push('|---|---|---|---|---|---|---|');
      for (const fan of fans) {
        const each = capacity.fanOut
          .filter((f) => f.system === fan.system && !f.error)
          .map((f) => f.events.map((e) => `${e.lastMs.toFixed(0)}${e.received < f.subscribers ? ` (${e.received} received)` : ''}`).join(', '))
          .join(' / ');
        const f0 = (v: number | undefined) => (v === undefined ? '—' : v.toFixed(0));
        lines.push(
          `| ${FAN_LABEL[fan.system]} | ${fan.subscribers} | ${fan.events} over ${fan.rounds} round${fan.rounds === 1 ? '' : 's'} | ${f0(fan.medianLastMs)} (${f0(fan.maxLastMs)}) | ${f0(fan.medianFirstMs)} | ${fan.perRound.map((r) => r.medianLastMs.toFixed(0)).join(', ')} | ${each} |`,
        );
      }
    }
    lines.push('');
  }
  lines.push('Targets (ratios of medians from this run; per-round paired ratios in brackets):');
  lines.push('');
  lines.push('| Target | Bound | Value | Per round | Verdict |');
  lines.push('|---|---|---|---|---|');
  // A run without calls (--capacity-only, --fanout-only) lists only the targets it measured.
  for (const target of samples.length > 0 ? targets : targets.filter((t) => t.value !== undefined)) {
    const value = target.value === undefined ? '—' : target.value.toFixed(target.value >= 100 ? 0 : 2);
    const rounds = target.perRound.length ? target.perRound.map((r) => r.toFixed(2)).join(', ') : '';
    lines.push(`| ${target.text} | ${target.bound} | ${value} | ${rounds} | ${target.status} |`);
  }
  return lines.join('\n');
}

const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

/** Replaces the generated region of bench/README.md (between the markers) with `markdown`. */
export function updateReadme(path: string, markdown: string): void {
  const text = readFileSync(path, 'utf8');
  const from = text.indexOf(START);
  const to = text.indexOf(END);
  if (from < 0 || to < from) throw new Error(`${path}: results markers not found`);
  writeFileSync(path, `${text.slice(0, from + START.length)}\n${markdown}\n${text.slice(to)}`);
}
