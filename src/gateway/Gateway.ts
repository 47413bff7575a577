/**
 * The gateway: one HTTP server carrying Koa (health, readiness, documents) and a ws
 * WebSocket endpoint at /rpc. It needs contracts, never handlers.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import Koa from 'koa';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Contract } from '../contract/defineContract.ts';
import type { Logger } from '../contract/implement.ts';
import { buildRegistry } from '../contract/registry.ts';
import type { Principal } from '../protocol/call.ts';
import type { Transport } from '../transport/Transport.ts';
import { silentLogger } from '../log.ts';
import { Session, type SessionLimits } from './Session.ts';
import { Subscriptions } from './Subscriptions.ts';

export interface GatewayOptions {
  transport: Transport;
  contracts: readonly Contract[];
  /** Largest frame accepted, in bytes; a larger one closes the socket with 1009. @default 1048576 */
  maxPayload?: number;
  /** Deadline of a call whose method sets none. @default 10000 */
  defaultTimeoutMs?: number;
  /** Most requests in one batch. @default 100 */
  maxBatch?: number;
  /** Most calls one connection may have waiting. @default 1000 */
  maxInFlight?: number;
  /** Most subscriptions one connection may hold. @default 100 */
  maxSubscriptions?: number;
  /** Interval of ws pings; a socket that missed one pong is terminated. 0 disables. @default 30000 */
  heartbeatMs?: number;
  /** Browser origins allowed to connect; undefined allows any. @default undefined */
  allowedOrigins?: readonly string[];
  /**
   * Runs on every upgrade request before the WebSocket opens. Return the caller's principal,
   * or null for an anonymous caller; throw to refuse with 401.
   * @default every caller is anonymous
   */
  authenticate?: (request: IncomingMessage) => Principal | null | Promise<Principal | null>;
  /** Extra HTTP routes or static files, mounted before Warren's own. */
  middleware?: readonly Koa.Middleware[];
  /** Extra `rpc.*` JSON-RPC methods answered by the gateway (e.g. rpc.discover). */
  builtins?: ReadonlyMap<string, () => unknown>;
  log?: Logger;
}

function positiveInt(name: string, value: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value <= 0 || value > max) {
    throw new TypeError(`${name} must be a positive integer up to ${max}, got ${value}`);
  }
  return value;
}

export class Gateway {
  readonly #transport: Transport;
  readonly #log: Logger;
  readonly #server: Server;
  readonly #wss: WebSocketServer;
  readonly #sessions = new Set<Session>();
  readonly #options: GatewayOptions;
  readonly #limits: SessionLimits;
  readonly #subscriptions: Subscriptions;
  readonly #registry;
  #heartbeat: ReturnType<typeof setInterval> | undefined;

  constructor(options: GatewayOptions) {
    this.#options = options;
    this.#transport = options.transport;
    this.#log = options.log ?? silentLogger;
    this.#registry = buildRegistry(options.contracts);
    this.#limits = {
      defaultTimeoutMs: positiveInt('defaultTimeoutMs', options.defaultTimeoutMs ?? 10_000, 2 ** 31 - 1),
      maxBatch: positiveInt('maxBatch', options.maxBatch ?? 100),
      maxInFlight: positiveInt('maxInFlight', options.maxInFlight ?? 1000),
      maxSubscriptions: positiveInt('maxSubscriptions', options.maxSubscriptions ?? 100),
    };
    this.#subscriptions = new Subscriptions(this.#transport);
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: positiveInt('maxPayload', options.maxPayload ?? 1024 * 1024),
      perMessageDeflate: false,
    });
    this.#wss.on('error', (err) => this.#log.warn({ err: err.message }, 'WebSocket server error'));
    this.#server = createServer(this.#koa().callback());
    this.#server.on('upgrade', (request, socket, head) => void this.#upgrade(request, socket, head));
    this.#server.on('clientError', (_err, socket) => socket.destroy());
    const heartbeatMs = options.heartbeatMs ?? 30_000;
    if (heartbeatMs > 0) {
      this.#heartbeat = setInterval(() => this.#ping(), heartbeatMs);
      this.#heartbeat.unref();
    }
  }

  #koa(): Koa {
    const app = new Koa();
    app.on('error', (err: Error) => this.#log.warn({ err: err.message }, 'HTTP error'));
    for (const middleware of this.#options.middleware ?? []) app.use(middleware);
    app.use(async (ctx, next) => {
      if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
      if (ctx.path === '/healthz') {
        ctx.body = { status: 'ok' };
      } else if (ctx.path === '/readyz') {
        const ready = this.#transport.isReady();
        ctx.status = ready ? 200 : 503;
        ctx.body = { status: ready ? 'ready' : 'unavailable', transport: this.#transport.kind };
      } else {
        return next();
      }
    });
    return app;
  }

  async #upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const refuse = (status: number, reason: string) => {
      socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const path = (request.url ?? '').split('?', 1)[0];
    if (path !== '/rpc') return refuse(404, 'Not Found');
    const origins = this.#options.allowedOrigins;
    const origin = request.headers.origin;
    if (origins && origin !== undefined && !origins.includes(origin)) return refuse(403, 'Forbidden');
    let principal: Principal | null = null;
    try {
      principal = (await this.#options.authenticate?.(request)) ?? null;
    } catch {
      return refuse(401, 'Unauthorized');
    }
    if (socket.destroyed) return;
    this.#wss.handleUpgrade(request, socket, head, (ws) => this.#accept(ws, principal));
  }

  #accept(ws: WebSocket, principal: Principal | null): void {
    const session = new Session(ws, principal, {
      registry: this.#registry,
      transport: this.#transport,
      subscriptions: this.#subscriptions,
      limits: this.#limits,
      log: this.#log,
      builtins: this.#options.builtins ?? new Map(),
    });
    const alive = { value: true };
    aliveness.set(ws, alive);
    ws.on('pong', () => (alive.value = true));
    this.#sessions.add(session);
    ws.on('close', () => this.#sessions.delete(session));
  }

  #ping(): void {
    for (const ws of this.#wss.clients) {
      const alive = aliveness.get(ws);
      if (alive && !alive.value) {
        ws.terminate();
        continue;
      }
      if (alive) alive.value = false;
      ws.ping();
    }
  }

  /** Open WebSocket connections. */
  get connections(): number {
    return this.#sessions.size;
  }

  /** Calls waiting for a reply, over all connections. */
  get inFlight(): number {
    let total = 0;
    for (const session of this.#sessions) total += session.inFlight;
    return total;
  }

  /** Starts listening; port 0 picks a free port. Resolves with the bound address. */
  listen(port: number, host = '127.0.0.1'): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve(this.#server.address() as AddressInfo);
      });
    });
  }

  /**
   * Stops accepting, lets calls in flight finish for up to `graceMs`, then closes every
   * socket with 1001 (going away) so clients reconnect elsewhere.
   */
  async close(graceMs = 5000): Promise<void> {
    clearInterval(this.#heartbeat);
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    const until = Date.now() + graceMs;
    while (this.inFlight > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    for (const ws of this.#wss.clients) ws.close(1001, 'Gateway shutting down');
    await new Promise((r) => setTimeout(r, 50));
    for (const ws of this.#wss.clients) ws.terminate();
    this.#server.closeAllConnections();
    await closed;
  }
}

const aliveness = new WeakMap<WebSocket, { value: boolean }>();
