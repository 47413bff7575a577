/**
 * One load-generator process (forked by loadgen.ts): opens its share of the connections,
 * keeps `inflight` calls outstanding on each (closed loop: every answer sends the next
 * call), and records latencies in an HDR histogram only between 'measure' and 'stop'.
 *
 * With `rate`, the load is open instead: calls leave on a clock, `rate` per second from this
 * process, spread round-robin over its connections, whatever the answers do; `inflight` is then
 * a cap per connection. A call that falls due while every connection is at its cap is not sent
 * and counts as `unsent`: the server did not keep up with the offered rate.
 *
 * IPC: parent → child 'start' | 'measure' | 'stop'; child → parent 'ready', 'result', 'failed'.
 */
import { performance } from 'node:perf_hooks';
import hdr from 'hdr-histogram-js';
import WebSocket from 'ws';
import { needsHandshake, protocols, type ProtocolName } from './protocols.ts';

export interface ClientConfig {
  url: string;
  protocol: ProtocolName;
  method: string;
  paramsJson: string;
  connections: number;
  inflight: number;
  /** A call unanswered after this long counts as a timeout and its slot sends a new one. */
  timeoutMs: number;
  /** Most connections being opened at once. */
  openConcurrency: number;
  /** Open loop: calls per second sent by this process (undefined: closed loop). */
  rate?: number;
}

export interface ClientResult {
  completed: number;
  errors: number;
  timeouts: number;
  /** Answers whose result did not match what the method must return. */
  wrong: number;
  /** Connections that closed or failed during the run. */
  dropped: number;
  /** Open loop only: calls due in the window that were not sent, every connection being at its in-flight cap. */
  unsent: number;
  /** Error answers by code (JSON-RPC error.code, tRPC error code, or 'error'). */
  errorCodes: Record<string, number>;
  /** Age of the oldest call still unanswered when the window closed: a stall shows here. */
  oldestInFlightMs: number;
  elapsedMs: number;
  /** Latencies in microseconds, hdr-histogram-js compressed base64. */
  histogram: string;
}

const config = JSON.parse(process.argv[2]!) as ClientConfig;
const protocol = protocols[config.protocol];
const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });

let state: 'opening' | 'warmup' | 'measure' | 'stopped' = 'opening';
let completed = 0;
let errors = 0;
let timeouts = 0;
let wrong = 0;
let dropped = 0;
let unsent = 0;
let measureStart = 0;
let measureEnd = 0;
let oldestInFlightMs = 0;
const errorCodes: Record<string, number> = {};

const send = (message: unknown) => process.send?.(message);

interface Conn {
  ws: WebSocket;
  /** id → send time (performance.now()) of each call waiting for its answer. */
  pending: Map<number, number>;
  nextId: number;
  checked: boolean;
}

const conns: Conn[] = [];

function fire(conn: Conn): void {
  if (state === 'stopped' || conn.ws.readyState !== WebSocket.OPEN) return;
  const id = conn.nextId++;
  conn.pending.set(id, performance.now());
  conn.ws.send(protocol.encode(id, config.method, config.paramsJson));
}

/** The first answer on each connection is checked against what the method must return. */
function check(result: unknown): boolean {
  if (config.method.endsWith('.echo')) return JSON.stringify(result) === config.paramsJson;
  if (config.method.endsWith('.validate')) return typeof (result as { total?: unknown } | null)?.total === 'number';
  return result !== undefined;
}

function onFrame(conn: Conn, frame: string): void {
  const answer = protocol.decode(frame, (reply) => conn.ws.send(reply));
  if (!answer) return;
  const sentAt = conn.pending.get(answer.id);
  if (sentAt === undefined) return; // already counted as a timeout
  conn.pending.delete(answer.id);
  if (!conn.checked) {
    conn.checked = true;
    if (answer.ok && !check(answer.result)) wrong++;
  }
  if (state === 'measure') {
    if (answer.ok) {
      completed++;
      histogram.recordValue(Math.max(1, Math.round((performance.now() - sentAt) * 1000)));
    } else {
      errors++;
      const code = String(answer.code ?? 'error');
      errorCodes[code] = (errorCodes[code] ?? 0) + 1;
    }
  }
  if (config.rate === undefined) fire(conn);
}

