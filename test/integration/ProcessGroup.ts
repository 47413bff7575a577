/**
 * The warren processes one integration test file starts, all serving one testkit service
 * over RabbitMQ, so that `after` can stop every one of them whatever failed on the way.
 */
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { AMQP_URL } from '../helpers/broker.ts';
import { startWarren, type WarrenProcess } from '../helpers/processes.ts';
import { TESTKIT_ENV } from '../fixtures/testkit.ts';

const SERVICE_MODULE = fileURLToPath(new URL('../fixtures/testkitService.ts', import.meta.url));

/** Resolves true if the process exited within `ms`. */
async function exitedWithin(proc: WarrenProcess, ms: number): Promise<boolean> {
  const timer = delay(ms, false, { ref: false });
  return Promise.race([proc.exited.then(() => true), timer]);
}

function running(proc: WarrenProcess): boolean {
  return proc.child.exitCode === null && proc.child.signalCode === null;
}

export class ProcessGroup {
  readonly service: string;
  readonly #procs = new Set<WarrenProcess>();
  /** Starts still waiting for their ready line; stopAll waits for them so none is orphaned. */
  readonly #starting = new Set<Promise<unknown>>();

  constructor(service: string) {
    this.service = service;
  }

  /** Starts `warren gateway|worker` with the amqp transport; resolves once it is ready. */
  async start(command: 'gateway' | 'worker'): Promise<WarrenProcess> {
    // startWarren bounds this wait itself (20 s) and kills a process that never got ready.
    const starting = startWarren(command, {
      service: SERVICE_MODULE,
      transport: 'amqp',
      env: { [TESTKIT_ENV]: this.service, AMQP_URL },
    }).then((proc) => {
      this.#procs.add(proc);
      return proc;
    });
    this.#starting.add(starting);
    try {
      return await starting;
    } finally {
      this.#starting.delete(starting);
    }
  }

  /** SIGKILL: the process gets no chance to clean up, as in a crash. */
  async kill(proc: WarrenProcess): Promise<void> {
    if (running(proc)) proc.child.kill('SIGKILL');
    if (!(await exitedWithin(proc, 5000))) throw new Error(`pid ${proc.child.pid} still alive after SIGKILL`);
  }

  /** SIGTERM to every process; SIGKILL to any still running after `graceMs`. */
  async stopAll(graceMs = 8000): Promise<void> {
    await Promise.allSettled([...this.#starting]);
    const procs = [...this.#procs];
    this.#procs.clear();
    await Promise.all(
      procs.map(async (proc) => {
        if (!running(proc)) return;
        proc.child.kill('SIGTERM');
        if (await exitedWithin(proc, graceMs)) return;
        proc.child.kill('SIGKILL');
        await exitedWithin(proc, 2000);
      }),
    );
  }
}
