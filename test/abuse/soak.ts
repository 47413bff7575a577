/**
 * Soak: steady load on a gateway in a child process for a bounded time, sampling its heap
 * (after GC), calls in flight and the transport's pending table. Used by soak.test.ts in a
 * short form and by `npm run soak` (SOAK_MS, default 5 minutes) in a long one.
 *
 * The load: `clients` sockets, each keeping `depth` calls in flight over a mix of methods
 * (results, declared errors, internal errors, short sleeps, events to subscribed sockets),
 * each reconnecting after `callsPerConnection` calls so per-connection state is made and
 * torn down all the time. Every answer is checked and every call must be answered once.
 */
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { ErrorCode } from 'warren-client/protocol';
import { GatewayProcess, type ChildStats } from './GatewayProcess.ts';
import { checkServerFrame } from './serverFrames.ts';

export interface SoakOptions {
  durationMs: number;
  /** @default 8 */
  clients?: number;
  /** Calls each client keeps in flight. @default 8 */
  depth?: number;
  /** @default 2000 */
  callsPerConnection?: number;
  /** @default 1000 */
  sampleMs?: number;
  /** Progress lines; silent when absent. */
  log?: (line: string) => void;
}

export interface SoakSample extends ChildStats {
  atMs: number;
  calls: number;
}

export interface SoakResult {
  calls: number;
  events: number;
  reconnects: number;
  failures: string[];
  samples: SoakSample[];
  /** heapUsed after GC over the second half of the run: least-squares slope, bytes per second. */
  heapSlope: number;
  /** The same slope divided by the call rate: bytes kept per call, if it were a leak. */
  heapPerCall: number;
  final: ChildStats;
}

const SERVICE = 'soak';
const m = (name: string) => `${SERVICE}.${name}`;

type Expect = (reply: { result?: any; error?: { code: number } }) => boolean;

/** The call mix: what to send and what its answer must be. */
const MIX: { weight: number; make: (n: number) => { method: string; params: unknown; expect: Expect } }[] = [
  { weight: 40, make: (n) => ({ method: m('echo'), params: { value: { n, s: 'payload'.repeat(8) } }, expect: (r) => r.result?.value?.n === n }) },
  { weight: 20, make: (n) => ({ method: m('add'), params: [n, 1], expect: (r) => r.result === n + 1 }) },
  { weight: 10, make: (n) => ({ method: m('sleep'), params: { ms: n % 20, id: `s${n}` }, expect: (r) => typeof r.result?.sleptMs === 'number' }) },
  { weight: 10, make: () => ({ method: m('fail'), params: { reason: 'soak' }, expect: (r) => r.error?.code === 4001 }) },
  { weight: 5, make: () => ({ method: m('boom'), params: {}, expect: (r) => r.error?.code === ErrorCode.INTERNAL_ERROR }) },
  { weight: 5, make: () => ({ method: m('add'), params: ['x'], expect: (r) => r.error?.code === ErrorCode.INVALID_PARAMS }) },
  { weight: 5, make: (n) => ({ method: m('shout'), params: { topic: `t${n % 4}`, text: 'hi' }, expect: (r) => r.result?.ok === true }) },
  { weight: 5, make: () => ({ method: 'rpc.ping', params: undefined, expect: (r) => r.result === 'pong' }) },
];
const WHEEL = MIX.flatMap((entry) => Array.from({ length: entry.weight }, () => entry.make));

interface Tally {
  calls: number;
  events: number;
  reconnects: number;
  failures: string[];
}

