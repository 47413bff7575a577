/**
 * The warren processes one fault test starts, all serving one faultkit service over RabbitMQ,
 * so that `after` can stop every one of them whatever failed on the way, and delete the
 * service's durable queues.
 */
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import amqplib from 'amqplib';
import { methodQueue } from '../../src/protocol/routing.ts';
import { AMQP_URL } from '../helpers/broker.ts';
import { startWarren, type WarrenProcess } from '../helpers/processes.ts';
import { FAULTKIT_ENV, faultkitContract } from './faultkit.ts';

const SERVICE_MODULE = fileURLToPath(new URL('./faultkitService.ts', import.meta.url));

/** Resolves true if the process exited within `ms`. */
export async function exitedWithin(proc: WarrenProcess, ms: number): Promise<boolean> {
  const timer = delay(ms, false, { ref: false });
  return Promise.race([proc.exited.then(() => true), timer]);
}

export function running(proc: WarrenProcess): boolean {
  return proc.child.exitCode === null && proc.child.signalCode === null;
}

export class FaultProcesses {
  readonly service: string;
  readonly #procs = new Set<WarrenProcess>();
  readonly #starting = new Set<Promise<unknown>>();

  constructor(service: string) {
    this.service = service;
  }

  /** Wire name of one of the faultkit's methods. */
  method(name: keyof ReturnType<typeof faultkitContract>['methods']): string {
    return `${this.service}.${name}`;
  }

  /** Starts `warren gateway|worker` on RabbitMQ; resolves once it is ready (bounded by startWarren). */
  async start(command: 'gateway' | 'worker', args: string[] = []): Promise<WarrenProcess> {
    const starting = startWarren(command, {
      service: SERVICE_MODULE,
      transport: 'amqp',
      args,
      env: { [FAULTKIT_ENV]: this.service, AMQP_URL },
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
  async stopAll(graceMs = 15_000): Promise<void> {
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

  /** Deletes the service's durable method queues. */
  async deleteQueues(): Promise<void> {
    await withChannel(async (channel) => {
      for (const name of Object.keys(faultkitContract(this.service).methods)) {
        await channel.deleteQueue(methodQueue(`${this.service}.${name}`));
      }
    });
  }
}

/** Runs `fn` on a fresh channel of a fresh connection, closed afterwards. */
export async function withChannel<T>(fn: (channel: amqplib.Channel) => Promise<T>): Promise<T> {
  const connection = await amqplib.connect(AMQP_URL, { timeout: 2000 });
  connection.on('error', () => {});
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => {});
    return await fn(channel);
  } finally {
    await connection.close().catch(() => {});
  }
}

/** Ready messages and consumers of a queue, as RabbitMQ counts them. */
export function queueState(queue: string): Promise<{ messages: number; consumers: number }> {
  return withChannel(async (channel) => {
    const { messageCount, consumerCount } = await channel.checkQueue(queue);
    return { messages: messageCount, consumers: consumerCount };
  });
}

/** Lines of a process's output that contain `text`, parsed as JSON log lines. */
export function logLines(proc: WarrenProcess, text: string): Record<string, unknown>[] {
  return proc.output
    .join('')
    .split('\n')
    .filter((line) => line.includes(text))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}
