/**
 * Capacity of one Warren gateway: idle sockets held (RSS per socket, from the OS), and the
 * time one event takes to reach every one of N subscribers. Clients are spread over several
 * processes: each process, the gateway included, may hold at most `ulimit -n` (20 000) files.
 */
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { ChildProcess } from 'node:child_process';
import WebSocket from 'ws';
import { openFiles, peakRssBytes, rssBytes } from './procStats.ts';
import { forkTs, stopChild, waitForMessage } from './processes.ts';
import { median, type CapacityResult } from './report.ts';
import { startSystem, SYSTEMS } from './systems.ts';

const CLIENT = fileURLToPath(new URL('./capacityClient.ts', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.timeOrigin + performance.now();

function spawnClients(url: string, total: number, processes: number, subscribe: boolean): ChildProcess[] {
  return Array.from({ length: processes }, (_, i) => {
    const sockets = Math.floor(total / processes) + (i < total % processes ? 1 : 0);
    return forkTs(CLIENT, [JSON.stringify({ url, sockets, subscribe, openConcurrency: 50 })]);
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

/**
 * Subscribes `subscribers` sockets to `bench.tick` on one gateway, then has a worker emit
 * one event `events` times (via `bench.emit`); each time, measures from just before the
 * triggering call is sent until the last subscriber has the notification.
 */
export async function fanOut(transport: 'memory' | 'amqp', subscribers: number, processes: number, events: number): Promise<CapacityResult['fanOut'][number]> {
  const system = await startSystem(SYSTEMS[transport === 'memory' ? 'warren-memory' : 'warren-amqp']);
  let clients: ChildProcess[] = [];
  try {
    clients = spawnClients(system.url, subscribers, processes, true);
    const ready = await Promise.all(clients.map((child) => waitForMessage(child, (m) => m.type === 'ready', 180_000, 'ready')));
    const subscribed = ready.reduce((sum, m) => sum + Number(m.subscribed), 0);
    if (subscribed !== subscribers) throw new Error(`only ${subscribed} of ${subscribers} subscribed`);
    await sleep(1000);
    const results: CapacityResult['fanOut'][number]['events'] = [];
    for (let seq = 1; seq <= events; seq++) {
      const complete = clients.map((child) => waitForMessage(child, (m) => m.type === 'complete' && m.seq === seq, 15_000, `event ${seq}`));
      const sentAt = now();
      await callOnce(system.url, 'bench.emit', { sentAt, seq });
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
    return { transport, subscribers, events: results, medianLastMs: median(lasts), maxLastMs: Math.max(...lasts) };
  } finally {
    await stopClients(clients);
    await system.stop();
  }
}
