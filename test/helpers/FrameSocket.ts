/** A raw WebSocket for tests: sends frames as text and hands back the frames it receives, in order. */
import WebSocket from 'ws';

export class FrameSocket {
  readonly ws: WebSocket;
  readonly #frames: string[] = [];
  readonly #waiters: ((frame: string) => void)[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(url: string, options?: WebSocket.ClientOptions) {
    this.ws = new WebSocket(url, options);
    this.ws.on('error', () => {});
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      this.ws.once('error', reject);
    });
    this.closed = new Promise((resolve) => this.ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
    this.ws.on('message', (data) => {
      const frame = String(data);
      const waiter = this.#waiters.shift();
      if (waiter) waiter(frame);
      else this.#frames.push(frame);
    });
  }

  /** Opens a socket, sends one request, and closes the socket once its response is in. */
  static async requestOnce(url: string, frame: unknown): Promise<any> {
    const socket = await FrameSocket.open(url);
    try {
      return await socket.request(frame);
    } finally {
      socket.ws.close();
      await socket.closed;
    }
  }

  static async open(url: string, options?: WebSocket.ClientOptions): Promise<FrameSocket> {
    const socket = new FrameSocket(url, options);
    await socket.opened;
    return socket;
  }

  /** Sends a string as is, anything else as JSON. */
  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The next frame, parsed; rejects after `timeoutMs`. */
  async next(timeoutMs = 5000): Promise<any> {
    return JSON.parse(await this.nextText(timeoutMs));
  }

  nextText(timeoutMs = 5000): Promise<string> {
    const queued = this.#frames.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`no frame within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (frame: string) => {
        clearTimeout(timer);
        resolve(frame);
      };
      this.#waiters.push(waiter);
    });
  }

  /** Resolves true if no frame arrives within `ms`. */
  async silentFor(ms: number): Promise<boolean> {
    try {
      await this.nextText(ms);
      return false;
    } catch {
      return true;
    }
  }

  /** Sends a request and waits for the next frame. */
  async request(frame: unknown, timeoutMs?: number): Promise<any> {
    this.send(frame);
    return this.next(timeoutMs);
  }

  close(): void {
    this.ws.close();
  }
}
