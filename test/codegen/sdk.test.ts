/**
 * The generated SDK used as a user would, against `warren serve` on the memory transport:
 * typed calls, a declared error narrowed by its guard, a timeout, a cancel, an event.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import {
  connect,
  isChatRoomFull,
  isMathDivisionByZero,
  WarrenError,
  type ChatMessagePayload,
  type ConnectedApi,
} from '../../generated/client.ts';
import { ErrorCode } from '../../src/protocol/codes.ts';
import { startWarren, type WarrenProcess } from '../helpers/processes.ts';
import { ROOT } from './generateInto.ts';

let server: WarrenProcess;
let api: ConnectedApi;
before(async () => {
  server = await startWarren('serve', { service: join(ROOT, 'examples/chat/service.ts'), transport: 'memory' });
  api = connect({ url: server.url!, WebSocket: WebSocket as never });
});
after(async () => {
  api?.$client.close();
  await server?.stop();
});

describe('generated SDK against warren serve', () => {
  it('api.math.add([1, 2]) and api.math.divide({ … })', async () => {
    assert.equal(await api.math.add([1, 2]), 3);
    assert.deepEqual(await api.math.divide({ dividend: 9, divisor: 3 }), { quotient: 3 });
  });

  it('isMathDivisionByZero(err) narrows the declared error', async () => {
    const err = await api.math.divide({ dividend: 1, divisor: 0 }).catch((e: unknown) => e);
    assert.ok(isMathDivisionByZero(err));
    assert.equal(err.code, 2001);
    assert.equal(isChatRoomFull(err), false);
  });

  it('isChatRoomFull(err) exposes typed data', async () => {
    let caught: unknown;
    for (let i = 0; i <= 50 && caught === undefined; i++) {
      await api.chat.join({ room: 'full', user: `u${i}` }).catch((e: unknown) => (caught = e));
    }
    assert.ok(isChatRoomFull(caught));
    assert.deepEqual(caught.data, { room: 'full', capacity: 50 });
  });

  it('timeoutMs and signal reach the call', async () => {
    const timedOut = await api.math.slow({ ms: 2000 }, { timeoutMs: 100 }).catch((e: unknown) => e);
    assert.ok(timedOut instanceof WarrenError);
    assert.equal(timedOut.code, ErrorCode.TIMEOUT);
    const controller = new AbortController();
    const pending = api.math.slow({ ms: 2000 }, { signal: controller.signal }).catch((e: unknown) => e);
    controller.abort();
    assert.equal(((await pending) as WarrenError).code, ErrorCode.CANCELLED);
  });

  it('api.chat.on(\'message\', { topic }, handler) delivers typed payloads until unsubscribed', async () => {
    const seen: ChatMessagePayload[] = [];
    const unsubscribe = await api.chat.on('message', { topic: 'sdk' }, (payload) => seen.push(payload));
    const sent = await api.chat.send({ room: 'sdk', user: 'ann', text: 'hello' });
    for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(seen, [sent]);
    await unsubscribe();
    await api.chat.send({ room: 'sdk', user: 'ann', text: 'unseen' });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(seen.length, 1);
  });

  it('api.chat.notify.send(input) runs the method without an answer', async () => {
    await api.chat.notify.send({ room: 'notified', user: 'bob', text: 'fire and forget' });
    let history = { messages: [] as unknown[] };
    for (let i = 0; i < 100 && history.messages.length === 0; i++) {
      history = await api.chat.history({ room: 'notified' });
      if (history.messages.length === 0) await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(history.messages.length, 1);
  });
});

describe('generated/client.ts', () => {
  it('imports nothing but Warren\'s client runtime', async () => {
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(join(ROOT, 'generated/client.ts'), 'utf8');
    const specifiers = [...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+'([^']+)'/gm)].map((m) => m[1]);
    assert.deepEqual([...new Set(specifiers)], ['../src/client/index.ts']);
    assert.doesNotMatch(text, /\bimport\(/);
  });
});
