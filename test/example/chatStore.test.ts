/**
 * The chat stores, the same cases on both: MemoryChatStore, and PostgresChatStore on a
 * database of this file's. A second run of a call (same callId) finds the first one's effect.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ChatStore } from '../../examples/chat/store/ChatStore.ts';
import { MemoryChatStore } from '../../examples/chat/store/MemoryChatStore.ts';
import { PostgresChatStore } from '../../examples/chat/store/PostgresChatStore.ts';
import { needsPostgres, temporaryDatabase } from '../helpers/postgres.ts';

function storeCases(open: () => ChatStore): void {
  let store: ChatStore;
  before(() => {
    store = open();
  });
  after(() => store?.close());

  it('send(…, callId) twice stores one message and returns it both times', async () => {
    await store.join('r1', 'ann', 'join-1', 50);
    const first = await store.send('r1', 'ann', 'hello', 'call-1');
    const again = await store.send('r1', 'ann', 'hello', 'call-1');
    assert.deepEqual(again, first);
    const next = await store.send('r1', 'ann', 'second', 'call-2');
    assert.deepEqual([first?.id, next?.id], [1, 2]);
    assert.deepEqual((await store.history('r1', 50)).map((m) => m.text), ['hello', 'second']);
    assert.deepEqual((await store.history('r1', 1)).map((m) => m.text), ['second']);
  });

  it('send from a non-member stores nothing', async () => {
    assert.equal(await store.send('r2', 'bob', 'hi', 'call-3'), undefined);
    assert.deepEqual(await store.history('r2', 50), []);
  });

  it('join and leave report byThisCall for the call that made the change, on every run of it', async () => {
    assert.deepEqual(await store.join('r3', 'ann', 'j1', 50), { byThisCall: true, members: ['ann'] });
    assert.deepEqual(await store.join('r3', 'ann', 'j1', 50), { byThisCall: true, members: ['ann'] });
    assert.deepEqual(await store.join('r3', 'ann', 'j2', 50), { byThisCall: false, members: ['ann'] });
    assert.equal(await store.isMember('r3', 'ann'), true);
    assert.deepEqual(await store.leave('r3', 'ann', 'l1'), { byThisCall: true, members: [] });
    assert.deepEqual(await store.leave('r3', 'ann', 'l1'), { byThisCall: true, members: [] });
    assert.deepEqual(await store.leave('r3', 'ann', 'l2'), { byThisCall: false, members: [] });
    assert.equal(await store.isMember('r3', 'ann'), false);
  });

  it('join refuses past the capacity, but not a member already in', async () => {
    await store.join('r4', 'a', 'ja', 2);
    await store.join('r4', 'b', 'jb', 2);
    assert.equal(await store.join('r4', 'c', 'jc', 2), undefined);
    assert.equal((await store.join('r4', 'a', 'ja2', 2))?.members.length, 2);
  });

  it('concurrent sends to one room take ids 1..n without a gap', async () => {
    await store.join('r5', 'ann', 'j5', 50);
    const sent = await Promise.all(Array.from({ length: 40 }, (_, i) => store.send('r5', 'ann', `m${i}`, `c5-${i}`)));
    assert.deepEqual(sent.map((m) => m!.id).sort((a, b) => a - b), Array.from({ length: 40 }, (_, i) => i + 1));
  });
}

describe('MemoryChatStore', () => storeCases(() => new MemoryChatStore()));

describe('PostgresChatStore', await needsPostgres(), () => {
  const database = temporaryDatabase('warren_store');
  storeCases(() => new PostgresChatStore(database.url));

  it('ready() is safe from several stores at once', async () => {
    const stores = Array.from({ length: 4 }, () => new PostgresChatStore(database.url));
    await Promise.all(stores.map((s) => s.ready()));
    await Promise.all(stores.map((s) => s.close()));
  });
});
