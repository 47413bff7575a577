/**
 * AmqpTransport against real connection faults, in one process: an unreachable broker (a
 * port nobody listens on) and `rabbitmqctl close_connection` on one transport's connection.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { Call } from '../../src/protocol/call.ts';
import { ErrorCode, resultBody } from 'warren-client/protocol';
import { methodQueue } from '../../src/protocol/routing.ts';
import { AmqpTransport, type AmqpTransportOptions } from '../../src/transport/AmqpTransport.ts';
import type { Logger } from '../../src/log.ts';
import { AMQP_URL, needsBroker, uniqueName, queueState, withChannel } from '../helpers/broker.ts';
import { gate, sleep, waitFor, withTimeout, type Gate } from '../helpers/async.ts';
import { TcpProxy } from '../helpers/TcpProxy.ts';
import { closeConnections } from './rabbitmqctl.ts';

interface Logged {
  level: string;
  obj: Record<string, unknown>;
  msg: string | undefined;
}

function recordingLogger(lines: Logged[]): Logger {
  const at = (level: string) => (obj: object | string, msg?: string) =>
    lines.push({ level, obj: typeof obj === 'string' ? {} : (obj as Record<string, unknown>), msg: typeof obj === 'string' ? obj : msg });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A loopback port with nothing listening on it: connecting is refused at once. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function call(method: string, timeoutMs: number): Call {
  return { method, params: '{}', deadline: Date.now() + timeoutMs, principal: null };
}

/** request() as a promise of the parsed body, plus how many bodies arrived in all. */
function ask(transport: AmqpTransport, c: Call) {
  const bodies: string[] = [];
  const startedAt = Date.now();
  let answeredAt = 0;
  const first = new Promise<{ result?: unknown; error?: { code: number } }>((resolve) => {
    transport.request(c, (body) => {
      bodies.push(body);
      answeredAt ||= Date.now();
      resolve(JSON.parse(body));
    });
  });
  return { first, bodies, elapsed: () => answeredAt - startedAt };
}

