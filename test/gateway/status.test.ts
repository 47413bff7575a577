/**
 * The status page over real loopback sockets (memory transport): off by default; refused
 * without metrics; /status.json counts the calls the test made, by method and code, agrees
 * with the /metrics scrape of the same registry, and forgets calls once they leave the window.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { FrameSocket } from '../helpers/FrameSocket.ts';
import { startStack, stackForBlock } from '../helpers/stack.ts';
import { sleep } from '../helpers/async.ts';
import { scrape, value } from '../helpers/metrics.ts';
import { Gateway } from '../../src/gateway/Gateway.ts';
import { MemoryTransport } from '../../src/transport/MemoryTransport.ts';
import { STATUS_CSP } from '../../src/gateway/statusHtml.ts';
import type { StatusReport } from '../../src/metrics/GatewayStatus.ts';

async function get(url: string): Promise<Response> {
  return fetch(url, { signal: AbortSignal.timeout(5000) });
}

async function report(http: string): Promise<StatusReport> {
  const response = await get(`${http}/status.json`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(response.headers.get('cache-control'), 'no-store');
  assert.equal(response.headers.get('access-control-allow-origin'), null);
  return (await response.json()) as StatusReport;
}

/** Polls /status.json until `holds` is true of it; the last report otherwise, in the error. */
async function reportWhen(http: string, holds: (r: StatusReport) => boolean, ms: number, what: string): Promise<StatusReport> {
  const until = Date.now() + ms;
  let last: StatusReport;
  do {
    last = await report(http);
    if (holds(last)) return last;
    await sleep(50);
  } while (Date.now() < until);
  throw new Error(`${what} not seen within ${ms} ms: ${JSON.stringify(last)}`);
}

describe('new Gateway({ status })', () => {
  const transport = new MemoryTransport();
  it('is off by default: /status and /status.json are 404, /metrics is served', async () => {
    const stack = await startStack({ gateway: { metrics: true } });
    try {
      for (const path of ['/status', '/status.json']) {
        const response = await get(`${stack.http}${path}`);
        assert.equal(response.status, 404, path);
        await response.arrayBuffer();
      }
      assert.equal((await get(`${stack.http}/metrics`)).status, 200);
    } finally {
      await stack.close();
    }
  });

  it('refuses status without metrics, and a bad window, with a TypeError naming the option', () => {
    assert.throws(() => new Gateway({ transport, contracts: [], status: true }), { name: 'TypeError', message: /status needs metrics/ });
    assert.throws(() => new Gateway({ transport, contracts: [], metrics: true, status: { windowMs: 10 } }), { name: 'TypeError', message: /status\.windowMs must be an integer from 1000/ });
    assert.throws(() => new Gateway({ transport, contracts: [], metrics: true, status: 'yes' as never }), { name: 'TypeError', message: /status must be a boolean/ });
  });
});

