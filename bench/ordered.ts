/**
 * Ordered calls (orderBy) against unordered ones, and how fast the shards of an ordered method
 * move between workers. Real processes: one `warren gateway` and `warren worker`s on RabbitMQ
 * (AMQP_URL), serving bench/orderedService.ts, whose `plain` and `ordered` methods have the same
 * trivial handler. The clients run in this process.
 *
 *   node --import tsx bench/ordered.ts [--rounds 3] [--seconds 5] [--keys 64] [--moves 3]
 *
 * 1. Side by side, interleaved, `--rounds` times: `plain` and `ordered` with two workers, at 50
 *    connections × 10 calls in flight (each call's key drawn from `--keys` keys), and at one
 *    connection × one call. Calls/s, latency percentiles, and answers of one key that reached
 *    a connection out of the order it sent them.
 * 2. `--moves` times, under a steady ordered load: a second worker starts (the ms until it
 *    answers its first call, and until it serves its share, ceil(8 / 2) shards), then it is
 *    SIGKILLed (the ms until each shard it served answers again, from the other worker).
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import amqplib from 'amqplib';
import WebSocket from 'ws';
import { ORDER_SHARDS, orderShard, shardQueue } from '../src/protocol/orderShards.ts';
import { methodQueue } from '../src/protocol/routing.ts';
import { ORDERED_SERVICE_ENV } from './orderedService.ts';
import { installCleanup, startProcess, stopAll, type Started } from './processes.ts';
import { median } from './report.ts';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const SERVICE = `benchordered${process.pid}`;
const ENV = { AMQP_URL, [ORDERED_SERVICE_ENV]: SERVICE, LOG_LEVEL: 'info' };
const LIMITS = ['--frame-rate', '1000000000', '--frame-burst', '1000000000'];

function warren(command: 'gateway' | 'worker'): Promise<Started> {
  const args = [here('../bin/warren.js'), command, '--service', here('./orderedService.ts'), '--transport', 'amqp', '--port', '0', ...(command === 'gateway' ? LIMITS : [])];
  return startProcess({ name: `warren ${command}`, args, env: ENV, readyText: command === 'worker' ? 'worker consuming' : 'gateway listening' });
}

interface Answer {
  key: string;
  seq: number;
  pid: number;
  /** performance.now() when it arrived. */
  at: number;
  ms: number;
  error: boolean;
}

/**
 * Closed loop: `connections` sockets, each keeping `inflight` calls outstanding, every call's
 * key drawn at random from `keys`. `onAnswer` sees every answer.
 */
class Load {
  readonly #sockets: WebSocket[] = [];
  #running = true;
  #seq = 0;
  readonly #seen = new Map<string, number>();
  /** Answers of one key that reached their socket before an answer to a call sent earlier on it. */
  outOfOrder = 0;

  private constructor(readonly method: string, readonly keys: number, readonly onAnswer: (answer: Answer) => void) {}

