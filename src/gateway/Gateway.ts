/**
 * The gateway: one HTTP server carrying Koa (health, readiness, and when asked the discovery
 * document, metrics, the status page and a web page) and a ws WebSocket endpoint at /rpc. It needs contracts, never
 * handlers.
 *
 * Besides the JSON-RPC work of each Session it guards the process as a whole: connections
 * that never finish their handshake, too many connections, idle and dead sockets, and an
 * orderly shutdown in which every call still waiting gets an answer.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import Koa from 'koa';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../contract/implement.ts';
import { buildRegistry } from '../contract/registry.ts';
import type { Principal } from '../protocol/call.ts';
import { Discovery } from './discovery.ts';
import { resolveGatewayOptions, type GatewayOptions, type ResolvedGatewayOptions } from './GatewayOptions.ts';
import { Session, type SessionDeps } from './Session.ts';
import { Subscriptions } from './Subscriptions.ts';
import { ReplayableEvents } from './ReplayableEvents.ts';
import { WebPage } from './webPage.ts';
import { GatewayMetrics } from '../metrics/GatewayMetrics.ts';
import { registryOf, type Registry } from '../metrics/registry.ts';
import { scrape } from '../metrics/serveMetrics.ts';
import { GatewayStatus, SAMPLE_MS } from '../metrics/GatewayStatus.ts';
import { statusMiddleware } from './statusPage.ts';

export type { GatewayOptions, AuthorizeTarget, SubscribeTarget } from './GatewayOptions.ts';
export type { WebOptions } from './webPage.ts';

/** What a gateway is holding right now; for tests, soak runs and metrics. */
export interface GatewayStats {
  /** Open WebSocket connections. */
  connections: number;
  /** Requests waiting for authorization or a reply, over all connections. */
  inFlight: number;
  /** TCP connections that have not yet become a WebSocket or an HTTP request. */
  pendingUpgrades: number;
  /** Connections whose reading is stopped because their client reads too slowly. */
  paused: number;
}

/**
 * Close code sent to every socket on shutdown. 1001 (going away) rather than 1012 (service
 * restart): RFC 6455 defines 1001 and every client library knows it, while 1012 is only in
 * the IANA registry; either way Warren's client reconnects, elsewhere if a balancer sends it.
 */
const SHUTDOWN_CODE = 1001;
/** How long sockets get to answer the shutdown close frame before they are cut. */
const CLOSE_HANDSHAKE_MS = 1000;

