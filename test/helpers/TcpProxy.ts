/**
 * A tiny TCP proxy for fault tests: it sits between a client and a gateway on loopback and
 * can drop every connection abruptly (a TCP reset: no close frame, no FIN), stop forwarding
 * while keeping the connections open (a half-open link, as after a NAT or proxy forgot it),
 * or refuse new connections (the gateway seems down).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

interface Pair {
  client: Socket;
  upstream: Socket;
  /** Bytes are swallowed in both directions, the sockets stay open. */
  blackholed: boolean;
}

export class TcpProxy {
  readonly #server: Server;
  readonly #pairs = new Set<Pair>();
  #targetPort = 0;
  #url: string | undefined;
  /** New connections are dropped at once while true. */
  refusing = false;
  /** Connections accepted so far (refused ones included). */
  accepted = 0;

  constructor() {
    this.#server = createServer((client) => this.#accept(client));
  }

  /** Listens on a free loopback port, forwarding to `targetPort`; resolves with its `url`. */
  async listen(targetPort: number): Promise<string> {
    this.#targetPort = targetPort;
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, '127.0.0.1', () => resolve());
    });
    this.#url = `ws://127.0.0.1:${(this.#server.address() as AddressInfo).port}/rpc`;
    return this.#url;
  }

  /** `ws://127.0.0.1:<port>/rpc` of the proxy, once it listens. */
  get url(): string {
    if (!this.#url) throw new Error('the proxy is not listening yet');
    return this.#url;
  }

  /** Open client connections. */
  get connections(): number {
    return this.#pairs.size;
  }

  /** Resets every connection: both sockets are destroyed, the client sees a TCP reset. */
  cut(): void {
    for (const pair of this.#pairs) {
      pair.client.resetAndDestroy();
      pair.upstream.destroy();
    }
    this.#pairs.clear();
  }

  /** Stops forwarding on every current connection without closing it; new ones still work. */
  blackhole(): void {
    for (const pair of this.#pairs) pair.blackholed = true;
  }

  async close(): Promise<void> {
    this.refusing = true;
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    this.accepted += 1;
    client.on('error', () => {});
    if (this.refusing) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(this.#targetPort, '127.0.0.1');
    upstream.on('error', () => {});
    const pair: Pair = { client, upstream, blackholed: false };
    this.#pairs.add(pair);
    client.on('data', (chunk) => pair.blackholed || upstream.write(chunk));
    upstream.on('data', (chunk) => pair.blackholed || client.write(chunk));
    const end = () => {
      this.#pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
  }
}
