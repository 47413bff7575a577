/**
 * Fuzz: random and mutated frames against a live gateway in a child process, pipelined over a
 * few sockets. The child must stay up, every frame it sends back must be valid JSON-RPC 2.0,
 * every clean probe between the fuzz frames must be answered exactly once, and the heap after
 * GC must not grow beyond a stated tolerance. FUZZ_FRAMES and FUZZ_SEED change the run.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import WebSocket from 'ws';
import { GatewayProcess, type ChildStats } from './GatewayProcess.ts';
import { checkServerFrame } from './serverFrames.ts';
import { mutate, prng, seedFrames, structuredFrames } from './fuzzFrames.ts';

const SERVICE = 'fz';
const FRAMES = Number(process.env.FUZZ_FRAMES ?? 100_000);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const SOCKETS = 4;
/** Frames a socket sends before it waits for its probe's answer. */
const CHUNK = 500;
/** Heap growth (after GC) from the warmed-up baseline to the end that still counts as flat. */
const HEAP_TOLERANCE = 24 * 1024 * 1024;

class FuzzSocket {
  readonly ws: WebSocket;
  readonly opened: Promise<void>;
  responses = 0;
  notifications = 0;
  problems = 0;
  readonly examples: string[] = [];
  readonly probes = new Map<string, number>();
  /** Answers by outcome: 'result' or the error code. */
  readonly outcomes = new Map<string, number>();
  closed: { code: number } | undefined;
  readonly #waiters = new Map<string, () => void>();

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on('error', () => {});
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.ws.on('close', (code) => (this.closed = { code }));
    this.ws.on('message', (data) => this.#onFrame(String(data)));
  }

  #onFrame(text: string): void {
    const checked = checkServerFrame(text);
    if (!checked.ok) {
      this.problems++;
      if (this.examples.length < 5) this.examples.push(`${checked.problem}: ${text.slice(0, 300)}`);
      return;
    }
    this.notifications += checked.notifications;
    this.responses += checked.responses.length;
    for (const response of checked.responses) {
      const outcome = response.error ? String(response.error.code) : 'result';
      this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
      if (typeof response.id !== 'string' || !response.id.startsWith('probe-')) continue;
      this.probes.set(response.id, (this.probes.get(response.id) ?? 0) + 1);
      this.#waiters.get(response.id)?.();
    }
  }

  /** Sends a clean request and waits for its answer: the gateway has worked through the chunk. */
  probe(id: string, timeoutMs = 30_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`probe ${id} unanswered after ${timeoutMs} ms`)), timeoutMs);
      this.#waiters.set(id, () => {
        clearTimeout(timer);
        this.#waiters.delete(id);
        resolve();
      });
      this.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method: `${SERVICE}.add`, params: [2, 3] }));
    });
  }
}

/** Yields FRAMES fuzz frames in chunks: 45% mutated seeds, 45% fast-check frames, 10% seeds as they are. */
function* chunks(total: number, seed: number): Generator<(string | Buffer)[]> {
  const random = prng(seed);
  const seeds = seedFrames(SERVICE);
  const arbitrary = structuredFrames(SERVICE);
  let made = 0;
  let round = 0;
  while (made < total) {
    const size = Math.min(CHUNK, total - made);
    const pool = fc.sample(arbitrary, { seed: seed + round++, numRuns: size });
    const chunk: (string | Buffer)[] = [];
    for (let i = 0; i < size; i++) {
      const r = random();
      const frame = r < 0.45 ? mutate(random() < 0.5 ? seeds[Math.floor(random() * seeds.length)]! : pool[i]!, random) : r < 0.9 ? pool[i]! : seeds[i % seeds.length]!;
      // One frame in 500 goes out binary, which the gateway refuses without closing.
      chunk.push(random() < 0.002 ? Buffer.from(frame) : frame);
    }
    made += size;
    yield chunk;
  }
}

