/**
 * Warren's ordered-call routing (the gateway hashes the key, FNV-1a mod 8, and publishes to a
 * direct exchange with the shard as routing key) against RabbitMQ's consistent-hash exchange
 * (rabbitmq_consistent_hash_exchange: publish with the order key as routing key, the broker
 * hashes it over the bound queues). Everything else is the same: 8 quorum queues with a single
 * active consumer, the same publishers (amqplib confirm channels, pipelined) and consumers.
 *
 * The plugin must be enabled on the node AMQP_URL (or --url) points at; the script says so and
 * stops when it is not. It declares only its own exchanges and queues (`chxbench<pid>.*`) and
 * deletes them when it is done.
 *
 *   node --import tsx bench/consistentHash.ts --url amqp://guest:guest@127.0.0.1:5681 \
 *     [--rounds 3] [--seconds 4] [--publishers 4] [--window 64] [--broker-pid <beam pid>]
 *
 * 1. Throughput, interleaved (which goes first alternates), `--rounds` times, for 3, 8 and 1000
 *    keys at Warren's prefetch of 1 and for 1000 keys at a prefetch of 100 (so the routing, not
 *    the one-at-a-time consumer, is the limit). Each publisher keeps `--window` messages
 *    published and not yet consumed; each message carries its publisher, key and the key's
 *    sequence number. Reported: consumed messages/s, publisher-confirm latency p50/p99, how the
 *    keys and messages spread over the queues, and messages of a key consumed out of the order
 *    their publisher sent them (or from a second queue).
 * 2. Placement, on an exchange nothing consumes: how 3, 8 and 1000 keys spread over 8 queues
 *    (`room-<i>` keys and random UUIDs), and how many of 1000 keys change queue when a 9th queue
 *    is bound, unbound again, and when one of the 8 is unbound; FNV-1a modulo 8, 9 and 7 beside.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import { orderShard } from '../src/protocol/orderShards.ts';
import { cpuMicros } from './procStats.ts';
import { median } from './report.ts';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672' },
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '4' },
    publishers: { type: 'string', default: '4' },
    window: { type: 'string', default: '64' },
    'broker-pid': { type: 'string' },
  },
});
const URL = args.url!;
const ROUNDS = Number(args.rounds);
const SECONDS = Number(args.seconds);
const PUBLISHERS = Number(args.publishers);
const WINDOW = Number(args.window);
const BROKER_PID = args['broker-pid'] === undefined ? undefined : Number(args['broker-pid']);
const QUEUES = 8;
const PREFIX = `chxbench${process.pid}`;

type Mode = 'gateway-hash' | 'consistent-hash';
const MODES: Mode[] = ['gateway-hash', 'consistent-hash'];

interface Topology {
  mode: Mode;
  exchange: string;
  queues: string[];
  /** The routing key of a message with this order key. */
  routingKey(key: string): string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const keyName = (i: number) => `room-${i}`;

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function connect(): Promise<ChannelModel> {
  const connection = await amqp.connect(URL, { noDelay: true, timeout: 5000 });
  connection.on('error', () => {});
  return connection;
}

/** Shard queues as Warren declares them (shardQueueArguments), without a length bound. */
const SHARD_ARGUMENTS = { 'x-queue-type': 'quorum', 'x-single-active-consumer': true, 'x-delivery-limit': 20 };

async function declare(channel: Channel, mode: Mode): Promise<Topology> {
  const exchange = `${PREFIX}.${mode}`;
  const queues = Array.from({ length: QUEUES }, (_, i) => `${exchange}.${i}`);
  await channel.assertExchange(exchange, mode === 'gateway-hash' ? 'direct' : 'x-consistent-hash', { durable: false, autoDelete: false });
  for (const [i, queue] of queues.entries()) {
    await channel.assertQueue(queue, { durable: true, arguments: SHARD_ARGUMENTS });
    // A consistent-hash binding's routing key is the queue's weight: its number of points.
    await channel.bindQueue(queue, exchange, mode === 'gateway-hash' ? String(i) : '1');
  }
  return { mode, exchange, queues, routingKey: mode === 'gateway-hash' ? (key) => String(orderShard(key, QUEUES)) : (key) => key };
}

