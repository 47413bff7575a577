/**
 * Authorization (contract roles and the gateway's authorize hook), the principal reaching
 * handlers, errors that leak nothing, and sockets that never see each other's answers or
 * events. Real loopback sockets, memory transport in this process.
 */
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, WarrenError } from 'warren-client/protocol';
import type { AuthorizeTarget } from '../../src/gateway/Gateway.ts';
import type { Principal } from '../../src/protocol/call.ts';
import { FrameSocket } from '../helpers/FrameSocket.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import { authenticateBearer, guardedImplementation, SECRET } from '../abuse/guardedService.ts';

const SERVICE = 'sec';
const GUARDED = 'secg';
const g = (name: string) => `${GUARDED}.${name}`;
const request = (id: unknown, method: string, params?: unknown) => ({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });

/** What the authorize hook was asked, in order. */
const asked: { principal: string | null; wireName: string; params: unknown; roles: unknown }[] = [];

/** Rooms: `open` allowed, `closed` refused, `slow` allowed after a while, `down` throws UNAVAILABLE, `broken` throws. */
async function authorize(principal: Principal | null, target: AuthorizeTarget): Promise<boolean> {
  asked.push({ principal: principal?.id ?? null, wireName: target.wireName, params: target.params, roles: target.spec.roles });
  if (target.wireName !== g('audited')) return true;
  const { room } = target.params as { room: string };
  if (room === 'slow') await new Promise((r) => setTimeout(r, 200));
  if (room === 'down') throw new WarrenError(ErrorCode.UNAVAILABLE, 'policy service down');
  if (room === 'broken') throw new Error(`policy store failed: ${SECRET}`);
  return room !== 'closed';
}

describe('gateway security', () => {
  let stack: Stack;
  const sockets = new Set<FrameSocket>();
  async function open(token?: string): Promise<FrameSocket> {
    const socket = new FrameSocket(stack.url, token ? { headers: { authorization: `Bearer ${token}` } } : undefined);
    sockets.add(socket);
    await socket.opened;
    return socket;
  }

  before(async () => {
    stack = await startStack({
      service: SERVICE,
      implementations: [guardedImplementation(GUARDED)],
      gateway: { authenticate: authenticateBearer, authorize },
    });
  });
  afterEach(() => {
    for (const socket of sockets) socket.ws.terminate();
    sockets.clear();
  });
  after(() => stack.close());

  describe('authorize(principal, { wireName, spec, params })', () => {
    it('runs after roles and validation, with the parsed params, and its false is -32002', async () => {
      asked.length = 0;
      const socket = await open('reader-token');
      assert.deepEqual((await socket.request(request(1, g('audited'), { room: 'open' }))).result, { room: 'open' });
      assert.equal((await socket.request(request(2, g('audited'), { room: 'closed' }))).error.code, ErrorCode.UNAUTHORIZED);
      assert.equal((await socket.request(request(3, g('audited'), { room: 5 }))).error.code, ErrorCode.INVALID_PARAMS);
      assert.equal((await socket.request(request(4, g('adminOnly'), { n: 1 }))).error.code, ErrorCode.UNAUTHORIZED);
      assert.deepEqual(asked, [
        { principal: 'reader', wireName: g('audited'), params: { room: 'open' }, roles: undefined },
        { principal: 'reader', wireName: g('audited'), params: { room: 'closed' }, roles: undefined },
      ]);
    });

    it('lets a call wait for an async verdict, counting it in flight', async () => {
      const socket = await open();
      socket.send(request('slow', g('audited'), { room: 'slow' }));
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(stack.gateway.inFlight, 1);
      assert.deepEqual((await socket.next()).result, { room: 'slow' });
      assert.equal(stack.gateway.inFlight, 0);
    });

    it('passes a thrown WarrenError on and hides anything else behind -32603', async () => {
      const socket = await open();
      const down = await socket.request(request(1, g('audited'), { room: 'down' }));
      assert.equal(down.error.code, ErrorCode.UNAVAILABLE);
      const broken = await socket.request(request(2, g('audited'), { room: 'broken' }));
      assert.deepEqual(broken.error, { code: ErrorCode.INTERNAL_ERROR, message: 'Internal error' });
    });

    it('refuses notifications too, silently', async () => {
      const socket = await open();
      socket.send({ jsonrpc: '2.0', method: g('audited'), params: { room: 'closed' } });
      socket.send({ jsonrpc: '2.0', method: g('adminOnly'), params: { n: 1 } });
      assert.equal((await socket.request(request('after', g('open'), {}))).id, 'after', 'no answer came before this one');
    });
  });

  describe('principal', () => {
    it('reaches the handler as authenticate returned it, and null for anonymous callers', async () => {
      const admin = await open('admin-token');
      const anonymous = await open();
      assert.equal((await admin.request(request(1, g('open'), {}))).result.principal, 'admin');
      assert.equal((await anonymous.request(request(1, g('open'), {}))).result.principal, null);
      const whoami = await admin.request(request(2, `${SERVICE}.whoami`, {}));
      assert.deepEqual(whoami.result.principal, { id: 'admin', roles: ['admin'] });
    });
  });

  describe('errors', () => {
    for (const method of ['leak', 'leakObject']) {
      it(`${method}: a handler throwing secrets gives -32603 with nothing internal in the frame`, async () => {
        const socket = await open();
        const text = await (socket.send(request(1, g(method), {})), socket.nextText());
        assert.deepEqual(JSON.parse(text), { jsonrpc: '2.0', id: 1, error: { code: ErrorCode.INTERNAL_ERROR, message: 'Internal error' } });
        for (const leaked of [SECRET, 'stack', '/srv/', 'at ']) assert.ok(!text.includes(leaked), `frame leaks ${leaked}: ${text}`);
      });
    }
  });

  describe('isolation between sockets', () => {
    it('never gives a socket an answer meant for another, even with the same ids in flight', async () => {
      const pairs = [await open('reader-token'), await open('admin-token'), await open()];
      const tags = ['r', 'a', 'anon'];
      const ids = Array.from({ length: 200 }, (_, i) => i % 50);
      pairs.forEach((socket, s) => ids.forEach((id, i) => socket.send(request(id, g('open'), { tag: `${tags[s]}-${i}` }))));
      for (const [s, socket] of pairs.entries()) {
        const seen = new Set<string>();
        for (let i = 0; i < ids.length; i++) {
          const { id, result } = await socket.next();
          assert.equal(result.principal, [`reader`, 'admin', null][s]);
          const [tag, index] = result.tag.split('-');
          assert.equal(tag, tags[s], `socket ${tags[s]} got ${result.tag}`);
          assert.equal(id, Number(index) % 50);
          seen.add(result.tag);
        }
        assert.equal(seen.size, ids.length);
      }
    });

    it('pushes an event only to the sockets subscribed to its topic', async () => {
      const [a, b, publisher] = [await open(), await open(), await open()];
      const shouted = `${SERVICE}.shouted`;
      assert.equal((await a.request(request(1, 'rpc.subscribe', { event: shouted, topic: 'a-only' }))).result, true);
      assert.equal((await b.request(request(1, 'rpc.subscribe', { event: shouted, topic: 'b-only' }))).result, true);
      assert.deepEqual((await publisher.request(request(1, `${SERVICE}.shout`, { topic: 'a-only', text: 'for a' }))).result, { ok: true });
      assert.equal((await a.next()).params.payload.text, 'for a');
      assert.ok(await b.silentFor(200));
      assert.ok(await publisher.silentFor(50));
    });
  });
});
