/**
 * The WebSocket floor: a bare `ws` server answering JSON-RPC itself, no framework.
 * bench.validate parses its params with the same zod schema Warren uses.
 */
import { WebSocketServer } from 'ws';
import { echo, Order, price, type EchoInput } from '../service.ts';

const methods: Record<string, (params: unknown) => unknown> = {
  'bench.echo': (params) => echo(params as EchoInput),
  'bench.validate': (params) => price(Order.parse(params)),
};

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/rpc', perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.on('error', () => {});
  ws.on('message', (data) => {
    let id: unknown = null;
    try {
      const request = JSON.parse(String(data)) as { id: unknown; method: string; params: unknown };
      id = request.id;
      const fn = methods[request.method];
      if (!fn) throw new Error('Method not found');
      ws.send(JSON.stringify({ jsonrpc: '2.0', id, result: fn(request.params) }));
    } catch {
      ws.send(JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32602, message: 'Invalid params' } }));
    }
  });
});
wss.on('listening', () => {
  const { port } = wss.address() as { port: number };
  console.log(JSON.stringify({ msg: 'listening', url: `ws://127.0.0.1:${port}/rpc` }));
});
process.on('SIGTERM', () => process.exit(0));