/** Fails with a clear message when the node has no x-consistent-hash exchange type. */
async function checkPlugin(connection: ChannelModel): Promise<void> {
  const channel = await connection.createChannel();
  channel.on('error', () => {});
  try {
    await channel.assertExchange(`${PREFIX}.probe`, 'x-consistent-hash', { durable: false, autoDelete: false });
    await channel.deleteExchange(`${PREFIX}.probe`);
    await channel.close();
  } catch (err) {
    throw new Error(`${URL} refuses an x-consistent-hash exchange (${(err as Error).message}); enable rabbitmq_consistent_hash_exchange on that node`);
  }
}

interface Sample {
  mode: Mode;
  keys: number;
  prefetch: number;
  rate: number;
  confirmP50: number;
  confirmP99: number;
  /** Broker CPU per consumed message, µs (with --broker-pid). */
  brokerUs: number;
  /** Messages consumed per queue. */
  perQueue: number[];
  /** Distinct keys seen per queue. */
  keysPerQueue: number[];
  /** Messages of a key consumed before one its publisher sent earlier. */
  outOfOrder: number;
  /** Keys seen on more than one queue. */
  split: number;
}

/**
 * One sample: consumers on every queue (one channel each, `prefetch`, ack after the message is
 * checked), `PUBLISHERS` confirm channels each keeping `WINDOW` messages unconsumed.
 */
async function sample(topology: Topology, keys: number, prefetch: number): Promise<Sample> {
  const consumerConnection = await connect();
  const publisherConnections = await Promise.all(Array.from({ length: PUBLISHERS }, () => connect()));
  let running = true;
  let measuring = false;
  let consumed = 0;
  const confirms: number[] = [];
  const perQueue = Array.from({ length: QUEUES }, () => 0);
  const keysOn = Array.from({ length: QUEUES }, () => new Set<string>());
  const queueOf = new Map<string, number>();
  const lastSeq = new Map<string, number>();
  let outOfOrder = 0;
  let split = 0;
  const outstanding = Array.from({ length: PUBLISHERS }, () => 0);
  const sends: (() => void)[] = [];

  const consumerChannels: Channel[] = [];
  for (const [q, queue] of topology.queues.entries()) {
    const channel = await consumerConnection.createChannel();
    channel.on('error', () => {});
    await channel.prefetch(prefetch);
    consumerChannels.push(channel);
    await channel.consume(queue, (message: ConsumeMessage | null) => {
      if (!message) return;
      const { p, k, s } = message.properties.headers as { p: number; k: string; s: number };
      const stream = `${p}/${k}`;
      if ((lastSeq.get(stream) ?? -1) > s) outOfOrder++;
      lastSeq.set(stream, Math.max(lastSeq.get(stream) ?? -1, s));
      const seenOn = queueOf.get(k);
      if (seenOn === undefined) queueOf.set(k, q);
      else if (seenOn !== q) split++;
      if (measuring) {
        consumed++;
        perQueue[q]!++;
        keysOn[q]!.add(k);
      }
      channel.ack(message);
      outstanding[p]!--;
      if (running) sends[p]!();
    });
  }

  const publisherChannels: ConfirmChannel[] = [];
  for (const [p, connection] of publisherConnections.entries()) {
    const channel = await connection.createConfirmChannel();
    channel.on('error', () => {});
    publisherChannels.push(channel);
    const seqs = new Map<string, number>();
    sends[p] = () => {
      while (running && outstanding[p]! < WINDOW) {
        const key = keyName(Math.floor(Math.random() * keys));
        const seq = seqs.get(key) ?? 0;
        seqs.set(key, seq + 1);
        outstanding[p]!++;
        const sentAt = performance.now();
        const counted = measuring;
        channel.publish(topology.exchange, topology.routingKey(key), Buffer.from('{}'), { contentType: 'application/json', headers: { p, k: key, s: seq } }, (err) => {
          if (!err && counted && measuring) confirms.push(performance.now() - sentAt);
        });
      }
    };
  }
  for (const send of sends) send();
  await sleep(1000);
  const cpuBefore = BROKER_PID === undefined ? undefined : cpuMicros(BROKER_PID);
  measuring = true;
  const began = performance.now();
  await sleep(SECONDS * 1000);
  measuring = false;
  const elapsed = performance.now() - began;
  const cpuAfter = BROKER_PID === undefined ? undefined : cpuMicros(BROKER_PID);
  running = false;
  // Drain: every message published is consumed before the queues are reused.
  for (let waited = 0; outstanding.some((n) => n > 0) && waited < 10_000; waited += 50) await sleep(50);
  for (const connection of [consumerConnection, ...publisherConnections]) await connection.close().catch(() => {});
  confirms.sort((a, b) => a - b);
  return {
    mode: topology.mode,
    keys,
    prefetch,
    rate: (consumed / elapsed) * 1000,
    confirmP50: percentile(confirms, 50),
    confirmP99: percentile(confirms, 99),
    brokerUs: cpuBefore === undefined || cpuAfter === undefined ? Number.NaN : (cpuAfter - cpuBefore) / consumed,
    perQueue,
    keysPerQueue: keysOn.map((set) => set.size),
    outOfOrder,
    split,
  };
}

