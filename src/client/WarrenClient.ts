/**
 * Warren's client runtime: JSON-RPC 2.0 over one WebSocket, in Node (pass `ws`) or a browser
 * (the global WebSocket). It imports only the protocol module, so a browser bundle stays small.
 */
import { ErrorCode } from '../protocol/codes.ts';
import { classifyIncoming, type Params } from '../protocol/envelope.ts';
import { WarrenError } from '../protocol/WarrenError.ts';

/** The part of the WebSocket API the client uses; browsers' WebSocket and `ws` both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: any) => void) | null;
  // `any` events, like the other handlers: ws's and the DOM's event types must both fit.
  onmessage: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface ClientOptions {
  /** `ws://host:port/rpc` */
  url: string;
  /** WebSocket implementation. @default globalThis.WebSocket */
  WebSocket?: WebSocketConstructor;
  /** Local deadline of a call that sets none; the server's own deadline still applies. @default 30000 */
  timeoutMs?: number;
}

export interface CallOptions {
  /** Aborting rejects the call with CANCELLED. */
  signal?: AbortSignal;
  /** Deadline for this call; sent to the server, which honours it when it is shorter than the method's. */
  timeoutMs?: number;
}

export type EventHandler<P = unknown> = (payload: P, topic: string) => void;

interface PendingCall {
  resolve(value: unknown): void;
  reject(error: WarrenError): void;
}

const OPEN = 1;
const ALL_TOPICS = '\u0000all';

export class WarrenClient {
  readonly #ws: WebSocketLike;
  readonly #timeoutMs: number;
  readonly #pending = new Map<number, PendingCall>();
  readonly #handlers = new Map<string, Set<EventHandler>>();
  /** Per subscription key, the server's answer to its rpc.subscribe. */
  readonly #confirmed = new Map<string, Promise<unknown>>();
  readonly #opened: Promise<void>;
  #nextId = 1;
  #closed = false;

  constructor(options: ClientOptions) {
    const Socket = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!Socket) throw new TypeError('No WebSocket implementation: pass options.WebSocket (e.g. the ws package)');
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#ws = new Socket(options.url);
    this.#opened = new Promise<void>((resolve, reject) => {
      this.#ws.onopen = () => resolve();
      this.#ws.onclose = () => {
        this.#closed = true;
        reject(new WarrenError(ErrorCode.CONNECTION_LOST, 'Connection closed'));
        this.#failAll(new WarrenError(ErrorCode.CONNECTION_LOST, 'Connection closed'));
      };
    });
    this.#opened.catch(() => {});
    this.#ws.onerror = () => {};
    this.#ws.onmessage = (event) => this.#receive(String(event.data));
  }

  /** Resolves once the connection is open. */
  ready(): Promise<void> {
    return this.#opened;
  }

  /** Calls a method and resolves with its result, or rejects with a WarrenError. */
  async call<R = unknown>(method: string, params?: Params, options: CallOptions = {}): Promise<R> {
    const { signal, timeoutMs } = options;
    if (signal?.aborted) throw new WarrenError(ErrorCode.CANCELLED);
    await this.#opened;
    // An abort while the connection opened fired no listener yet: check again.
    if (signal?.aborted) throw new WarrenError(ErrorCode.CANCELLED);
    const id = this.#nextId++;
    const frame: Record<string, unknown> = { jsonrpc: '2.0', id, method };
    if (params !== undefined) frame.params = params;
    if (timeoutMs !== undefined) frame.timeoutMs = timeoutMs;
    return new Promise<R>((resolve, reject) => {
      const finish = () => {
        this.#pending.delete(id);
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        finish();
        reject(new WarrenError(ErrorCode.CANCELLED));
      };
      const timer = setTimeout(() => {
        finish();
        reject(new WarrenError(ErrorCode.TIMEOUT));
      }, timeoutMs ?? this.#timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(id, {
        resolve: (value) => {
          finish();
          resolve(value as R);
        },
        reject: (error) => {
          finish();
          reject(error);
        },
      });
      this.#send(JSON.stringify(frame));
    });
  }

  /** Sends a notification: the method runs, nothing is answered. */
  async notify(method: string, params?: Params): Promise<void> {
    await this.#opened;
    this.#send(JSON.stringify(params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params }));
  }

  /**
   * Subscribes to an event, for one topic or (no topic) every topic. Resolves once the
   * server confirmed, with a function that unsubscribes.
   */
  async subscribe<P = unknown>(event: string, topic: string | undefined, handler: EventHandler<P>): Promise<() => Promise<void>> {
    const key = `${event}\u0000${topic ?? ALL_TOPICS}`;
    let handlers = this.#handlers.get(key);
    const first = !handlers;
    if (!handlers) {
      handlers = new Set();
      this.#handlers.set(key, handlers);
    }
    handlers.add(handler as EventHandler);
    if (first) this.#confirmed.set(key, this.call('rpc.subscribe', topic === undefined ? { event } : { event, topic }));
    // Later subscribers of the key wait for the same confirmation, and fail with it.
    const confirmed = this.#confirmed.get(key)!;
    try {
      await confirmed;
    } catch (error) {
      handlers.delete(handler as EventHandler);
      if (handlers.size === 0 && this.#handlers.get(key) === handlers) {
        this.#handlers.delete(key);
        this.#confirmed.delete(key);
      }
      throw error;
    }
    let active = true;
    return async () => {
      if (!active) return;
      active = false;
      const current = this.#handlers.get(key);
      current?.delete(handler as EventHandler);
      if (current && current.size === 0) {
        this.#handlers.delete(key);
        this.#confirmed.delete(key);
        if (!this.#closed) await this.call('rpc.unsubscribe', topic === undefined ? { event } : { event, topic });
      }
    };
  }

  /** Closes the connection; calls in flight reject with CONNECTION_LOST. */
  close(): void {
    this.#closed = true;
    this.#ws.close(1000);
    this.#failAll(new WarrenError(ErrorCode.CONNECTION_LOST, 'Client closed'));
  }

  #send(frame: string): void {
    if (this.#ws.readyState !== OPEN) {
      this.#failAll(new WarrenError(ErrorCode.CONNECTION_LOST, 'Connection closed'));
      return;
    }
    this.#ws.send(frame);
  }

  #failAll(error: WarrenError): void {
    for (const pending of [...this.#pending.values()]) pending.reject(error);
  }

  #receive(text: string): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return;
    }
    for (const item of Array.isArray(value) ? value : [value]) {
      const message = classifyIncoming(item);
      if (message.kind === 'response') {
        const pending = typeof message.id === 'number' ? this.#pending.get(message.id) : undefined;
        if (!pending) continue;
        if (message.error) pending.reject(WarrenError.fromObject(message.error));
        else pending.resolve(message.result);
      } else if (message.kind === 'notification') {
        this.#dispatchEvent(message.method, message.params);
      }
    }
  }

  #dispatchEvent(event: string, params: unknown): void {
    const { topic, payload } = (params ?? {}) as { topic?: unknown; payload?: unknown };
    if (typeof topic !== 'string') return;
    for (const key of [`${event}\u0000${topic}`, `${event}\u0000${ALL_TOPICS}`]) {
      for (const handler of this.#handlers.get(key) ?? []) {
        try {
          handler(payload, topic);
        } catch {
          // A throwing handler must not stop delivery to the others.
        }
      }
    }
  }
}
