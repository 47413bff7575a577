/**
 * The `warren` command, and the one place that wires gateway, worker and transport together.
 *
 *   warren serve   --service <module>   gateway and workers in one process
 *   warren gateway --service <module>   the gateway alone (needs only the contracts)
 *   warren worker  --service <module>   workers alone
 *   warren codegen --service <module> --out <dir>   typed SDK, JSON Schemas, OpenRPC, AsyncAPI
 *   warren check   --service <module>   contract evolution: fail on breaking changes (check.ts)
 *   warren init    <dir>                a new project (init.ts)
 */
import { parseArgs } from 'node:util';
import { BundleError } from '../../codegen/bundle.ts';
import { Gateway } from '../gateway/Gateway.ts';
import { createLogger } from '../log.ts';
import { isQueueType } from '../protocol/routing.ts';
import { AmqpTransport, DEFAULT_RECONNECT_HOLD_MS } from '../transport/AmqpTransport.ts';
import { EXIT_QUEUE_TYPE_MISMATCH, isQueueTypeMismatch } from '../transport/queueTypeMismatch.ts';
import { MemoryTransport } from '../transport/MemoryTransport.ts';
import type { Transport } from '../transport/Transport.ts';
import { Worker } from '../worker/Worker.ts';
import { runBundle } from './bundle.ts';
import { runCheck } from './check.ts';
import { runCodegen } from './codegen.ts';
import { flagOf, GATEWAY_FLAGS, GATEWAY_USAGE, parseGatewayFlags } from './gatewayFlags.ts';
import { runInit } from './init.ts';
import { loadService, UsageError } from './loadService.ts';
import { createMetricsRegistry } from '../metrics/registry.ts';
import { serveMetrics } from '../metrics/serveMetrics.ts';

const USAGE = `Usage: warren <serve|gateway|worker> --service <module> [options]
       warren codegen --service <module> --out <dir> [--runtime-import <specifier>] [--js] [--check]
       warren bundle --entry <sdk> --out <file>   (warren bundle --help for its options)
       warren check --service <module> [--lock <file>] [--against <git-ref>] [--update] [--json]
                    (warren check --help for its options)
       warren init <dir> [--name <package-name>]   a new project: contract, handlers, test, SDK, CI

Options:
  --service <module>     module exporting "contracts" (and "implementations" for serve/worker);
                         serve and gateway use its "authenticate", "authorize" and
                         "authorizeSubscribe" exports, if any, as the gateway's access hooks
  --port <n>             gateway port (default: $PORT or 3000; 0 picks a free port)
  --host <addr>          gateway address (default: 127.0.0.1)
  --transport <kind>     memory | amqp (default: amqp when $AMQP_URL or --amqp-url is set, else memory)
  --amqp-url <url>       a RabbitMQ node; repeat it, or give a comma-separated list, for a cluster
                         (default: $AMQP_URL, else amqp://guest:guest@127.0.0.1:5672)
  --reconnect-hold-ms <ms>  how long a call waits for a lost broker connection before UNAVAILABLE
                         (default ${DEFAULT_RECONNECT_HOLD_MS}; 0 answers UNAVAILABLE at once)
  --max-held-calls <n>   most calls waiting for the broker connection at once (default 10000)
  --prefetch <n>         calls each worker consumer holds at once (default 32)
  --max-deliveries <n>   deliveries of one call before a worker dead-letters it (default 5)
  --queue-type <type>    serve, worker: classic | quorum, the type of the method queues whose
                         contract sets none (default classic; quorum for a cluster: docs/cluster.md)
  --reply-queue-type <type>  serve, gateway: classic | quorum, the type of the reply queue (default
                         classic; quorum keeps the replies of calls in flight through a node loss)
  --no-metrics           serve, gateway: no Prometheus metrics at GET /metrics (default: served)
  --status               serve, gateway: a live status page at GET /status, drawn from the metrics
                         (default: off; needs the metrics, so not with --no-metrics)
  --metrics-port <n>     worker: serve Prometheus metrics at http://<host>:<n>/metrics (0 picks a
                         free port; default: no metrics)
  --metrics-host <addr>  worker: the address of --metrics-port (default: 127.0.0.1)
  --out <dir>            codegen: output directory (the SDK, schemas/, openrpc.json, asyncapi.json)
  --runtime-import <s>   codegen: import specifier of Warren's client runtime in the SDK (default warren-client)
  --js                   codegen: the SDK as client.js and client.d.ts instead of client.ts
  --check                codegen: write nothing; exit 1 with a diff summary when <dir> is stale
  -h, --help             show this help

Gateway limits (serve and gateway; the defaults suit most deployments):
${GATEWAY_USAGE}

Environment: PORT, AMQP_URL (one URL or a comma-separated list; default amqp://guest:guest@127.0.0.1:5672
with --transport amqp), LOG_LEVEL`;

function parsePort(raw: string | undefined): number {
  const value = raw ?? process.env.PORT ?? '3000';
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new UsageError(`Invalid port "${value}": use an integer 0-65535`);
  return port;
}

function parsePositive(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`Invalid ${name} "${raw}": use a positive integer`);
  return n;
}

