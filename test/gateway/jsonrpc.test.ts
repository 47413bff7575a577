/**
 * The gateway's JSON-RPC 2.0 behaviour, frame by frame, over real loopback sockets.
 * Raw frames through FrameSocket, never the SDK, so what is asserted is the wire itself.
 */
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { defineContract } from '../../src/contract/defineContract.ts';
import { implement } from '../../src/contract/implement.ts';
import { ErrorCode } from '../../src/protocol/codes.ts';
import { FrameSocket } from '../helpers/FrameSocket.ts';
import { startStack, type Stack, type StackOptions } from '../helpers/stack.ts';

const SERVICE = 'jrpc';
const m = (name: string) => `${SERVICE}.${name}`;
const SHOUTED = m('shouted');

/** Sockets opened by the running test; afterEach closes them. */
const opened = new Set<FrameSocket>();

async function connect(url: string, options?: ConstructorParameters<typeof FrameSocket>[1]): Promise<FrameSocket> {
  const socket = new FrameSocket(url, options);
  opened.add(socket);
  await socket.opened;
  return socket;
}

async function withStack(options: Omit<StackOptions, 'service'>, run: (stack: Stack) => Promise<void>): Promise<void> {
  const stack = await startStack({ ...options, service: SERVICE });
  try {
    await run(stack);
  } finally {
    await stack.close();
  }
}

function request(id: unknown, method: string, params?: unknown, extra: Record<string, unknown> = {}) {
  return { jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }), ...extra };
}

function notification(method: string, params?: unknown) {
  return { jsonrpc: '2.0', method, ...(params === undefined ? {} : { params }) };
}

/** Reads frames until one is the response with this id; the frames before it are returned too. */
async function until(socket: FrameSocket, id: unknown, timeoutMs = 10_000): Promise<{ response: any; before: any[] }> {
  const before: any[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const frame = await socket.next(Math.max(1, deadline - Date.now()));
    if (!Array.isArray(frame) && frame.id === id && ('result' in frame || 'error' in frame)) return { response: frame, before };
    before.push(frame);
  }
}

/** A request whose reply must be the very next frame: proves nothing else was sent in between. */
async function assertNextIsSentinel(socket: FrameSocket, tag: string): Promise<void> {
  const reply = await socket.request(request(`sentinel-${tag}`, m('echo'), { value: tag }));
  assert.equal(reply.id, `sentinel-${tag}`, `expected the sentinel reply, got ${JSON.stringify(reply)}`);
  assert.deepEqual(reply.result.value, tag);
}

function assertError(frame: any, code: number, id: unknown = frame.id): void {
  assert.ok(frame && typeof frame === 'object' && !Array.isArray(frame), `expected one response object, got ${JSON.stringify(frame)}`);
  assert.equal(frame.jsonrpc, '2.0');
  assert.ok(Object.hasOwn(frame, 'id'), 'an error response always carries an id');
  assert.deepEqual(frame.id, id);
  assert.ok(!Object.hasOwn(frame, 'result'), 'an error response has no result');
  assert.equal(typeof frame.error?.message, 'string');
  assert.equal(frame.error.code, code, `expected code ${code}, got ${JSON.stringify(frame.error)}`);
}

