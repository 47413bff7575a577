/**
 * The example chat on PostgreSQL behind separate processes on the real RabbitMQ: one
 * `warren gateway` and two `warren worker`, all with the same DATABASE_URL (a database made
 * for this file and dropped after it). Clients are Warren's client runtime over `ws`, each
 * signed in with its own token.
 *
 * - ids are unique (1..n, no gap) per room, and each sender's in send order (chat.send is
 *   ordered by room), under concurrent sends from several clients, run by both workers;
 * - history is the same whichever worker answers it (the other one stopped meanwhile);
 * - a worker SIGKILLed mid-`chat.send` (after its message is stored, before its event and
 *   answer) leaves exactly one message and one event: the redelivered run finds its message
 *   under ctx.callId and emits the same event id again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { WarrenClient } from '../../packages/warren-client/src/WarrenClient.ts';
import type { WebSocketConstructor } from '../../packages/warren-client/src/ClientOptions.ts';
import { Tokens } from '../../examples/chat/auth.ts';
import { defineChat } from '../../schemas/chat.ts';
import { sleep, waitFor } from '../helpers/async.ts';
import { needsBroker, uniqueName } from '../helpers/broker.ts';
import { ORDER_SHARDS, orderShard } from '../../src/protocol/orderShards.ts';
import { logLines, waitReady, WarrenProcesses, type WarrenProcess } from '../helpers/processes.ts';
import { ROOT } from '../helpers/paths.ts';
import { CHAT_TEST_LOG_SENDS_ENV, CHAT_TEST_PAUSE_ENV, CHAT_TEST_SERVICE_ENV } from './chatTestService.ts';
import { needsPostgres, temporaryDatabase } from '../helpers/postgres.ts';

const PAUSE_MS = 3000;

interface Message {
  id: number;
  room: string;
  user: string;
  text: string;
  at: string;
}

const broker = await needsBroker();
const postgres = await needsPostgres();

describe('the example chat on PostgreSQL: warren gateway + 2 warren worker on RabbitMQ', broker.skip ? broker : postgres, () => {
  const service = uniqueName('chatpg');
  const database = temporaryDatabase('warren_chat');
  const m = (name: string) => `${service}.${name}`;
  let group: WarrenProcesses;
  let gateway: WarrenProcess;
  const workers: WarrenProcess[] = [];
  const clients: WarrenClient[] = [];
  const tokens = new Tokens();

  async function signedIn(user: string): Promise<WarrenClient> {
    const { token } = await tokens.sign(user);
    const client = new WarrenClient({ url: `${gateway.url}?token=${token}`, WebSocket: WebSocket as unknown as WebSocketConstructor });
    clients.push(client);
    await client.ready();
    return client;
  }

  before(async () => {
    group = new WarrenProcesses({
      module: `${ROOT}/test/example/chatTestService.ts`,
      contract: defineChat(service),
      env: { DATABASE_URL: database.url, [CHAT_TEST_SERVICE_ENV]: service, [CHAT_TEST_PAUSE_ENV]: String(PAUSE_MS), [CHAT_TEST_LOG_SENDS_ENV]: '1' },
    });
    workers.push(await group.start('worker'), await group.start('worker'));
    gateway = await group.start('gateway');
    await waitReady(gateway.http!);
  });
  after(async () => {
    for (const client of clients) client.close();
    await group?.stopAll();
    await group?.deleteQueues().catch(() => {});
  });

  it('ids are unique, gap-free and in send order per room, under concurrent sends from 4 clients to 8 rooms over both workers', async () => {
    // One room per shard of chat.send (ordered by room), so the rooms spread over both workers.
    const roomPerShard = (prefix: string) => {
      const rooms: string[] = [];
      for (let n = 0; rooms.length < ORDER_SHARDS; n++) {
        const room = `${prefix}${n}`;
        if (!rooms.some((other) => orderShard(other) === orderShard(room))) rooms.push(room);
      }
      return rooms;
    };
    const tag = uniqueName('r').toLowerCase().slice(-8);
    const warmRooms = roomPerShard(`warm-${tag}-`);
    const rooms = roomPerShard(`ids-${tag}-`);
    const users = ['ann', 'bob', 'cid', 'dee'];
    const senders = await Promise.all(users.map(signedIn));
    for (const client of senders) for (const room of [...warmRooms, ...rooms]) await client.call(m('join'), { room });
    // The worker that started first holds every shard until the two share them out (between
    // calls): warm up in rooms of the same shards until both have run sends.
    const ran = () => workers.map((worker) => logLines(worker, 'send ran').length);
    const warmUntil = Date.now() + 20_000;
    while (ran().some((count) => count === 0)) {
      assert.ok(Date.now() < warmUntil, `both workers run sends within 20 s (runs per worker: ${ran().join(' / ')})`);
      await Promise.all(warmRooms.map((room) => senders[0]!.call(m('send'), { room, text: 'ann warm' })));
    }
    const before = ran();
    const PER_CLIENT_AND_ROOM = 12;
    const started = performance.now();
    // Every client sends to every room at once, 10 calls in flight per client; the text holds
    // the sender's own sequence in the room.
    const sent = (
      await Promise.all(
        senders.map(async (client, c) => {
          const mine: Message[] = [];
          const queue = Array.from({ length: PER_CLIENT_AND_ROOM }, (_, i) => rooms.map((room) => ({ room, text: `${users[c]} ${i}` }))).flat();
          await Promise.all(
            Array.from({ length: 10 }, async () => {
              for (let next = queue.shift(); next; next = queue.shift()) mine.push(await client.call<Message>(m('send'), next));
            }),
          );
          return mine;
        }),
      )
    ).flat();
    const seconds = (performance.now() - started) / 1000;
    const perWorker = ran().map((count, i) => count - before[i]!);
    assert.equal(sent.length, users.length * rooms.length * PER_CLIENT_AND_ROOM);
    for (const room of rooms) {
      const inRoom = sent.filter((message) => message.room === room);
      const ids = inRoom.map((message) => message.id).sort((a, b) => a - b);
      assert.deepEqual(ids, Array.from({ length: users.length * PER_CLIENT_AND_ROOM }, (_, i) => i + 1), `ids of ${room}`);
      // orderBy: one sender's messages to a room get ids in the order they were sent.
      for (const user of users) {
        const bySequence = inRoom.filter((message) => message.user === user).sort((a, b) => Number(a.text.split(' ')[1]) - Number(b.text.split(' ')[1]));
        const order = bySequence.map((message) => message.id);
        assert.deepEqual(order, [...order].sort((a, b) => a - b), `${user}'s sends to ${room} stored in send order`);
      }
    }
    // The sender of each message is the token's user, whatever the params said.
    for (const message of sent) assert.equal(message.text.split(' ')[0], message.user);
    assert.equal(perWorker[0]! + perWorker[1]!, sent.length);
    assert.ok(perWorker.every((count) => count > 0), `both workers ran sends: ${perWorker.join(' / ')}`);
    console.log(
      `# ${sent.length} concurrent sends in ${seconds.toFixed(2)} s over ${rooms.length} rooms: ids 1..${users.length * PER_CLIENT_AND_ROOM} in each, no duplicate, no gap, each sender's in send order; workers ran ${perWorker.join(' / ')}`,
    );
  });

  it('history is the same from either worker', async () => {
    const room = uniqueName('hist-').toLowerCase();
    const ann = await signedIn('ann');
    await ann.call(m('join'), { room });
    for (let i = 0; i < 5; i++) await ann.call(m('send'), { room, text: `line ${i}` });
    const [first, second] = workers as [WarrenProcess, WarrenProcess];
    // One worker at a time serves the call: the other is stopped, then started again.
    const historyFrom = async (serving: WarrenProcess, stopped: WarrenProcess) => {
      stopped.child.kill('SIGTERM');
      await stopped.exited;
      const answer = await ann.call<{ messages: Message[] }>(m('history'), { room });
      assert.ok(serving.child.exitCode === null);
      return answer.messages;
    };
    const fromFirst = await historyFrom(first, second);
    workers[1] = await group.start('worker');
    const fromSecond = await historyFrom(workers[1]!, first);
    workers[0] = await group.start('worker');
    assert.equal(fromFirst.length, 5);
    assert.deepEqual(fromSecond, fromFirst);
    assert.deepEqual(fromFirst.map((message) => message.id), [1, 2, 3, 4, 5]);
  });

  it('a worker SIGKILLed mid-chat.send leaves exactly one message and one event', async () => {
    const room = uniqueName('kill-').toLowerCase();
    const ann = await signedIn('ann');
    const bob = await signedIn('bob');
    await ann.call(m('join'), { room });
    await bob.call(m('join'), { room });
    const events: Message[] = [];
    await bob.subscribe<Message>(m('message'), room, (payload) => events.push(payload));
    const before = workers.map((worker) => logLines(worker, 'send stored').length);

    const started = performance.now();
    const answer = ann.call<Message>(m('send'), { room, text: 'slow: once' }, { timeoutMs: 30_000 });
    let answered = false;
    void answer.then(() => (answered = true), () => (answered = true));
    // The worker that holds the call says so once its message is stored.
    await waitFor(() => workers.some((worker, i) => logLines(worker, 'send stored').length > before[i]!), 10_000, 'a worker storing the message');
    const victim = workers.find((worker, i) => logLines(worker, 'send stored').length > before[i]!)!;
    const survivor = workers.find((worker) => worker !== victim)!;
    const stored = logLines(victim, 'send stored').at(-1)!;
    // Mid-call: the message is in the database, the caller has no answer, and no event went out.
    const rows = await database.query('SELECT id, call_id FROM chat_messages WHERE room = $1', [room]);
    assert.deepEqual(rows.map((row) => [Number(row.id), row.call_id]), [[stored.id, stored.callId]]);
    assert.equal(answered, false);
    assert.equal(events.length, 0);
    await group.kill(victim);
    const killedAt = performance.now();

    const message = await answer;
    const answeredAt = performance.now();
    await sleep(1000); // time for a second copy of the event to arrive, if one were let through
    assert.equal(message.id, stored.id);
    assert.equal(message.text, 'slow: once');
    const rerun = logLines(survivor, 'send stored').at(-1)!;
    assert.deepEqual([rerun.callId, rerun.id, rerun.redelivered], [stored.callId, stored.id, true], 'the survivor re-ran the same call and found its message');
    assert.deepEqual(events, [message]);
    const all = await database.query('SELECT count(*)::int AS n FROM chat_messages WHERE room = $1', [room]);
    assert.equal(all[0]!.n, 1);
    assert.deepEqual((await ann.call<{ messages: Message[] }>(m('history'), { room })).messages, [message]);
    console.log(
      `# SIGKILL mid-send: stored at ${(killedAt - started).toFixed(0)} ms, answered ${(answeredAt - killedAt).toFixed(0)} ms after the kill ` +
        `(the re-run pauses ${PAUSE_MS} ms too); 1 message, 1 event, id ${message.id}`,
    );
  });
});