describe('fuzz: random and mutated frames against a live gateway', () => {
  let gateway: GatewayProcess;
  before(async () => {
    // No rate limit here: every frame should reach the parser and the dispatcher. The abuse
    // test covers the limit itself.
    gateway = await GatewayProcess.start({ service: SERVICE, gateway: { frameRate: 0, maxInFlight: 5000, maxSubscriptions: 20 } });
  });
  after(() => gateway.close());

  it(`answers ${FRAMES} fuzz frames with valid JSON-RPC only, stays up, and keeps its heap flat`, async () => {
    const started = performance.now();
    const sockets = Array.from({ length: SOCKETS }, () => new FuzzSocket(gateway.url));
    await Promise.all(sockets.map((socket) => socket.opened));
    const source = chunks(FRAMES, SEED);
    const samples: (ChildStats & { afterFrames: number })[] = [];
    let sent = 0;
    let probes = 0;
    let nextSample = 0;
    const runSocket = async (socket: FuzzSocket, index: number) => {
      for (let round = 0; ; round++) {
        const next = source.next();
        if (next.done) return;
        for (const frame of next.value) socket.ws.send(frame);
        sent += next.value.length;
        probes++;
        await socket.probe(`probe-${index}-${round}`);
        if (sent >= nextSample) {
          nextSample += FRAMES / 5;
          samples.push({ afterFrames: sent, ...(await gateway.stats()) });
        }
      }
    };
    await Promise.all(sockets.map(runSocket));
    const sendingMs = performance.now() - started;

    // Calls to `sleep` and short deadlines may still run; wait until the gateway holds nothing.
    let final = await gateway.stats();
    const until = Date.now() + 15_000;
    while ((final.inFlight > 0 || final.pendingCount > 0) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      final = await gateway.stats();
    }
    samples.push({ afterFrames: sent, ...final });

    const total = (key: 'responses' | 'notifications' | 'problems') => sockets.reduce((sum, s) => sum + s[key], 0);
    const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
    console.log(
      `fuzz: seed ${SEED}, ${sent} frames + ${probes} probes over ${SOCKETS} sockets in ${(sendingMs / 1000).toFixed(1)} s; ` +
        `${total('responses')} responses, ${total('notifications')} notifications, ${total('problems')} invalid frames`,
    );
    const outcomes = new Map<string, number>();
    for (const socket of sockets) for (const [key, n] of socket.outcomes) outcomes.set(key, (outcomes.get(key) ?? 0) + n);
    console.log(`fuzz: answers by outcome ${[...outcomes].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}=${n}`).join(' ')}`);
    console.log(`fuzz: heapUsed after GC (MiB) ${samples.map((s) => `${s.afterFrames}:${mib(s.heapUsed)}`).join(' ')}; final inFlight ${final.inFlight}, pending ${final.pendingCount}`);

    assert.ok(sent >= FRAMES, `sent ${sent} of ${FRAMES} frames`);
    assert.ok(gateway.alive, 'the gateway process stays up');
    for (const socket of sockets) {
      assert.equal(socket.problems, 0, `every server frame is valid JSON-RPC 2.0; first problems:\n${socket.examples.join('\n')}`);
      assert.equal(socket.closed, undefined, `no socket is closed by the gateway (closed with ${socket.closed?.code})`);
      for (const [id, count] of socket.probes) assert.equal(count, 1, `probe ${id} answered ${count} times`);
    }
    assert.equal(sockets.reduce((sum, s) => sum + s.probes.size, 0), probes, 'every probe answered');
    assert.equal(final.inFlight, 0, 'no call left in flight');
    assert.equal(final.pendingCount, 0, 'the transport waits for nothing');
    const growth = final.heapUsed - samples[0]!.heapUsed;
    assert.ok(growth < HEAP_TOLERANCE, `heap grew ${mib(growth)} MiB after GC (tolerance ${mib(HEAP_TOLERANCE)} MiB)`);

    for (const socket of sockets) socket.ws.close();
    await Promise.all(sockets.map((socket) => new Promise((resolve) => (socket.closed ? resolve(null) : socket.ws.once('close', resolve)))));
  });
});
