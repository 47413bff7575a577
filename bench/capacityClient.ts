/**
 * One capacity client process (forked by capacity.ts): opens its share of idle WebSockets
 * to a Warren gateway and, for fan-out, subscribes each to `bench.tick` (topic `fan`) and
 * records when each notification arrives (epoch ms with sub-ms precision, comparable
 * across processes on one machine).
 *
 * IPC: child → parent 'ready' {open, subscribed}, 'complete' {seq, first, last, received},
 * 'partial' (answer to 'report'), 'failed'; parent → child 'report' {seq}.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

interface Config {
  url: string;
  sockets: number;
  subscribe: boolean;
  openConcurrency: number;
}

const config = JSON.parse(process.argv[2]!) as Config;
const sockets: WebSocket[] = [];
const now = () => performance.timeOrigin + performance.now();
const arrivals = new Map<number, { received: number; first: number; last: number }>();
const SUBSCRIBE = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'rpc.subscribe', params: { event: 'bench.tick', topic: 'fan' } });

function onNotification(frame: string): void {
  const at = now();
  const message = JSON.parse(frame) as { method?: string; params?: { payload?: { seq?: number } } };
  const seq = message.method === 'bench.tick' ? message.params?.payload?.seq : undefined;
  if (seq === undefined) return;
  let entry = arrivals.get(seq);
  if (!entry) arrivals.set(seq, (entry = { received: 0, first: at, last: at }));
  entry.received++;
  entry.last = at;
  if (entry.received === config.sockets) process.send?.({ type: 'complete', seq, ...entry });
}

function open(): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(config.url, { perMessageDeflate: false });
    const timer = setTimeout(() => reject(new Error('connect/subscribe timeout')), 30_000);
    ws.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    ws.on('open', () => {
      sockets.push(ws);
      if (!config.subscribe) {
        clearTimeout(timer);
        return resolve();
      }
      ws.send(SUBSCRIBE);
    });
    ws.on('message', (data) => {
      const frame = String(data);
      if (frame.includes('"id":1,')) {
        clearTimeout(timer);
        if (frame.includes('"result":true')) resolve();
        else reject(new Error(`subscribe refused: ${frame.slice(0, 200)}`));
        return;
      }
      onNotification(frame);
    });
  });
}

async function openAll(): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < config.sockets) {
      next++;
      await open();
    }
  };
  await Promise.all(Array.from({ length: Math.min(config.openConcurrency, config.sockets) }, lane));
}

process.on('message', (message: { type: string; seq?: number }) => {
  if (message.type === 'report') {
    const entry = arrivals.get(message.seq!) ?? { received: 0, first: 0, last: 0 };
    process.send?.({ type: 'partial', seq: message.seq, ...entry });
  }
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));

openAll().then(
  () => process.send?.({ type: 'ready', open: sockets.length, subscribed: config.subscribe ? sockets.length : 0 }),
  (err: Error) => {
    process.send?.({ type: 'failed', message: `${err.message} after ${sockets.length} sockets` });
    setTimeout(() => process.exit(1), 100);
  },
);
