/**
 * Runs `warren` commands as real child processes, the way an operator would: one at a time
 * (startWarren), or as a group serving one service over RabbitMQ (WarrenProcesses), which
 * `after` can stop whatever failed on the way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Contract } from '../../src/contract/defineContract.ts';
import { waitFor } from './async.ts';
import { AMQP_URL, deleteMethodQueues } from './broker.ts';
import { FrameSocket } from './FrameSocket.ts';

const BIN = fileURLToPath(new URL('../../bin/warren.js', import.meta.url));

export interface WarrenProcess {
  child: ChildProcess;
  /** `ws://…/rpc` for gateway and serve. */
  url: string | undefined;
  /** Base HTTP URL for gateway and serve. */
  http: string | undefined;
  output: string[];
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StartOptions {
  service: string;
  transport?: 'memory' | 'amqp';
  env?: Record<string, string>;
  args?: string[];
  /** How long to wait for the ready log line. @default 20000 */
  timeoutMs?: number;
}

/** Starts `warren <command>` and resolves once it logs that it listens (gateway) or consumes (worker). */
export function startWarren(command: 'serve' | 'gateway' | 'worker', options: StartOptions): Promise<WarrenProcess> {
  const args = [BIN, command, '--service', options.service, '--port', '0', ...(options.args ?? [])];
  if (options.transport) args.push('--transport', options.transport);
  const child = spawn(process.execPath, args, {
    env: { ...process.env, LOG_LEVEL: 'info', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const proc: WarrenProcess = {
    child,
    url: undefined,
    http: undefined,
    output,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  const readyMessage = command === 'worker' ? 'worker consuming' : 'gateway listening';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`warren ${command} not ready within ${options.timeoutMs ?? 20000} ms:\n${output.join('')}`));
    }, options.timeoutMs ?? 20_000);
    let partial = '';
    const onLine = (chunk: Buffer) => {
      const text = String(chunk);
      output.push(text);
      // A log line may arrive split across chunks: keep the unfinished tail for the next one.
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.includes(readyMessage)) continue;
        try {
          const url = (JSON.parse(line) as { url?: string }).url;
          if (url) {
            proc.url = url;
            proc.http = url.replace(/^ws/, 'http').replace(/\/rpc$/, '');
          }
        } catch {
          continue;
        }
        clearTimeout(timer);
        resolve(proc);
      }
    };
    child.stdout!.on('data', onLine);
    child.stderr!.on('data', (chunk: Buffer) => output.push(String(chunk)));
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`warren ${command} exited with ${code} before it was ready:\n${output.join('')}`));
    });
  });
}

