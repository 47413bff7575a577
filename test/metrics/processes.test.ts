/**
 * Metrics of `warren gateway` and `warren worker --metrics-port 0` as separate processes on the
 * real RabbitMQ: both scrapes, parsed with a text-format parser, match the calls the test made.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { FrameSocket } from '../helpers/FrameSocket.ts';
import { needsBroker, uniqueName } from '../helpers/broker.ts';
import { logLines, waitReady, WarrenProcesses, type WarrenProcess } from '../helpers/processes.ts';
import { family, scrape, value } from '../helpers/metrics.ts';
import { TESTKIT_ENV, testkitContract } from '../helpers/testkit.ts';

const svc = uniqueName('metrics');

describe('warren gateway + warren worker --metrics-port 0 on RabbitMQ', { ...(await needsBroker()), timeout: 60_000 }, () => {
  const group = new WarrenProcesses({
    module: fileURLToPath(new URL('../helpers/testkitService.ts', import.meta.url)),
    contract: testkitContract(svc),
    env: { [TESTKIT_ENV]: svc },
  });
  let gateway: WarrenProcess;
  let quiet: WarrenProcess;
  let worker: WarrenProcess;
  let workerMetrics: string;

  before(async () => {
    [gateway, quiet, worker] = await Promise.all([group.start('gateway'), group.start('gateway', ['--no-metrics']), group.start('worker', ['--metrics-port', '0'])]);
    await waitReady(gateway.http!);
    workerMetrics = logLines(worker, 'worker consuming')[0]!.metrics as string;
  });

  after(async () => {
    await group.stopAll();
    await group.deleteQueues().catch(() => {});
  });

  it('the worker serves /metrics on 127.0.0.1 and says where in its ready line', () => {
    assert.match(workerMetrics, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  });

  it('gateway and worker count the calls by method and code', async () => {
    const socket = await FrameSocket.open(gateway.url!);
    let id = 0;
    const call = (method: string, params: unknown) => socket.request({ jsonrpc: '2.0', id: ++id, method, params }, 10_000);
    for (let i = 0; i < 5; i++) assert.ok((await call(`${svc}.echo`, { value: i })).result);
    for (let i = 0; i < 2; i++) assert.equal((await call(`${svc}.fail`, { reason: 'r' })).error.code, 4001);
    assert.equal((await call(`${svc}.boom`, {})).error.code, -32603);
    assert.equal((await call(`${svc}.echo`, { nope: 1 })).error.code, -32602);
    assert.equal((await call(`${svc}.missing`, {})).error.code, -32601);
    socket.close();
    await socket.closed;

    const g = await scrape(`${gateway.http}/metrics`);
    const calls = (method: string, code: string) => value(g, 'warren_gateway_calls_total', { method, code });
    assert.equal(calls(`${svc}.echo`, 'ok'), 5);
    assert.equal(calls(`${svc}.echo`, '-32602'), 1);
    assert.equal(calls(`${svc}.fail`, '4001'), 2);
    assert.equal(calls(`${svc}.boom`, '-32603'), 1);
    assert.equal(calls('(unknown)', '-32601'), 1);
    assert.equal(family(g, 'warren_gateway_call_duration_seconds')?.type, 'HISTOGRAM');
    assert.equal(value(g, 'warren_gateway_transport_ready'), 1);
    assert.equal(value(g, 'warren_gateway_broker_reconnects_total'), 0);
    assert.equal(value(g, 'warren_gateway_connections_opened_total'), 1);
    assert.ok(family(g, 'process_resident_memory_bytes'));

    // The worker never saw the calls the gateway refused (-32602, -32601).
    const w = await scrape(workerMetrics);
    const ran = (method: string, outcome: string) => value(w, 'warren_worker_calls_total', { method, outcome });
    assert.equal(ran(`${svc}.echo`, 'ok'), 5);
    assert.equal(ran(`${svc}.fail`, '4001'), 2);
    assert.equal(ran(`${svc}.boom`, '-32603'), 1);
    assert.equal(value(w, 'warren_worker_dead_letters_total', { method: `${svc}.echo` }), 0);
    assert.equal(value(w, 'warren_worker_redeliveries_total', { method: `${svc}.echo` }), 0);
    assert.equal(family(w, 'warren_worker_handler_duration_seconds')?.type, 'HISTOGRAM');
    assert.equal(family(w, 'warren_gateway_calls_total'), undefined);
  });

  it('a gateway started with --no-metrics has no /metrics', async () => {
    const response = await fetch(`${quiet.http}/metrics`, { signal: AbortSignal.timeout(5000) });
    assert.equal(response.status, 404);
    await response.arrayBuffer();
  });
});
