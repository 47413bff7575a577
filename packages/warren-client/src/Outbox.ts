/**
 * The client's calls from the moment they are made until their one outcome: waiting for a
 * connection, sent and waiting for the reply, or back to waiting after a lost connection
 * (idempotent calls). Each entry owns its deadline timer and abort listener, and leaves the
 * outbox when it settles, whichever way.
 */
import { ErrorCode } from './protocol/codes.ts';
import { WarrenError, type ErrorObject } from './protocol/WarrenError.ts';
import { isShuttingDown } from './ConnectionState.ts';

export interface NewEntry {
  /** `internal`: the client's own call on the socket being set up (re-subscribing), never queued. */
  kind: 'call' | 'notification' | 'internal';
  method: string;
  /** `params`, serialised once when the call is made. */
  paramsJson: string | undefined;
  /** The caller's own deadline, sent to the server as the time left. */
  timeoutMs: number | undefined;
  /** Epoch ms after which the call rejects with TIMEOUT, sent or not. */
  deadline: number;
  idempotent: boolean;
  signal: AbortSignal | undefined;
  /** W3C trace context strings, sent as they are. */
  traceparent: string | undefined;
  tracestate: string | undefined;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export interface OutboxEntry extends NewEntry {
  readonly id: number;
  /** Written on the current socket; false while waiting for one. */
  sent: boolean;
  /** The JSON-RPC frame as it goes out now (`timeoutMs` shrinks as the deadline nears). */
  frame(): string;
}

interface Entry extends OutboxEntry {
  timer: ReturnType<typeof setTimeout>;
  onAbort: () => void;
}

/** The `rpc.cancel` notification for the request with this id. */
export function cancelFrame(id: number): string {
  return `{"jsonrpc":"2.0","method":"rpc.cancel","params":{"id":${id}}}`;
}

export class Outbox {
  readonly #entries = new Map<number, Entry>();
  readonly #send: ((frame: string) => void) | undefined;
  #nextId = 1;

  /**
   * @param send writes a frame on the current socket: how an aborted call that was sent on it
   *   is cancelled on the server too (`rpc.cancel`), so its handler can stop.
   */
  constructor(send?: (frame: string) => void) {
    this.#send = send;
  }

  /** A fresh JSON-RPC id; the heartbeat takes its ping ids from here too, so none collide. */
  nextId(): number {
    return this.#nextId++;
  }

  get size(): number {
    return this.#entries.size;
  }

  add(spec: NewEntry): OutboxEntry {
    const id = this.nextId();
    const entry: Entry = {
      ...spec,
      id,
      sent: false,
      frame() {
        let text = '{"jsonrpc":"2.0"';
        if (this.kind !== 'notification') text += `,"id":${this.id}`;
        text += `,"method":${JSON.stringify(this.method)}`;
        if (this.paramsJson !== undefined) text += `,"params":${this.paramsJson}`;
        if (this.timeoutMs !== undefined) text += `,"timeoutMs":${Math.max(1, this.deadline - Date.now())}`;
        if (this.traceparent !== undefined) text += `,"traceparent":${JSON.stringify(this.traceparent)}`;
        if (this.tracestate !== undefined) text += `,"tracestate":${JSON.stringify(this.tracestate)}`;
        return `${text}}`;
      },
      timer: setTimeout(() => this.fail(id, new WarrenError(ErrorCode.TIMEOUT)), Math.max(0, spec.deadline - Date.now())),
      onAbort: () => this.#abort(id),
    };
    spec.signal?.addEventListener('abort', entry.onAbort, { once: true });
    this.#entries.set(id, entry);
    return entry;
  }

  /** Resolves the call, if it is still here. */
  settle(id: number, value: unknown): void {
    this.#take(id)?.resolve(value);
  }

  /** Rejects the call, if it is still here. */
  fail(id: number, error: WarrenError): void {
    this.#take(id)?.reject(error);
  }

  /**
   * Settles the call with the server's answer. A gateway that is shutting down gave no answer,
   * so an idempotent call goes back to waiting, as if the connection had been lost.
   */
  answer(id: number, response: { result?: unknown; error?: ErrorObject }): void {
    if (!response.error) return this.settle(id, response.result);
    if (isShuttingDown(response.error) && this.#retry(id)) return;
    this.fail(id, WarrenError.fromObject(response.error));
  }

  /** The connection went: idempotent calls in flight wait for the next one, the others fail with CONNECTION_LOST. */
  lost(cause: WarrenError): void {
    for (const entry of this.inFlight()) {
      if (!this.#retry(entry.id)) this.fail(entry.id, new WarrenError(ErrorCode.CONNECTION_LOST, 'Connection lost while the call was in flight', { cause }));
    }
  }

  failAll(error: WarrenError): void {
    for (const id of [...this.#entries.keys()]) this.fail(id, error);
  }

  /** Sent calls waiting for their reply, oldest first. */
  inFlight(): OutboxEntry[] {
    return [...this.#entries.values()].filter((entry) => entry.sent);
  }

  /** Calls waiting for a connection, oldest first (ids grow, and a Map keeps insertion order). */
  unsent(): OutboxEntry[] {
    return [...this.#entries.values()].filter((entry) => !entry.sent);
  }

  /**
   * Sends a call in flight back to waiting for a connection, to go out again after the
   * reconnect, if it may run twice. Only an idempotent call may: the first run may have happened.
   */
  #retry(id: number): boolean {
    const entry = this.#entries.get(id);
    if (!entry?.sent || !entry.idempotent) return false;
    entry.sent = false;
    return true;
  }

  /**
   * The caller aborted the call: it rejects with CANCELLED now. One already sent on the current
   * socket is cancelled on the server too, so the gateway forgets it and its worker can stop;
   * the gateway's own CANCELLED answer then finds no call waiting here and is dropped.
   */
  #abort(id: number): void {
    const entry = this.#take(id);
    if (!entry) return;
    if (entry.sent && entry.kind === 'call') this.#send?.(cancelFrame(id));
    entry.reject(new WarrenError(ErrorCode.CANCELLED));
  }

  #take(id: number): Entry | undefined {
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    this.#entries.delete(id);
    clearTimeout(entry.timer);
    entry.signal?.removeEventListener('abort', entry.onAbort);
    return entry;
  }
}