function parseNonNegative(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n)) throw new UsageError(`Invalid ${name} "${raw}": use an integer 0 or more`);
  return n;
}

async function main(argv: string[]): Promise<void> {
  // check has options of its own; it parses them itself.
  if (argv[0] === 'check') {
    process.exitCode = await runCheck(argv.slice(1));
    return;
  }
  if (argv[0] === 'init') {
    process.exitCode = await runInit(argv.slice(1));
    return;
  }
  if (argv[0] === 'bundle') {
    process.exitCode = await runBundle(argv.slice(1));
    return;
  }
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      service: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      transport: { type: 'string' },
      'amqp-url': { type: 'string', multiple: true },
      'reconnect-hold-ms': { type: 'string' },
      'max-held-calls': { type: 'string' },
      prefetch: { type: 'string' },
      'max-deliveries': { type: 'string' },
      'queue-type': { type: 'string' },
      'reply-queue-type': { type: 'string' },
      'no-metrics': { type: 'boolean' },
      status: { type: 'boolean' },
      'metrics-port': { type: 'string' },
      'metrics-host': { type: 'string' },
      out: { type: 'string' },
      'runtime-import': { type: 'string' },
      check: { type: 'boolean' },
      js: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      ...GATEWAY_FLAGS,
    },
  });
  const command = positionals[0];
  if (values.help || !command) {
    console.log(USAGE);
    return;
  }
  if (command === 'codegen') {
    process.exitCode = await runCodegen(values);
    return;
  }
  if (!['serve', 'gateway', 'worker'].includes(command)) throw new UsageError(`Unknown command "${command}"\n\n${USAGE}`);
  if (!values.service) throw new UsageError(`--service <module> is required\n\n${USAGE}`);
  const amqpUrls = values['amqp-url'];
  const kind = values.transport ?? (process.env.AMQP_URL || amqpUrls ? 'amqp' : 'memory');
  if (kind !== 'memory' && kind !== 'amqp') throw new UsageError(`Invalid --transport "${kind}": use memory or amqp`);
  if (kind === 'memory' && command !== 'serve') {
    throw new UsageError(`"warren ${command}" runs apart from its peers, which needs a broker: add --transport amqp`);
  }
  const port = command === 'worker' ? 0 : parsePort(values.port);
  const prefetch = parsePositive('prefetch', values.prefetch);
  const reconnectHoldMs = parseNonNegative('reconnect-hold-ms', values['reconnect-hold-ms']);
  const maxHeldCalls = parsePositive('max-held-calls', values['max-held-calls']);
  const maxDeliveries = parsePositive('max-deliveries', values['max-deliveries']);
  const queueType = values['queue-type'];
  if (queueType !== undefined && !isQueueType(queueType)) throw new UsageError(`Invalid --queue-type "${queueType}": use classic or quorum`);
  if (queueType !== undefined && command === 'gateway') {
    throw new UsageError('--queue-type is a worker option: a gateway declares no method queues (use it with serve or worker)');
  }
  if (queueType !== undefined && kind === 'memory') throw new UsageError('--queue-type needs RabbitMQ: add --transport amqp');
  const replyQueueType = values['reply-queue-type'];
  if (replyQueueType !== undefined && !isQueueType(replyQueueType)) {
    throw new UsageError(`Invalid --reply-queue-type "${replyQueueType}": use classic or quorum`);
  }
  if (replyQueueType !== undefined && command === 'worker') {
    throw new UsageError('--reply-queue-type is a caller option: a worker makes no calls (use it with serve or gateway)');
  }
  if (replyQueueType !== undefined && kind === 'memory') throw new UsageError('--reply-queue-type needs RabbitMQ: add --transport amqp');
  const metricsPort = values['metrics-port'] === undefined ? undefined : parsePort(values['metrics-port']);
  if (metricsPort !== undefined && command !== 'worker') {
    throw new UsageError(`--metrics-port is a worker option: "warren ${command}" serves /metrics on its own port (--no-metrics turns it off)`);
  }
  if (values['metrics-host'] !== undefined && metricsPort === undefined) throw new UsageError('--metrics-host needs --metrics-port');
  if (values['no-metrics'] && command === 'worker') throw new UsageError('--no-metrics is a gateway option: a worker keeps metrics only with --metrics-port');
  if (values.status && command === 'worker') throw new UsageError('--status is a gateway option: use it with serve or gateway');
  if (values.status && values['no-metrics']) throw new UsageError("--status reads the gateway's metrics: it cannot run with --no-metrics");
  const wantMetrics = command === 'worker' ? metricsPort !== undefined : !values['no-metrics'];
  const limits = parseGatewayFlags(values);
  const misplaced = Object.keys(limits)[0];
  if (command === 'worker' && misplaced) throw new UsageError(`${flagOf(misplaced)} is a gateway limit: use it with serve or gateway`);
  const service = await loadService(values.service, command !== 'gateway');

  const log = createLogger(`warren-${command}`);
  let transport: Transport;
  try {
    transport =
      kind === 'amqp'
        ? new AmqpTransport({
            log,
            connectionName: `warren ${command} ${process.pid}`,
            ...(amqpUrls ? { url: amqpUrls } : {}),
            ...(reconnectHoldMs === undefined ? {} : { reconnectHoldMs }),
            ...(maxHeldCalls === undefined ? {} : { maxHeldCalls }),
            ...(queueType ? { queueType } : {}),
            ...(replyQueueType ? { replyQueueType } : {}),
          })
        : new MemoryTransport();
  } catch (err) {
    // A URL that is no amqp:// URL, in --amqp-url or AMQP_URL.
    if (err instanceof TypeError) throw new UsageError(err.message.replace(/^url:/, 'AMQP URL:'));
    throw err;
  }
  transport.start();
  log.info(
    { transport: kind },
    kind === 'memory'
      ? 'transport: memory (embedded, in-process; set AMQP_URL or --transport amqp to use RabbitMQ)'
      : 'transport: amqp (RabbitMQ)',
  );

  // One registry for the process: in `serve`, gateway and worker series side by side.
  const metrics = wantMetrics ? createMetricsRegistry() : undefined;
  const stops: (() => Promise<void>)[] = [];
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, pendingCalls: transport.pendingCount }, 'shutting down');
    // Past the gateway's grace (5 s) and the worker's (10 s), something hangs: give up.
    const force = setTimeout(() => process.exit(1), 20_000);
    force.unref();
    for (const stop of stops) await stop().catch((err) => log.error({ err }, 'error while stopping'));
    await transport.close().catch(() => {});
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  // The worker's consumers are registered first, so that /readyz waits for them too; they start
  // consuming whenever the broker is reachable.
  const worker =
    command === 'gateway'
      ? undefined
      : new Worker({
          transport,
          implementations: service.implementations,
          log,
          ...(metrics ? { metrics } : {}),
          ...(prefetch ? { prefetch } : {}),
          ...(maxDeliveries ? { maxDeliveries } : {}),
        });
  if (worker) {
    await worker.start();
    stops.push(() => worker.stop());
  }
  // The gateway listens at once, broker or not: /healthz 200, /readyz and upgrades 503 until it is ready.
  if (command !== 'worker') {
    let gateway: Gateway;
    try {
      // The service module's `web` export (the example's chat page): served at / with its SDK.
      // Its access hooks decide who the callers are and what they may call or subscribe to.
      gateway = new Gateway({
        transport,
        contracts: service.contracts,
        log,
        discovery: true,
        web: service.web,
        ...service.access,
        ...(metrics ? { metrics } : {}),
        ...(values.status ? { status: true } : {}),
        ...limits,
      });
    } catch (err) {
      // The flags were checked already: what is left is the module's web page.
      if (err instanceof TypeError) throw new UsageError(err.message);
      throw err;
    }
    const address = await gateway.listen(port, values.host ?? '127.0.0.1').catch((err: unknown) => {
      // The page was asked for: a gateway without it would look healthy and serve a 404.
      throw err instanceof BundleError ? new UsageError(`web page: ${err.message}`) : err;
    });
    stops.unshift(() => gateway.close());
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const hooks = Object.keys(service.access);
    log.info({ access: hooks }, hooks.length ? `access hooks from the service module: ${hooks.join(', ')}` : 'no access hooks: every caller is anonymous');
    if (service.web) log.info({ page: `http://${host}:${address.port}/` }, `web page on http://${host}:${address.port}/`);
    if (values.status) log.info({ status: `http://${host}:${address.port}/status` }, `status page on http://${host}:${address.port}/status`);
    log.info({ url: `ws://${host}:${address.port}/rpc` }, `gateway listening on ws://${host}:${address.port}/rpc`);
  }
  let metricsUrl: string | undefined;
  if (command === 'worker' && metrics && metricsPort !== undefined) {
    const server = await serveMetrics(metrics, metricsPort, values['metrics-host'] ?? '127.0.0.1');
    stops.push(() => server.close());
    metricsUrl = server.url;
    log.info({ metrics: metricsUrl }, `metrics on ${metricsUrl}`);
  }
  if (worker) {
    if (kind === 'amqp' && !transport.isReady()) {
      log.info('waiting for RabbitMQ before consuming');
      await transport.whenReady(Number.POSITIVE_INFINITY);
    }
    if (stopping) return;
    const methods = service.implementations.flatMap((i) => Object.keys(i.contract.methods).map((m) => `${i.contract.service}.${m}`));
    log.info({ methods, ...(metricsUrl ? { metrics: metricsUrl } : {}) }, 'worker consuming');
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError || (err as { code?: string }).code?.startsWith?.('ERR_PARSE_ARGS')) {
    console.error(`warren: ${(err as Error).message}`);
    process.exit(2);
  }
  if (isQueueTypeMismatch(err)) {
    // Restarting cannot help: the queue keeps its type until an operator moves it.
    console.error(`warren: ${err.message}`);
    process.exit(EXIT_QUEUE_TYPE_MISMATCH);
  }
  if ((err as { code?: string }).code === 'EADDRINUSE') {
    console.error(`warren: port already in use: ${(err as Error).message}`);
    process.exit(2);
  }
  console.error(err);
  process.exit(1);
});
