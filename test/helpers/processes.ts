/** Runs `warren` commands as real child processes, the way an operator would. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

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
