/**
 * A JSON-RPC client Warren did not write, @open-rpc/client-js (Client + RequestManager +
 * WebSocketTransport), against `warren serve` with the example service: every example
 * method with named and positional params, the documented errors, rpc.discover, a
 * notification and a subscription push, with no Warren code on the client side.
 *
 * Two quirks of client-js 2.1.0, worked around here rather than hidden:
 * - In Node its WebSocketTransport uses `ws` through isomorphic-ws, so no global WebSocket
 *   is needed on Node 20.
 * - Each request arms a timer (5 s by default) that is never cleared, even after the
 *   answer, which would keep node --test alive after the last test. The requests below pass
 *   `null` (no timer) and bound their wait with `within()` instead.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, JSONRPCError, RequestManager, WebSocketTransport } from '@open-rpc/client-js';
import { startWarren, type WarrenProcess } from '../helpers/processes.ts';
import { ROOT } from './generateInto.ts';

const NO_TIMER = null as unknown as number;

/** Rejects when `promise` has not settled within `ms`. */
async function within<T>(promise: Promise<T>, ms = 10_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

let server: WarrenProcess;
let client: Client;

function request(method: string, params?: Record<string, unknown> | unknown[], by = client): Promise<any> {
  return within(by.request(params === undefined ? { method } : { method, params }, NO_TIMER));
}

const clients: Client[] = [];
/** A client on its own socket, signed in with chat.signIn as `name` when given (the token goes in `?token=`). */
async function clientAs(name?: string): Promise<Client> {
  let url = server.url!;
  if (name !== undefined) {
    const anonymous = await clientAs();
    url += `?token=${(await request('chat.signIn', { name }, anonymous)).token}`;
    anonymous.close();
  }
  const made = new Client(new RequestManager([new WebSocketTransport(url)]));
  clients.push(made);
  return made;
}

/** Resolves with the JSONRPCError the call fails with. */
async function failure(method: string, params?: Record<string, unknown> | unknown[]): Promise<JSONRPCError> {
  const error = await request(method, params).then(
    (result) => assert.fail(`${method} answered ${JSON.stringify(result)}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof JSONRPCError, String(error));
  return error;
}

before(async () => {
  server = await startWarren('serve', { service: join(ROOT, 'examples/chat/service.ts'), transport: 'memory' });
  client = await clientAs('ann');
});
after(async () => {
  for (const made of clients) made.close();
  await server?.stop();
});

describe('@open-rpc/client-js against warren serve', () => {
  it('calls by position: math.add [2, 3]', async () => {
    assert.equal(await request('math.add', [2, 3]), 5);
  });

  it('calls by name: math.divide, math.slow, chat.join, chat.send, chat.history', async () => {
    assert.deepEqual(await request('math.divide', { dividend: 9, divisor: 3 }), { quotient: 3 });
    assert.equal(typeof (await request('math.slow', { ms: 5 })).sleptMs, 'number');
    const room = `third-${process.pid}`;
    assert.deepEqual(await request('chat.join', { room }), { room, user: 'ann', members: ['ann'] });
    const sent = await request('chat.send', { room, text: 'hi' });
    assert.deepEqual({ ...sent, at: typeof sent.at }, { id: 1, room, user: 'ann', text: 'hi', at: 'string' });
    assert.deepEqual(await request('chat.history', { room }), { messages: [sent] });
  });

  it('receives the declared error DivisionByZero as code 2001', async () => {
    const error = await failure('math.divide', { dividend: 1, divisor: 0 });
    assert.equal(error.code, 2001);
    assert.equal(error.message, 'Division by zero');
  });

  it('receives the declared error RoomFull as code 1001 with its data', async () => {
    const room = `full-${process.pid}`;
    for (let i = 0; i < 50; i++) {
      const member = await clientAs(`u${i}`);
      await request('chat.join', { room }, member);
      member.close();
    }
    const error = await failure('chat.join', { room });
    assert.equal(error.code, 1001);
    assert.deepEqual(error.data, { room, capacity: 50 });
  });

  it('receives -32602 with the issues for bad params, named or positional', async () => {
    const tooLong = await failure('chat.send', { room: 'r', text: 'x'.repeat(501) });
    assert.equal(tooLong.code, -32602);
    assert.deepEqual((tooLong.data as { issues: { path: unknown[] }[] }).issues.map((issue) => issue.path), [['text']]);
    assert.equal((await failure('math.add', [1])).code, -32602);
    assert.equal((await failure('math.add', { a: 1, b: 2 })).code, -32602);
  });

  it('receives -32601 for a method no contract declares', async () => {
    assert.equal((await failure('math.power', [2, 8])).code, -32601);
  });

  it('rpc.discover answers the OpenRPC document', async () => {
    const committed = JSON.parse(readFileSync(join(ROOT, 'generated/openrpc.json'), 'utf8'));
    const document = await request('rpc.discover');
    assert.equal(document.openrpc, '1.3.2');
    assert.deepEqual(document.methods, committed.methods);
  });

  it('client.notify runs the method without an answer', async () => {
    const room = `notify-${process.pid}`;
    await request('chat.join', { room });
    await within(client.notify({ method: 'chat.send', params: { room, text: 'fire and forget' } }));
    let messages: unknown[] = [];
    for (let i = 0; i < 200 && messages.length === 0; i++) {
      ({ messages } = await request('chat.history', { room }));
      if (messages.length === 0) await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(messages.length, 1);
  });

  it('rpc.subscribe: pushes arrive through client.onNotification', async () => {
    const room = `push-${process.pid}`;
    const pushes: { method: string; params: { topic: string; payload: { text: string } } }[] = [];
    client.onNotification((notification) => pushes.push(notification as (typeof pushes)[number]));
    // A room's events are for its members.
    assert.equal((await failure('rpc.subscribe', { event: 'chat.message', topic: room })).code, -32002);
    await request('chat.join', { room });
    await request('rpc.subscribe', { event: 'chat.message', topic: room });
    await request('chat.send', { room, text: 'pushed' });
    for (let i = 0; i < 200 && pushes.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(pushes.length, 1);
    assert.equal(pushes[0]!.method, 'chat.message');
    assert.equal(pushes[0]!.params.topic, room);
    assert.equal(pushes[0]!.params.payload.text, 'pushed');
    await request('rpc.unsubscribe', { event: 'chat.message', topic: room });
  });
});
