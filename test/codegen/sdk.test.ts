/**
 * The generated SDK used as a user would, against a running gateway on both transports:
 * every example method, a declared error narrowed by its guard, a timeout, a cancel, an
 * event subscription and its unsubscribe.
 *
 * - memory: `warren serve` through the CLI, as `npm start` runs it.
 * - amqp: a gateway and a worker in this process, each on its own AmqpTransport, on the real
 *   RabbitMQ (see exampleOnAmqp.ts for the shared queue names).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
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
import { ErrorCode } from 'warren-client/protocol';
import { needsBroker, uniqueName } from '../helpers/broker.ts';
import { startWarren } from '../helpers/processes.ts';
import { Tokens } from '../../examples/chat/auth.ts';
import { startExampleOnAmqp } from './exampleOnAmqp.ts';
import { ROOT } from './generateInto.ts';

interface Running {
  url: string;
  stop(): Promise<unknown>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` every 10 ms until it returns true, for at most `ms`. */
async function eventually(probe: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > until) assert.fail(`not true within ${ms} ms: ${probe}`);
    await sleep(10);
  }
}

/**
 * The scenarios, on one transport. Rooms are unique per run. The stateful ones (RoomFull,
 * history) loop until they see their effect, so a worker of another run that shares the
 * example's durable queues on the same broker (each worker process keeps its own rooms)
 * delays them but does not break them.
 */
function sdkScenarios(transport: 'memory' | 'amqp', options: { skip?: string }, start: () => Promise<Running>): void {
  describe(`generated SDK against a gateway on the ${transport} transport`, options, () => {
    let running: Running | undefined;
    let api: ConnectedApi;
    const apis: ConnectedApi[] = [];
    /** The SDK connected as `user`, with a token signed by the example's development key. */
    const signedIn = async (user: string) => {
      const { token } = await new Tokens().sign(user);
      const connected = connect({ url: `${running!.url}?token=${token}`, WebSocket: WebSocket as never });
      apis.push(connected);
      await connected.$client.ready();
      return connected;
    };
    before(async () => {
      running = await start();
      api = await signedIn('ann');
    });
    after(async () => {
      for (const connected of apis) connected.$client.close();
      await running?.stop();
    });

    it('api.math.add([1, 2]) by position and api.math.divide({ … }) by name', async () => {
      assert.equal(await api.math.add([1, 2]), 3);
      assert.deepEqual(await api.math.divide({ dividend: 9, divisor: 3 }), { quotient: 3 });
      assert.equal(typeof (await api.math.slow({ ms: 1 })).sleptMs, 'number');
    });

    it('api.math.subtract by position and by name (one overload each), api.math.sum variadic', async () => {
      assert.equal(await api.math.subtract([42, 23]), 19);
      assert.equal(await api.math.subtract({ subtrahend: 23, minuend: 42 }), 19);
      assert.equal(await api.math.sum([1, 2, 4]), 7);
      assert.equal(await api.math.sum([]), 0);
    });

    it('api.chat.join, api.chat.send and api.chat.history', async () => {
      const room = uniqueName('room-');
      const joined = await api.chat.join({ room });
      assert.equal(joined.room, room);
      assert.equal(joined.user, 'ann');
      assert.ok(joined.members.includes('ann'));
      const sent = await api.chat.send({ room, text: 'hello' });
      assert.deepEqual({ ...sent, id: typeof sent.id, at: Number.isNaN(Date.parse(sent.at)) }, { id: 'number', room, user: 'ann', text: 'hello', at: false });
      await eventually(async () => (await api.chat.history({ room })).messages.some((m) => m.at === sent.at && m.text === 'hello'));
    });

    it('isMathDivisionByZero(err) narrows the declared error', async () => {
      const err = await api.math.divide({ dividend: 1, divisor: 0 }).catch((e: unknown) => e);
      assert.ok(isMathDivisionByZero(err));
      assert.equal(err.code, 2001);
      assert.equal(isChatRoomFull(err), false);
    });

    it('isChatRoomFull(err) exposes typed data', async () => {
      const room = uniqueName('full-');
      let caught: unknown;
      // Each member is a user of its own: one connection, one token each.
      for (let i = 0; i < 60 && caught === undefined; i++) {
        const member = await signedIn(`u${i}`);
        await member.chat.join({ room }).catch((e: unknown) => (caught = e));
        member.$client.close();
      }
      assert.ok(isChatRoomFull(caught), String(caught));
      assert.deepEqual(caught.data, { room, capacity: 50 });
    });

    it('bad params reject with INVALID_PARAMS and the issues', async () => {
      const err = await api.chat.send({ room: 'r', text: 'x'.repeat(501) }).catch((e: unknown) => e);
      assert.ok(err instanceof WarrenError);
      assert.equal(err.code, ErrorCode.INVALID_PARAMS);
      assert.deepEqual((err.data as { issues: { path: unknown[] }[] }).issues.map((issue) => issue.path), [['text']]);
    });

    it('timeoutMs and signal reach the call', async () => {
      const timedOut = await api.math.slow({ ms: 1000 }, { timeoutMs: 100 }).catch((e: unknown) => e);
      assert.ok(timedOut instanceof WarrenError);
      assert.equal(timedOut.code, ErrorCode.TIMEOUT);
      const controller = new AbortController();
      const pending = api.math.slow({ ms: 1000 }, { signal: controller.signal }).catch((e: unknown) => e);
      controller.abort();
      assert.equal(((await pending) as WarrenError).code, ErrorCode.CANCELLED);
    });

    it("api.chat.on('message', { topic }, handler) delivers typed payloads until unsubscribed", async () => {
      const room = uniqueName('sdk-');
      const seen: ChatMessagePayload[] = [];
      await api.chat.join({ room });
      const unsubscribe = await api.chat.on('message', { topic: room }, (payload) => seen.push(payload));
      const sent = await api.chat.send({ room, text: 'hello' });
      await eventually(() => seen.length > 0);
      assert.deepEqual(seen, [sent]);
      await unsubscribe();
      await api.chat.send({ room, text: 'unseen' });
      await sleep(200);
      assert.equal(seen.length, 1);
    });

    it('api.chat.notify.send(input) runs the method without an answer', async () => {
      const room = uniqueName('notified-');
      await api.chat.join({ room });
      await api.chat.notify.send({ room, text: 'fire and forget' });
      await eventually(async () => (await api.chat.history({ room })).messages.length === 1);
    });
  });
}

sdkScenarios('memory', {}, async () => {
  const server = await startWarren('serve', { service: join(ROOT, 'examples/chat/service.ts'), transport: 'memory' });
  return { url: server.url!, stop: () => server.stop() };
});

sdkScenarios('amqp', await needsBroker(), startExampleOnAmqp);

describe('generated/client.ts', () => {
  it("imports nothing but Warren's client runtime", () => {
    const text = readFileSync(join(ROOT, 'generated/client.ts'), 'utf8');
    const specifiers = [...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+'([^']+)'/gm)].map((m) => m[1]);
    assert.deepEqual([...new Set(specifiers)], ['warren-client']);
    assert.doesNotMatch(text, /\bimport\(/);
  });
});
