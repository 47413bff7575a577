/**
 * The architecture's floor, gateway half: ws → amqplib publish (direct exchange, persistent,
 * Nagle off) → per-process reply queue → correlationId → the socket. No validation, no
 * deadlines, no reconnects: only what the path itself costs.
 * BASELINE_CONFIRM=1 publishes on a confirm channel and BASELINE_PROPS=1 adds Warren's
 * per-call properties (mandatory, expiration, a deadline header); BASELINE_DIRECT_REPLY=1 takes
 * replies by RabbitMQ's direct reply-to instead of a reply queue: optional variants that show
 * what those AMQP features cost the broker.
 */
import amqp from 'amqplib';
import { WebSocketServer, type WebSocket } from 'ws';

const PREFIX = process.env.BASELINE_PREFIX ?? 'benchbase';
const CONFIRM = process.env.BASELINE_CONFIRM === '1';
const PROPS = process.env.BASELINE_PROPS === '1';
const DIRECT_REPLY = process.env.BASELINE_DIRECT_REPLY === '1';
const connection = await amqp.connect(process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672', { noDelay: true });
const channel = CONFIRM ? await connection.createConfirmChannel() : await connection.createChannel();
await channel.assertExchange(`${PREFIX}.rpc`, 'direct', { durable: true });
const replyQueue = DIRECT_REPLY
  ? 'amq.rabbitmq.reply-to'
  : (await channel.assertQueue('', { exclusive: true, autoDelete: true })).queue;
const waiting = new Map<string, { ws: WebSocket; id: unknown }>();
let next = 0;

await channel.consume(replyQueue, (message) => {
  const call = message && waiting.get(message.properties.correlationId);
  if (!call) return;
  waiting.delete(message!.properties.correlationId);
  call.ws.send(`{"jsonrpc":"2.0","id":${JSON.stringify(call.id)},"result":${message!.content.toString()}}`);
}, { noAck: true });

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/rpc', perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.on('error', () => {});
  ws.on('message', (data) => {
    const request = JSON.parse(String(data)) as { id: unknown; method: string; params: unknown };
    const correlationId = String(next++);
    waiting.set(correlationId, { ws, id: request.id });
    const extra = PROPS ? { mandatory: true, expiration: '10000', headers: { 'x-warren-deadline': Date.now() + 10_000 } } : {};
    channel.publish(`${PREFIX}.rpc`, request.method, Buffer.from(JSON.stringify(request.params)), {
      persistent: true, correlationId, replyTo: replyQueue, contentType: 'application/json', ...extra,
    }, CONFIRM ? () => {} : undefined);
  });
});
wss.on('listening', () => console.log(JSON.stringify({ msg: 'listening', url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}/rpc` })));
process.on('SIGTERM', () => void connection.close().finally(() => process.exit(0)));
