/**
 * Replay of missed events: a client that was away resumes with `since` and gets the events it
 * missed. Measures the time from its rpc.subscribe to the last missed event on its socket, on
 * the memory transport and on RabbitMQ (a stream), with the events it missed among those of
 * other topics (the gateway reads every topic of the event's stream and keeps the client's).
 *
 *   node --import tsx bench/replay.ts [--events 10000] [--topics 1,10] [--rounds 3] [--transports memory,amqp]
 *
 * A gateway and a worker run in this process (AMQP: each with its own connection), the client
 * too: its JSON parsing counts in the time. Needs RabbitMQ (AMQP_URL) for amqp.
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { z } from 'zod';
import { defineContract } from '../src/contract/defineContract.ts';
import { implement } from '../src/contract/implement.ts';
import { Gateway } from '../src/gateway/Gateway.ts';
import { eventStream, methodQueue } from '../src/protocol/routing.ts';
import { AmqpTransport } from '../src/transport/AmqpTransport.ts';
import { MemoryBroker } from '../src/transport/MemoryBroker.ts';
import { MemoryTransport } from '../src/transport/MemoryTransport.ts';
import type { Transport } from '../src/transport/Transport.ts';
import { Worker } from '../src/worker/Worker.ts';
import amqplib from 'amqplib';
import { median } from './report.ts';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const BATCH = 500;

function service(name: string) {
  const contract = defineContract({
    service: name,
    methods: {
      post: {
        input: z.object({ first: z.number().int(), count: z.number().int().min(1).max(BATCH), topics: z.number().int().min(1) }),
        output: z.object({ emitted: z.number() }),
        timeoutMs: 60_000,
      },
    },
    events: { item: { payload: z.object({ n: z.number(), text: z.string() }), delivery: 'replayable', retention: { maxAge: '1h' } } },
  });
  // Event n goes to topic t<n mod topics>: the client's topic, t0, gets every `topics`-th one.
  return implement(contract, {
    post: async ({ first, count, topics }, ctx) => {
      for (let n = first; n < first + count; n++) await ctx.emit('item', { n, text: 'a chat message of some sixty bytes, as a room would see' }, { topic: `t${n % topics}` });
      return { emitted: count };
    },
  });
}

/** A raw JSON-RPC socket: calls by id, and a listener for pushes. */
class Client {
  readonly #ws: WebSocket;
  readonly #waiting = new Map<number, (frame: any) => void>();
  #id = 0;
  onPush: (frame: any) => void = () => {};

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data));
      if (frame.id !== undefined) this.#waiting.get(frame.id)?.(frame);
      else this.onPush(frame);
    });
  }

  static open(url: string): Promise<Client> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      ws.once('open', () => resolve(new Client(ws)));
      ws.once('error', reject);
    });
  }

  call(method: string, params: unknown): Promise<any> {
    const id = ++this.#id;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, (frame) => {
        this.#waiting.delete(id);
        if (frame.error) reject(new Error(`${method}: ${JSON.stringify(frame.error)}`));
        else resolve(frame.result);
      });
      this.#ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  }

  close(): void {
    this.#ws.close();
  }
}

interface Stack {
  url: string;
  close(): Promise<void>;
}

