/**
 * The blip: clients call continuously through 2 gateways to 2 workers (separate `warren`
 * processes on the real RabbitMQ), and every broker connection of those four processes is
 * closed at once (`rabbitmqctl close_connection`), once per `everySeconds`. Nothing else fails.
 * Every request is then classified from the clients' ledgers, and the answers are counted per
 * second of the run (the timeline, callLedger.ts), so that a stall shows.
 *
 * test/fault/blip.test.ts runs it: a short form in CI, a longer one with WARREN_BLIP_LONG=1
 * (`npm run blip`).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { methodQueue } from '../../src/protocol/routing.ts';
import { queueState, uniqueName } from '../helpers/broker.ts';
import { faultkitProcesses } from '../helpers/faultkit.ts';
import { waitReady, type WarrenProcess } from '../helpers/processes.ts';
import { ChaosClient } from './ChaosClient.ts';
import { connectCount, countLedgers, formatCount, formatTimeline, reconnectTimes, type LedgerCount } from './callLedger.ts';
import { listConnections } from './rabbitmqctl.ts';

const run = promisify(execFile);

export interface BlipOptions {
  /** Length of the load, in seconds. */
  seconds: number;
  /** A blip every this many seconds, the first after as long. */
  everySeconds: number;
  /** WebSocket clients, spread over the two gateways. */
  clients: number;
  /** Calls each client keeps in flight. */
  inFlight: number;
  /** Deadline of each call. @default 10000 */
  timeoutMs?: number;
  log?: (line: string) => void;
}

export interface BlipReport extends LedgerCount {
  seconds: number;
  /** When each blip happened (s from the start) and how many connections it closed. */
  blips: { at: number; closed: number }[];
  /** `connected to RabbitMQ` lines per process at the end (1 + blips when each reconnected). */
  connects: number[];
  /** Per reconnect of every process: ms from its `disconnected` log line to its next `connected`. */
  reconnectMs: number[];
  /** Ready messages left in the method queue. */
  queueMessages: number;
}

/** Closes the broker connections of these processes, all at once; resolves to how many. */
async function closeConnectionsOfAll(pids: number[]): Promise<number> {
  const ours = (await listConnections()).filter((c) => pids.some((pid) => c.name.startsWith('warren ') && c.name.endsWith(` ${pid}`)));
  await Promise.all(ours.map((c) => run('rabbitmqctl', ['close_connection', c.pid, 'blip test'], { timeout: 30_000 })));
  return ours.length;
}

export async function runBlip(options: BlipOptions): Promise<BlipReport> {
  const log = options.log ?? (() => {});
  const timeoutMs = options.timeoutMs ?? 10_000;
  const group = faultkitProcesses(uniqueName('blip'));
  const clients: ChaosClient[] = [];
  try {
    const procs: WarrenProcess[] = await Promise.all([group.start('gateway'), group.start('gateway'), group.start('worker'), group.start('worker')]);
    const gateways = procs.slice(0, 2);
    await Promise.all(gateways.map((g) => waitReady(g.http!)));
    for (let i = 0; i < options.clients; i++) {
      const client = new ChaosClient({
        url: gateways[i % 2]!.url!,
        method: group.method('work'),
        name: `b${i}`,
        inFlight: options.inFlight,
        paceMs: 0,
        timeoutMs,
        graceMs: 3000,
      });
      await client.open();
      clients.push(client);
    }
    log(`blip: ${clients.length} clients × ${options.inFlight} in flight on 2 gateways, 2 workers, ${options.seconds} s`);
    const started = Date.now();
    for (const client of clients) client.start();
    const blips: BlipReport['blips'] = [];
    for (let n = 1; n * options.everySeconds < options.seconds - 2; n++) {
      await sleep(started + n * options.everySeconds * 1000 - Date.now());
      const at = (Date.now() - started) / 1000;
      const closed = await closeConnectionsOfAll(procs.map((p) => p.child.pid!));
      blips.push({ at, closed });
      log(`  ${at.toFixed(1)} s: closed ${closed} broker connections`);
    }
    await sleep(started + options.seconds * 1000 - Date.now());
    await Promise.all(clients.map((client) => client.stop()));
    // A duplicate or a late reply has had its chance by now.
    await sleep(1000);
    return {
      ...countLedgers(clients, started, options.seconds),
      seconds: options.seconds,
      blips,
      connects: procs.map(connectCount),
      reconnectMs: reconnectTimes(procs),
      queueMessages: (await queueState(methodQueue(group.method('work')))).messages,
    };
  } finally {
    for (const client of clients) client.close();
    await group.stopAll();
    await group.deleteQueues().catch(() => {});
  }
}

export function formatBlip(report: BlipReport): string {
  return [
    `blip: ${report.blips.length} blips in ${report.seconds} s: ${report.blips.map((b) => `${b.at.toFixed(1)}s (${b.closed} connections)`).join('; ')}`,
    `  ${formatCount(report)}`,
    `  connects per process: ${report.connects.join(', ')}; reconnects took ${report.reconnectMs.join(', ')} ms; left in the method queue: ${report.queueMessages}`,
    `  ${formatTimeline(report)}`,
  ].join('\n');
}
