/**
 * One chaos client: a raw WebSocket to a gateway that keeps a few calls in flight at a paced
 * rate and writes every answer into a ledger keyed by request id, so the run can tell, per
 * request, whether it was answered once, never, or more than once.
 */
import WebSocket from 'ws';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LedgerEntry {
  sentAt: number;
  /** Epoch ms by which the gateway must have answered (the call's deadline). */
  deadline: number;
  /** Each answer: its arrival time, its error code (undefined for a result) and message. */
  answers: { at: number; code: number | undefined; message?: string | undefined }[];
}

export interface ChaosClientOptions {
  url: string;
  /** Wire name of the method to call. */
  method: string;
  /** The client's name, the prefix of its request ids. */
  name: string;
  /** Calls this client keeps in flight. */
  inFlight: number;
  /** Least time between two calls of one loop, in ms; keeps the socket under the gateway's frame rate. */
  paceMs: number;
  /** Deadline of each call (JSON-RPC `timeoutMs`). */
  timeoutMs: number;
  /** How long past its deadline a call may still be answered before the loop moves on. */
  graceMs: number;
}

export class ChaosClient {
  readonly ledger = new Map<string, LedgerEntry>();
  /** Frames whose id this client never sent, or that are not JSON-RPC responses. */
  strays = 0;
  /** Times the socket closed while the run still used it. */
  closes = 0;
  readonly #options: ChaosClientOptions;
  readonly #waiters = new Map<string, () => void>();
  #ws: WebSocket | undefined;
  #seq = 0;
  #running = false;
  #loops: Promise<void>[] = [];

  constructor(options: ChaosClientOptions) {
    this.#options = options;
  }

  async open(): Promise<void> {
    const ws = new WebSocket(this.#options.url, { handshakeTimeout: 5000 });
    ws.on('error', () => {});
    ws.on('message', (data) => this.#onFrame(String(data)));
    ws.on('close', () => {
      if (this.#running) this.closes++;
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    this.#ws = ws;
  }

  #onFrame(text: string): void {
    let frame: { id?: unknown; error?: { code?: number; message?: string } };
    try {
      frame = JSON.parse(text);
    } catch {
      this.strays++;
      return;
    }
    const entry = typeof frame.id === 'string' ? this.ledger.get(frame.id) : undefined;
    if (!entry) {
      this.strays++;
      return;
    }
    entry.answers.push({ at: Date.now(), code: frame.error?.code, message: frame.error?.message });
    this.#waiters.get(frame.id as string)?.();
  }

  /** Starts the loops; they run until stop(). */
  start(): void {
    this.#running = true;
    this.#loops = Array.from({ length: this.#options.inFlight }, () => this.#loop());
  }

  /** Stops sending and resolves once every loop has its last call answered or given up. */
  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#loops);
  }

  close(): void {
    this.#running = false;
    this.#ws?.close();
  }

  async #loop(): Promise<void> {
    const { method, name, paceMs, timeoutMs, graceMs } = this.#options;
    while (this.#running) {
      const ws = this.#ws;
      if (!ws || ws.readyState !== WebSocket.OPEN) return;
      const id = `${name}-${(this.#seq++).toString(36)}`;
      const started = Date.now();
      const entry: LedgerEntry = { sentAt: started, deadline: started + timeoutMs, answers: [] };
      this.ledger.set(id, entry);
      const answered = new Promise<void>((resolve) => this.#waiters.set(id, resolve));
      ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params: { id, ms: Math.floor(Math.random() * 4) }, timeoutMs }));
      const timer = sleep(timeoutMs + graceMs, undefined, { ref: false });
      await Promise.race([answered, timer]);
      this.#waiters.delete(id);
      // An error (broker down, overloaded) comes back at once: do not spin on it.
      const wait = entry.answers[0]?.code === undefined ? paceMs - (Date.now() - started) : Math.max(paceMs, 100);
      if (wait > 0) await sleep(wait);
    }
  }
}