describe('AmqpTransport: reconnect with backoff', () => {
  it('waits below a ceiling that doubles after each failed attempt (full jitter), and holds calls meanwhile, then answers UNAVAILABLE', async () => {
    const lines: Logged[] = [];
    const transport = new AmqpTransport({
      url: `amqp://guest:guest@127.0.0.1:${await deadPort()}`,
      reconnectSeconds: 0.05,
      maxReconnectSeconds: 0.4,
      reconnectHoldMs: 300,
      log: recordingLogger(lines),
    });
    transport.start();
    try {
      await waitFor(() => lines.filter((l) => l.msg === 'RabbitMQ unreachable; retrying').length >= 6, 10_000, 'six failed attempts');
      const delays = lines.filter((l) => l.msg === 'RabbitMQ unreachable; retrying').map((l) => l.obj.retryInMs as number);
      // Attempt n waits uniformly below min(400, 50 * 2^n) ms (full jitter, warren-client's backoffDelay).
      for (const [n, delay] of delays.slice(0, 6).entries()) {
        const ceiling = Math.min(400, 50 * 2 ** n);
        assert.ok(Number.isInteger(delay) && delay >= 0 && delay < ceiling, `attempt ${n} waited ${delay} ms, ceiling ${ceiling} ms`);
      }
      assert.equal(transport.isReady(), false);
      const asked = ask(transport, call('nobody.listens', 5_000));
      assert.equal(transport.pendingCount, 1, 'held');
      assert.equal((await withTimeout(asked.first, 2_000, 'the answer')).error?.code, ErrorCode.UNAVAILABLE);
      assert.ok(asked.elapsed() >= 290 && asked.elapsed() < 600, `answered after ${asked.elapsed()} ms, hold 300 ms`);
      assert.equal(transport.pendingCount, 0, 'nothing left once the hold is over');
    } finally {
      await transport.close();
    }
  });

  it('rejects bad backoff options with a TypeError naming them', () => {
    const bad: [AmqpTransportOptions, RegExp][] = [
      [{ reconnectSeconds: 0 }, /reconnectSeconds/],
      [{ maxReconnectSeconds: -1 }, /maxReconnectSeconds/],
      [{ reconnectSeconds: 2, maxReconnectSeconds: 1 }, /maxReconnectSeconds/],
      [{ heartbeatSeconds: Number.NaN }, /heartbeatSeconds/],
      [{ reconnectHoldMs: -1 }, /reconnectHoldMs/],
      [{ maxHeldCalls: 0 }, /maxHeldCalls/],
      [{ url: 'http://127.0.0.1:5672' }, /amqp:\/\//],
      [{ url: ' , ' }, /no AMQP URL/],
    ];
    for (const [options, name] of bad) assert.throws(() => new AmqpTransport(options), (err: Error) => err instanceof TypeError && name.test(err.message));
  });
});

describe('AmqpTransport: rabbitmqctl close_connection', { ...(await needsBroker()), timeout: 60_000 }, () => {
  const tag = uniqueName('reconn');
  const made: AmqpTransport[] = [];
  const gates: Gate[] = [];
  const methods: string[] = [];

  function transport(role: string, options: AmqpTransportOptions = {}): AmqpTransport {
    const t = new AmqpTransport({ url: AMQP_URL, connectionName: `test ${role} ${tag}`, ...options });
    made.push(t);
    t.start();
    return t;
  }

  after(async () => {
    for (const g of gates) g.open();
    await Promise.all(made.map((t) => withTimeout(t.close(), 10_000, 'close()')));
    await withChannel(async (channel) => {
      for (const method of methods) await channel.deleteQueue(methodQueue(method));
    });
  });

  it('re-creates exactly one consumer per method and keeps serving', async () => {
    const method = uniqueName('reconn.count');
    methods.push(method);
    const lines: Logged[] = [];
    const worker = transport('worker-count', { reconnectSeconds: 0.1, log: recordingLogger(lines) });
    const caller = transport('caller-count');
    const losses = () => lines.filter((l) => l.msg === 'disconnected from RabbitMQ; reconnecting').length;
    await Promise.all([worker.whenReady(10_000), caller.whenReady(10_000)]);
    await worker.serve(method, async () => resultBody('ok'));
    assert.equal((await queueState(methodQueue(method))).consumers, 1);
    for (let round = 0; round < 3; round++) {
      assert.equal(await closeConnections((name) => name === `test worker-count ${tag}`), 1);
      // Its log, not isReady(): the first wait before reconnecting may be close to 0 ms (full jitter).
      await waitFor(() => losses() === round + 1, 5_000, 'the worker to notice');
      await withTimeout(worker.whenReady(10_000), 11_000, 'the worker to reconnect');
      const asked = ask(caller, call(method, 5_000));
      assert.equal((await withTimeout(asked.first, 6_000, 'the answer')).result, 'ok');
    }
    await sleep(300);
    assert.equal((await queueState(methodQueue(method))).consumers, 1, 'one consumer after three reconnects');
  });

  it('a call in flight when the caller reconnects gets its reply, once, after the reconnect', async () => {
    const method = uniqueName('reconn.kept');
    methods.push(method);
    const worker = transport('worker-kept');
    const lines: Logged[] = [];
    const caller = transport('caller-kept', { reconnectSeconds: 0.1, log: recordingLogger(lines) });
    await Promise.all([worker.whenReady(10_000), caller.whenReady(10_000)]);
    const release = gate();
    gates.push(release);
    let started = false;
    await worker.serve(method, async () => {
      started = true;
      await release.promise;
      return resultBody('after the reconnect');
    });
    const asked = ask(caller, call(method, 20_000));
    await waitFor(() => started, 5_000, 'the handler to start');
    assert.equal(await closeConnections((name) => name === `test caller-kept ${tag}`), 1);
    // Its log, not isReady(): the first wait before reconnecting may be close to 0 ms (full jitter).
    await waitFor(() => lines.some((l) => l.msg === 'disconnected from RabbitMQ; reconnecting'), 5_000, 'the caller to notice');
    assert.equal(caller.pendingCount, 1, 'the call stays pending through the outage');
    await withTimeout(caller.whenReady(10_000), 11_000, 'the caller to reconnect');
    release.open();
    assert.equal((await withTimeout(asked.first, 5_000, 'the reply')).result, 'after the reconnect');
    await sleep(200);
    assert.equal(asked.bodies.length, 1);
    assert.equal(caller.pendingCount, 0);
  });

  /** A caller whose connection goes through a proxy in front of the broker: cut it, refuse its reconnects. */
  async function callerBehindProxy(role: string, options: AmqpTransportOptions = {}) {
    const proxy = new TcpProxy();
    await proxy.listen(Number(new URL(AMQP_URL).port || 5672));
    const lines: Logged[] = [];
    const caller = transport(role, { url: `amqp://guest:guest@127.0.0.1:${new URL(proxy.url).port}`, reconnectSeconds: 0.1, log: recordingLogger(lines), ...options });
    return { proxy, caller, lines, replyQueue: () => lines.filter((l) => l.msg === 'reply queue declared').at(-1)?.obj.queue as string };
  }

  it('a reply sent while the caller is disconnected waits in its reply queue and reaches the caller once it is back, once', async () => {
    const method = uniqueName('reconn.kept');
    methods.push(method);
    const worker = transport('worker-waits');
    const { proxy, caller } = await callerBehindProxy('caller-waits', { reconnectHoldMs: 10_000 });
    await Promise.all([worker.whenReady(10_000), caller.whenReady(10_000)]);
    const release = gate();
    gates.push(release);
    let replied = false;
    await worker.serve(method, async () => {
      await release.promise;
      replied = true;
      return resultBody('kept for you');
    });
    const asked = ask(caller, call(method, 8_000));
    await sleep(200);
    proxy.refusing = true;
    assert.equal(await closeConnections((name) => name === `test caller-waits ${tag}`), 1);
    await waitFor(() => !caller.isReady(), 5_000, 'the caller to notice');
    release.open();
    await waitFor(() => replied, 5_000, 'the worker to reply');
    await sleep(300);
    assert.equal(asked.bodies.length, 0, 'no answer while disconnected');
    proxy.refusing = false;
    const body = await withTimeout(asked.first, 6_000, 'the answer');
    assert.equal(body.result, 'kept for you');
    assert.ok(asked.elapsed() < 8_000, `answered after ${asked.elapsed()} ms, before the deadline`);
    await sleep(200);
    assert.equal(asked.bodies.length, 1);
    assert.equal(caller.pendingCount, 0);
    await caller.close();
    await proxy.close();
  });

  it('a reply queue gone while the caller was away: at its return the call is answered UNAVAILABLE at once, an idempotent one published again', async () => {
    const method = uniqueName('reconn.gone');
    methods.push(method);
    const worker = transport('worker-gone');
    const { proxy, caller, replyQueue } = await callerBehindProxy('caller-gone', { reconnectHoldMs: 10_000 });
    await Promise.all([worker.whenReady(10_000), caller.whenReady(10_000)]);
    const release = gate();
    gates.push(release);
    const runs = new Map<string, number>();
    let replies = 0;
    await worker.serve(method, async ({ call: c }) => {
      const runsOf = (runs.get(c.params) ?? 0) + 1;
      runs.set(c.params, runsOf);
      if (runsOf === 1) await release.promise;
      replies++;
      return resultBody({ params: c.params, run: runsOf });
    });
    const plain = ask(caller, { ...call(method, 15_000), params: '"plain"' });
    const idempotent = { bodies: [] as string[] };
    const again = new Promise<{ result?: unknown; error?: { code: number } }>((resolve) => {
      caller.request({ ...call(method, 15_000), params: '"idempotent"' }, (body) => {
        idempotent.bodies.push(body);
        resolve(JSON.parse(body));
      }, { bounded: false, idempotent: true, schema: undefined, value: undefined });
    });
    await waitFor(() => runs.size === 2, 5_000, 'both calls to start');
    const queue = replyQueue();
    assert.ok(queue?.startsWith('warren.reply.'), `the reply queue is logged (${queue})`);
    proxy.refusing = true;
    assert.equal(await closeConnections((name) => name === `test caller-gone ${tag}`), 1);
    await waitFor(() => !caller.isReady(), 5_000, 'the caller to notice');
    // What the loss of a node or an expiry does to the queue: it is gone, with the replies sent to it.
    await withChannel((channel) => channel.deleteQueue(queue));
    release.open();
    await waitFor(() => replies === 2, 5_000, 'the worker to reply into nothing');
    await sleep(100);
    const backAt = Date.now();
    proxy.refusing = false;
    const body = await withTimeout(plain.first, 5_000, 'the plain call');
    assert.equal(body.error?.code, ErrorCode.UNAVAILABLE, JSON.stringify(body));
    assert.ok(Date.now() - backAt < 3_000, `answered ${Date.now() - backAt} ms after the broker came back, deadline 15 s`);
    const republished = await withTimeout(again, 5_000, 'the idempotent call');
    assert.deepEqual(republished.result, { params: '"idempotent"', run: 2 }, 'published again and run again');
    assert.equal(runs.get('"plain"'), 1, 'the other call was not published again');
    await sleep(200);
    assert.equal(plain.bodies.length, 1);
    assert.equal(idempotent.bodies.length, 1);
    assert.equal(caller.pendingCount, 0);
    await caller.close();
    await proxy.close();
  });
});