/**
 * The open-loop clock: every millisecond or so, sends the calls that fell due since the last
 * tick (so a late timer sends a small burst and the rate holds), each on the next connection
 * below its in-flight cap.
 */
let pacer: ReturnType<typeof setInterval> | undefined;
function startPacer(rate: number): void {
  const t0 = performance.now();
  let sent = 0;
  let next = 0;
  pacer = setInterval(() => {
    if (state === 'stopped') return;
    const due = Math.floor(((performance.now() - t0) * rate) / 1000) - sent;
    for (let i = 0; i < due; i++) {
      sent++;
      let conn: Conn | undefined;
      for (let tries = 0; tries < conns.length; tries++) {
        const candidate = conns[next]!;
        next = (next + 1) % conns.length;
        if (candidate.pending.size < config.inflight && candidate.ws.readyState === WebSocket.OPEN) {
          conn = candidate;
          break;
        }
      }
      if (conn) fire(conn);
      else if (state === 'measure') unsent++;
    }
  }, 1);
}

function open(): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(protocol.path(config.url), { perMessageDeflate: false });
    const conn: Conn = { ws, pending: new Map(), nextId: 1, checked: false };
    let ready = !needsHandshake(config.protocol);
    const timer = setTimeout(() => reject(new Error(`connect timeout to ${config.url}`)), 15_000);
    ws.on('open', () => {
      if (ready) {
        clearTimeout(timer);
        resolve(conn);
      }
    });
    ws.on('message', (data) => {
      const frame = String(data);
      if (!ready) {
        protocol.decode(frame, (reply) => ws.send(reply));
        if (protocol.isReady(frame)) {
          ready = true;
          clearTimeout(timer);
          resolve(conn);
        }
        return;
      }
      onFrame(conn, frame);
    });
    ws.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    ws.on('close', () => {
      if (state !== 'stopped') dropped++;
    });
  });
}

async function openAll(): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < config.connections) {
      next++;
      conns.push(await open());
    }
  };
  await Promise.all(Array.from({ length: Math.min(config.openConcurrency, config.connections) }, lane));
}

function sweepTimeouts(): void {
  const cutoff = performance.now() - config.timeoutMs;
  for (const conn of conns) {
    for (const [id, sentAt] of conn.pending) {
      if (sentAt > cutoff) continue;
      conn.pending.delete(id);
      if (state === 'measure') timeouts++;
      if (config.rate === undefined) fire(conn);
    }
  }
}

const sweeper = setInterval(sweepTimeouts, 250);

process.on('message', (message: { type: string }) => {
  if (message.type === 'start') {
    state = 'warmup';
    if (config.rate !== undefined) startPacer(config.rate);
    else for (const conn of conns) for (let i = 0; i < config.inflight; i++) fire(conn);
  } else if (message.type === 'measure') {
    state = 'measure';
    measureStart = performance.now();
  } else if (message.type === 'stop') {
    measureEnd = performance.now();
    for (const conn of conns) for (const sentAt of conn.pending.values()) oldestInFlightMs = Math.max(oldestInFlightMs, measureEnd - sentAt);
    state = 'stopped';
    clearInterval(pacer);
    void finish();
  }
});

/** Waits (bounded) for calls still in flight so they do not spill into the next measurement. */
async function finish(): Promise<void> {
  const until = Date.now() + 5000;
  while (Date.now() < until && conns.some((conn) => conn.pending.size > 0)) await new Promise((r) => setTimeout(r, 20));
  clearInterval(sweeper);
  const result: ClientResult = {
    completed,
    errors,
    timeouts,
    wrong,
    dropped,
    unsent,
    errorCodes,
    oldestInFlightMs,
    elapsedMs: measureEnd - measureStart,
    histogram: hdr.encodeIntoCompressedBase64(histogram),
  };
  for (const conn of conns) conn.ws.terminate();
  send({ type: 'result', result });
  setTimeout(() => process.exit(0), 100);
}

process.on('disconnect', () => process.exit(0));

openAll().then(
  () => send({ type: 'ready', connections: conns.length }),
  (err: Error) => {
    send({ type: 'failed', message: err.message });
    setTimeout(() => process.exit(1), 100);
  },
);
