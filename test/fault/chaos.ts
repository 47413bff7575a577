/**
 * The chaos run: clients call continuously through 2 gateways to 2 workers (separate
 * processes on the real RabbitMQ) while faults are injected one after another: SIGKILL of a
 * worker (then a new one is started), `rabbitmqctl close_connection` on a gateway's and on a
 * worker's connection, and a broker restart (`stop_app` / `start_app`, always restored).
 *
 * At the end every request is classified from the client's ledger: answered exactly once
 * (with a result or a documented error), lost (no answer by its deadline plus grace), or
 * duplicated (more than one answer); the gateways report their pending calls on shutdown;
 * the method queue must be empty and anything dead-lettered is counted.
 *
 *   npm run chaos                                  # the long form (90 s of faults)
 *   node --import tsx test/fault/chaos.ts --seconds 30 --clients 8
 *
 * test/fault/chaos.test.ts runs a short form in CI.
 */
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { methodQueue } from '../../src/protocol/routing.ts';
import { errorCodeName } from 'warren-client/protocol';
import { uniqueName, queueState } from '../helpers/broker.ts';
import { waitReady, exitedWithin, logLines, type WarrenProcess } from '../helpers/processes.ts';
import { ChaosClient } from './ChaosClient.ts';
import { takeDeadLetters } from './deadLetterQueue.ts';
import { closeConnectionsOf, withBrokerStopped } from './rabbitmqctl.ts';
import { faultkitProcesses } from '../helpers/faultkit.ts';

export interface ChaosOptions {
  /** How long the load runs, faults included. @default 16 */
  seconds?: number;
  /** Seconds between two faults. @default 3 */
  spacingSeconds?: number;
  /** Load after the last fault, to see everything recover. @default 3 */
  settleSeconds?: number;
  /** WebSocket clients, spread over the two gateways. @default 8 */
  clients?: number;
  /** Calls each client keeps in flight. @default 2 */
  inFlight?: number;
  /** Deadline of each call. @default 5000 */
  timeoutMs?: number;
  /** How long the broker stays down in a restart. @default 1500 */
  outageMs?: number;
  /** Progress lines; silent by default. */
  log?: (line: string) => void;
}

export interface ChaosReport {
  seconds: number;
  faults: { at: number; fault: string }[];
  sent: number;
  answeredOnce: number;
  ok: number;
  /** Answered-once requests per error name (TIMEOUT, UNAVAILABLE, …). */
  errors: Record<string, number>;
  lost: number;
  duplicated: number;
  /** Answered once, but later than its deadline plus grace. */
  late: number;
  /** Frames no request of the client's matched. */
  strays: number;
  /** Client sockets that closed during the run. */
  socketCloses: number;
  /** Calls sent in the settle window after the last fault that got a result. */
  okAfterFaults: number;
  /** Each gateway's pending calls when it was told to stop, after the load. */
  gatewayPending: number[];
  /** Ready messages left in the method's queue. */
  queueMessages: number;
  deadLettered: number;
  /** Consumers of each method queue at the end (one per worker). */
  consumers: number[];
}

const GRACE_MS = 3000;

