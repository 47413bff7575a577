/**
 * Every process the harness starts goes through here, so that all of them are stopped at
 * the end, on error and on Ctrl-C alike: SIGTERM, then SIGKILL after a bounded wait.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();

export interface Started {
  child: ChildProcess;
  pid: number;
  /** The `url` field of the ready line, when it had one. */
  url: string | undefined;
  output: string[];
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  name: string;
  /** Arguments to node (script first). */
  args: string[];
  env?: Record<string, string>;
  /** A line of output containing this marks the process ready. */
  readyText: string;
  /** @default 30000 */
  timeoutMs?: number;
}

function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
}

/** Stops one child: SIGTERM, then SIGKILL after `graceMs`. Resolves once it has exited. */
export function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const hard = setTimeout(resolve, graceMs + 2000);
    child.once('exit', () => {
      clearTimeout(timer);
      clearTimeout(hard);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Starts `node <args>` and resolves once it prints `readyText`; rejects (and kills it) otherwise. */
export function startProcess(options: StartOptions): Promise<Started> {
  const child = spawn(process.execPath, options.args, {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  const output: string[] = [];
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    let partial = '';
    let done = false;
    const fail = (why: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      void stopChild(child, 1000);
      reject(new Error(`${options.name}: ${why}\n${output.join('').slice(-2000)}`));
    };
    const timer = setTimeout(() => fail(`not ready within ${timeoutMs} ms`), timeoutMs);
    const onData = (chunk: Buffer) => {
      const text = String(chunk);
      if (output.length < 200) output.push(text);
      if (done) return;
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.includes(options.readyText)) continue;
        let url: string | undefined;
        try {
          url = (JSON.parse(line) as { url?: string }).url;
        } catch {
          url = undefined;
        }
        done = true;
        clearTimeout(timer);
        resolve({ child, pid: child.pid!, url, output, stop: (graceMs) => stopChild(child, graceMs) });
        return;
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => output.length < 200 && output.push(String(chunk)));
    child.once('error', (err) => fail(err.message));
    child.once('exit', (code, signal) => fail(`exited (${code ?? signal}) before it was ready`));
  });
}

/** Forks a TypeScript module with an IPC channel (load generators, capacity clients). */
export function forkTs(script: string, args: string[] = [], env: Record<string, string> = {}): ChildProcess {
  const child = fork(script, args, {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  track(child);
  return child;
}

export type IpcMessage = Record<string, unknown> & { type: string };

/**
 * Waits for the first IPC message from `child` that `match` accepts; rejects on a 'failed'
 * message, on the child's exit, or after `timeoutMs`.
 */
export function waitForMessage(child: ChildProcess, match: (message: IpcMessage) => boolean, timeoutMs: number, what: string): Promise<IpcMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`child ${child.pid}: no ${what} within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: IpcMessage) => {
      if (message.type === 'failed') finish(new Error(`child ${child.pid} failed: ${String(message.message)}`));
      else if (match(message)) finish(undefined, message);
    };
    const onExit = (code: number | null) => finish(new Error(`child ${child.pid} exited (${code}) before ${what}`));
    const finish = (err?: Error, message?: IpcMessage) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(message!);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Stops every process still running, in parallel, bounded. */
export async function stopAll(graceMs = 3000): Promise<void> {
  await Promise.all([...live].map((child) => stopChild(child, graceMs)));
}

let installed = false;

/** Makes Ctrl-C, SIGTERM and a crash stop the children before the harness exits. */
export function installCleanup(): void {
  if (installed) return;
  installed = true;
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`\nbench: ${signal}, stopping ${live.size} processes\n`);
    void stopAll(1000).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // Last resort if the harness dies without awaiting stopAll(): no orphans left running.
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}
