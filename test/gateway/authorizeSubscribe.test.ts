/**
 * The gateway's authorizeSubscribe hook: consulted for every `rpc.subscribe` before the
 * subscription is bound, with the caller's principal and the event's wire name, topic and
 * spec. Real loopback sockets, memory transport in this process.
 */
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { WarrenClient } from '../../packages/warren-client/src/WarrenClient.ts';
import type { Logger } from '../../src/contract/implement.ts';
import { Gateway, type SubscribeTarget } from '../../src/gateway/Gateway.ts';
import type { Principal } from '../../src/protocol/call.ts';
import { ErrorCode, WarrenError } from 'warren-client/protocol';
import { MemoryTransport } from '../../src/transport/MemoryTransport.ts';
import { testkitContract } from '../helpers/testkit.ts';
import { FrameSocket } from '../helpers/FrameSocket.ts';
import { startStack, type Stack } from '../helpers/stack.ts';

const SERVICE = 'authsub';
const SHOUTED = `${SERVICE}.shouted`;
const request = (id: unknown, method: string, params?: unknown) => ({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });
const SECRET = 'policy store at /srv/policy.db failed';

/** What the hook was asked, in order. */
const asked: { principal: string | null; event: string; topic: string | undefined; payloadSchema: boolean }[] = [];

/** Topics: `secret` refused, `down` throws UNAVAILABLE, `broken` throws, `slow` allowed late; all topics only for `admin`. */
async function authorizeSubscribe(principal: Principal | null, target: SubscribeTarget): Promise<boolean> {
  asked.push({ principal: principal?.id ?? null, event: target.event, topic: target.topic, payloadSchema: target.spec.payload !== undefined });
  if (target.topic === 'slow') await new Promise((resolve) => setTimeout(resolve, 100));
  if (target.topic === 'down') throw new WarrenError(ErrorCode.UNAVAILABLE, 'policy service down');
  if (target.topic === 'broken') throw new Error(SECRET);
  if (target.topic === undefined) return principal?.id === 'admin';
  return target.topic !== 'secret';
}

const authenticate = (req: IncomingMessage): Principal | null => {
  const user = req.headers['x-user'];
  return typeof user === 'string' ? { id: user } : null;
};

const logged: { obj: unknown; msg: string | undefined }[] = [];
const log: Logger = {
  debug() {},
  info() {},
  warn() {},
  error: (obj, msg) => void logged.push({ obj, msg }),
};

