/**
 * A well-behaved client: one call at a time on its own socket, a short pause between calls,
 * every answer checked. Abuse and soak runs keep one going to prove that honest clients are
 * still served while others misbehave.
 */
import WebSocket from 'ws';
import { checkServerFrame } from './serverFrames.ts';

export interface SteadyCallerOptions {
  /** Wire name of a method echoing `{ value }` back as `{ value, … }`. */
  echoMethod: string;
  /** Pause between an answer and the next call. @default 20 */
  pauseMs?: number;
  /** Longest wait for one answer before it counts as a failure. @default 5000 */
  answerTimeoutMs?: number;
  headers?: Record<string, string>;
}

export class SteadyCaller {
  ok = 0;
  readonly failures: string[] = [];
  readonly latencies: number[] = [];
  readonly #ws: WebSocket;
  readonly #options: Required<Omit<SteadyCallerOptions, 'headers'>>;
  #stopped = false;
  #loop: Promise<void> = Promise.resolve();
  #waiter: ((text: string) => void) | undefined;

  private constructor(ws: WebSocket, options: SteadyCallerOptions) {
    this.#ws = ws;
    this.#options = { pauseMs: 20, answerTimeoutMs: 5000, ...options };
    ws.on('message', (data) => this.#waiter?.(String(data)));
    ws.on('close', (code) => {
      if (!this.#stopped) this.failures.push(`socket closed with ${code}`);
      this.#waiter?.('');
    });
  }

  static async start(url: string, options: SteadyCallerOptions): Promise<SteadyCaller> {
    const ws = new WebSocket(url, { headers: options.headers });
    ws.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const caller = new SteadyCaller(ws, options);
    caller.#loop = caller.#run();
    return caller;
  }

  async #run(): Promise<void> {
    for (let n = 0; !this.#stopped && this.#ws.readyState === WebSocket.OPEN; n++) {
      const started = performance.now();
      const answer = new Promise<string>((resolve) => {
        const timer = setTimeout(() => resolve(''), this.#options.answerTimeoutMs);
        this.#waiter = (text) => {
          clearTimeout(timer);
          resolve(text);
        };
      });
      this.#ws.send(JSON.stringify({ jsonrpc: '2.0', id: n, method: this.#options.echoMethod, params: { value: n } }));
      const text = await answer;
      this.#waiter = undefined;
      if (this.#stopped && text === '') return;
      const checked = checkServerFrame(text);
      const response = checked.ok ? checked.responses[0] : undefined;
      const value = (response?.result as { value?: unknown } | undefined)?.value;
      if (response?.id === n && value === n) {
        this.ok++;
        this.latencies.push(performance.now() - started);
      } else {
        this.failures.push(`call ${n}: ${text === '' ? 'no answer' : text.slice(0, 200)}`);
      }
      await new Promise((r) => setTimeout(r, this.#options.pauseMs));
    }
  }

  /** Longest answer time among the latencies recorded since index `from`, in ms. */
  maxLatency(from = 0): number {
    return Math.max(0, ...this.latencies.slice(from));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop;
    this.#ws.close();
    if (this.#ws.readyState !== WebSocket.CLOSED) await new Promise((resolve) => this.#ws.once('close', resolve));
  }
}