export class Gateway {
  readonly #options: ResolvedGatewayOptions;
  readonly #log: Logger;
  readonly #server: Server;
  readonly #wss: WebSocketServer;
  readonly #sessions = new Map<WebSocket, { session: Session; alive: boolean }>();
  /** Accepted TCP connections still in their handshake, oldest first, with their accept time. */
  readonly #pending = new Map<Socket, number>();
  /** Upgrades past the checks, waiting for `authenticate`; they count against maxConnections. */
  #upgrading = 0;
  /** What every Session of this gateway is given. */
  readonly #sessionDeps: SessionDeps;
  readonly #discovery: Discovery | undefined;
  readonly #page: WebPage | undefined;
  readonly #timers: ReturnType<typeof setInterval>[] = [];
  readonly #metrics: GatewayMetrics | undefined;
  readonly #status: GatewayStatus | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: GatewayOptions) {
    const resolved = resolveGatewayOptions(options);
    this.#options = resolved;
    this.#log = resolved.log;
    const registry = buildRegistry(resolved.contracts);
    this.#page = resolved.web && new WebPage(resolved.web, this.#log);
    this.#discovery = resolved.discovery ? Discovery.of(resolved.contracts, this.#log) : undefined;
    const metricsRegistry = registryOf(resolved.metrics);
    const transport = resolved.transport;
    this.#metrics =
      metricsRegistry &&
      new GatewayMetrics({
        registry: metricsRegistry,
        methods: [...registry.methods.keys()],
        events: [...registry.events.keys()],
        declaredCodes: [...registry.errors.values()].flatMap((errors) => [...errors.keys()]),
        gauges: {
          connections: () => this.#sessions.size,
          inFlight: () => this.inFlight,
          subscriptions: () => {
            let total = 0;
            for (const { session } of this.#sessions.values()) total += session.subscriptionCount;
            return total;
          },
          transportReady: () => transport.isReady(),
          reconnects: () => transport.reconnects ?? 0,
        },
      });
    const metrics = this.#metrics;
    this.#status =
      metrics && resolved.status
        ? new GatewayStatus({
            registry: metrics.registry,
            windowMs: resolved.status.windowMs,
            transport: transport.kind,
            codeNames: new Map([...registry.errors.values()].flatMap((errors) => [...errors].map(([code, { name }]) => [code, name]))),
          })
        : undefined;
    this.#sessionDeps = {
      options: resolved,
      registry,
      metrics,
      subscriptions: new Subscriptions(resolved.transport, metrics && ((event, count) => metrics.pushes(event).inc(count))),
      replayable: new ReplayableEvents(resolved.transport, this.#log),
      discovery: this.#discovery,
    };
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: resolved.maxPayload, perMessageDeflate: false });
    this.#wss.on('error', (err) => this.#log.warn({ err: err.message }, 'WebSocket server error'));
    const handshake = resolved.handshakeTimeoutMs;
    this.#server = createServer(
      {
        // Node's own guard for requests after the first on a keep-alive connection; the sweep
        // below guards the first one, including upgrades, with a finer clock.
        headersTimeout: handshake,
        requestTimeout: Math.max(handshake, 300_000),
        connectionsCheckingInterval: Math.min(30_000, Math.max(100, handshake / 2)),
      },
      this.#koa().callback(),
    );
    this.#server.on('connection', (socket) => this.#onConnection(socket));
    this.#server.on('request', (request: IncomingMessage) => this.#pending.delete(request.socket));
    this.#server.on('upgrade', (request, socket, head) => void this.#upgrade(request, socket, head));
    this.#server.on('clientError', (_err, socket) => socket.destroy());
    if (resolved.heartbeatMs > 0) this.#every(resolved.heartbeatMs, () => this.#ping());
    const idle = resolved.idleTimeoutMs > 0 ? resolved.idleTimeoutMs : Infinity;
    this.#every(Math.min(1000, Math.max(10, Math.min(handshake, idle) / 4)), () => this.#sweep());
    const status = this.#status;
    if (status) {
      const sample = () => void status.sample().catch((err: Error) => this.#log.warn({ err: err.message }, 'status sample failed'));
      sample();
      this.#every(SAMPLE_MS, sample);
    }
  }

  #every(ms: number, fn: () => void): void {
    const timer = setInterval(fn, ms);
    timer.unref();
    this.#timers.push(timer);
  }

  #koa(): Koa {
    const app = new Koa();
    app.on('error', (err: Error) => this.#log.warn({ err: err.message }, 'HTTP error'));
    for (const middleware of this.#options.middleware) app.use(middleware);
    if (this.#discovery) app.use(this.#discovery.middleware);
    // Before the page, so that a file named status.json in its folder cannot stand in for it.
    if (this.#status) app.use(statusMiddleware(this.#status));
    if (this.#page) app.use(this.#page.middleware);
    app.use(async (ctx, next) => {
      if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
      if (ctx.path === '/healthz') {
        ctx.body = { status: 'ok' };
      } else if (ctx.path === '/metrics' && this.#metrics) {
        // No CORS header: a page of another origin cannot read it. It holds no secret either.
        const { contentType, body } = await scrape(this.#metrics.registry);
        ctx.set('Cache-Control', 'no-store');
        ctx.type = contentType;
        ctx.body = body;
      } else if (ctx.path === '/readyz') {
        const ready = this.#options.transport.isReady() && !this.#closing;
        ctx.status = ready ? 200 : 503;
        ctx.body = { status: ready ? 'ready' : 'unavailable', transport: this.#options.transport.kind };
      } else {
        return next();
      }
    });
    return app;
  }

  #onConnection(socket: Socket): void {
    if (this.#closing) return void socket.destroy();
    // At the cap the oldest handshake goes, not the newest: honest handshakes finish in
    // milliseconds, so the oldest is the likeliest to be a stalled one.
    if (this.#pending.size >= this.#options.maxPendingUpgrades) {
      const [oldest] = this.#pending.keys();
      this.#pending.delete(oldest!);
      oldest!.destroy();
    }
    this.#pending.set(socket, performance.now());
    socket.once('close', () => this.#pending.delete(socket));
  }

  async #upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    // An upgrade after plain requests on a keep-alive connection is a handshake again. Its
    // accept time is now, so the map stays ordered oldest first.
    if (!this.#pending.has(socket as Socket)) this.#pending.set(socket as Socket, performance.now());
    const refuse = (status: number, reason: string, headers = '') => {
      socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\n${headers}Content-Length: 0\r\n\r\n`);
    };
    if (this.#closing) return refuse(503, 'Service Unavailable');
    const path = (request.url ?? '').split('?', 1)[0];
    if (path !== '/rpc') return refuse(404, 'Not Found');
    const origins = this.#options.allowedOrigins;
    const origin = request.headers.origin;
    if (origins && origin !== undefined && !origins.includes(origin)) return refuse(403, 'Forbidden');
    // Without its broker the gateway could only answer every call UNAVAILABLE: a refused
    // upgrade sends the client into its reconnect backoff instead, here or at another gateway.
    if (!this.#options.transport.isReady()) return refuse(503, 'Service Unavailable', 'Retry-After: 1\r\n');
    if (this.#sessions.size + this.#upgrading >= this.#options.maxConnections) return refuse(503, 'Service Unavailable');
    let principal: Principal | null = null;
    this.#upgrading++;
    try {
      principal = (await this.#options.authenticate?.(request)) ?? null;
    } catch {
      return refuse(401, 'Unauthorized');
    } finally {
      this.#upgrading--;
    }
    // The handshake timeout may have cut the socket while authenticate ran.
    if (socket.destroyed) return;
    if (this.#closing) return refuse(503, 'Service Unavailable');
    this.#wss.handleUpgrade(request, socket, head, (ws) => {
      this.#pending.delete(socket as Socket);
      this.#accept(ws, principal, socket);
    });
  }

  #accept(ws: WebSocket, principal: Principal | null, socket: Duplex): void {
    const session = new Session(ws, principal, this.#sessionDeps, socket);
    const entry = { session, alive: true };
    this.#sessions.set(ws, entry);
    ws.on('pong', () => (entry.alive = true));
    ws.on('close', (code) => {
      this.#sessions.delete(ws);
      this.#metrics?.closed(code);
    });
    this.#metrics?.opened();
  }

  #ping(): void {
    for (const [ws, entry] of this.#sessions) {
      // A paused socket is not read, so its pongs cannot arrive; Backpressure bounds its time.
      if (entry.session.paused) continue;
      if (!entry.alive) {
        ws.terminate();
        continue;
      }
      entry.alive = false;
      ws.ping();
    }
  }

  /** Cuts handshakes past their time and closes idle sockets. */
  #sweep(): void {
    const now = performance.now();
    for (const [socket, acceptedAt] of this.#pending) {
      if (now - acceptedAt < this.#options.handshakeTimeoutMs) break;
      this.#pending.delete(socket);
      socket.destroy();
    }
    const idleMs = this.#options.idleTimeoutMs;
    if (idleMs === 0) return;
    for (const [ws, { session }] of this.#sessions) {
      if (ws.readyState === ws.OPEN && session.isIdle(idleMs, now)) ws.close(1000, 'idle timeout');
    }
  }

  /**
   * The Prometheus registry the gateway's series are on (docs/metrics.md); undefined unless
   * the `metrics` option asked for them. An app merges it into its own, or scrapes /metrics.
   */
  get metrics(): Registry | undefined {
    return this.#metrics?.registry;
  }

  /** Open WebSocket connections. */
  get connections(): number {
    return this.#sessions.size;
  }

  /** Requests waiting for authorization or a reply, over all connections. */
  get inFlight(): number {
    let total = 0;
    for (const { session } of this.#sessions.values()) total += session.inFlight;
    return total;
  }

  get stats(): GatewayStats {
    let paused = 0;
    for (const { session } of this.#sessions.values()) if (session.paused) paused++;
    return { connections: this.connections, inFlight: this.inFlight, pendingUpgrades: this.#pending.size, paused };
  }

  /**
   * Starts listening; port 0 picks a free port. Resolves with the bound address. With a web
   * page, its SDK is bundled first: a gateway whose page cannot be served does not listen.
   */
  async listen(port: number, host = '127.0.0.1'): Promise<AddressInfo> {
    await this.#page?.prepare();
    const address = await new Promise<AddressInfo>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve(this.#server.address() as AddressInfo);
      });
    });
    const where = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.#discovery?.setServerUrl(`ws://${where}:${address.port}/rpc`);
    return address;
  }

  /**
   * Stops accepting connections and new calls (answered UNAVAILABLE), lets calls in flight
   * finish for up to `graceMs`, answers the ones still waiting with UNAVAILABLE, then closes
   * every socket with 1001 (going away) so clients reconnect elsewhere. Safe to call twice.
   */
  close(graceMs = 5000): Promise<void> {
    return (this.#closing ??= this.#shutdown(graceMs));
  }

  async #shutdown(graceMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const socket of this.#pending.keys()) socket.destroy();
    this.#pending.clear();
    this.#server.closeIdleConnections();
    for (const { session } of this.#sessions.values()) session.drain();
    const until = Date.now() + graceMs;
    while (this.inFlight > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    for (const { session } of this.#sessions.values()) session.settleAll();
    for (const ws of this.#sessions.keys()) ws.close(SHUTDOWN_CODE, 'Gateway shutting down');
    const cut = Date.now() + CLOSE_HANDSHAKE_MS;
    while (this.#sessions.size > 0 && Date.now() < cut) await new Promise((r) => setTimeout(r, 10));
    for (const ws of this.#sessions.keys()) ws.terminate();
    for (const timer of this.#timers) clearInterval(timer);
    this.#server.closeAllConnections();
    await closed;
  }
}