  static async start(url: string, method: string, options: { connections: number; inflight: number; keys: number }, onAnswer: (answer: Answer) => void): Promise<Load> {
    const load = new Load(method, options.keys, onAnswer);
    for (let c = 0; c < options.connections; c++) {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      ws.on('error', () => {});
      await new Promise<void>((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      load.#sockets.push(ws);
      const sentAt = new Map<number, number>();
      ws.on('message', (data) => {
        const frame = JSON.parse(String(data));
        const at = performance.now();
        const started = sentAt.get(frame.id)!;
        sentAt.delete(frame.id);
        const result = frame.result as { key: string; seq: number; pid: number } | undefined;
        if (result) {
          const stream = `${c}/${result.key}`;
          if ((load.#seen.get(stream) ?? -1) > result.seq) load.outOfOrder++;
          load.#seen.set(stream, Math.max(load.#seen.get(stream) ?? -1, result.seq));
        }
        onAnswer({ key: result?.key ?? '', seq: result?.seq ?? -1, pid: result?.pid ?? 0, at, ms: at - started, error: !result });
        if (load.#running) send();
      });
      const send = () => {
        const seq = load.#seq++;
        const key = `k${Math.floor(Math.random() * load.keys)}`;
        sentAt.set(seq, performance.now());
        ws.send(JSON.stringify({ jsonrpc: '2.0', id: seq, method, params: { key, seq } }));
      };
      for (let i = 0; i < options.inflight; i++) send();
    }
    return load;
  }

  async stop(): Promise<void> {
    this.#running = false;
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const ws of this.#sockets) ws.close();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Sample {
  method: string;
  setting: string;
  rate: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  outOfOrder: number;
}

async function sample(url: string, method: string, setting: { name: string; connections: number; inflight: number }, keys: number, seconds: number): Promise<Sample> {
  let measuring = false;
  const latencies: number[] = [];
  let errors = 0;
  const load = await Load.start(url, method, { ...setting, keys }, (answer) => {
    if (!measuring) return;
    if (answer.error) errors++;
    else latencies.push(answer.ms);
  });
  await sleep(1000);
  const outBefore = load.outOfOrder;
  measuring = true;
  const began = performance.now();
  await sleep(seconds * 1000);
  measuring = false;
  const elapsed = performance.now() - began;
  const outOfOrder = load.outOfOrder - outBefore;
  await load.stop();
  latencies.sort((a, b) => a - b);
  return { method, setting: setting.name, rate: (latencies.length / elapsed) * 1000, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) ?? Number.NaN, errors, outOfOrder };
}

/** The worker that answered each shard last, as the answers tell. */
function shardOwners(): { owners: (number | undefined)[]; note(answer: Answer): void } {
  const owners: (number | undefined)[] = Array.from({ length: ORDER_SHARDS }, () => undefined);
  return { owners, note: (answer) => void (answer.error || (owners[orderShard(answer.key)] = answer.pid)) };
}

async function moves(url: string, rounds: number, keys: number): Promise<string[]> {
  const rows: string[] = [];
  const listeners = new Set<(answer: Answer) => void>();
  const { owners, note } = shardOwners();
  let errors = 0;
  const load = await Load.start(url, `${SERVICE}.ordered`, { connections: 16, inflight: 4, keys }, (answer) => {
    if (answer.error) errors++;
    note(answer);
    for (const listener of listeners) listener(answer);
  });
  const share = Math.ceil(ORDER_SHARDS / 2);
  try {
    await sleep(2000);
    for (let round = 1; round <= rounds; round++) {
      const spawned = performance.now();
      let firstAnswer = Number.NaN;
      let atShare = Number.NaN;
      let readyAt = Number.NaN;
      let pid = -1;
      const onStart = (answer: Answer) => {
        if (answer.pid !== pid) return;
        if (Number.isNaN(firstAnswer)) firstAnswer = answer.at;
        if (Number.isNaN(atShare) && owners.filter((owner) => owner === pid).length >= share) atShare = answer.at;
      };
      listeners.add(onStart);
      const second = await warren('worker');
      pid = second.pid;
      readyAt = performance.now();
      for (let waited = 0; Number.isNaN(atShare) && waited < 30_000; waited += 50) await sleep(50);
      listeners.delete(onStart);
      await sleep(1000);
      // Its shards now: each must be answered again, by the first worker, after the SIGKILL.
      const held = owners.flatMap((owner, shard) => (owner === pid ? [shard] : []));
      const back = new Map<number, number>();
      let worst = 0;
      const killedAt = performance.now();
      const onKill = (answer: Answer) => {
        if (answer.at < killedAt) return;
        const shard = orderShard(answer.key);
        if (answer.pid !== pid && held.includes(shard) && !back.has(shard)) back.set(shard, answer.at - killedAt);
      };
      const slowest = (answer: Answer) => void (answer.at >= killedAt && (worst = Math.max(worst, answer.ms)));
      listeners.add(onKill);
      listeners.add(slowest);
      second.child.kill('SIGKILL');
      for (let waited = 0; back.size < held.length && waited < 30_000; waited += 20) await sleep(20);
      await sleep(500);
      listeners.delete(onKill);
      listeners.delete(slowest);
      const gaps = [...back.values()].sort((a, b) => a - b);
      const fmt = (ms: number) => (Number.isNaN(ms) ? 'never' : ms.toFixed(0));
      rows.push(
        `| ${round} | ${fmt(readyAt - spawned)} | ${fmt(firstAnswer - readyAt)} | ${fmt(atShare - readyAt)} | ${held.length} | ${gaps.length === held.length ? `${fmt(gaps[0]!)}–${fmt(gaps.at(-1)!)}` : `${gaps.length} of ${held.length} back`} | ${fmt(worst)} |`,
      );
      console.log(`  move round ${round}: ${rows.at(-1)}`);
    }
  } finally {
    await load.stop();
  }
  if (errors > 0) rows.push(`(error answers during the moves: ${errors})`);
  return rows;
}

async function deleteQueues(): Promise<void> {
  const connection = await amqplib.connect(AMQP_URL);
  const channel = await connection.createChannel();
  await channel.deleteQueue(methodQueue(`${SERVICE}.plain`));
  for (let shard = 0; shard < ORDER_SHARDS; shard++) await channel.deleteQueue(shardQueue(`${SERVICE}.ordered`, shard));
  await connection.close();
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string' }, seconds: { type: 'string' }, keys: { type: 'string' }, moves: { type: 'string' } } });
  const rounds = Number(values.rounds ?? 3);
  const seconds = Number(values.seconds ?? 5);
  const keys = Number(values.keys ?? 64);
  const moveRounds = Number(values.moves ?? 3);
  installCleanup();
  console.log(`ordered: ${rounds} rounds × ${seconds} s per sample, ${keys} keys; ${moveRounds} move rounds; ${new Date().toISOString()}`);
  try {
    const workers = [await warren('worker'), await warren('worker')];
    const gateway = await warren('gateway');
    const url = gateway.url!;
    const readyz = `${url.replace(/^ws/, 'http').replace(/\/rpc$/, '')}/readyz`;
    for (let waited = 0; (await fetch(readyz).then((r) => r.status, () => 0)) !== 200; waited += 50) {
      if (waited > 15_000) throw new Error('the gateway did not get ready within 15 s');
      await sleep(50);
    }
    const settings = [
      { name: '50 conn × 10 in flight', connections: 50, inflight: 10 },
      { name: '1 conn × 1 in flight', connections: 1, inflight: 1 },
    ];
    const samples: Sample[] = [];
    for (let round = 0; round < rounds; round++) {
      for (const setting of settings) {
        // Alternate which goes first, so neither always runs on a warmer broker.
        const methods = round % 2 === 0 ? ['plain', 'ordered'] : ['ordered', 'plain'];
        for (const method of methods) {
          const result = await sample(url, `${SERVICE}.${method}`, setting, keys, seconds);
          samples.push({ ...result, method });
          console.log(`  round ${round + 1}, ${setting.name}, ${method}: ${result.rate.toFixed(0)} calls/s, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, errors ${result.errors}, out of order ${result.outOfOrder}`);
        }
      }
    }
    console.log(`\n| Setting | Method | calls/s, median (min–max) | p50 ms | p99 ms | max ms | errors | out of order |\n|---|---|---|---|---|---|---|---|`);
    for (const setting of settings) {
      for (const method of ['plain', 'ordered']) {
        const mine = samples.filter((s) => s.setting === setting.name && s.method === method);
        const rates = mine.map((s) => s.rate);
        console.log(
          `| ${setting.name} | ${method} | ${median(rates).toFixed(0)} (${Math.min(...rates).toFixed(0)}–${Math.max(...rates).toFixed(0)}) | ${median(mine.map((s) => s.p50)).toFixed(2)} | ${median(mine.map((s) => s.p99)).toFixed(2)} | ${Math.max(...mine.map((s) => s.max)).toFixed(1)} | ${mine.reduce((n, s) => n + s.errors, 0)} | ${mine.reduce((n, s) => n + s.outOfOrder, 0)} |`,
        );
      }
    }
    // Moves: one worker left, a steady ordered load; a second one starts, then is SIGKILLed.
    await workers[1]!.stop();
    console.log('\nmoves: 16 connections × 4 in flight on `ordered`, one worker; a second one starts, then is SIGKILLed');
    const rows = await moves(url, moveRounds, keys);
    console.log(
      `\n| Round | worker start → consuming, ms | consuming → its first call, ms | consuming → serves ${Math.ceil(ORDER_SHARDS / 2)} shards, ms | shards it served | SIGKILL → each served again, ms (first–last) | slowest call after the kill, ms |\n|---|---|---|---|---|---|---|`,
    );
    for (const row of rows) console.log(row);
  } finally {
    await stopAll();
    await deleteQueues().catch((err: Error) => console.error(`deleting the bench queues failed: ${err.message}`));
  }
}

await main();