async function startStack(kind: 'memory' | 'amqp', name: string): Promise<Stack> {
  const implementation = service(name);
  const transports: Transport[] =
    kind === 'memory'
      ? [new MemoryTransport({ broker: new MemoryBroker() })]
      : [new AmqpTransport({ url: AMQP_URL }), new AmqpTransport({ url: AMQP_URL })];
  for (const transport of transports) transport.start();
  await Promise.all(transports.map((transport) => transport.whenReady(10_000)));
  const worker = new Worker({ transport: transports[0]!, implementations: [implementation], prefetch: 4 });
  await worker.start();
  const gateway = new Gateway({ transport: transports.at(-1)!, contracts: [implementation.contract], frameRate: 0 });
  const { port } = await gateway.listen(0, '127.0.0.1');
  for (let i = 0; i < 100 && !transports.at(-1)!.isReady(); i++) await new Promise((r) => setTimeout(r, 50));
  return {
    url: `ws://127.0.0.1:${port}/rpc`,
    close: async () => {
      await gateway.close(200);
      await worker.stop();
      await Promise.all(transports.map((transport) => transport.close()));
      if (kind === 'amqp') {
        const connection = await amqplib.connect(AMQP_URL);
        const channel = await connection.createChannel();
        await channel.deleteQueue(eventStream(`${name}.item`));
        await channel.deleteQueue(methodQueue(`${name}.post`));
        await connection.close();
      }
    },
  };
}

/** One round: `events` missed events on the client's topic, among `topics` topics; resolves with the replay's ms. */
async function round(kind: 'memory' | 'amqp', events: number, topics: number, index: number): Promise<{ ms: number; stored: number }> {
  const name = `benchreplay${process.pid}r${index}`;
  const stack = await startStack(kind, name);
  try {
    const publisher = await Client.open(stack.url);
    const away = await Client.open(stack.url);
    const start = await away.call('rpc.subscribe', { event: `${name}.item`, topic: 't0' });
    away.close();
    const stored = events * topics;
    for (let first = 0; first < stored; first += BATCH) {
      await publisher.call(`${name}.post`, { first, count: Math.min(BATCH, stored - first), topics });
    }
    const back = await Client.open(stack.url);
    let received = 0;
    let last = -1;
    let ordered = true;
    const done = new Promise<number>((resolve) => {
      back.onPush = (frame) => {
        if (frame.method !== `${name}.item`) return;
        const n = frame.params.payload.n as number;
        if (n <= last) ordered = false;
        last = n;
        if (++received === events) resolve(performance.now());
      };
    });
    const began = performance.now();
    const resumed = await back.call('rpc.subscribe', { event: `${name}.item`, topic: 't0', since: start.position });
    if (resumed.historyLost) throw new Error('history lost');
    const ended = await Promise.race([done, new Promise<number>((_, reject) => setTimeout(() => reject(new Error(`only ${received} of ${events} replayed in 60 s`)), 60_000))]);
    if (!ordered) throw new Error('out of order');
    back.close();
    publisher.close();
    return { ms: ended - began, stored };
  } finally {
    await stack.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { events: { type: 'string' }, topics: { type: 'string' }, rounds: { type: 'string' }, transports: { type: 'string' } } });
  const events = Number(values.events ?? 10_000);
  const topicCounts = (values.topics ?? '1,10').split(',').map(Number);
  const rounds = Number(values.rounds ?? 3);
  const kinds = (values.transports ?? 'memory,amqp').split(',') as ('memory' | 'amqp')[];
  console.log(`replay: ${events} missed events to one client; topics ${topicCounts.join(', ')}; ${rounds} rounds; transports ${kinds.join(', ')}`);
  const rows: string[] = [];
  let index = 0;
  for (const topics of topicCounts) {
    for (const kind of kinds) {
      const times: number[] = [];
      let stored = 0;
      for (let r = 0; r < rounds; r++) {
        const result = await round(kind, events, topics, index++);
        stored = result.stored;
        times.push(result.ms);
        console.log(`  ${kind}, ${topics} topic(s), round ${r + 1}: ${result.ms.toFixed(0)} ms`);
      }
      const ms = median(times);
      rows.push(`| ${kind} | ${topics} | ${stored} | ${events} | ${ms.toFixed(0)} (${Math.min(...times).toFixed(0)}–${Math.max(...times).toFixed(0)}) | ${Math.round((events / ms) * 1000)} |`);
    }
  }
  console.log('\n| Transport | Topics | Events in the history | Replayed to the client | ms, median (min–max) | events/s |\n|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
}

await main();