describe('GatewayOptions.authorizeSubscribe(principal, { event, topic, spec })', () => {
  let stack: Stack;
  const sockets = new Set<FrameSocket>();
  async function open(user?: string): Promise<FrameSocket> {
    const socket = new FrameSocket(stack.url, user ? { headers: { 'x-user': user } } : undefined);
    sockets.add(socket);
    await socket.opened;
    return socket;
  }
  const subscribe = (socket: FrameSocket, id: number, topic?: string) =>
    socket.request(request(id, 'rpc.subscribe', topic === undefined ? { event: SHOUTED } : { event: SHOUTED, topic }));

  /** Every frame until the socket stays quiet for 200 ms. */
  async function framesUntilQuiet(socket: FrameSocket): Promise<any[]> {
    const frames: any[] = [];
    for (;;) {
      try {
        frames.push(await socket.next(200));
      } catch {
        return frames;
      }
    }
  }

  before(async () => {
    stack = await startStack({ service: SERVICE, gateway: { authenticate, authorizeSubscribe, log } });
  });
  afterEach(() => {
    for (const socket of sockets) socket.ws.terminate();
    sockets.clear();
    asked.length = 0;
    logged.length = 0;
  });
  after(() => stack.close());

  it('a refused topic is -32002 and gets no events; an allowed topic works', async () => {
    const socket = await open('ann');
    const refused = await subscribe(socket, 1, 'secret');
    assert.equal(refused.error?.code, ErrorCode.UNAUTHORIZED, JSON.stringify(refused));
    assert.equal((await subscribe(socket, 2, 'lobby')).result, true);
    socket.send(request(3, `${SERVICE}.shout`, { topic: 'secret', text: 'hidden' }));
    socket.send(request(4, `${SERVICE}.shout`, { topic: 'lobby', text: 'hello' }));
    const frames = await framesUntilQuiet(socket);
    assert.deepEqual(frames.filter((frame) => frame.id !== undefined).map((frame) => [frame.id, frame.result]), [
      [3, { ok: true }],
      [4, { ok: true }],
    ]);
    const events = frames.filter((frame) => frame.method === SHOUTED).map((frame) => [frame.params.topic, frame.params.payload.text]);
    assert.deepEqual(events, [['lobby', 'hello']]);
    assert.deepEqual(asked, [
      { principal: 'ann', event: SHOUTED, topic: 'secret', payloadSchema: true },
      { principal: 'ann', event: SHOUTED, topic: 'lobby', payloadSchema: true },
    ]);
  });

  it('is told the principal, and no topic for a subscription to every topic', async () => {
    const anonymous = await open();
    assert.equal((await subscribe(anonymous, 1)).error?.code, ErrorCode.UNAUTHORIZED);
    const admin = await open('admin');
    assert.equal((await subscribe(admin, 1)).result, true);
    assert.deepEqual(
      asked.map(({ principal, topic }) => [principal, topic]),
      [
        [null, undefined],
        ['admin', undefined],
      ],
    );
  });

  it('may be async; a thrown WarrenError keeps its code, anything else is -32603, logged and not sent', async () => {
    const socket = await open('ann');
    assert.equal((await subscribe(socket, 1, 'slow')).result, true);
    const down = await subscribe(socket, 2, 'down');
    assert.deepEqual(down.error, { code: ErrorCode.UNAVAILABLE, message: 'policy service down' });
    const broken = await subscribe(socket, 3, 'broken');
    assert.deepEqual(broken.error, { code: ErrorCode.INTERNAL_ERROR, message: 'Internal error' });
    assert.equal(logged.length, 1);
    assert.equal((logged[0]!.obj as { err: Error }).err.message, SECRET);
  });

  it('is not asked about an unknown event or a bad topic (-32602), nor again for a subscription held', async () => {
    const socket = await open('ann');
    assert.equal((await socket.request(request(1, 'rpc.subscribe', { event: `${SERVICE}.nope`, topic: 'lobby' }))).error?.code, ErrorCode.INVALID_PARAMS);
    assert.equal((await subscribe(socket, 2, 'a.b')).error?.code, ErrorCode.INVALID_PARAMS);
    assert.equal(asked.length, 0);
    assert.equal((await subscribe(socket, 3, 'lobby')).result, true);
    assert.equal((await subscribe(socket, 4, 'lobby')).result, true);
    assert.equal(asked.length, 1);
  });

  it("WarrenClient.subscribe rejects with UNAUTHORIZED and keeps the client's other subscriptions working", async () => {
    const client = new WarrenClient({ url: stack.url, WebSocket: WebSocket as never, heartbeatMs: 0 });
    try {
      await client.ready();
      const heard: string[] = [];
      await assert.rejects(
        client.subscribe(SHOUTED, 'secret', () => heard.push('secret')),
        (error) => error instanceof WarrenError && error.code === ErrorCode.UNAUTHORIZED,
      );
      let heardLobby!: () => void;
      const delivered = new Promise<void>((resolve) => (heardLobby = resolve));
      await client.subscribe<{ text: string }>(SHOUTED, 'lobby', ({ text }) => {
        heard.push(text);
        heardLobby();
      });
      await client.call(`${SERVICE}.shout`, { topic: 'secret', text: 'hidden' });
      await client.call(`${SERVICE}.shout`, { topic: 'lobby', text: 'hi' });
      await delivered;
      assert.deepEqual(heard, ['hi']);
      assert.equal(client.state, 'open');
    } finally {
      client.close();
    }
  });

  it('must be a function', () => {
    const transport = new MemoryTransport();
    assert.throws(
      () => new Gateway({ transport, contracts: [testkitContract(SERVICE)], authorizeSubscribe: true as never }),
      (error: Error) => error instanceof TypeError && /authorizeSubscribe/.test(error.message),
    );
  });
});