/** Polls /readyz until it answers 200. */
export async function waitReady(http: string, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const status = await fetch(`${http}/readyz`).then((r) => r.status, () => 0);
    if (status === 200) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${http}/readyz not ready within ${timeoutMs} ms`);
}

/** Resolves true if the process exited within `ms`. */
export async function exitedWithin(proc: WarrenProcess, ms: number): Promise<boolean> {
  const timer = delay(ms, false, { ref: false });
  return Promise.race([proc.exited.then(() => true), timer]);
}

export function running(proc: WarrenProcess): boolean {
  return proc.child.exitCode === null && proc.child.signalCode === null;
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

export interface WarrenProcessesOptions<C extends Contract> {
  /** Path of the service module every process loads (`--service`). */
  module: string;
  /** The contract that module serves: its service name, method names and queues. */
  contract: C;
  /** Environment of every process on top of AMQP_URL, e.g. the variable that names the service. */
  env?: Record<string, string>;
  /** How long stopAll waits after SIGTERM before SIGKILL. @default 8000 */
  stopGraceMs?: number;
  /** The broker every process uses (their AMQP_URL, a list of nodes for a cluster). @default the test broker, AMQP_URL */
  amqpUrl?: string;
}

/** The `warren gateway|worker` processes of one test file, all serving one service over RabbitMQ. */
export class WarrenProcesses<C extends Contract = Contract> {
  readonly service: string;
  readonly #options: WarrenProcessesOptions<C>;
  readonly #procs = new Set<WarrenProcess>();
  /** Starts still waiting for their ready line; stopAll waits for them so none is orphaned. */
  readonly #starting = new Set<Promise<unknown>>();

  constructor(options: WarrenProcessesOptions<C>) {
    this.#options = options;
    this.service = options.contract.service;
  }

  /** Wire name of one of the contract's methods. */
  method(name: keyof C['methods'] & string): string {
    return `${this.service}.${name}`;
  }

  /**
   * Starts `warren gateway|worker` on RabbitMQ; resolves once it is ready (bounded by startWarren).
   * `env` adds to the group's environment for this process only.
   */
  async start(command: 'gateway' | 'worker', args: string[] = [], env: Record<string, string> = {}): Promise<WarrenProcess> {
    const starting = startWarren(command, {
      service: this.#options.module,
      transport: 'amqp',
      args,
      env: { ...this.#options.env, AMQP_URL: this.#options.amqpUrl ?? AMQP_URL, ...env },
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
  async stopAll(graceMs = this.#options.stopGraceMs ?? 8000): Promise<void> {
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

  /** Deletes the service's durable method queues, through `url` (one node) or the processes' broker. */
  deleteQueues(url = this.#options.amqpUrl): Promise<void> {
    return deleteMethodQueues(this.#options.contract, url);
  }
}

/** How one worker of a restart loop ended. */
export interface WorkerExit {
  /** The exit status, or null when a signal ended it. */
  code: number | null;
  /** Its output, for failure messages. */
  output: string;
}

/**
 * Keeps one `warren worker` of a group running, starting another whenever it exits, as
 * systemd's `Restart=always` does. A worker can end before it logs that it consumes (a
 * redelivered call reaches it first); that counts as an exit like any other.
 */
export class RestartLoop {
  /** Every worker that got as far as consuming, in start order. */
  readonly workers: WarrenProcess[] = [];
  readonly exits: WorkerExit[] = [];
  /** Workers started after the first. */
  restarts = 0;
  /** Settles once the loop stopped (after stop() and the current worker's exit). */
  readonly done: Promise<void>;
  #running = true;

  constructor(group: WarrenProcesses, args: string[] = []) {
    this.done = this.#run(group, args);
    this.done.catch(() => {});
  }

  /** Starts no more workers; the group's stopAll() ends the current one. */
  stop(): void {
    this.#running = false;
  }

  async #run(group: WarrenProcesses, args: string[]): Promise<void> {
    for (let started = 0; this.#running; started++) {
      if (started > 0) this.restarts++;
      let worker: WarrenProcess;
      try {
        worker = await group.start('worker', args);
      } catch (err) {
        const match = /exited with (\S+) before it was ready:\n([\s\S]*)/.exec((err as Error).message);
        if (!match) throw err;
        this.exits.push({ code: match[1] === 'null' ? null : Number(match[1]), output: match[2]! });
        continue;
      }
      this.workers.push(worker);
      const code = await worker.exited;
      this.exits.push({ code, output: worker.output.join('') });
    }
  }
}

/** A gateway and a restart-looped worker for the describe block this is called in. */
export interface LoopedGroup {
  readonly gateway: WarrenProcess;
  readonly loop: RestartLoop;
  /** A socket to the gateway, closed after the block. */
  open(): Promise<FrameSocket>;
}

/**
 * Starts, in the block's `before`, a gateway and a worker under a RestartLoop (with
 * `workerArgs`), and waits for both; in its `after`, stops the loop and every process, closes
 * the sockets `open()` made, and deletes the group's queues.
 */
export function gatewayWithRestartLoop(group: WarrenProcesses, workerArgs: string[] = []): LoopedGroup {
  const sockets: FrameSocket[] = [];
  let gateway: WarrenProcess | undefined;
  let loop: RestartLoop | undefined;
  before(async () => {
    gateway = await group.start('gateway');
    loop = new RestartLoop(group, workerArgs);
    await waitFor(() => loop!.workers.length > 0, 20_000, 'the first worker');
    await waitReady(gateway.http!);
  });
  after(async () => {
    loop?.stop();
    for (const socket of sockets) socket.close();
    await group.stopAll();
    await loop?.done.catch(() => {});
    await group.deleteQueues().catch(() => {});
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the group starts in before()');
    return value;
  };
  return {
    get gateway() {
      return started(gateway);
    },
    get loop() {
      return started(loop);
    },
    async open() {
      const socket = await FrameSocket.open(started(gateway).url!, { handshakeTimeout: 5000 });
      sockets.push(socket);
      return socket;
    },
  };
}
