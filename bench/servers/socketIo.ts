/**
 * Socket.IO 4 answering each call with an acknowledgement, websocket transport only.
 * bench.validate parses its argument with the same zod schema Warren uses.
 *
 * Fan-out (bench/capacity.ts): a socket joins the room `fan` with `fan.join` (acknowledged
 * with true, as Warren answers rpc.subscribe); `bench.emit` parses its argument with Warren's
 * `bench.tick` payload schema and broadcasts it to the room with `io.to('fan').emit('bench.tick', …)`.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { echo, Order, price, TickPayload, type EchoInput } from '../service.ts';

const FAN_ROOM = 'fan';

const http = createServer();
const io = new Server(http, { transports: ['websocket'], serveClient: false, perMessageDeflate: false });
io.on('connection', (socket) => {
  socket.on('bench.echo', (params: EchoInput, ack: (result: unknown) => void) => ack(echo(params)));
  socket.on('bench.validate', (params: unknown, ack: (result: unknown) => void) => {
    const parsed = Order.safeParse(params);
    ack(parsed.success ? price(parsed.data) : { error: 'Invalid params' });
  });
  socket.on('fan.join', (ack: (result: unknown) => void) => {
    void socket.join(FAN_ROOM);
    ack(true);
  });
  socket.on('bench.emit', (params: unknown, ack: (result: unknown) => void) => {
    const parsed = TickPayload.safeParse(params);
    if (!parsed.success) return ack({ error: 'Invalid params' });
    io.to(FAN_ROOM).emit('bench.tick', parsed.data);
    ack({ ok: true });
  });
});
http.listen(0, '127.0.0.1', () => {
  const { port } = http.address() as { port: number };
  console.log(JSON.stringify({ msg: 'listening', url: `ws://127.0.0.1:${port}` }));
});
process.on('SIGTERM', () => process.exit(0));
