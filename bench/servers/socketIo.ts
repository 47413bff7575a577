/**
 * Socket.IO 4 answering each call with an acknowledgement, websocket transport only.
 * bench.validate parses its argument with the same zod schema Warren uses.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { echo, Order, price, type EchoInput } from '../service.ts';

const http = createServer();
const io = new Server(http, { transports: ['websocket'], serveClient: false, perMessageDeflate: false });
io.on('connection', (socket) => {
  socket.on('bench.echo', (params: EchoInput, ack: (result: unknown) => void) => ack(echo(params)));
  socket.on('bench.validate', (params: unknown, ack: (result: unknown) => void) => {
    const parsed = Order.safeParse(params);
    ack(parsed.success ? price(parsed.data) : { error: 'Invalid params' });
  });
});
http.listen(0, '127.0.0.1', () => {
  const { port } = http.address() as { port: number };
  console.log(JSON.stringify({ msg: 'listening', url: `ws://127.0.0.1:${port}` }));
});
process.on('SIGTERM', () => process.exit(0));
