/**
 * Writes one socket's outgoing frames, coalescing those sent in the same turn of the event
 * loop into one TCP write.
 *
 * ws hands every frame to the kernel with a write of its own. Under load a connection gets
 * many answers per turn (all the replies one broker read carried, every call of a pipelining
 * client), and a system call per answer would cost a gateway more than anything else it does
 * (bench/README.md, "One system call per turn per socket"). The first frame of a turn corks
 * the socket and schedules the uncork for the end of the turn (process.nextTick, after the
 * microtasks that produce more answers): frames keep their order, no timer is involved, and a
 * lone frame is delayed by nothing but the rest of the current turn.
 */
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

/** ws options for bytes that are a text frame's payload. */
const TEXT = { binary: false } as const;

export class FrameWriter {
  readonly #ws: WebSocket;
  readonly #socket: Duplex | undefined;
  #corked = false;

  /** @param socket the socket under `ws`; without it every frame is written at once. */
  constructor(ws: WebSocket, socket: Duplex | undefined) {
    this.#ws = ws;
    this.#socket = socket;
  }

  /** Sends one text frame; bytes are taken as its UTF-8 text (shared by a fan-out, not copied). */
  send(frame: string | Buffer): void {
    if (this.#socket !== undefined && !this.#corked) {
      this.#corked = true;
      this.#socket.cork();
      process.nextTick(uncork, this);
    }
    if (typeof frame === 'string') this.#ws.send(frame);
    else this.#ws.send(frame, TEXT);
  }

  flush(): void {
    if (!this.#corked) return;
    this.#corked = false;
    this.#socket!.uncork();
  }
}

function uncork(writer: FrameWriter): void {
  writer.flush();
}
