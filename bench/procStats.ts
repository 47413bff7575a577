/**
 * What the OS says about processes and the machine: CPU time from /proc/<pid>/stat
 * (utime + stime, every thread of the process), RSS from /proc/<pid>/status, open file
 * descriptors, machine-wide busy time from /proc/stat. Linux only, like the targets.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

/** Clock ticks per second of /proc's utime/stime; 100 on every Linux we run on. */
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU time (user + system) the process has used so far, in microseconds; undefined once it is gone. */
export function cpuMicros(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1e6) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

function statusField(pid: number, field: string): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Resident set size in bytes. */
export function rssBytes(pid: number): number | undefined {
  return statusField(pid, 'VmRSS');
}

/** Highest resident set size the process has had, in bytes. */
export function peakRssBytes(pid: number): number | undefined {
  return statusField(pid, 'VmHWM');
}

export function openFiles(pid: number): number | undefined {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
}

/** CPU time all cores of the machine have spent busy so far (not idle, not iowait), in microseconds. */
export function machineBusyMicros(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  // cpu user nice system idle iowait irq softirq steal guest guest_nice; guests are inside user.
  const values = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const busy = values.reduce((a, b) => a + b, 0) - (values[3] ?? 0) - (values[4] ?? 0);
  return (busy * 1e6) / TICKS_PER_SECOND;
}

/**
 * The beam.smp of the RabbitMQ node that listens on `port` (AMQP_URL's by default): other
 * nodes may run beside it (the test cluster), and rabbitmqctl runs a beam.smp of its own.
 * Looked up each time: other work on the machine may have restarted the node.
 */
export function brokerPid(port = amqpPort(process.env.AMQP_URL)): number | undefined {
  try {
    const out = execFileSync('ss', ['-Hltnp', `sport = :${port}`], { encoding: 'utf8' });
    const pid = Number(/"beam\.smp",pid=(\d+)/.exec(out)?.[1]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function amqpPort(url: string | undefined): number {
  try {
    return Number(new URL(url ?? '').port) || 5672;
  } catch {
    return 5672;
  }
}

/**
 * How often a process has entered the kernel to read or write (/proc/<pid>/io syscr, syscw) and
 * been switched out (/proc/<pid>/status, voluntary: it waited, e.g. for a socket; involuntary:
 * preempted), every thread counted; undefined once it is gone (or /proc/<pid>/io is not readable).
 * Per call, they show how many calls each wake-up of the process handles.
 */
export function wakeCounters(pid: number): { reads: number; writes: number; voluntary: number; involuntary: number } | undefined {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    const field = (text: string, name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
    let voluntary = 0;
    let involuntary = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      voluntary += field(status, 'voluntary_ctxt_switches');
      involuntary += field(status, 'nonvoluntary_ctxt_switches');
    }
    return { reads: field(io, 'syscr'), writes: field(io, 'syscw'), voluntary, involuntary };
  } catch {
    return undefined;
  }
}

/** A snapshot of CPU time for a set of named processes. */
export function cpuSnapshot(pids: Record<string, number | undefined>): Record<string, number | undefined> {
  const out: Record<string, number | undefined> = {};
  for (const [name, pid] of Object.entries(pids)) out[name] = pid === undefined ? undefined : cpuMicros(pid);
  return out;
}

/**
 * A command line with the directories of its file arguments left out (`…/name.ts`), so the
 * results say which programs ran without naming this machine's checkouts; system programs
 * under /usr and /bin keep their paths.
 */
export function withoutDirectories(line: string): string {
  return line.replace(/(^|[\s=:])\/(?!usr\/|bin\/)(?:[^\s/]+\/)+([^\s/]+)/g, '$1…/$2');
}

/** Load averages and the busiest other processes, to say whether the machine was shared. */
export function machineLoad(): { loadavg: number[]; top: string[] } {
  const loadavg = readFileSync('/proc/loadavg', 'utf8').trim().split(/\s+/).slice(0, 3).map(Number);
  let top: string[] = [];
  try {
    top = execFileSync('ps', ['-eo', 'pcpu,etimes,comm,args', '--sort=-pcpu', '--no-headers'], { encoding: 'utf8' })
      .split('\n')
      .slice(0, 8)
      .map((line) => withoutDirectories(line.trim()).slice(0, 160))
      .filter(Boolean);
  } catch {
    top = [];
  }
  return { loadavg, top };
}

export function machineInfo(): { cores: number; cpuModel: string; memoryGiB: number; node: string; kernel: string } {
  let kernel = '';
  try {
    kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    kernel = 'unknown';
  }
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kernel,
  };
}

/** RabbitMQ's version as `rabbitmqctl` reports it, or undefined when it cannot tell. */
export function rabbitVersion(): string | undefined {
  try {
    const out = execFileSync('rabbitmqctl', ['-q', 'version'], { encoding: 'utf8', timeout: 15_000 });
    return out.trim() || undefined;
  } catch {
    return undefined;
  }
}
