/**
 * orderBy through worker deaths: one `warren gateway` and two `warren worker` processes, eight
 * pipelined senders over four keys, each sending 250 calls a second without waiting for replies
 * (more than the four keys' shards can run, so every shard has a queue). Mid-load the worker that ran a call last is SIGKILLed and
 * started again (as a restart loop would); once the new one consumes, the other original
 * worker is SIGKILLed and started again too. Every run is logged by the workers themselves
 * (runLedger.ts), so the checks see the runs that never answered as well as the answers.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { needsBroker, uniqueName } from '../helpers/broker.ts';
import { waitFor } from '../helpers/async.ts';
import { waitReady, WarrenProcesses, type WarrenProcess } from '../helpers/processes.ts';
import { TESTKIT_ENV } from '../helpers/testkit.ts';
import { orderedContract, RUNS_ENV } from './orderedService.ts';
import { sendPipelinedFrames } from './ledger.ts';
import { checkRuns, readRuns, type Kill } from './runLedger.ts';

const svc = uniqueName('orderkill');
// Each sender keeps its calls under the gateway's maxInFlight (1000 a connection).
const SENDERS = 8;
const CALLS = 750;
const KEYS = 4;

/** Lines (starts and ends) in the runs file so far. */
function lines(file: string): number {
  if (!existsSync(file)) return 0;
  let count = 0;
  for (const byte of readFileSync(file)) if (byte === 10) count++;
  return count;
}

/** The worker that started the latest run in the file. */
function lastRunner(file: string, workers: readonly WarrenProcess[]): WarrenProcess {
  const text = readFileSync(file, 'utf8').trimEnd();
  const tail = text.slice(text.lastIndexOf('\n') + 1);
  const pid = (JSON.parse(tail) as { pid: number }).pid;
  return workers.find((worker) => worker.child.pid === pid) ?? workers[0]!;
}

describe('orderBy over RabbitMQ through worker SIGKILLs: warren gateway + two restarted warren workers', { ...(await needsBroker()), timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'warren-orderkill-'));
  const runsFile = join(dir, 'runs.jsonl');
  const group = new WarrenProcesses({
    module: fileURLToPath(new URL('./orderedService.ts', import.meta.url)),
    contract: orderedContract(svc),
    env: { [TESTKIT_ENV]: svc, [RUNS_ENV]: runsFile },
  });
  let gateway: WarrenProcess;
  let workers: WarrenProcess[];

  before(async () => {
    workers = await Promise.all([group.start('worker'), group.start('worker')]);
    gateway = await group.start('gateway');
    await waitReady(gateway.http!);
  });

  after(async () => {
    await group.stopAll();
    await group.deleteQueues().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  it(`${SENDERS} pipelined senders × ${CALLS} calls over ${KEYS} keys, each worker SIGKILLed once and restarted`, async (t) => {
    const started = performance.now();
    const sending = sendPipelinedFrames(gateway.url!, group.method('send'), { senders: SENDERS, calls: CALLS, keys: KEYS, timeoutMs: 90_000, quietMs: 1000, pace: { calls: 10, ms: 40 } });
    sending.catch(() => {});
    const total = 2 * SENDERS * CALLS;
    const kills: Kill[] = [];
    const replaced: WarrenProcess[] = [];
    for (const share of [0.2, 0.55]) {
      await waitFor(() => lines(runsFile) >= share * total, 60_000, `${share * 100}% of the runs`);
      // First the one that ran a call last (it holds a busy shard), then the other original.
      const victim = kills.length === 0 ? lastRunner(runsFile, workers) : workers.find((worker) => worker.child.pid !== kills[0]!.pid)!;
      const at = performance.timeOrigin + performance.now();
      await group.kill(victim);
      kills.push({ pid: victim.child.pid!, at });
      replaced.push(await group.start('worker'));
    }
    const answers = await sending;
    const ms = Math.round(performance.now() - started);

    const ids = new Map<string, number>();
    const errors = new Map<number, number>();
    for (const { sender, frame } of answers) {
      const id = `${sender}/${frame.id}`;
      ids.set(id, (ids.get(id) ?? 0) + 1);
      if (frame.error) errors.set(frame.error.code, (errors.get(frame.error.code) ?? 0) + 1);
    }
    const runs = readRuns(runsFile);
    const report = checkRuns(runs, kills, { senders: SENDERS, calls: CALLS });
    const byPid = new Map<number, number>();
    for (const run of runs) byPid.set(run.pid, (byPid.get(run.pid) ?? 0) + 1);
    const pids = [...workers, ...replaced].map((worker) => worker.child.pid!);
    t.diagnostic(
      `${SENDERS * CALLS} calls in ${ms} ms, ${answers.length} answers, errors ${JSON.stringify([...errors])}; ${runs.length} runs ` +
        `(by worker, originals then restarted: ${pids.map((pid) => byPid.get(pid) ?? 0).join(' / ')}); ran again ${report.ranAgain} ` +
        `(${report.ranAgainAfterEnd} of them after the first run ended), cut by a kill ${report.cut}; out of order ${report.outOfOrder}, ` +
        `overlaps ${report.overlaps}, bad repeats ${report.badRepeats}; ms from SIGKILL to its keys' next start elsewhere: ${JSON.stringify(report.handover)}`,
    );

    assert.equal(answers.length, SENDERS * CALLS, 'one answer per call, and no second one within a second after the last');
    assert.equal(ids.size, SENDERS * CALLS, 'every call answered');
    assert.equal(errors.size, 0, 'a worker death is answered by the redelivered run, never an error');
    assert.equal(report.neverRan, 0, 'every call ran to its end somewhere');
    assert.equal(report.badRepeats, 0, 'a call ran again only as a flagged redelivery of a run on a killed worker');
    assert.equal(report.outOfOrder, 0, "each sender's calls of a key started in the order it sent them");
    assert.equal(report.overlaps, 0, 'never two runs of a key at once on live workers');
    for (const [i, gaps] of report.handover.entries()) assert.ok(gaps.length > 0, `kill ${i + 1} took a busy key from its worker`);
    // After the second kill the first restarted worker was the only one left for a while.
    assert.ok((byPid.get(replaced[0]!.child.pid!) ?? 0) > 0, 'the restarted worker took calls');
  });
});
