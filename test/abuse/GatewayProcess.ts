/**
 * A gateway stack in a child process, for the fuzz and soak runs: the child's crash is seen
 * as a crash (not as a failed assertion in the same process), and its heap is measured apart
 * from the test's clients.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { GatewayOptions, GatewayStats } from '../../src/gateway/Gateway.ts';

export type ChildRequest = { type: 'stats'; seq: number } | { type: 'close' };

export interface ChildStats extends GatewayStats {
  /** heapUsed right after a full GC, in bytes. */
  heapUsed: number;
  rss: number;
  /** The transport's table of calls waiting for a reply. */
  pendingCount: number;
  /** The longest event-loop delay of the child since it started, in milliseconds. */
  loopDelayMaxMs: number;
}

export type ChildReport =
  | { type: 'ready'; url: string }
  | ({ type: 'stats'; seq: number } & ChildStats)
  | { type: 'closed' };

type Limits = Omit<GatewayOptions, 'transport' | 'contracts' | 'authenticate' | 'authorize' | 'middleware' | 'log'>;

const ENTRY = fileURLToPath(new URL('./gatewayChild.ts', import.meta.url));

export class GatewayProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #seq = 0;

  private constructor(child: ChildProcess, url: string, exited: GatewayProcess['exited']) {
    this.child = child;
    this.url = url;
    this.exited = exited;
  }

  /** Starts the child and waits (up to `timeoutMs`) until its gateway listens. */
  static async start(options: { service: string; gateway?: Limits; timeoutMs?: number }): Promise<GatewayProcess> {
    const child = fork(ENTRY, [], {
      execArgv: ['--expose-gc', '--import', 'tsx'],
      env: { ...process.env, WARREN_CHILD_SERVICE: options.service, WARREN_CHILD_GATEWAY: JSON.stringify(options.gateway ?? {}) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error('gateway child not ready in time'));
      }, options.timeoutMs ?? 20_000);
      child.on('message', (message: ChildReport) => {
        if (message.type !== 'ready') return;
        clearTimeout(timer);
        resolve(message.url);
      });
      void exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`gateway child exited (${code ?? signal}) before it was ready`));
      });
    });
    return new GatewayProcess(child, url, exited);
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Heap after a full GC and the gateway's counters, from inside the child. */
  stats(timeoutMs = 10_000): Promise<ChildStats> {
    const seq = ++this.#seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.child.off('message', onMessage);
        reject(new Error('no stats from the gateway child in time'));
      }, timeoutMs);
      const onMessage = (message: ChildReport) => {
        if (message.type !== 'stats' || message.seq !== seq) return;
        clearTimeout(timer);
        this.child.off('message', onMessage);
        const { type: _type, seq: _seq, ...stats } = message;
        resolve(stats);
      };
      this.child.on('message', onMessage);
      this.child.send({ type: 'stats', seq } satisfies ChildRequest);
    });
  }

  /** Closes the child's stack and waits for it to exit; kills it if it does not within `timeoutMs`. */
  async close(timeoutMs = 10_000): Promise<void> {
    if (!this.alive) return;
    this.child.send({ type: 'close' } satisfies ChildRequest);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }
}