export async function runChaos(options: ChaosOptions = {}): Promise<ChaosReport> {
  const seconds = options.seconds ?? 16;
  const spacing = (options.spacingSeconds ?? 3) * 1000;
  const settle = (options.settleSeconds ?? 3) * 1000;
  const timeoutMs = options.timeoutMs ?? 5000;
  const log = options.log ?? (() => {});
  const group = faultkitProcesses(uniqueName('chaos'));
  const clients: ChaosClient[] = [];
  const faults: ChaosReport['faults'] = [];
  try {
    const gateways = await Promise.all([group.start('gateway'), group.start('gateway')]);
    const workers: WarrenProcess[] = await Promise.all([group.start('worker'), group.start('worker')]);
    await Promise.all(gateways.map((g) => waitReady(g.http!)));
    for (let i = 0; i < (options.clients ?? 8); i++) {
      const client = new ChaosClient({
        url: gateways[i % 2]!.url!,
        method: group.method('work'),
        name: `c${i}`,
        inFlight: options.inFlight ?? 2,
        paceMs: 20,
        timeoutMs,
        graceMs: GRACE_MS,
      });
      await client.open();
      clients.push(client);
    }
    log(`chaos: ${clients.length} clients on 2 gateways, 2 workers, ${seconds} s`);

    let turn = 0;
    // A replacement worker takes seconds to start under load; the faults go on meanwhile.
    const replacements: Promise<unknown>[] = [];
    const schedule: [string, () => Promise<void>][] = [
      ['SIGKILL a worker, start another', async () => {
        const victim = workers.splice(turn % workers.length, 1)[0]!;
        await group.kill(victim);
        replacements.push(group.start('worker').then((worker) => workers.push(worker)));
      }],
      ['close a gateway connection', async () => void (await closeConnectionsOf(gateways[turn % 2]!.child.pid!))],
      ['restart the broker app', () => withBrokerStopped(() => sleep(options.outageMs ?? 1500))],
      ['close a worker connection', async () => void (await closeConnectionsOf(workers[turn % workers.length]!.child.pid!))],
    ];

    const started = Date.now();
    const elapsed = () => Date.now() - started;
    for (const client of clients) client.start();
    // Fault n is due at (n + 1) × spacing; one that overran its slot delays the next, no more.
    while ((faults.length + 1) * spacing + settle <= seconds * 1000) {
      await sleep((faults.length + 1) * spacing - elapsed());
      const [name, fault] = schedule[faults.length % schedule.length]!;
      faults.push({ at: elapsed() / 1000, fault: name });
      log(`  ${(elapsed() / 1000).toFixed(1)} s: ${name}`);
      await fault();
      turn++;
    }
    const settledFrom = Date.now();
    await sleep(Math.max(settle, seconds * 1000 - elapsed()));
    await Promise.all(clients.map((client) => client.stop()));
    await Promise.all(replacements);
    // Anything still to come (a duplicate, a late reply) has had its chance by now.
    await sleep(1000);

    const report = count(clients, seconds, faults, settledFrom);
    const queue = methodQueue(group.method('work'));
    report.queueMessages = (await queueState(queue)).messages;
    report.deadLettered = (await takeDeadLetters(group.method('work'))).length;
    report.consumers = await Promise.all(
      ['echo', 'slow', 'crash', 'bounded', 'work'].map(async (name) => (await queueState(methodQueue(`${group.service}.${name}`))).consumers),
    );
    for (const client of clients) client.close();
    for (const gateway of gateways) gateway.child.kill('SIGTERM');
    await Promise.all(gateways.map((gateway) => exitedWithin(gateway, 15_000)));
    report.gatewayPending = gateways.map((gateway) => Number(logLines(gateway, 'shutting down')[0]?.pendingCalls ?? Number.NaN));
    return report;
  } finally {
    for (const client of clients) client.close();
    await group.stopAll();
    await group.deleteQueues().catch(() => {});
  }
}

function count(clients: ChaosClient[], seconds: number, faults: ChaosReport['faults'], settledFrom: number): ChaosReport {
  const report: ChaosReport = {
    seconds,
    faults,
    sent: 0,
    answeredOnce: 0,
    ok: 0,
    errors: {},
    lost: 0,
    duplicated: 0,
    late: 0,
    strays: 0,
    socketCloses: 0,
    okAfterFaults: 0,
    gatewayPending: [],
    queueMessages: Number.NaN,
    deadLettered: Number.NaN,
    consumers: [],
  };
  for (const client of clients) {
    report.strays += client.strays;
    report.socketCloses += client.closes;
    for (const entry of client.ledger.values()) {
      report.sent++;
      if (entry.answers.length === 0) report.lost++;
      else if (entry.answers.length > 1) report.duplicated++;
      else {
        report.answeredOnce++;
        const { code, at } = entry.answers[0]!;
        if (code === undefined) {
          report.ok++;
          if (entry.sentAt >= settledFrom) report.okAfterFaults++;
        } else {
          const name = errorCodeName(code) ?? String(code);
          report.errors[name] = (report.errors[name] ?? 0) + 1;
        }
        if (at > entry.deadline + GRACE_MS) report.late++;
      }
    }
  }
  return report;
}

/** The counts as a few printable lines. */
export function formatReport(report: ChaosReport): string {
  const errors = Object.entries(report.errors).map(([name, n]) => `${name} ${n}`).join(', ') || 'none';
  return [
    `chaos: ${report.faults.length} faults in ${report.seconds} s: ${report.faults.map((f) => `${f.at.toFixed(1)}s ${f.fault}`).join('; ')}`,
    `  requests sent ${report.sent}: answered exactly once ${report.answeredOnce} (ok ${report.ok}; errors: ${errors})`,
    `  lost ${report.lost}, duplicated ${report.duplicated}, late ${report.late}, stray frames ${report.strays}, socket closes ${report.socketCloses}`,
    `  ok after the last fault ${report.okAfterFaults}; gateways' pending calls at the end ${report.gatewayPending.join(', ')}`,
    `  method queue: ${report.queueMessages} messages left, ${report.deadLettered} dead-lettered; consumers per method queue ${report.consumers.join(', ')}`,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '90' },
      spacing: { type: 'string', default: '5' },
      clients: { type: 'string', default: '8' },
    },
  });
  const report = await runChaos({
    seconds: Number(values.seconds),
    spacingSeconds: Number(values.spacing),
    clients: Number(values.clients),
    log: (line) => console.log(line),
  });
  console.log(formatReport(report));
  const failed = report.lost > 0 || report.duplicated > 0 || report.gatewayPending.some((n) => n !== 0) || report.queueMessages !== 0;
  process.exit(failed ? 1 : 0);
}
