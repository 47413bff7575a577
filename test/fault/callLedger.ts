/**
 * What the load runs (blip.ts, nodeLoss.ts) make of their clients' ledgers: every request
 * classified (answered once, never, more than once; a result or an error, by name and by
 * message), the answers counted per second of the run (the timeline, where a stall shows), and
 * how long each process took to reconnect, from its own log lines.
 */
import { errorCodeName } from 'warren-client/protocol';
import { logLines, type WarrenProcess } from '../helpers/processes.ts';
import type { ChaosClient } from './ChaosClient.ts';

export interface LedgerCount {
  sent: number;
  ok: number;
  /** Answered-once requests per error name. */
  errors: Record<string, number>;
  /** The same, per error message. */
  messages: Record<string, number>;
  lost: number;
  duplicated: number;
  /** Per second of the run: results and errors answered in it. */
  timeline: { second: number; ok: number; errors: number }[];
}

/** Counts the ledgers of `clients`, whose load began at `started` (epoch ms) and ran `seconds`. */
export function countLedgers(clients: ChaosClient[], started: number, seconds: number): LedgerCount {
  const timeline = Array.from({ length: Math.ceil(seconds) }, (_, second) => ({ second, ok: 0, errors: 0 }));
  const count: LedgerCount = { sent: 0, ok: 0, errors: {}, messages: {}, lost: 0, duplicated: 0, timeline };
  for (const client of clients) {
    for (const entry of client.ledger.values()) {
      count.sent++;
      if (entry.answers.length === 0) count.lost++;
      else if (entry.answers.length > 1) count.duplicated++;
      const first = entry.answers[0];
      if (!first) continue;
      const slot = timeline[Math.floor((first.at - started) / 1000)];
      if (first.code === undefined) {
        count.ok++;
        if (slot) slot.ok++;
      } else {
        const name = errorCodeName(first.code) ?? String(first.code);
        count.errors[name] = (count.errors[name] ?? 0) + 1;
        const message = `${name}: ${first.message}`;
        count.messages[message] = (count.messages[message] ?? 0) + 1;
        if (slot) slot.errors++;
      }
    }
  }
  return count;
}

/** Errors answered, of every name. */
export function errorTotal(count: LedgerCount): number {
  return Object.values(count.errors).reduce((sum, n) => sum + n, 0);
}

/** `connected to RabbitMQ` lines of a process (1 + the reconnects). */
export function connectCount(proc: WarrenProcess): number {
  return logLines(proc, 'connected to RabbitMQ').length;
}

/** Per reconnect of each process: ms from its `disconnected` log line to its next `connected`. */
export function reconnectTimes(procs: WarrenProcess[]): number[] {
  return procs.flatMap((p) => {
    const connected = logLines(p, 'connected to RabbitMQ').map((line) => Number(line.time));
    return logLines(p, 'disconnected from RabbitMQ').map((line) => {
      const lostAt = Number(line.time);
      return (connected.find((at) => at >= lostAt) ?? Number.NaN) - lostAt;
    });
  });
}

/** One line: the requests, the results, each error message with its count, lost and duplicated. */
export function formatCount(count: LedgerCount): string {
  const errors = Object.entries(count.messages).map(([message, n]) => `${n} × ${message}`).join('; ') || 'none';
  return `requests ${count.sent}: ok ${count.ok}; errors: ${errors}; lost ${count.lost}, duplicated ${count.duplicated}`;
}

/** The timeline as `second:ok/errors` pairs. */
export function formatTimeline(count: LedgerCount): string {
  return `per second, ok/errors: ${count.timeline.map((s) => `${s.second}:${s.ok}/${s.errors}`).join(' ')}`;
}
