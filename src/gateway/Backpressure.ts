/**
 * Backpressure towards one slow reader. When the bytes ws has not yet handed to the kernel
 * pass the high-water mark, the gateway stops reading that socket's frames: a client that
 * does not read its answers cannot keep asking for more, and the TCP window pushes back on
 * it. Reading resumes once the buffer drains to the low-water mark. A socket that stays
 * stopped too long is terminated, which bounds the memory one client can pin.
 *
 * Answers to calls already in flight are still written (they wait in the buffer); they are
 * dropped only if the socket is terminated.
 */
import type { WebSocket } from 'ws';
import type { ResolvedGatewayOptions } from './GatewayOptions.ts';

/**
 * The gateway options it reads: reading stops past `sendHighWaterMark` bytes waiting, resumes
 * at `sendLowWaterMark`, and a socket stopped longer than `slowReaderTimeoutMs` is terminated.
 */
export type BackpressureOptions = Pick<ResolvedGatewayOptions, 'sendHighWaterMark' | 'sendLowWaterMark' | 'slowReaderTimeoutMs'>;

/** How often a stopped socket's buffer is looked at. ws has no drain event of its own. */
const POLL_MS = 20;

export class Backpressure {
  readonly #ws: WebSocket;
  readonly #options: BackpressureOptions;
  #timer: ReturnType<typeof setInterval> | undefined;
  #pausedAt = 0;

  constructor(ws: WebSocket, options: BackpressureOptions) {
    this.#ws = ws;
    this.#options = options;
  }

  /** True while the gateway does not read this socket. */
  get paused(): boolean {
    return this.#timer !== undefined;
  }

  /** Call after writing to the socket. */
  afterSend(): void {
    if (this.#timer !== undefined || this.#ws.bufferedAmount <= this.#options.sendHighWaterMark) return;
    this.#ws.pause();
    this.#pausedAt = performance.now();
    this.#timer = setInterval(() => this.#poll(), POLL_MS);
    this.#timer.unref();
  }

  #poll(): void {
    if (this.#ws.readyState !== this.#ws.OPEN) return this.stop();
    if (this.#ws.bufferedAmount <= this.#options.sendLowWaterMark) {
      this.stop();
      this.#ws.resume();
    } else if (performance.now() - this.#pausedAt > this.#options.slowReaderTimeoutMs) {
      this.stop();
      this.#ws.terminate();
    }
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
