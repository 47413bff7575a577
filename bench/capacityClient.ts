/**
 * One capacity client process (forked by capacity.ts): opens its share of idle sockets to a
 * server and, for fan-out, subscribes each one and records when each event arrives (epoch ms
 * with sub-ms precision, comparable across processes on one machine).
 *
 * - `jsonrpc` (Warren): bare `ws` WebSockets; each subscribes to `bench.tick` (topic `fan`)
 *   with `rpc.subscribe`; the arrival time is read when the notification frame arrives.
 * - `socketio` (Socket.IO 4): socket.io-client, websocket transport only (no polling), one
 *   connection per socket (`forceNew`); each joins the room `fan` with the acknowledged
 *   `fan.join`; the arrival time is read when socket.io-client hands `bench.tick` to its
 *   listener.
 *
 * Both record arrivals with the same code (`arrived`).
 *
 * IPC: child → parent 'ready' {open, subscribed}, 'complete' {seq, first, last, received},
 * 'partial' (answer to 'report'), 'failed'; parent → child 'report' {seq}.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { io, type Socket } from 'socket.io-client';

interface Config {
  url: string;
  sockets: number;
  subscribe: boolean;
  openConcurrency: number;
  /** @default 'jsonrpc' */
  protocol?: 'jsonrpc' | 'socketio';
  /** The Warren event subscribed to. @default 'bench.tick' */
  event?: string;
}

const config = JSON.parse(process.argv[2]!) as Config;
const sockets: (WebSocket | Socket)[] = [];
const now = () => performance.timeOrigin + performance.now();
const arrivals = new Map<number, { received: number; first: number; last: number }>();
const EVENT = config.event ?? 'bench.tick';
const SUBSCRIBE = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'rpc.subscribe', params: { event: EVENT, topic: 'fan' } });

function arrived(seq: number, at: number): void {
  let entry = arrivals.get(seq);
  if (!entry) arrivals.set(seq, (entry = { received: 0, first: at, last: at }));
  entry.received++;
  entry.last = at;
  if (entry.received === config.sockets) process.send?.({ type: 'complete', seq, ...entry });
}

function onNotification(frame: string): void {
  const at = now();
  const message = JSON.parse(frame) as { method?: string; params?: { payload?: { seq?: number } } };
  const seq = message.method === EVENT ? message.params?.payload?.seq : undefined;
  if (seq !== undefined) arrived(seq, at);
}

function openJsonRpc(): Promise<void> {
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
        if (frame.includes('"result":true') || frame.includes('"result":{"position"')) resolve();
        else reject(new Error(`subscribe refused: ${frame.slice(0, 200)}`));
        return;
      }
      onNotification(frame);
    });
  });
}

function openSocketIo(): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = io(config.url, { transports: ['websocket'], forceNew: true, reconnection: false, timeout: 30_000 });
    const timer = setTimeout(() => reject(new Error('connect/join timeout')), 30_000);
    socket.on('connect_error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('bench.tick', (payload: { seq?: number } | undefined) => {
      const at = now();
      if (payload?.seq !== undefined) arrived(payload.seq, at);
    });
    socket.once('connect', () => {
      sockets.push(socket);
      if (!config.subscribe) {
        clearTimeout(timer);
        return resolve();
      }
      socket.emit('fan.join', (joined: unknown) => {
        clearTimeout(timer);
        if (joined === true) resolve();
        else reject(new Error(`join refused: ${JSON.stringify(joined).slice(0, 200)}`));
      });
    });
  });
}

const open = config.protocol === 'socketio' ? openSocketIo : openJsonRpc;

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
