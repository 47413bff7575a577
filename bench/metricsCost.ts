/**
 * What counting one call costs, in isolation: the gateway's part (GatewayMetrics.track: the
 * wrapper, the outcome read off the response, a counter and a histogram) and the worker's
 * (MethodMetrics.handled: a counter and a histogram, with its clock), per call, in a tight
 * loop. A companion to the whole-system comparison (`--systems warren-amqp,warren-amqp-nometrics,…`),
 * whose noise on a shared machine is larger than this cost.
 *
 *   node --import tsx bench/metricsCost.ts
 */
import { Registry } from 'prom-client';
import { resultBody, spliceReply } from 'warren-client/protocol';
import { GatewayMetrics } from '../src/metrics/GatewayMetrics.ts';
import { WorkerMetrics } from '../src/metrics/WorkerMetrics.ts';

const gauges = { connections: () => 0, inFlight: () => 0, subscriptions: () => 0, transportReady: () => true, reconnects: () => 0 };
const gateway = new GatewayMetrics({ registry: new Registry(), methods: ['bench.echo'], events: [], declaredCodes: [], gauges });
const worker = new WorkerMetrics(new Registry(), []).method('bench.echo');
const body = resultBody({ seq: 1, text: 'hello' });
const responses = Array.from({ length: 1024 }, (_, i) => spliceReply(i, body));
const noop = () => {};

const cases: Record<string, (n: number) => void> = {
  'gateway: track + answer': (n) => {
    for (let i = 0; i < n; i++) gateway.track('bench.echo', i & 1023, 0, noop)(responses[i & 1023]!);
  },
  'worker: handled': (n) => {
    for (let i = 0; i < n; i++) worker.handled(body, performance.now());
  },
  'one performance.now()': (n) => {
    let x = 0;
    for (let i = 0; i < n; i++) x += performance.now();
    if (x < 0) console.log(x);
  },
};

const N = 2_000_000;
for (const [name, fn] of Object.entries(cases)) {
  fn(N / 5);
  const t = performance.now();
  fn(N);
  console.log(`${name.padEnd(26)} ${(((performance.now() - t) * 1000) / N).toFixed(3)} µs/call`);
}
