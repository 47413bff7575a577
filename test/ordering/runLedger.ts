/**
 * Every run of the ordered test service, read back from the file its workers append to
 * (orderedService.ts, WARREN_ORDER_RUNS), and the checks a worker death must pass on it. The
 * answers alone hide the runs that did not answer: a run cut short by a SIGKILL, and a run that
 * finished on a worker killed before its ack, whose call then ran again elsewhere.
 */
import { readFileSync } from 'node:fs';

export interface Run {
  key: string;
  sender: number;
  n: number;
  pid: number;
  startedAt: number;
  /** Undefined for a run that never ended (its process died). */
  endedAt: number | undefined;
  redelivered: boolean;
}

/** The runs in the file, in the order they started. */
export function readRuns(file: string): Run[] {
  const runs: Run[] = [];
  const open = new Map<string, Run>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const entry = JSON.parse(line) as { event: 'start' | 'end'; key: string; sender: number; n: number; pid: number; at: number; redelivered?: boolean };
    const id = `${entry.pid}/${entry.sender}/${entry.n}`;
    if (entry.event === 'start') {
      const run: Run = { key: entry.key, sender: entry.sender, n: entry.n, pid: entry.pid, startedAt: entry.at, endedAt: undefined, redelivered: entry.redelivered === true };
      runs.push(run);
      open.set(id, run);
    } else {
      const run = open.get(id);
      if (run) run.endedAt = entry.at;
      open.delete(id);
    }
  }
  return runs.sort((a, b) => a.startedAt - b.startedAt);
}

/** A worker SIGKILLed during the run: its pid, and when the signal was sent (epoch ms). */
export interface Kill {
  pid: number;
  at: number;
}

export interface RunReport {
  /** Calls with no run that ended. */
  neverRan: number;
  /** Calls that started more than once, and of those, the ones whose earlier run had ended. */
  ranAgain: number;
  ranAgainAfterEnd: number;
  /** A second start of a call not flagged redelivered, or whose earlier run was not on a killed worker. */
  badRepeats: number;
  /** A run that started before a call its sender had sent earlier with the same key had started. */
  outOfOrder: number;
  /**
   * Two runs of a key at once, a killed worker's unfinished run counted as over when its SIGKILL
   * was sent (the process and its broker connection lived until then, never after).
   */
  overlaps: number;
  /** Runs that were cut short by a kill. */
  cut: number;
  /** Per kill: ms from the SIGKILL to the first start, on another worker, of each key the killed worker had run last. */
  handover: number[][];
}

/**
 * Checks runs against the promise of docs/delivery.md ("Ordered calls"): within a key, one
 * run at a time on live workers, each sender's calls started in send order, and a call starts
 * again only as the redelivery of a call a killed worker held.
 */
export function checkRuns(runs: readonly Run[], kills: readonly Kill[], calls: { senders: number; calls: number }): RunReport {
  const killedAt = new Map(kills.map((kill) => [kill.pid, kill.at]));
  const byCall = new Map<string, Run[]>();
  const byKey = new Map<string, Run[]>();
  for (const run of runs) {
    const id = `${run.sender}/${run.n}`;
    byCall.set(id, [...(byCall.get(id) ?? []), run]);
    byKey.set(run.key, [...(byKey.get(run.key) ?? []), run]);
  }
  let neverRan = 0;
  let ranAgain = 0;
  let ranAgainAfterEnd = 0;
  let badRepeats = 0;
  let cut = 0;
  for (let sender = 0; sender < calls.senders; sender++) {
    for (let n = 0; n < calls.calls; n++) {
      const list = byCall.get(`${sender}/${n}`) ?? [];
      if (!list.some((run) => run.endedAt !== undefined)) neverRan++;
      if (list.length > 1) ranAgain++;
      if (list.length > 1 && list[0]!.endedAt !== undefined) ranAgainAfterEnd++;
      for (let i = 1; i < list.length; i++) if (!list[i]!.redelivered || !list.slice(0, i).every((run) => killedAt.has(run.pid))) badRepeats++;
    }
  }
  let outOfOrder = 0;
  let overlaps = 0;
  for (const list of byKey.values()) {
    const last = new Map<number, number>();
    let busyUntil = Number.NEGATIVE_INFINITY;
    for (const run of list) {
      if (run.startedAt < busyUntil) overlaps++;
      const end = run.endedAt ?? killedAt.get(run.pid);
      if (run.endedAt === undefined) cut++;
      busyUntil = Math.max(busyUntil, end ?? Number.POSITIVE_INFINITY);
      // A repeat of the latest call is the redelivery checked above; an earlier one is out of order.
      const previous = last.get(run.sender) ?? -1;
      if (run.n < previous) outOfOrder++;
      last.set(run.sender, Math.max(previous, run.n));
    }
  }
  const handover = kills.map((kill) => {
    const gaps: number[] = [];
    for (const list of byKey.values()) {
      const before = list.filter((run) => run.startedAt < kill.at);
      if (before.at(-1)?.pid !== kill.pid) continue;
      const next = list.find((run) => run.startedAt >= kill.at && run.pid !== kill.pid);
      if (next) gaps.push(Math.round(next.startedAt - kill.at));
    }
    return gaps;
  });
  return { neverRan, ranAgain, ranAgainAfterEnd, badRepeats, outOfOrder, overlaps, cut, handover };
}