describe('GET /status and GET /status.json', { timeout: 60_000 }, () => {
  // A window far longer than the test: every call it makes is still in it.
  const stack = stackForBlock({ gateway: { metrics: true, status: { windowMs: 600_000 } } });
  const sockets: FrameSocket[] = [];
  after(() => {
    for (const socket of sockets) socket.close();
  });
  let id = 0;
  const call = (socket: FrameSocket, method: string, params?: unknown) => socket.request({ jsonrpc: '2.0', id: ++id, method, params });

  it('serves the page with a CSP that allows only its own script and style', async () => {
    const response = await get(`${stack.http}/status`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(response.headers.get('content-security-policy'), STATUS_CSP);
    assert.match(STATUS_CSP, /default-src 'none'; script-src 'sha256-[^']+'; style-src 'sha256-[^']+'; connect-src 'self'/);
    const html = await response.text();
    assert.match(html, /fetch\('status\.json'/);
    assert.doesNotMatch(html, /<script src|<link |https?:\/\//, 'nothing loads from elsewhere');
  });

  it('counts the calls the test made, by method and code, as /metrics does', async () => {
    const m = (name: string) => `${stack.service}.${name}`;
    const socket = await FrameSocket.open(stack.url);
    sockets.push(socket);
    for (let i = 0; i < 3; i++) assert.ok((await call(socket, m('echo'), { value: i })).result);
    socket.send({ jsonrpc: '2.0', method: m('echo'), params: { value: 'n' } });
    assert.equal((await call(socket, m('add'), [1, 2])).result, 3);
    assert.equal((await call(socket, m('add'), [2, 2])).result, 4);
    assert.equal((await call(socket, m('add'), ['x'])).error.code, -32602);
    assert.equal((await call(socket, m('fail'), { reason: 'no' })).error.code, 4001);
    assert.equal((await call(socket, m('boom'), {})).error.code, -32603);
    assert.equal((await call(socket, 'nobody.declares', {})).error.code, -32601);
    assert.equal((await call(socket, 'rpc.subscribe', { event: m('shouted') })).result, true);
    // A call held in flight while the report is read.
    socket.send({ jsonrpc: '2.0', id: 'held', method: m('sleep'), params: { ms: 400, id: 'held' } });

    const status = await reportWhen(stack.http, (r) => r.methods.some((x) => x.method === m('echo') && x.codes.notification === 1) && r.inFlight === 1, 5000, 'the notification and the held call');
    const method = (name: string) => status.methods.find((x) => x.method === name);
    assert.deepEqual(method(m('echo'))?.codes, { ok: 3, notification: 1 });
    assert.equal(method(m('echo'))?.calls, 4);
    assert.equal(method(m('echo'))?.errors, 0);
    assert.deepEqual(method(m('add'))?.codes, { ok: 2, '-32602': 1 });
    assert.equal(method(m('add'))?.errors, 1);
    assert.deepEqual(method(m('fail'))?.codes, { '4001': 1 });
    assert.deepEqual(method(m('boom'))?.codes, { '-32603': 1 });
    assert.deepEqual(method('(unknown)')?.codes, { '-32601': 1 });
    assert.deepEqual(method('rpc.subscribe')?.codes, { ok: 1 });
    // Only methods with calls in the window; the one in flight has not been answered yet.
    assert.deepEqual(status.methods.map((x) => x.method).sort(), [m('add'), m('boom'), m('echo'), m('fail'), '(unknown)', 'rpc.subscribe'].sort());
    assert.equal(status.methods[0]!.method, m('echo'), 'busiest first');

    const code = (c: string) => status.codes.find((x) => x.code === c);
    assert.equal(status.codes[0]!.code, 'ok');
    assert.deepEqual(code('ok'), { code: 'ok', name: null, answers: 6, perSecond: 6 / status.windowSeconds });
    assert.equal(code('-32602')?.name, 'INVALID_PARAMS');
    assert.equal(code('-32603')?.name, 'INTERNAL_ERROR');
    assert.equal(code('-32601')?.name, 'METHOD_NOT_FOUND');
    assert.deepEqual(code('4001'), { code: '4001', name: 'Refused', answers: 1, perSecond: 1 / status.windowSeconds });
    assert.equal(code('notification'), undefined, 'a notification is no answer');
    assert.equal(status.calls.count, 4 + 3 + 1 + 1 + 1 + 1);

    assert.ok(status.windowSeconds > 0 && status.windowSeconds < 60, String(status.windowSeconds));
    for (const x of status.methods) assert.equal(x.perSecond, x.calls / status.windowSeconds);
    for (const x of status.methods.filter((x) => x.method !== m('echo') || x.codes.ok)) {
      assert.ok(x.p50 !== null && x.p99 !== null, x.method);
      assert.ok(x.p50 > 0 && x.p50 <= x.p99 && x.p99 <= 30, `${x.method}: ${x.p50} ${x.p99}`);
    }
    assert.equal(status.connections, 1);
    assert.equal(status.subscriptions, 1);
    assert.deepEqual(status.transport, { kind: 'memory', ready: true, reconnects: 0, reconnectsInWindow: 0 });

    // The same registry: its scrape says the same, call for call.
    const families = await scrape(`${stack.http}/metrics`);
    for (const x of status.methods) {
      for (const [c, n] of Object.entries(x.codes)) assert.equal(value(families, 'warren_gateway_calls_total', { method: x.method, code: c }), n, `${x.method} ${c}`);
    }
    assert.equal(value(families, 'warren_gateway_connections'), status.connections);

    assert.equal((await socket.next()).id, 'held');
    const settled = await report(stack.http);
    assert.equal(settled.inFlight, 0);
    assert.deepEqual(settled.methods.find((x) => x.method === m('sleep'))?.codes, { ok: 1 });
  });
});

describe('the window', { timeout: 30_000 }, () => {
  it('holds recent calls only: they leave it once the window has passed', async () => {
    const stack = await startStack({ gateway: { metrics: true, status: { windowMs: 1000 } } });
    try {
      const socket = await FrameSocket.open(stack.url);
      for (let i = 0; i < 5; i++) assert.equal((await socket.request({ jsonrpc: '2.0', id: i, method: 'rpc.ping' })).result, 'pong');
      const now = await report(stack.http);
      assert.equal(now.methods.find((x) => x.method === 'rpc.ping')?.calls, 5);
      // A reading is kept every second: two more, and the calls are before the oldest one kept.
      const later = await reportWhen(stack.http, (r) => r.methods.length === 0, 10_000, 'an empty window');
      assert.ok(later.windowSeconds >= 1 && later.windowSeconds < 5, String(later.windowSeconds));
      assert.deepEqual(later.codes, []);
      assert.equal(later.calls.perSecond, 0);
      assert.equal(later.connections, 1, 'gauges are now, not over the window');
      socket.close();
    } finally {
      await stack.close();
    }
  });
});