/** Where each of `keys` lands: publish one message per key, read every queue back. */
async function placement(channel: ConfirmChannel, exchange: string, queues: string[], keys: string[]): Promise<Map<string, number>> {
  for (const queue of queues) await channel.purgeQueue(queue);
  for (const key of keys) channel.publish(exchange, key, Buffer.from(key));
  await channel.waitForConfirms();
  const where = new Map<string, number>();
  for (const [q, queue] of queues.entries()) {
    for (let message = await channel.get(queue, { noAck: true }); message; message = await channel.get(queue, { noAck: true })) where.set(message.content.toString(), q);
  }
  return where;
}

function movedKeys(before: Map<string, number>, after: Map<string, number>): string[] {
  return [...before].filter(([key, from]) => after.get(key) !== from).map(([key]) => key);
}

/** Queues used and the largest queue's share of the keys, for one placement. */
function usage(where: Iterable<number>, queues: number): { used: number; maxShare: number; ratio: number } {
  const counts = Array.from({ length: queues }, () => 0);
  let total = 0;
  for (const q of where) {
    counts[q]!++;
    total++;
  }
  const min = Math.min(...counts);
  const max = Math.max(...counts);
  return { used: counts.filter((n) => n > 0).length, maxShare: max / total, ratio: min === 0 ? Number.POSITIVE_INFINITY : max / min };
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/**
 * Placement only, on a consistent-hash exchange of classic queues that nothing consumes:
 * 1. how keys spread over 8 queues, for keys like Warren's examples (`room-<i>`) and for random
 *    UUIDs (many draws), beside FNV-1a modulo 8 of the same keys;
 * 2. a 9th queue bound, then unbound again, then one of the 8 unbound: how many of 1000 keys
 *    change queue, beside FNV-1a modulo 9 and 7.
 */
async function placements(connection: ChannelModel): Promise<string[]> {
  const channel = await connection.createConfirmChannel();
  channel.on('error', () => {});
  const exchange = `${PREFIX}.remap`;
  const queues = Array.from({ length: 9 }, (_, i) => `${exchange}.${i}`);
  await channel.assertExchange(exchange, 'x-consistent-hash', { durable: false, autoDelete: false });
  for (const queue of queues) await channel.assertQueue(queue, { durable: false, exclusive: true });
  for (const queue of queues.slice(0, 8)) await channel.bindQueue(queue, exchange, '1');
  const lines: string[] = ['spread over 8 queues (mean over the draws): queues used, largest queue\'s share of the keys, max/min keys per queue'];
  const families = [
    { name: 'room-<i>', draws: 1, keys: (n: number) => Array.from({ length: n }, (_, i) => keyName(i)) },
    { name: 'random UUIDs', draws: 40, keys: (n: number) => Array.from({ length: n }, () => randomUUID()) },
  ];
  for (const family of families) {
    for (const n of [3, 8, 1000]) {
      const draws = n === 1000 ? Math.min(family.draws, 5) : family.draws;
      const chx: ReturnType<typeof usage>[] = [];
      const fnv: ReturnType<typeof usage>[] = [];
      for (let d = 0; d < draws; d++) {
        const keys = family.keys(n);
        chx.push(usage((await placement(channel, exchange, queues, keys)).values(), 8));
        fnv.push(usage(keys.map((key) => orderShard(key, 8)), 8));
      }
      for (const [name, of] of [['gateway-hash', fnv], ['consistent-hash', chx]] as const) {
        const ratios = of.map((u) => u.ratio).filter(Number.isFinite);
        lines.push(`  ${family.name}, ${n} keys, ${draws} draw(s), ${name}: ${mean(of.map((u) => u.used)).toFixed(2)} queues used, max share ${(100 * mean(of.map((u) => u.maxShare))).toFixed(1)}%, max/min ${ratios.length === of.length ? mean(ratios).toFixed(2) : '∞'}`);
      }
    }
  }

  const keys = Array.from({ length: 1000 }, (_, i) => keyName(i));
  const eight = await placement(channel, exchange, queues, keys);
  await channel.bindQueue(queues[8]!, exchange, '1');
  const nine = await placement(channel, exchange, queues, keys);
  await channel.unbindQueue(queues[8]!, exchange, '1');
  const back = await placement(channel, exchange, queues, keys);
  await channel.unbindQueue(queues[3]!, exchange, '1');
  const seven = await placement(channel, exchange, queues, keys);
  await channel.deleteExchange(exchange);
  for (const queue of queues) await channel.deleteQueue(queue);
  await channel.close();

  const fnv = (n: number) => new Map(keys.map((key) => [key, orderShard(key, n)]));
  const [fnv8, fnv9, fnv7] = [fnv(8), fnv(9), fnv(7)];
  const toNew = movedKeys(eight, nine).filter((key) => nine.get(key) === 8).length;
  const fromGone = movedKeys(eight, seven).filter((key) => eight.get(key) === 3).length;
  lines.push(
    `1000 keys (room-<i>), 8 queues, consistent-hash exchange: ${usage(eight.values(), 8).used} used; keys per queue ${Array.from({ length: 8 }, (_, q) => [...eight.values()].filter((v) => v === q).length).join('/')}`,
    `  8 → 9 queues (a 9th bound): consistent-hash moved ${movedKeys(eight, nine).length} keys, ${toNew} of them to the new queue; FNV-1a mod 9 moved ${movedKeys(fnv8, fnv9).length}`,
    `  9 → 8 (the 9th unbound again): ${movedKeys(eight, back).length} keys differ from the first 8-queue placement`,
    `  8 → 7 queues (queue 3 of 0–7 unbound): consistent-hash moved ${movedKeys(eight, seven).length} keys, ${fromGone} of them from queue 3 and ${movedKeys(eight, seven).length - fromGone} from queues still bound; FNV-1a mod 7 moved ${movedKeys(fnv8, fnv7).length}`,
  );
  return lines;
}

function spread(counts: number[]): string {
  const min = Math.min(...counts);
  const max = Math.max(...counts);
  const total = counts.reduce((a, b) => a + b, 0);
  const used = counts.filter((n) => n > 0).length;
  return `${used}/${counts.length} used, max share ${((100 * max) / total).toFixed(1)}%, max/min ${min === 0 ? '∞' : (max / min).toFixed(2)}`;
}

function line(s: Sample): string {
  return `${s.mode}, ${s.keys} keys, prefetch ${s.prefetch}: ${s.rate.toFixed(0)} msg/s, confirm p50 ${s.confirmP50.toFixed(2)} ms p99 ${s.confirmP99.toFixed(2)} ms, broker ${s.brokerUs.toFixed(1)} µs/msg, out of order ${s.outOfOrder}, split keys ${s.split}; keys per queue ${s.keysPerQueue.join('/')}; messages per queue ${s.perQueue.join('/')}`;
}

async function main(): Promise<void> {
  const admin = await connect();
  await checkPlugin(admin);
  const adminChannel = await admin.createChannel();
  adminChannel.on('error', () => {});
  const topologies = new Map<Mode, Topology>();
  try {
    for (const mode of MODES) topologies.set(mode, await declare(adminChannel, mode));
    console.log(`consistent-hash vs gateway hash: ${ROUNDS} rounds × ${SECONDS} s, ${PUBLISHERS} publishers × ${WINDOW} unconsumed, ${QUEUES} quorum SAC queues; ${new Date().toISOString()}`);
    const settings = [
      { keys: 3, prefetch: 1 },
      { keys: 8, prefetch: 1 },
      { keys: 1000, prefetch: 1 },
      { keys: 1000, prefetch: 100 },
    ];
    const samples: Sample[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      for (const setting of settings) {
        const order = round % 2 === 1 ? MODES : [...MODES].reverse();
        for (const mode of order) {
          const s = await sample(topologies.get(mode)!, setting.keys, setting.prefetch);
          samples.push(s);
          console.log(`  round ${round}, ${line(s)}`);
        }
      }
    }
    if (ROUNDS > 0) {
      console.log('\n| Keys | Prefetch | Routing | msg/s, median (min–max) | confirm p50 ms | confirm p99 ms | broker µs/msg | keys over queues | messages over queues | out of order | split keys |');
      console.log('|---:|---:|---|---|---:|---:|---:|---|---|---:|---:|');
    }
    for (const setting of ROUNDS > 0 ? settings : []) {
      for (const mode of MODES) {
        const of = samples.filter((s) => s.mode === mode && s.keys === setting.keys && s.prefetch === setting.prefetch);
        const rates = of.map((s) => s.rate);
        const sum = (pick: (s: Sample) => number[]) => Array.from({ length: QUEUES }, (_, q) => of.reduce((a, s) => a + pick(s)[q]!, 0));
        const keysOn = of.at(-1)!.keysPerQueue;
        console.log(
          `| ${setting.keys} | ${setting.prefetch} | ${mode} | ${median(rates).toFixed(0)} (${Math.min(...rates).toFixed(0)}–${Math.max(...rates).toFixed(0)}) | ${median(of.map((s) => s.confirmP50)).toFixed(2)} | ${median(of.map((s) => s.confirmP99)).toFixed(2)} | ${median(of.map((s) => s.brokerUs)).toFixed(1)} | ${keysOn.join('/')} (${spread(keysOn)}) | ${spread(sum((s) => s.perQueue))} | ${of.reduce((a, s) => a + s.outOfOrder, 0)} | ${of.reduce((a, s) => a + s.split, 0)} |`,
        );
      }
    }
    console.log('\nplacement:');
    for (const text of await placements(admin)) console.log(`  ${text}`);
  } finally {
    for (const topology of topologies.values()) {
      for (const queue of topology.queues) await adminChannel.deleteQueue(queue).catch(() => {});
      await adminChannel.deleteExchange(topology.exchange).catch(() => {});
    }
    await admin.close().catch(() => {});
  }
}

await main();
