/**
 * Capacity of one Warren gateway: idle sockets held (RSS per socket, from the OS), and the
 * time one event takes to reach every one of N subscribers, beside Socket.IO's room broadcast
 * to as many sockets. Clients are spread over several processes: each process, the server
 * included, may hold at most `ulimit -n` (20 000) files.
 */
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { ChildProcess } from 'node:child_process';
import WebSocket from 'ws';
import { io } from 'socket.io-client';
import { openFiles, peakRssBytes, rssBytes } from './procStats.ts';
import { forkTs, stopChild, waitForMessage } from './processes.ts';
import { median, type CapacityResult, type FanOutResult, type FanSystemName } from './report.ts';
import { startSystem, SYSTEMS, type StartSystemOptions } from './systems.ts';

const CLIENT = fileURLToPath(new URL('./capacityClient.ts', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.timeOrigin + performance.now();

function spawnClients(url: string, total: number, processes: number, subscribe: boolean, protocol: 'jsonrpc' | 'socketio' = 'jsonrpc', event = 'bench.tick'): ChildProcess[] {
  return Array.from({ length: processes }, (_, i) => {
    const sockets = Math.floor(total / processes) + (i < total % processes ? 1 : 0);
    return forkTs(CLIENT, [JSON.stringify({ url, sockets, subscribe, openConcurrency: 50, protocol, event })]);
  });
}

async function stopClients(children: ChildProcess[]): Promise<void> {
  await Promise.all(children.map((child) => stopChild(child, 2000)));
}

/** One JSON-RPC call on a fresh connection; resolves with its round trip in µs. */
function callOnce(url: string, method: string, params: unknown, timeoutMs = 10_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`${method}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    let sentAt = 0;
    ws.on('open', () => {
      sentAt = performance.now();
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }));
    });
    ws.on('message', (data) => {
      const elapsed = (performance.now() - sentAt) * 1000;
      clearTimeout(timer);
      ws.close();
      const text = String(data);
      if (text.includes('"error"')) reject(new Error(`${method}: ${text.slice(0, 200)}`));
      else resolve(elapsed);
    });
    ws.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** Opens `sockets` idle WebSockets on one Warren amqp gateway and reads its RSS and open files. */
export async function idleSockets(sockets: number, processes: number): Promise<NonNullable<CapacityResult['idle']>> {
  const system = await startSystem(SYSTEMS['warren-amqp']);
  const pid = system.pids.gateway!;
  let clients: ChildProcess[] = [];
  try {
    await callOnce(system.url, 'bench.echo', { seq: 1, text: 'warm' });
    await sleep(1000);
    const rssBeforeBytes = rssBytes(pid) ?? 0;
    const fdsBefore = openFiles(pid) ?? 0;
    const started = performance.now();
    clients = spawnClients(system.url, sockets, processes, false);
    const ready = await Promise.all(clients.map((child) => waitForMessage(child, (m) => m.type === 'ready', 180_000, 'ready')));
    const openSeconds = (performance.now() - started) / 1000;
    const opened = ready.reduce((sum, m) => sum + Number(m.open), 0);
    await sleep(3000);
    const pingUs = await callOnce(system.url, 'rpc.ping', undefined).catch(() => undefined);
    return {
      sockets,
      opened,
      rssBeforeBytes,
      rssAfterBytes: rssBytes(pid) ?? 0,
      rssPeakBytes: peakRssBytes(pid) ?? 0,
      perSocketBytes: ((rssBytes(pid) ?? 0) - rssBeforeBytes) / Math.max(1, opened),
      fdsBefore,
      fdsAfter: openFiles(pid) ?? 0,
      openSeconds,
      pingUs,
    };
  } finally {
    await stopClients(clients);
    await system.stop();
  }
}

/** The systems whose fan-out is measured side by side. */
export const FAN_SYSTEMS: FanSystemName[] = ['warren-memory', 'warren-amqp', 'warren-memory-replayable', 'warren-amqp-replayable', 'socket.io'];

/** The Warren system a fan-out variant runs on, and the event and trigger method it uses. */
function fanTarget(system: FanSystemName): { base: 'warren-memory' | 'warren-amqp' | 'socket.io'; event: string; method: string } {
  if (system === 'warren-memory-replayable') return { base: 'warren-memory', event: 'bench.kept', method: 'bench.emitKept' };
  if (system === 'warren-amqp-replayable') return { base: 'warren-amqp', event: 'bench.kept', method: 'bench.emitKept' };
  return { base: system, event: 'bench.tick', method: 'bench.emit' };
}

/** Sends the call that makes the server emit one event; `fire` resolves once it is answered, with the time just before it was sent. */
interface Trigger {
  fire(seq: number): Promise<number>;
  close(): void;
}

/** Warren: a JSON-RPC `bench.emit` (or `method`) on one WebSocket opened beforehand (not subscribed). */
function warrenTrigger(url: string, method = 'bench.emit'): Promise<Trigger> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const waiting = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
    ws.on('error', (err) => {
      reject(err);
      for (const entry of waiting.values()) entry.reject(err);
      waiting.clear();
    });
    ws.on('message', (data) => {
      const text = String(data);
      const answer = JSON.parse(text) as { id?: number; error?: unknown };
      const entry = waiting.get(answer.id!);
      if (!entry) return;
      waiting.delete(answer.id!);
      if (answer.error) entry.reject(new Error(`bench.emit: ${text.slice(0, 200)}`));
      else entry.resolve();
    });
    ws.once('open', () =>
      resolve({
        fire: (seq) =>
          new Promise((done, fail) => {
            const sentAt = now();
            waiting.set(seq, { resolve: () => done(sentAt), reject: fail });
            ws.send(JSON.stringify({ jsonrpc: '2.0', id: seq, method, params: { sentAt, seq } }));
          }),
        close: () => ws.close(),
      }),
    );
  });
}

/** Socket.IO: the acknowledged event `bench.emit` on one socket.io-client connection (websocket transport) opened beforehand (not in the room). */
function socketIoTrigger(url: string): Promise<Trigger> {
  return new Promise((resolve, reject) => {
    const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, timeout: 10_000 });
    socket.once('connect_error', reject);
    socket.once('connect', () =>
      resolve({
        fire: (seq) =>
          new Promise((done, fail) => {
            const sentAt = now();
            socket.emit('bench.emit', { sentAt, seq }, (answer: { ok?: boolean }) => (answer?.ok ? done(sentAt) : fail(new Error(`bench.emit: ${JSON.stringify(answer)}`))));
          }),
        close: () => socket.close(),
      }),
    );
  });
}

/**
 * Subscribes `subscribers` sockets on one server: Warren's to `bench.tick` (topic `fan`) on one
 * gateway, Socket.IO's to the room `fan`. Then, `events` times, a call makes the server emit one
 * event (Warren: `bench.emit`, a worker's ctx.emit; Socket.IO: `bench.emit`, `io.to('fan').emit`);
 * each time the clock runs from just before the triggering call is sent, on a connection opened
 * beforehand, until the last subscriber has the event. Every timestamp is
 * `performance.timeOrigin + performance.now()`, one clock across the processes. `options` adds
 * node flags per role (e.g. `{ gateway: ['--cpu-prof'] }` to profile a fan-out).
 */
export async function fanOut(system: FanSystemName, subscribers: number, processes: number, events: number, round = 1, options: StartSystemOptions = {}): Promise<FanOutResult> {
  const target = fanTarget(system);
  const running = await startSystem(SYSTEMS[target.base], options);
  const protocol = system === 'socket.io' ? 'socketio' : 'jsonrpc';
  let clients: ChildProcess[] = [];
  let trigger: Trigger | undefined;
  try {
    clients = spawnClients(running.url, subscribers, processes, true, protocol, target.event);
    const ready = await Promise.all(clients.map((child) => waitForMessage(child, (m) => m.type === 'ready', 180_000, 'ready')));
    const subscribed = ready.reduce((sum, m) => sum + Number(m.subscribed), 0);
    if (subscribed !== subscribers) throw new Error(`only ${subscribed} of ${subscribers} subscribed`);
    trigger = await (protocol === 'socketio' ? socketIoTrigger(running.url) : warrenTrigger(running.url, target.method));
    await sleep(1000);
    const results: FanOutResult['events'] = [];
    for (let seq = 1; seq <= events; seq++) {
      const complete = clients.map((child) => waitForMessage(child, (m) => m.type === 'complete' && m.seq === seq, 15_000, `event ${seq}`));
      const sentAt = await withTimeout(trigger.fire(seq), 10_000, `bench.emit ${seq}`);
      const arrivals = await Promise.all(
        complete.map((promise, i) =>
          promise.catch(async () => {
            clients[i]!.send({ type: 'report', seq });
            return waitForMessage(clients[i]!, (m) => m.type === 'partial' && m.seq === seq, 5000, 'report');
          }),
        ),
      );
      const last = Math.max(...arrivals.map((m) => Number(m.last)));
      const first = Math.min(...arrivals.filter((m) => Number(m.received) > 0).map((m) => Number(m.first)));
      results.push({
        seq,
        firstMs: first - sentAt,
        lastMs: last - sentAt,
        received: arrivals.reduce((sum, m) => sum + Number(m.received), 0),
      });
      await sleep(500);
    }
    const lasts = results.map((r) => r.lastMs);
    return { system, round, subscribers, events: results, medianLastMs: median(lasts), maxLastMs: Math.max(...lasts) };
  } finally {
    trigger?.close();
    await stopClients(clients);
    await running.stop();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
