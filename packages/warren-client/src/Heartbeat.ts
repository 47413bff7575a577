/**
 * Dead-server detection from the client's side. Browsers cannot see WebSocket pings, and a
 * half-open TCP connection (a proxy or NAT that forgot it, a server that froze) never closes by
 * itself: the client would wait forever. So when nothing at all has arrived for `intervalMs`,
 * the client sends `rpc.ping`; when nothing arrives within `timeoutMs` after that, the
 * connection is declared dead.
 *
 * Any frame counts as a sign of life, not only the pong, so a busy connection never pings.
 * `heard()` only stores a time: at thousands of frames a second, re-arming a timer per
 * frame would cost more than the check itself.
 */

export interface HeartbeatOptions {
  intervalMs: number;
  timeoutMs: number;
  /** Sends the ping. */
  ping(): void;
  /** The connection gave no sign of life in time. Called at most once. */
  dead(): void;
}

export class Heartbeat {
  readonly #options: HeartbeatOptions;
  #lastHeard = Date.now();
  /** When the unanswered ping went out; undefined while none is outstanding. */
  #pingedAt: number | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(options: HeartbeatOptions) {
    this.#options = options;
    this.#schedule(options.intervalMs);
  }

  /** A frame arrived. */
  heard(): void {
    this.#lastHeard = Date.now();
    this.#pingedAt = undefined;
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => this.#check(), Math.max(1, ms));
  }

  #check(): void {
    if (this.#stopped) return;
    const now = Date.now();
    const { intervalMs, timeoutMs } = this.#options;
    if (this.#pingedAt !== undefined) {
      const waited = now - this.#pingedAt;
      if (waited < timeoutMs) return this.#schedule(timeoutMs - waited);
      this.stop();
      return this.#options.dead();
    }
    const idle = now - this.#lastHeard;
    if (idle < intervalMs) return this.#schedule(intervalMs - idle);
    this.#pingedAt = now;
    this.#schedule(timeoutMs);
    this.#options.ping();
  }
}
