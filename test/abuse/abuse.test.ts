/**
 * Abuse: hostile clients against one gateway, each refused cleanly, while an honest client on
 * the same gateway keeps calling; after every scenario its calls must all have succeeded and
 * kept coming. Real loopback sockets, the memory transport in this process.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { ErrorCode } from 'warren-client/protocol';
import { FrameSocket } from '../helpers/FrameSocket.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import { authenticateBearer, guardedImplementation } from './guardedService.ts';
import { SteadyCaller } from './SteadyCaller.ts';

const SERVICE = 'abuse';
const GUARDED = 'abg';
const g = (name: string) => `${GUARDED}.${name}`;
const ORIGIN = 'https://app.example';
const LIMITS = {
  frameRate: 100,
  frameBurst: 200,
  rateLimitCloseMs: 1000,
  handshakeTimeoutMs: 2000,
  maxPendingUpgrades: 2000,
  allowedOrigins: [ORIGIN],
};
const HALF_OPEN = 1000;

const request = (id: unknown, method: string, params?: unknown) => ({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Collects `count` answers (batch answers count per item); rejects after `timeoutMs`. */
async function answers(socket: FrameSocket, count: number, timeoutMs = 10_000): Promise<any[]> {
  const out: any[] = [];
  const until = Date.now() + timeoutMs;
  while (out.length < count) {
    const frame = await socket.next(Math.max(1, until - Date.now()));
    out.push(...(Array.isArray(frame) ? frame : [frame]));
  }
  return out;
}