function sortIds(ids: unknown[]): unknown[] {
  return [...ids].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

function assertIssues(error: any): void {
  const issues = error?.data?.issues;
  assert.ok(Array.isArray(issues), `error.data.issues must be an array, got ${JSON.stringify(error)}`);
  for (const issue of issues) {
    assert.deepEqual(Object.keys(issue).sort(), ['code', 'message', 'path']);
    assert.equal(typeof issue.code, 'string');
    assert.equal(typeof issue.message, 'string');
    assert.ok(Array.isArray(issue.path));
  }
}

describe('JSON-RPC 2.0 gateway', () => {
  afterEach(async () => {
    const closing = [...opened].map((socket) => {
      socket.ws.terminate();
      return socket.closed;
    });
    opened.clear();
    await Promise.all(closing);
  });

  let stack: Stack;
  before(async () => {
    stack = await startStack({ service: SERVICE, gateway: { maxBatch: 8 } });
  });
  after(() => stack.close());

  describe('id', () => {
    const ids: unknown[] = [0, '', 'a string id', 'ünïcödé 🐇', -1, 1.5, -0.25, Number.MAX_SAFE_INTEGER, 1e21, 12345678901234567890, null];
    for (const id of ids) {
      it(`echoes ${JSON.stringify(id)} exactly on a result`, async () => {
        const socket = await connect(stack.url);
        const reply = await socket.request(request(id, m('echo'), { value: 'x' }));
        assert.ok(Object.hasOwn(reply, 'id'));
        assert.deepEqual(reply.id, id);
        assert.deepEqual(reply.result.value, 'x');
        assert.ok(!Object.hasOwn(reply, 'error'));
      });
    }

    it('echoes the id on errors: unknown method, invalid params, handler error', async () => {
      const socket = await connect(stack.url);
      assertError(await socket.request(request(0, 'nope.nothing')), ErrorCode.METHOD_NOT_FOUND, 0);
      assertError(await socket.request(request('', m('add'), ['x', 1])), ErrorCode.INVALID_PARAMS, '');
      assertError(await socket.request(request(2.5, m('boom'), {})), ErrorCode.INTERNAL_ERROR, 2.5);
    });

    it('echoes a readable id on an otherwise invalid request', async () => {
      const socket = await connect(stack.url);
      assertError(await socket.request({ jsonrpc: '2.0', id: 'kept' }), ErrorCode.INVALID_REQUEST, 'kept');
      assertError(await socket.request({ jsonrpc: '1.0', id: 7, method: m('echo') }), ErrorCode.INVALID_REQUEST, 7);
    });
  });

  describe('notification (no id)', () => {
    it('runs and is never answered', async () => {
      const socket = await connect(stack.url);
      assert.equal((await socket.request(request(1, 'rpc.subscribe', { event: SHOUTED, topic: 'note' }))).result, true);
      socket.send(notification(m('shout'), { topic: 'note', text: 'ran as a notification' }));
      const pushed = await socket.next();
      assert.deepEqual(pushed, {
        jsonrpc: '2.0',
        method: SHOUTED,
        params: { topic: 'note', payload: { text: 'ran as a notification', pid: process.pid } },
      });
      await assertNextIsSentinel(socket, 'after-notification');
      assert.ok(await socket.silentFor(200), 'a notification must never be answered');
    });

    it('gets no answer for an unknown method, an unknown rpc.* method, bad params or a failing handler', async () => {
      const socket = await connect(stack.url);
      socket.send(notification('nope.nothing'));
      socket.send(notification('rpc.nothing'));
      socket.send(notification(m('add'), { not: 'positional' }));
      socket.send(notification(m('echo'), [1, 2]));
      socket.send(notification(m('boom'), {}));
      socket.send(notification(m('wrongShape'), {}));
      socket.send(notification(m('fail'), { reason: 'x' }));
      await assertNextIsSentinel(socket, 'after-bad-notifications');
      assert.ok(await socket.silentFor(200));
    });
  });

  describe('batch', () => {
    it('answers mixed requests as one array frame, notifications omitted, ids matched', async () => {
      const socket = await connect(stack.url);
      socket.send([
        request(1, m('sleep'), { ms: 100, id: 'batch' }),
        request('two', m('add'), [2, 3]),
        notification(m('echo'), { value: 'notified' }),
        request(3, m('echo'), { value: 'three' }),
        request(4, 'nope.nothing'),
        request(5, m('fail'), { reason: 'in a batch' }),
        notification('nope.nothing'),
      ]);
      const frame = await socket.next();
      assert.ok(Array.isArray(frame), 'a batch is answered with one array');
      assert.equal(frame.length, 5);
      const byId = new Map(frame.map((response: any) => [response.id, response]));
      assert.deepEqual(sortIds([...byId.keys()]), sortIds([1, 3, 4, 5, 'two']));
      assert.deepEqual(byId.get(1).result, { sleptMs: byId.get(1).result.sleptMs });
      assert.equal(byId.get('two').result, 5);
      assert.equal(byId.get(3).result.value, 'three');
      assertError(byId.get(4), ErrorCode.METHOD_NOT_FOUND, 4);
      assertError(byId.get(5), 4001, 5);
      for (const response of frame) assert.equal(response.jsonrpc, '2.0');
      assert.ok(await socket.silentFor(200), 'one frame for the whole batch');
    });

    it('answers invalid entries of a batch individually with -32600', async () => {
      const socket = await connect(stack.url);
      socket.send([1, 'x', null, { jsonrpc: '2.0', id: 'no-method' }, { foo: 'bar' }, request('ok', m('add'), [1, 1])]);
      const frame = await socket.next();
      assert.ok(Array.isArray(frame));
      assert.equal(frame.length, 6);
      const ok = frame.filter((response: any) => response.id === 'ok');
      assert.equal(ok.length, 1);
      assert.equal(ok[0].result, 2);
      const errors = frame.filter((response: any) => response.id !== 'ok');
      for (const error of errors) assert.equal(error.error.code, ErrorCode.INVALID_REQUEST);
      assert.deepEqual(sortIds(errors.map((e: any) => e.id)), sortIds([null, null, null, null, 'no-method']));
    });

    it('answers an empty array with one -32600 object, not an array, id null', async () => {
      const socket = await connect(stack.url);
      const frame = await socket.request([]);
      assert.ok(!Array.isArray(frame));
      assertError(frame, ErrorCode.INVALID_REQUEST, null);
    });

    it('sends no frame at all for a batch of only notifications', async () => {
      const socket = await connect(stack.url);
      socket.send([notification(m('echo'), { value: 1 }), notification(m('add'), [1, 2]), notification('nope.nothing')]);
      await assertNextIsSentinel(socket, 'after-notification-batch');
      assert.ok(await socket.silentFor(200));
    });

    it('refuses a batch larger than maxBatch with one -32600 and runs none of it', async () => {
      const socket = await connect(stack.url);
      assert.equal((await socket.request(request(0, 'rpc.subscribe', { event: SHOUTED, topic: 'toolarge' }))).result, true);
      const entries = Array.from({ length: 9 }, (_, i) => request(i, m('shout'), { topic: 'toolarge', text: `n${i}` }));
      const frame = await socket.request(entries);
      assert.ok(!Array.isArray(frame));
      assertError(frame, ErrorCode.INVALID_REQUEST, null);
      await assertNextIsSentinel(socket, 'after-large-batch');
      assert.ok(await socket.silentFor(200), 'no entry of a refused batch ran');
    });

    it('accepts a batch of exactly maxBatch', async () => {
      const socket = await connect(stack.url);
      const frame = await socket.request(Array.from({ length: 8 }, (_, i) => request(i, m('add'), [i, i])));
      assert.ok(Array.isArray(frame));
      assert.deepEqual(frame.map((r: any) => [r.id, r.result]).sort((a: any, b: any) => a[0] - b[0]), Array.from({ length: 8 }, (_, i) => [i, 2 * i]));
    });
  });

  describe('invalid frames', () => {
    it('-32700 with id null for invalid JSON', async () => {
      const socket = await connect(stack.url);
      for (const text of ['{', '{"jsonrpc":"2.0","id":1,"method":"x"', 'not json', '[1,', '']) {
        assertError(await socket.request(text), ErrorCode.PARSE_ERROR, null);
      }
    });

    it('-32600 for wrong jsonrpc, missing method, params as a string, id as an object', async () => {
      const socket = await connect(stack.url);
      const cases: [unknown, unknown][] = [
        [{ jsonrpc: '1.0', id: 1, method: m('echo') }, 1],
        [{ jsonrpc: 2.0, id: 2, method: m('echo') }, 2],
        [{ id: 3, method: m('echo') }, 3],
        [{ jsonrpc: '2.0', id: 4 }, 4],
        [{ jsonrpc: '2.0', id: 5, method: '' }, 5],
        [{ jsonrpc: '2.0', id: 6, method: 42 }, 6],
        [{ jsonrpc: '2.0', id: 7, method: m('echo'), params: 'a string' }, 7],
        [{ jsonrpc: '2.0', id: 8, method: m('echo'), params: 8 }, 8],
        [{ jsonrpc: '2.0', id: 9, method: m('echo'), params: null }, 9],
        [{ jsonrpc: '2.0', id: { an: 'object' }, method: m('echo') }, null],
        [{ jsonrpc: '2.0', id: [1], method: m('echo') }, null],
        [{ jsonrpc: '2.0', id: true, method: m('echo') }, null],
        [{ jsonrpc: '2.0', id: 10, method: m('echo'), params: {}, timeoutMs: -5 }, 10],
        [{ jsonrpc: '2.0', id: 11, method: m('echo'), params: {}, timeoutMs: 'soon' }, 11],
        [42, null],
        ['"a string"', null],
        [null, null],
      ];
      for (const [frame, id] of cases) {
        const reply = await socket.request(frame);
        assertError(reply, ErrorCode.INVALID_REQUEST, id);
      }
    });

    it('refuses a binary frame with -32600, keeps the socket open and keeps answering', async () => {
      const socket = await connect(stack.url);
      socket.ws.send(Buffer.from(JSON.stringify(request(1, m('echo'), { value: 'binary' }))), { binary: true });
      const reply = await socket.next();
      assertError(reply, ErrorCode.INVALID_REQUEST, null);
      assert.match(reply.error.message, /binary/i);
      assert.equal(socket.ws.readyState, socket.ws.OPEN);
      await assertNextIsSentinel(socket, 'after-binary');
    });
  });

  describe('method lookup', () => {
    it('-32601 for an unknown method and an unknown rpc.* method', async () => {
      const socket = await connect(stack.url);
      assertError(await socket.request(request(1, 'nope.nothing')), ErrorCode.METHOD_NOT_FOUND, 1);
      assertError(await socket.request(request(2, m('nothing'))), ErrorCode.METHOD_NOT_FOUND, 2);
      assertError(await socket.request(request(3, 'echo')), ErrorCode.METHOD_NOT_FOUND, 3);
      assertError(await socket.request(request(4, 'rpc.nothing')), ErrorCode.METHOD_NOT_FOUND, 4);
      assertError(await socket.request(request(5, 'rpc.discoverx', [])), ErrorCode.METHOD_NOT_FOUND, 5);
      // Inherited object keys are no methods either.
      assertError(await socket.request(request(6, 'constructor')), ErrorCode.METHOD_NOT_FOUND, 6);
      assertError(await socket.request(request(7, '__proto__')), ErrorCode.METHOD_NOT_FOUND, 7);
    });
  });

  describe('params validation', () => {
    it('-32602 with data.issues [{code, path, message}] for wrong params', async () => {
      const socket = await connect(stack.url);
      const reply = await socket.request(request(1, 'math.divide', { dividend: 'ten', divisor: 2 }));
      assertError(reply, ErrorCode.INVALID_PARAMS, 1);
      assertIssues(reply.error);
      assert.deepEqual(
        reply.error.data.issues.map((issue: any) => [issue.code, issue.path]),
        [['invalid_type', ['dividend']]],
      );

      const missing = await socket.request(request(2, m('sleep'), { ms: -1 }));
      assertError(missing, ErrorCode.INVALID_PARAMS, 2);
      assertIssues(missing.error);
      assert.deepEqual(missing.error.data.issues.map((issue: any) => issue.path).sort(), [['id'], ['ms']]);

      const positional = await socket.request(request(3, m('add'), [1, 'two']));
      assertError(positional, ErrorCode.INVALID_PARAMS, 3);
      assertIssues(positional.error);
      assert.deepEqual(positional.error.data.issues.map((issue: any) => issue.path), [[1]]);
    });

    it('-32602 for positional params to a named method and named params to a positional one', async () => {
      const socket = await connect(stack.url);
      const named = await socket.request(request(1, m('add'), { a: 1, b: 2 }));
      assertError(named, ErrorCode.INVALID_PARAMS, 1);
      assertIssues(named.error);
      const positional = await socket.request(request(2, 'math.divide', [10, 2]));
      assertError(positional, ErrorCode.INVALID_PARAMS, 2);
      assertIssues(positional.error);
      // Absent params count as {} for a named method and [] for a positional one.
      assertError(await socket.request(request(3, m('add'))), ErrorCode.INVALID_PARAMS, 3);
      assert.equal((await socket.request(request(4, m('boom')))).error.code, ErrorCode.INTERNAL_ERROR);
    });

    it('names the issue for a positional/named mismatch', async () => {
      const socket = await connect(stack.url);
      const reply = await socket.request(request(1, m('add'), { a: 1, b: 2 }));
      assertError(reply, ErrorCode.INVALID_PARAMS, 1);
      assert.deepEqual(reply.error.data.issues.map((i: { code: string; path: unknown[] }) => [i.code, i.path]), [['invalid_type', []]]);
    });

    it('never puts the raw input value in the error frame', async () => {
      const socket = await connect(stack.url);
      const secret = 'RAW-INPUT-7f3a9c';
      const frames = [
        request(1, 'math.divide', { dividend: secret, divisor: 1 }),
        request(2, m('add'), [secret, 1]),
        request(3, m('add'), [1, 2, secret]),
        request(4, 'chat.join', { room: `${secret} not a room`, user: secret.repeat(10) }),
        request(5, m('echo'), { value: 1, tag: { secret } }),
        request(6, m('add'), { [secret]: secret }),
      ];
      for (const frame of frames) {
        socket.send(frame);
        const text = await socket.nextText();
        assert.equal(JSON.parse(text).error.code, ErrorCode.INVALID_PARAMS, text);
        assert.ok(!text.includes(secret), `input leaked: ${text}`);
        assert.ok(!text.includes('RAW-INPUT'), `input leaked: ${text}`);
      }
    });
  });

  describe('handler errors', () => {
    it('a declared error keeps its code, message and typed data', async () => {
      const socket = await connect(stack.url);
      const reply = await socket.request(request(1, m('fail'), { reason: 'not today' }));
      assert.deepEqual(reply, { jsonrpc: '2.0', id: 1, error: { code: 4001, message: 'Refused', data: { reason: 'not today' } } });
      const example = await socket.request(request(2, 'math.divide', { dividend: 1, divisor: 0 }));
      assert.deepEqual(example.error, { code: 2001, message: 'Division by zero' });
    });

    it('a throwing handler is -32603 "Internal error" with nothing internal leaked', async () => {
      const socket = await connect(stack.url);
      socket.send(request(1, m('boom'), {}));
      const text = await socket.nextText();
      const reply = JSON.parse(text);
      assert.deepEqual(reply, { jsonrpc: '2.0', id: 1, error: { code: ErrorCode.INTERNAL_ERROR, message: 'Internal error' } });
      for (const leak of ['secret internal detail', '/srv/app', 'db.ts', 'stack', 'Error:', '    at ', 'testkit.ts', 'node_modules']) {
        assert.ok(!text.includes(leak), `leaked "${leak}": ${text}`);
      }
    });

    it('a handler returning the wrong shape is -32603', async () => {
      const socket = await connect(stack.url);
      socket.send(request(1, m('wrongShape'), {}));
      const text = await socket.nextText();
      assertError(JSON.parse(text), ErrorCode.INTERNAL_ERROR, 1);
      assert.ok(!text.includes('not a number'), `output leaked: ${text}`);
      assert.ok(!text.includes('issues'), `issues leaked: ${text}`);
    });
  });

  describe('timeouts', () => {
    it('the timeoutMs extension member shorter than the work answers -32000', async () => {
      const socket = await connect(stack.url);
      const started = Date.now();
      const reply = await socket.request(request('t', m('sleep'), { ms: 2500, id: 'short' }, { timeoutMs: 150 }));
      assertError(reply, ErrorCode.TIMEOUT, 't');
      assert.ok(Date.now() - started < 2000, 'answered at the client deadline, not when the work ended');
    });

    it("a method's own timeoutMs applies when the client sets none, and caps a longer one", async () => {
      const socket = await connect(stack.url);
      const started = Date.now();
      socket.send(request('own', m('sleep'), { ms: 8000, id: 'own-deadline' }));
      socket.send(request('longer', m('sleep'), { ms: 8000, id: 'longer-deadline' }, { timeoutMs: 60_000 }));
      const replies = [await socket.next(10_000), await socket.next(10_000)];
      const elapsed = Date.now() - started;
      assert.deepEqual(sortIds(replies.map((reply) => reply.id)), ['longer', 'own']);
      for (const reply of replies) assertError(reply, ErrorCode.TIMEOUT);
      // sleep declares 3000 ms; the gateway default is 10 000.
      assert.ok(elapsed >= 2500 && elapsed < 7000, `timed out after ${elapsed} ms`);
    });

    it("the gateway's defaultTimeoutMs applies to methods that declare none, and only to them", async () => {
      const lag = defineContract({
        service: 'lag',
        methods: { wait: { input: z.object({ ms: z.number().int().min(0) }), output: z.object({ waited: z.number() }) } },
      });
      const lagService = implement(lag, {
        // Stops at the deadline but still returns: the caller must get TIMEOUT all the same.
        wait: async ({ ms }, ctx) => {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, ms);
            ctx.signal.addEventListener('abort', () => {
              clearTimeout(timer);
              resolve();
            });
          });
          return { waited: ms };
        },
      });
      await withStack({ gateway: { defaultTimeoutMs: 200 }, implementations: [lagService] }, async (s) => {
        const socket = await connect(s.url);
        assertError(await socket.request(request(1, 'lag.wait', { ms: 3000 })), ErrorCode.TIMEOUT, 1);
        assert.deepEqual((await socket.request(request(2, 'lag.wait', { ms: 0 }))).result, { waited: 0 });
        // sleep declares 3000 ms, so 600 ms of work outlives the 200 ms default and still succeeds.
        const slept = await socket.request(request(3, m('sleep'), { ms: 600, id: 'declared' }));
        assert.ok(slept.result.sleptMs >= 500, JSON.stringify(slept));
      });
    });
  });

  describe('maxPayload', () => {
    it('closes a socket sending a larger frame with 1009 and keeps serving the others', async () => {
      await withStack({ gateway: { maxPayload: 1024 } }, async (s) => {
        const bystander = await connect(s.url);
        const offender = await connect(s.url);
        assert.equal((await offender.request(request(1, m('echo'), { value: 'x'.repeat(500) }))).result.value.length, 500);
        offender.send(request(2, m('echo'), { value: 'x'.repeat(2000) }));
        const { code } = await offender.closed;
        assert.equal(code, 1009);
        assert.equal((await bystander.request(request(3, m('add'), [1, 2]))).result, 3);
        const fresh = await connect(s.url);
        assert.equal((await fresh.request(request(4, m('add'), [2, 2]))).result, 4);
      });
    });
  });

  describe('rpc.subscribe / rpc.unsubscribe', () => {
    let publisher: FrameSocket;
    let shoutId = 0;
    /** Emits one `shouted` event through another socket and waits until it was published. */
    async function shout(topic: string, text: string): Promise<void> {
      const reply = await publisher.request(request(`shout-${shoutId++}`, m('shout'), { topic, text }));
      assert.deepEqual(reply.result, { ok: true });
    }
    async function subscribe(socket: FrameSocket, params: unknown, method = 'rpc.subscribe'): Promise<any> {
      return socket.request(request(`${method}-${JSON.stringify(params)}`, method, params));
    }

    let subs: Stack;
    before(async () => {
      subs = await startStack({ service: SERVICE, gateway: { maxSubscriptions: 3 } });
    });
    after(() => subs.close());

    it('subscribes by name {event, topic}; a push is a JSON-RPC notification {topic, payload}', async () => {
      publisher = await connect(subs.url);
      const socket = await connect(subs.url);
      assert.deepEqual(await subscribe(socket, { event: SHOUTED, topic: 'lobby' }), {
        jsonrpc: '2.0',
        id: `rpc.subscribe-${JSON.stringify({ event: SHOUTED, topic: 'lobby' })}`,
        result: true,
      });
      await shout('lobby', 'hello');
      const pushed = await socket.next();
      assert.deepEqual(pushed, { jsonrpc: '2.0', method: SHOUTED, params: { topic: 'lobby', payload: { text: 'hello', pid: process.pid } } });
      assert.ok(!Object.hasOwn(pushed, 'id'), 'a push is a notification');
    });

    it('subscribes by position [event, topic]', async () => {
      publisher = await connect(subs.url);
      const socket = await connect(subs.url);
      assert.equal((await subscribe(socket, [SHOUTED, 'pos'])).result, true);
      await shout('pos', 'by position');
      assert.equal((await socket.next()).params.payload.text, 'by position');
      assert.equal((await subscribe(socket, [SHOUTED, 'pos'], 'rpc.unsubscribe')).result, true);
    });

    it('-32602 for an unknown event or an invalid topic', async () => {
      const socket = await connect(subs.url);
      for (const params of [
        { event: 'nope.nothing', topic: 'a' },
        { event: m('echo'), topic: 'a' },
        { topic: 'a' },
        ['nope.nothing'],
        { event: SHOUTED, topic: 'a.b' },
        { event: SHOUTED, topic: '*' },
        { event: SHOUTED, topic: '#' },
        { event: SHOUTED, topic: '' },
        { event: SHOUTED, topic: 'has space' },
        { event: SHOUTED, topic: 'x'.repeat(201) },
        { event: SHOUTED, topic: 5 },
        [SHOUTED, 'a.b'],
      ]) {
        const reply = await subscribe(socket, params);
        assertError(reply, ErrorCode.INVALID_PARAMS);
        assertIssues(reply.error);
        const unsubscribed = await subscribe(socket, params, 'rpc.unsubscribe');
        assertError(unsubscribed, ErrorCode.INVALID_PARAMS);
      }
    });

    it('a socket subscribed to topic A does not get topic B', async () => {
      publisher = await connect(subs.url);
      const socket = await connect(subs.url);
      assert.equal((await subscribe(socket, { event: SHOUTED, topic: 'a' })).result, true);
      await shout('b', 'for b');
      await shout('a', 'for a');
      const pushed = await socket.next();
      assert.equal(pushed.params.topic, 'a');
      assert.equal(pushed.params.payload.text, 'for a');
      assert.ok(await socket.silentFor(200));
    });

    it('without a topic a socket gets every topic', async () => {
      publisher = await connect(subs.url);
      const socket = await connect(subs.url);
      assert.equal((await subscribe(socket, { event: SHOUTED })).result, true);
      await shout('x', 'one');
      await shout('y', 'two');
      assert.deepEqual(
        [await socket.next(), await socket.next()].map((push) => [push.params.topic, push.params.payload.text]),
        [['x', 'one'], ['y', 'two']],
      );
    });

    it('a socket subscribed to a topic and to every topic gets one notification per event', async () => {
      publisher = await connect(subs.url);
      const socket = await connect(subs.url);
      assert.equal((await subscribe(socket, { event: SHOUTED, topic: 'both' })).result, true);
      assert.equal((await subscribe(socket, [SHOUTED])).result, true);
      await shout('both', 'first');
      await shout('both', 'second');
      assert.equal((await socket.next()).params.payload.text, 'first');
      assert.equal((await socket.next()).params.payload.text, 'second', 'the first event came twice');
      assert.ok(await socket.silentFor(200));
    });

    it('pushes nothing after rpc.unsubscribe, which answers true once and then false', async () => {
      publisher = await connect(subs.url);
      const socket = await connect(subs.url);
      const other = await connect(subs.url);
      assert.equal((await subscribe(socket, { event: SHOUTED, topic: 'gone' })).result, true);
      assert.equal((await subscribe(socket, { event: SHOUTED, topic: 'kept' })).result, true);
      assert.equal((await subscribe(other, { event: SHOUTED, topic: 'gone' })).result, true);
      assert.equal((await subscribe(socket, { event: SHOUTED, topic: 'gone' }, 'rpc.unsubscribe')).result, true);
      assert.equal((await subscribe(socket, { event: SHOUTED, topic: 'gone' }, 'rpc.unsubscribe')).result, false);
      await shout('gone', 'after unsubscribe');
      await shout('kept', 'still subscribed');
      assert.equal((await socket.next()).params.payload.text, 'still subscribed');
      // Another socket's subscription to the same topic is untouched.
      assert.equal((await other.next()).params.payload.text, 'after unsubscribe');
    });

    it('answers -32003 beyond maxSubscriptions; a repeated subscription does not count', async () => {
      const socket = await connect(subs.url);
      for (const topic of ['s1', 's2', 's3', 's1']) assert.equal((await subscribe(socket, { event: SHOUTED, topic })).result, true);
      assertError(await subscribe(socket, { event: SHOUTED, topic: 's4' }), ErrorCode.OVERLOADED);
      assertError(await subscribe(socket, { event: SHOUTED }), ErrorCode.OVERLOADED);
      assert.equal((await subscribe(socket, { event: SHOUTED, topic: 's2' }, 'rpc.unsubscribe')).result, true);
      assert.equal((await subscribe(socket, { event: SHOUTED, topic: 's4' })).result, true);
      // The limit is per connection.
      const other = await connect(subs.url);
      assert.equal((await subscribe(other, { event: SHOUTED, topic: 's5' })).result, true);
    });
  });

  describe('maxInFlight', () => {
    it('answers -32003 to a call beyond the limit and lets the others succeed', async () => {
      await withStack({ gateway: { maxInFlight: 2 } }, async (s) => {
        const socket = await connect(s.url);
        for (const id of [1, 2, 3]) socket.send(request(id, m('sleep'), { ms: 300, id: `in-flight-${id}` }));
        const replies = new Map<unknown, any>();
        for (let i = 0; i < 3; i++) {
          const reply = await socket.next();
          replies.set(reply.id, reply);
        }
        assert.ok(replies.get(1).result.sleptMs >= 0);
        assert.ok(replies.get(2).result.sleptMs >= 0);
        assertError(replies.get(3), ErrorCode.OVERLOADED, 3);
        // The slots free up once the calls are answered.
        assert.equal((await socket.request(request(4, m('add'), [1, 1]))).result, 2);
      });
    });
  });

  describe('HTTP', () => {
    it('GET /healthz and /readyz answer 200 with the memory transport', async () => {
      const health = await fetch(`${stack.http}/healthz`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok' });
      const ready = await fetch(`${stack.http}/readyz`);
      assert.equal(ready.status, 200);
      assert.deepEqual(await ready.json(), { status: 'ready', transport: 'memory' });
      assert.equal((await fetch(`${stack.http}/nothing-here`)).status, 404);
    });

    it('refuses an upgrade to a path other than /rpc with 404', async () => {
      const base = stack.url.replace(/\/rpc$/, '');
      for (const path of ['/', '/other', '/rpc/x', '/RPC']) {
        await assert.rejects(connect(`${base}${path}`), /HTTP 404/);
      }
      // A query string does not change the path.
      const socket = await connect(`${stack.url}?client=test`);
      assert.equal((await socket.request(request(1, m('add'), [1, 2]))).result, 3);
    });

    it('allowedOrigins refuses another Origin with 403 and accepts a listed one', async () => {
      await withStack({ gateway: { allowedOrigins: ['https://app.example'] } }, async (s) => {
        await assert.rejects(connect(s.url, { origin: 'https://evil.example' }), /HTTP 403/);
        const listed = await connect(s.url, { origin: 'https://app.example' });
        assert.equal((await listed.request(request(1, m('add'), [1, 2]))).result, 3);
        assert.equal(s.gateway.connections, 1);
      });
    });

    it('authenticate: throwing refuses with 401 before the socket opens; a principal reaches the handler', async () => {
      let seen = 0;
      const authenticate = (incoming: import('node:http').IncomingMessage) => {
        seen++;
        const user = incoming.headers['x-user'];
        if (user === 'anonymous') return null;
        if (typeof user !== 'string') throw new Error('no user header');
        return { id: user, role: 'admin' };
      };
      await withStack({ gateway: { authenticate } }, async (s) => {
        await assert.rejects(connect(s.url), /HTTP 401/);
        assert.equal(s.gateway.connections, 0);
        const alice = await connect(s.url, { headers: { 'x-user': 'alice' } });
        const reply = await alice.request(request(1, m('whoami'), {}));
        assert.deepEqual(reply.result, { principal: { id: 'alice', role: 'admin' }, redelivered: false });
        const anonymous = await connect(s.url, { headers: { 'x-user': 'anonymous' } });
        assert.deepEqual((await anonymous.request(request(2, m('whoami'), {}))).result.principal, null);
        assert.equal(seen, 3);
      });
    });

    it('an async authenticate that rejects also refuses with 401', async () => {
      await withStack({ gateway: { authenticate: async () => Promise.reject(new Error('denied')) } }, async (s) => {
        await assert.rejects(connect(s.url), /HTTP 401/);
        const health = await fetch(`${s.http}/healthz`);
        assert.equal(health.status, 200);
      });
    });
  });

  describe('robustness', () => {
    it('answers a valid call after 200 garbage frames in a row', async () => {
      const socket = await connect(stack.url);
      let seed = 0x9e3779b9;
      const random = () => {
        seed ^= seed << 13;
        seed ^= seed >>> 17;
        seed ^= seed << 5;
        return (seed >>> 0) / 0x1_0000_0000;
      };
      const pieces = ['{', '}', '[', ']', '"', ':', ',', 'jsonrpc', '2.0', 'id', 'method', 'params', 'null', '1e999', '\\u0000', 'rpc.subscribe', m('echo'), ' '];
      for (let i = 0; i < 200; i++) {
        const kind = i % 4;
        if (kind === 0) {
          const bytes = Buffer.alloc(1 + Math.floor(random() * 300));
          for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(random() * 256);
          socket.ws.send(bytes, { binary: true });
        } else if (kind === 1) {
          socket.send(Array.from({ length: 1 + Math.floor(random() * 40) }, () => pieces[Math.floor(random() * pieces.length)]).join(''));
        } else if (kind === 2) {
          socket.send(String.fromCharCode(...Array.from({ length: 1 + Math.floor(random() * 100) }, () => Math.floor(random() * 0xd7ff))));
        } else {
          const shapes = [
            { jsonrpc: '2.0', id: i, method: m('echo'), params: random() },
            { jsonrpc: '2.0', id: { i }, method: random() },
            [random(), { jsonrpc: '2.0' }],
            { jsonrpc: '2.0', id: i, method: 'rpc.subscribe', params: { event: random() } },
            { jsonrpc: '2.0', id: i, method: m('add'), params: [random(), 'x'] },
          ];
          socket.send(shapes[Math.floor(random() * shapes.length)]);
        }
      }
      socket.send(request('after-garbage', m('add'), [20, 22]));
      const found = await until(socket, 'after-garbage', 20_000);
      assert.equal(found.response.result, 42);
      assert.ok(found.before.length <= 200, 'at most one answer per garbage frame');
      for (const frame of found.before) {
        for (const response of Array.isArray(frame) ? frame : [frame]) {
          assert.equal(response.jsonrpc, '2.0');
          assert.ok('error' in response, `garbage got a result: ${JSON.stringify(response)}`);
        }
      }
      assert.equal(socket.ws.readyState, socket.ws.OPEN);
    });

    it('survives deeply nested params', async () => {
      const socket = await connect(stack.url);
      const depth = 100_000;
      socket.send(`{"jsonrpc":"2.0","id":"deep","method":"${m('echo')}","params":{"value":${'['.repeat(depth)}${']'.repeat(depth)}}}`);
      const reply = await socket.next(10_000);
      assert.equal(reply.id, 'deep');
      // Too deep to validate or re-encode: refused as bad params, not as an internal failure.
      assertError(reply, ErrorCode.INVALID_PARAMS, 'deep');
      await assertNextIsSentinel(socket, 'after-deep');
    });

    it('closing a socket with calls in flight does not crash the gateway; inFlight returns to 0', async () => {
      const socket = await connect(stack.url);
      for (let i = 0; i < 10; i++) socket.send(request(i, m('sleep'), { ms: 1000, id: `abandoned-${i}` }));
      // One round trip after the sends proves the gateway has read them all.
      socket.send(request('read-them', m('add'), [1, 1]));
      await until(socket, 'read-them');
      assert.ok(stack.gateway.inFlight > 0, 'the sleeps were in flight');
      socket.ws.terminate();
      await socket.closed;
      const giveUp = Date.now() + 5000;
      while ((stack.gateway.inFlight > 0 || stack.gateway.connections > 0) && Date.now() < giveUp) await new Promise((r) => setTimeout(r, 20));
      assert.equal(stack.gateway.inFlight, 0);
      // Let the abandoned handlers finish and their replies arrive with nobody waiting.
      await new Promise((r) => setTimeout(r, 1200));
      assert.equal(stack.transport.pendingCount, 0);
      const fresh = await connect(stack.url);
      assert.equal((await fresh.request(request(1, m('add'), [1, 2]))).result, 3);
    });
  });
});
