/** tRPC 11 over its ws adapter: zod-validated mutations on the same schemas as Warren's contract. */
import { initTRPC } from '@trpc/server';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { WebSocketServer } from 'ws';
import { echo, EchoParams, Order, price } from '../service.ts';

const t = initTRPC.create();
const router = t.router({
  bench: t.router({
    echo: t.procedure.input(EchoParams).mutation(({ input }) => echo(input)),
    validate: t.procedure.input(Order).mutation(({ input }) => price(input)),
  }),
});

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
applyWSSHandler({ wss, router, createContext: () => ({}) });
wss.on('listening', () => {
  const { port } = wss.address() as { port: number };
  console.log(JSON.stringify({ msg: 'listening', url: `ws://127.0.0.1:${port}` }));
});
process.on('SIGTERM', () => process.exit(0));