class Client {
  readonly #url: string;
  readonly #depth: number;
  readonly #perConnection: number;
  readonly #result: Tally;
  readonly #waiting = new Map<number, Expect>();
  #ws: WebSocket | undefined;
  #next = 0;
  #sentOnConnection = 0;
  #stopping = false;
  #done: () => void = () => {};
  readonly finished = new Promise<void>((resolve) => (this.#done = resolve));

  constructor(url: string, depth: number, perConnection: number, result: Tally) {
    this.#url = url;
    this.#depth = depth;
    this.#perConnection = perConnection;
    this.#result = result;
  }

  start(): void {
    const ws = new WebSocket(this.#url);
    this.#ws = ws;
    this.#sentOnConnection = 0;
    ws.on('error', (err) => this.#result.failures.push(`socket error: ${err.message}`));
    ws.on('open', () => {
      if (this.#stopping) return ws.close();
      // Every other client listens to events, so pushes flow all the time.
      if (this.#next % 2 === 0) ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'rpc.subscribe', params: { event: m('shouted'), topic: 't0' } }));
      for (let i = 0; i < this.#depth; i++) this.#send();
    });
    ws.on('message', (data) => this.#onFrame(String(data)));
    ws.on('close', (code) => {
      if (this.#waiting.size > 0) this.#result.failures.push(`closed (${code}) with ${this.#waiting.size} calls unanswered`);
      this.#waiting.clear();
      if (this.#stopping) return this.#done();
      this.#result.reconnects++;
      this.start();
    });
  }

  /** Stops sending; resolves once every call was answered and the socket closed. */
  stop(): Promise<void> {
    this.#stopping = true;
    // A socket still connecting is closed by its open handler instead.
    if (this.#waiting.size === 0 && this.#ws?.readyState === WebSocket.OPEN) this.#ws.close();
    return this.finished;
  }

  #send(): void {
    const ws = this.#ws!;
    if (this.#stopping || this.#sentOnConnection >= this.#perConnection) return;
    const n = this.#next++;
    this.#sentOnConnection++;
    const { method, params, expect } = WHEEL[n % WHEEL.length]!(n);
    this.#waiting.set(n, expect);
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: n, method, ...(params === undefined ? {} : { params }) }));
  }

  #onFrame(text: string): void {
    const checked = checkServerFrame(text);
    if (!checked.ok) return void this.#result.failures.push(`invalid frame (${checked.problem}): ${text.slice(0, 200)}`);
    this.#result.events += checked.notifications;
    for (const reply of checked.responses) {
      const expect = typeof reply.id === 'number' ? this.#waiting.get(reply.id) : undefined;
      if (!expect) {
        this.#result.failures.push(`unexpected or duplicate answer ${text.slice(0, 200)}`);
        continue;
      }
      this.#waiting.delete(reply.id as number);
      this.#result.calls++;
      if (!expect(reply)) this.#result.failures.push(`wrong answer ${text.slice(0, 200)}`);
      this.#send();
    }
    const ws = this.#ws!;
    // Done with this connection (or with the run): close it once its last answer is in.
    if (this.#waiting.size === 0 && (this.#stopping || this.#sentOnConnection >= this.#perConnection)) ws.close();
  }
}

/** Least-squares slope of y over x. */
export function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxy = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const { durationMs, clients = 8, depth = 8, callsPerConnection = 2000, sampleMs = 1000, log = () => {} } = options;
  // The rate limit is off: a soak measures the normal path; the abuse test covers the limit.
  const gateway = await GatewayProcess.start({ service: SERVICE, gateway: { frameRate: 0 } });
  const result: Tally = { calls: 0, events: 0, reconnects: 0, failures: [] };
  const samples: SoakSample[] = [];
  try {
    const started = performance.now();
    const pool = Array.from({ length: clients }, () => new Client(gateway.url, depth, callsPerConnection, result));
    for (const client of pool) client.start();
    while (performance.now() - started < durationMs) {
      await new Promise((r) => setTimeout(r, sampleMs));
      if (!gateway.alive) throw new Error('the gateway process died');
      const sample = { atMs: performance.now() - started, calls: result.calls, ...(await gateway.stats()) };
      samples.push(sample);
      log(`${(sample.atMs / 1000).toFixed(0)} s: ${sample.calls} calls, heap ${(sample.heapUsed / 2 ** 20).toFixed(1)} MiB, inFlight ${sample.inFlight}, pending ${sample.pendingCount}, connections ${sample.connections}`);
    }
    await Promise.race([Promise.all(pool.map((client) => client.stop())), new Promise((r) => setTimeout(r, 15_000))]);
    let final = await gateway.stats();
    for (const until = Date.now() + 10_000; (final.inFlight > 0 || final.pendingCount > 0 || final.connections > 0) && Date.now() < until; ) {
      await new Promise((r) => setTimeout(r, 100));
      final = await gateway.stats();
    }
    const secondHalf = samples.filter((s) => s.atMs >= durationMs / 2);
    const heapSlope = slope(secondHalf.map((s) => ({ x: s.atMs / 1000, y: s.heapUsed })));
    const last = secondHalf.at(-1);
    const first = secondHalf[0];
    const callRate = last && first && last.atMs > first.atMs ? ((last.calls - first.calls) * 1000) / (last.atMs - first.atMs) : 0;
    return { ...result, samples, heapSlope, heapPerCall: callRate > 0 ? heapSlope / callRate : 0, final };
  } finally {
    await gateway.close();
  }
}

/** Summary lines for a finished run. */
export function describeSoak(result: SoakResult, durationMs: number): string {
  const mib = (b: number) => (b / 2 ** 20).toFixed(1);
  const heaps = result.samples.map((s) => s.heapUsed);
  const maxInFlight = Math.max(0, ...result.samples.map((s) => s.inFlight));
  const maxPending = Math.max(0, ...result.samples.map((s) => s.pendingCount));
  return [
    `soak: ${(durationMs / 1000).toFixed(0)} s, ${result.calls} calls (${((result.calls * 1000) / durationMs).toFixed(0)}/s), ${result.events} events, ${result.reconnects} reconnects, ${result.failures.length} failures`,
    `soak: heapUsed after GC min ${mib(Math.min(...heaps))} / max ${mib(Math.max(...heaps))} / last ${mib(heaps.at(-1) ?? 0)} MiB over ${heaps.length} samples; ` +
      `second-half slope ${(result.heapSlope / 1024).toFixed(1)} KiB/s = ${result.heapPerCall.toFixed(2)} B/call`,
    `soak: inFlight max ${maxInFlight}, transport pending max ${maxPending}; at the end inFlight ${result.final.inFlight}, pending ${result.final.pendingCount}, connections ${result.final.connections}`,
    `soak: the gateway's event loop was held up ${result.final.loopDelayMaxMs.toFixed(0)} ms at the longest`,
  ].join('\n');
}

// `npm run soak`: the long form.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const durationMs = Number(process.env.SOAK_MS ?? 300_000);
  const result = await runSoak({ durationMs, log: (line) => console.log(line) });
  console.log(describeSoak(result, durationMs));
  for (const failure of result.failures.slice(0, 10)) console.log(`failure: ${failure}`);
  process.exitCode = result.failures.length === 0 && result.final.inFlight === 0 && result.final.pendingCount === 0 ? 0 : 1;
}
