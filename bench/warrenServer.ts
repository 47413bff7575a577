/**
 * `warren serve|gateway|worker` for the benchmark: the same wiring as src/cli/main.ts
 * (transport, Worker, Gateway, the same ready log lines and SIGTERM shutdown), through
 * Warren's public server API, with two gateway limits the CLI cannot set yet:
 *
 * - `frameRate`/`frameBurst`: the default per-connection limit (200 requests/s) refuses a
 *   load generator by design, so 1 × 1 could not exceed 200 calls/s. Set far above any load
 *   here, so the limiter still runs on every frame (its cost is measured) but never refuses.
 * - `maxConnections`: the default (10 000) is below the 15k idle-socket capacity target.
 *
 * Usage: node --import tsx bench/warrenServer.ts <serve|gateway|worker> --transport <memory|amqp>
 * Once the CLI takes these limits as flags, systems.ts can start bin/warren.js instead.
 */
import { parseArgs } from 'node:util';
import { AmqpTransport, createLogger, Gateway, MemoryTransport, Worker, type Transport } from '../src/server.ts';
import { contracts, implementations } from './service.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    transport: { type: 'string', default: 'memory' },
    port: { type: 'string', default: '0' },
    'max-connections': { type: 'string', default: '20000' },
  },
});
const command = positionals[0];
if (command !== 'serve' && command !== 'gateway' && command !== 'worker') throw new Error('usage: warrenServer.ts <serve|gateway|worker>');
const kind = values.transport;
if (kind !== 'memory' && kind !== 'amqp') throw new Error('--transport: memory or amqp');

const log = createLogger(`warren-${command}`);
const transport: Transport =
  kind === 'amqp' ? new AmqpTransport({ log, connectionName: `warren bench ${command} ${process.pid}` }) : new MemoryTransport();
transport.start();
const stops: (() => Promise<void>)[] = [];

if (command !== 'gateway') {
  const worker = new Worker({ transport, implementations, log });
  await worker.start();
  stops.push(() => worker.stop());
  if (kind === 'amqp') await transport.whenReady(30_000);
  log.info('worker consuming');
}
if (command !== 'worker') {
  const gateway = new Gateway({
    transport,
    contracts,
    log,
    frameRate: 1_000_000_000,
    frameBurst: 1_000_000_000,
    maxConnections: Number(values['max-connections']),
  });
  const address = await gateway.listen(Number(values.port), '127.0.0.1');
  stops.unshift(() => gateway.close());
  log.info({ url: `ws://127.0.0.1:${address.port}/rpc` }, 'gateway listening');
}

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(1), 10_000).unref();
  void (async () => {
    for (const stop of stops) await stop().catch(() => {});
    await transport.close().catch(() => {});
    process.exit(0);
  })();
});
