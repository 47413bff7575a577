/**
 * One connection attempt of the client: a WebSocket, the timer that gives up on it if it does
 * not open in time, and its heartbeat once open. It only reports what happens to the socket;
 * what follows (re-subscribing, resending, reconnecting with backoff) is the client's policy.
 *
 * Once dropped it reports nothing more, so a late event of an old socket can never touch the
 * connection that replaced it.
 */
import type { WarrenError } from './protocol/WarrenError.ts';
import type { ResolvedClientOptions, WebSocketLike } from './ClientOptions.ts';
import { closeError, lostError } from './ConnectionState.ts';
import { Heartbeat } from './Heartbeat.ts';

export interface ClientSocketEvents {
  /** The socket opened. */
  opened(socket: ClientSocket): void;
  /** A text frame arrived. */
  message(text: string): void;
  /** The socket closed, did not open in time, or stopped answering; it is dropped already. Called at most once. */
  lost(error: WarrenError): void;
  /** An id for the heartbeat's `rpc.ping` that no call of the client uses. */
  pingId(): number;
}

export class ClientSocket {
  readonly #ws: WebSocketLike;
  readonly #options: ResolvedClientOptions;
  readonly #events: ClientSocketEvents;
  readonly #connectTimer: ReturnType<typeof setTimeout>;
  #heartbeat: Heartbeat | undefined;
  /** True from the open event until the socket is lost or dropped. */
  #open = false;
  #dropped = false;

  /** Opens the WebSocket; a bad URL throws here, like the WebSocket constructor it comes from. */
  constructor(options: ResolvedClientOptions, events: ClientSocketEvents) {
    this.#options = options;
    this.#events = events;
    const ws = new options.WebSocket(options.url);
    this.#ws = ws;
    ws.onopen = () => this.#opened();
    ws.onmessage = (event) => this.#message(String(event.data));
    ws.onclose = (event) => this.#lost(closeError(event));
    // An error event is always followed by a close event, which does the work.
    ws.onerror = () => {};
    this.#connectTimer = setTimeout(() => this.#lost(lostError('connectTimeout', 'Connection did not open in time')), options.connectTimeoutMs);
  }

  /** Open and not yet lost or dropped: frames sent now reach this socket. */
  get isOpen(): boolean {
    return this.#open;
  }

  send(frame: string): void {
    try {
      this.#ws.send(frame);
    } catch {
      // The socket is going; its close event decides what happens to the calls on it.
    }
  }

  /** Lets go of the socket: its events no longer reach the client. */
  drop(graceful: boolean): void {
    if (this.#dropped) return;
    this.#dropped = true;
    this.#open = false;
    clearTimeout(this.#connectTimer);
    this.#heartbeat?.stop();
    this.#heartbeat = undefined;
    const ws = this.#ws;
    ws.onopen = ws.onmessage = ws.onclose = null;
    if (graceful) return ws.close(1000);
    // A dead connection never completes a close handshake: ws's terminate() drops it at once;
    // a browser's close() lets the handshake time out in the background, unheard.
    const terminate = (ws as { terminate?: () => void }).terminate;
    if (typeof terminate === 'function') terminate.call(ws);
    else ws.close(4000, 'connection lost');
  }

  #opened(): void {
    if (this.#dropped) return;
    clearTimeout(this.#connectTimer);
    this.#open = true;
    const { heartbeatMs, heartbeatTimeoutMs } = this.#options;
    if (heartbeatMs > 0) {
      this.#heartbeat = new Heartbeat({
        intervalMs: heartbeatMs,
        timeoutMs: heartbeatTimeoutMs,
        // Its answer matches no call and is dropped: any frame already counted as a sign of life.
        ping: () => this.send(`{"jsonrpc":"2.0","id":${this.#events.pingId()},"method":"rpc.ping"}`),
        dead: () => this.#lost(lostError('heartbeat', 'No answer to the heartbeat ping')),
      });
    }
    this.#events.opened(this);
  }

  #message(text: string): void {
    if (this.#dropped) return;
    this.#heartbeat?.heard();
    this.#events.message(text);
  }

  #lost(error: WarrenError): void {
    if (this.#dropped) return;
    this.drop(false);
    this.#events.lost(error);
  }
}
