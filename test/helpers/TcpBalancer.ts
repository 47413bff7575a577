/**
 * A plain TCP load balancer for fault tests, like one in front of a pool of gateways: each new
 * connection goes to the next upstream (round robin) that accepts it; an upstream that refuses
 * is skipped, so a client whose gateway died lands on another one when it reconnects. Nothing
 * sticky: the balancer knows nothing of WebSocket or Warren.
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

interface Pair {
  client: Socket;
  upstream: Socket;
  port: number;
}

export class TcpBalancer {
  readonly #server: Server;
  readonly #pairs = new Set<Pair>();
  readonly #upstreams: number[];
  #next = 0;
  #url: string | undefined;
  /** Connections accepted so far. */
  accepted = 0;
  /** Connections no upstream accepted (the client got a reset); a client gone before it was placed is not counted. */
  unplaced = 0;
  /** Why upstreams refused connections: error code → count. */
  readonly refusals = new Map<string, number>();

  /** `upstreams`: the loopback ports to balance over. */
  constructor(upstreams: number[]) {
    this.#upstreams = [...upstreams];
    this.#server = createServer((client) => this.#accept(client));
  }

  /** Listens on a free loopback port; resolves with `ws://127.0.0.1:<port>/rpc`. */
  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, '127.0.0.1', () => resolve());
    });
    this.#url = `ws://127.0.0.1:${(this.#server.address() as AddressInfo).port}/rpc`;
    return this.#url;
  }

  get url(): string {
    if (!this.#url) throw new Error('the balancer is not listening yet');
    return this.#url;
  }

  /** Replaces the upstream at `port` by `replacement` (a restarted gateway listens on a new port). */
  replace(port: number, replacement: number): void {
    const index = this.#upstreams.indexOf(port);
    if (index < 0) throw new Error(`no upstream on port ${port}`);
    this.#upstreams[index] = replacement;
  }

  /** Open connections per upstream port. */
  connectionsTo(port: number): number {
    let n = 0;
    for (const pair of this.#pairs) if (pair.port === port) n++;
    return n;
  }

  async close(): Promise<void> {
    for (const pair of this.#pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    this.#pairs.clear();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    this.accepted += 1;
    client.on('error', () => {});
    // Nothing is read from the client until an upstream took the connection.
    client.pause();
    const first = this.#next;
    this.#next += 1;
    this.#place(client, first, 0);
  }

  /** Tries the upstreams in turn from `first`, each once; `tried` of them refused already. */
  #place(client: Socket, first: number, tried: number): void {
    if (client.destroyed) return;
    if (tried === this.#upstreams.length) {
      this.unplaced += 1;
      client.resetAndDestroy();
      return;
    }
    const port = this.#upstreams[(first + tried) % this.#upstreams.length]!;
    const upstream = connect(port, '127.0.0.1');
    let placed = false;
    upstream.once('error', (err: NodeJS.ErrnoException) => {
      if (placed) return;
      const code = `${port} ${err.code ?? err.message}`;
      this.refusals.set(code, (this.refusals.get(code) ?? 0) + 1);
      this.#place(client, first, tried + 1);
    });
    upstream.once('connect', () => {
      placed = true;
      upstream.on('error', () => {});
      const pair: Pair = { client, upstream, port };
      this.#pairs.add(pair);
      client.pipe(upstream);
      upstream.pipe(client);
      const end = () => {
        this.#pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on('close', end);
      upstream.on('close', end);
      client.resume();
    });
  }
}