describe('abuse: hostile clients while an honest client keeps calling', () => {
  let stack: Stack;
  let honest: SteadyCaller;
  const timings: string[] = [];
  const sockets = new Set<FrameSocket>();

  async function open(headers: Record<string, string> = {}): Promise<FrameSocket> {
    const socket = new FrameSocket(stack.url, { headers });
    sockets.add(socket);
    await socket.opened;
    return socket;
  }

  /** Runs one scenario; then the honest client must have made calls during and after it, all good. */
  async function scenario(name: string, run: () => Promise<string | void>): Promise<void> {
    const okBefore = honest.ok;
    const from = honest.latencies.length;
    const started = performance.now();
    const note = await run();
    const tookMs = performance.now() - started;
    await waitFor(() => honest.ok >= okBefore + 3, 10_000, 'the honest client to get answers');
    assert.deepEqual(honest.failures, [], 'every call of the honest client succeeds');
    timings.push(`${name}: ${tookMs.toFixed(0)} ms${note ? ` (${note})` : ''}; honest calls ${honest.ok - okBefore}, slowest ${honest.maxLatency(from).toFixed(1)} ms`);
  }

  before(async () => {
    stack = await startStack({
      service: SERVICE,
      implementations: [guardedImplementation(GUARDED)],
      gateway: { ...LIMITS, authenticate: authenticateBearer },
    });
    honest = await SteadyCaller.start(stack.url, { echoMethod: `${SERVICE}.echo`, headers: { origin: ORIGIN, authorization: 'Bearer reader-token' } });
  });

  after(async () => {
    await honest?.stop();
    for (const socket of sockets) socket.ws.terminate();
    await stack?.close();
    console.log(`abuse timings:\n  ${timings.join('\n  ')}\n  honest client: ${honest?.ok} calls, ${honest?.failures.length} failures`);
  });

  it('closes a socket that sends a frame over maxPayload with 1009', () =>
    scenario('oversize frame (1.1 MiB)', async () => {
      const socket = await open();
      socket.send(request(1, `${SERVICE}.echo`, { value: 'x'.repeat(1.1 * 1024 * 1024) }));
      assert.equal((await socket.closed).code, 1009);
    }));

  it('refuses a batch of 10k items with one -32600 and keeps the socket', () =>
    scenario('batch of 10k items', async () => {
      const socket = await open();
      const batch = Array.from({ length: 10_000 }, (_, i) => request(i, `${SERVICE}.add`, [i, 1]));
      const reply = await socket.request(batch);
      assert.ok(!Array.isArray(reply), 'one error object, not an answer per item');
      assert.equal(reply.error.code, ErrorCode.INVALID_REQUEST);
      assert.equal(reply.id, null);
      assert.equal((await socket.request(request('after', `${SERVICE}.add`, [1, 1]))).result, 2);
    }));

  it('answers a flood over the rate limit with -32003, drops its notifications, and closes with 1008 if it persists', () =>
    scenario('rate-limit flood', async () => {
      const socket = await open();
      const flood = 400;
      for (let i = 0; i < flood; i++) socket.send(request(i, `${SERVICE}.add`, [i, 1]));
      const replies = await answers(socket, flood);
      const refused = replies.filter((r) => r.error?.code === ErrorCode.OVERLOADED).length;
      const ok = replies.filter((r) => r.result === r.id + 1).length;
      assert.equal(ok + refused, flood, 'each request is answered: a result or -32003');
      assert.ok(refused > 0 && ok >= LIMITS.frameBurst, `burst admitted, excess refused (ok ${ok}, refused ${refused})`);
      for (let i = 0; i < 100; i++) socket.send({ jsonrpc: '2.0', method: `${SERVICE}.echo`, params: { value: i } });
      assert.ok(await socket.silentFor(300), 'notifications over the limit are dropped, never answered');
      assert.equal(socket.ws.readyState, socket.ws.OPEN, 'a first offence is not a disconnect');

      await sleep(1500); // a quiet spell ends the episode and refills the bucket
      assert.equal((await socket.request(request('calm', `${SERVICE}.add`, [1, 2]))).result, 3);
      const started = performance.now();
      const pump = setInterval(() => {
        if (socket.ws.readyState !== socket.ws.OPEN) return;
        for (let i = 0; i < 50; i++) socket.send({ jsonrpc: '2.0', method: `${SERVICE}.echo`, params: { value: i } });
      }, 20);
      try {
        const closed = await Promise.race([socket.closed, sleep(10_000).then(() => ({ code: -1 }))]);
        assert.equal(closed.code, 1008, 'persistent abuse closes with 1008 (policy violation)');
      } finally {
        clearInterval(pump);
      }
      return `${ok} ok + ${refused} refused of ${flood}; persistent flood closed after ${(performance.now() - started).toFixed(0)} ms`;
    }));

  it(`cuts ${HALF_OPEN} slow half-open upgrades at the handshake timeout while a new client connects and calls`, () =>
    scenario(`${HALF_OPEN} half-open upgrades`, async () => {
      const port = Number(new URL(stack.url).port);
      const stalled: Socket[] = [];
      const cut: Promise<number>[] = [];
      const started = performance.now();
      try {
        // In waves, so the listen backlog does not turn the test into a SYN-retry timing test.
        for (let wave = 0; wave < HALF_OPEN; wave += 200) {
          await Promise.all(
            Array.from({ length: Math.min(200, HALF_OPEN - wave) }, () => {
              const socket = connect(port, '127.0.0.1');
              socket.on('error', () => {});
              stalled.push(socket);
              cut.push(new Promise((resolve) => socket.once('close', () => resolve(performance.now()))));
              return new Promise<void>((resolve) =>
                socket.once('connect', () => {
                  socket.write('GET /rpc HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n');
                  resolve();
                }),
              );
            }),
          );
        }
        const openedMs = performance.now() - started;
        await waitFor(() => stack.gateway.stats.pendingUpgrades >= HALF_OPEN * 0.9, 5000, 'the gateway to hold the stalled handshakes');
        const peak = stack.gateway.stats.pendingUpgrades;
        const newcomer = await open({ origin: ORIGIN });
        assert.equal((await newcomer.request(request('new', `${SERVICE}.add`, [20, 22]))).result, 42);
        const closedAt = await Promise.race([Promise.all(cut), sleep(15_000).then(() => null)]);
        assert.ok(closedAt, 'every stalled handshake is closed by the gateway');
        const lastCutMs = Math.max(...closedAt) - started;
        // The gateway forgets a connection on its 'close' event, which may trail the client's.
        await waitFor(() => stack.gateway.stats.pendingUpgrades === 0, 5000, 'the gateway to forget the stalled handshakes');
        assert.equal((await newcomer.request(request('still', `${SERVICE}.add`, [1, 1]))).result, 2);
        return `opened in ${openedMs.toFixed(0)} ms, peak ${peak} pending, last cut ${lastCutMs.toFixed(0)} ms after the first connect (timeout ${LIMITS.handshakeTimeoutMs} ms)`;
      } finally {
        for (const socket of stalled) socket.destroy();
      }
    }));

  it('refuses an upgrade with bad credentials with 401 and a wrong origin with 403', () =>
    scenario('401 and 403 upgrades', async () => {
      for (const token of ['nope', '__proto__', 'constructor']) {
        await assert.rejects(open({ authorization: `Bearer ${token}` }), /HTTP 401/);
      }
      await assert.rejects(open({ origin: 'https://evil.example' }), /HTTP 403/);
      await assert.rejects(open({ origin: 'null' }), /HTTP 403/);
      const allowed = await open({ origin: ORIGIN, authorization: 'Bearer admin-token' });
      assert.equal((await allowed.request(request(1, g('open'), {}))).result.principal, 'admin');
    }));

  it('refuses role-restricted methods to anonymous callers and wrong roles with -32002', () =>
    scenario('roles', async () => {
      const anonymous = await open();
      const reader = await open({ authorization: 'Bearer reader-token' });
      const admin = await open({ authorization: 'Bearer admin-token' });
      const odd = await open({ authorization: 'Bearer odd-token' });
      const code = async (socket: FrameSocket, method: string, params: unknown) => {
        const reply = await socket.request(request(method, g(method), params));
        return reply.error ? reply.error.code : 'ok';
      };
      assert.equal(await code(anonymous, 'adminOnly', { n: 1 }), ErrorCode.UNAUTHORIZED);
      assert.equal(await code(anonymous, 'readers', {}), ErrorCode.UNAUTHORIZED);
      assert.equal(await code(anonymous, 'open', {}), 'ok');
      assert.equal(await code(reader, 'adminOnly', { n: 1 }), ErrorCode.UNAUTHORIZED);
      assert.equal(await code(reader, 'adminOnly', { n: 'not a number' }), ErrorCode.UNAUTHORIZED, 'roles are checked before params');
      assert.equal(await code(reader, 'readers', {}), 'ok');
      assert.equal(await code(admin, 'adminOnly', { n: 1 }), 'ok');
      assert.equal(await code(admin, 'readers', {}), 'ok');
      assert.equal(await code(odd, 'adminOnly', { n: 1 }), ErrorCode.UNAUTHORIZED, 'roles must be an array of strings');
    }));

  it('keeps prototypes clean whatever __proto__, constructor and prototype keys arrive', () =>
    scenario('prototype pollution', async () => {
      const before = { object: Object.getOwnPropertyNames(Object.prototype), array: Object.getOwnPropertyNames(Array.prototype) };
      const socket = await open();
      const hostile = '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"prototype":{"polluted":true}}';
      const frames = [
        `{"jsonrpc":"2.0","id":1,"method":"${g('inspect')}","params":${hostile}}`,
        `{"jsonrpc":"2.0","id":2,"method":"${g('inspectRecord')}","params":{"map":${hostile}}}`,
        `{"jsonrpc":"2.0","id":3,"method":"${SERVICE}.echo","params":{"value":${hostile}}}`,
        `[{"jsonrpc":"2.0","id":4,"method":"${g('inspect')}","params":${hostile}},{"__proto__":{"jsonrpc":"2.0","id":5,"method":"${g('inspect')}"}}]`,
        `{"jsonrpc":"2.0","id":{"__proto__":{"polluted":true}},"method":"${g('inspect')}"}`,
        `{"__proto__":{"jsonrpc":"2.0","id":6,"method":"${g('inspect')}"}}`,
        `{"jsonrpc":"2.0","id":7,"method":"__proto__"}`,
        `{"jsonrpc":"2.0","id":8,"method":"rpc.constructor"}`,
        `{"jsonrpc":"2.0","id":9,"method":"rpc.subscribe","params":{"__proto__":{"event":"${SERVICE}.shouted"}}}`,
      ];
      const replies = new Map<unknown, any>();
      for (const frame of frames) {
        const reply = await socket.request(frame);
        for (const item of Array.isArray(reply) ? reply : [reply]) replies.set(item.id, item);
      }
      const clean = { plainPrototype: true, inherited: [], polluted: false };
      assert.deepEqual(replies.get(1).result, clean);
      assert.deepEqual(replies.get(2).result, clean);
      assert.deepEqual(replies.get(4).result, clean);
      assert.equal(replies.get(3).result.value.__proto__.polluted, true, 'an own "__proto__" member is data, echoed as data');
      assert.equal(replies.get(null).error.code, ErrorCode.INVALID_REQUEST, 'a batch item or an id hidden in "__proto__" is not a request');
      assert.equal(replies.get(7).error.code, ErrorCode.METHOD_NOT_FOUND);
      assert.equal(replies.get(8).error.code, ErrorCode.METHOD_NOT_FOUND);
      assert.equal(replies.get(9).error.code, ErrorCode.INVALID_PARAMS);
      assert.ok(!('polluted' in {}) && !('polluted' in []));
      assert.deepEqual(Object.getOwnPropertyNames(Object.prototype), before.object);
      assert.deepEqual(Object.getOwnPropertyNames(Array.prototype), before.array);
    }));

  it('answers deeply nested JSON with a JSON-RPC error and keeps serving', () =>
    scenario('deeply nested JSON', async () => {
      const socket = await open();
      const depth = 200_000;
      const cases = [
        '['.repeat(depth) + ']'.repeat(depth),
        `{"jsonrpc":"2.0","id":"deep-array","method":"${SERVICE}.echo","params":{"value":${'['.repeat(depth)}${']'.repeat(depth)}}}`,
        `{"jsonrpc":"2.0","id":"deep-object","method":"${SERVICE}.echo","params":{"value":${'{"a":'.repeat(depth / 4)}1${'}'.repeat(depth / 4)}}}`,
        `{"jsonrpc":"2.0","id":"deep-open","method":"${SERVICE}.echo","params":{"value":${'['.repeat(depth)}}}`,
      ];
      const codes = [];
      for (const frame of cases) {
        const reply = await socket.request(frame, 10_000);
        const item = Array.isArray(reply) ? reply[0] : reply;
        assert.ok([ErrorCode.PARSE_ERROR, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_PARAMS].includes(item.error?.code), JSON.stringify(item).slice(0, 200));
        codes.push(item.error.code);
      }
      assert.equal((await socket.request(request('after', `${SERVICE}.add`, [2, 2]))).result, 4);
      return `codes ${codes.join(', ')}`;
    }));
});
