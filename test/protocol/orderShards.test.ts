import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ORDER_SHARDS, callRoutingKey, orderShard, readProbe, shardQueue, shardQueueArguments } from '../../src/protocol/orderShards.ts';
import { shardsToYield } from '../../src/transport/shardBalance.ts';

describe('orderShard(key)', () => {
  it('is FNV-1a of the UTF-8 bytes modulo the shard count, the same in every process', () => {
    // FNV-1a 32 of "" is its offset basis, 0x811c9dc5; of "a", 0xe40c292c.
    assert.equal(orderShard(''), 0x811c9dc5 % ORDER_SHARDS);
    assert.equal(orderShard('a'), 0xe40c292c % ORDER_SHARDS);
    assert.equal(orderShard('é'), orderShard('\u00e9'), 'by bytes, so one string is one key');
  });

  it('spreads similar keys over every shard, near evenly', () => {
    const counts = new Array<number>(ORDER_SHARDS).fill(0);
    for (let i = 0; i < 8000; i++) counts[orderShard(`room-${i}`)]!++;
    for (const count of counts) assert.ok(count > 800 && count < 1200, `shard counts ${counts.join(' ')}`);
  });
});

describe('callRoutingKey(method, orderKey) and shardQueue(method, shard)', () => {
  it("routes a keyed call to its shard's queue, and any other call to the method's", () => {
    assert.equal(callRoutingKey('chat.send', undefined), 'chat.send');
    assert.equal(callRoutingKey('chat.send', 'a'), `chat.send.${orderShard('a')}`);
    assert.equal(shardQueue('chat.send', 3), 'warren.rpc.chat.send.3');
  });

  it('declares quorum queues with a single active consumer and the delivery limit', () => {
    assert.deepEqual(shardQueueArguments({ maxDeliveries: 5 }), { 'x-queue-type': 'quorum', 'x-single-active-consumer': true, 'x-delivery-limit': 5 });
    assert.deepEqual(shardQueueArguments({ maxDeliveries: 2, maxQueueLength: 10 }), {
      'x-queue-type': 'quorum',
      'x-single-active-consumer': true,
      'x-delivery-limit': 2,
      'x-max-length': 10,
      'x-overflow': 'reject-publish',
    });
  });
});

describe('readProbe(headers)', () => {
  it('reads a report, and nothing from a header that is not one', () => {
    assert.deepEqual(readProbe({ 'x-warren-probe': '{"id":"w1","active":3,"busy":1}' }), { id: 'w1', active: 3, busy: 1 });
    assert.equal(readProbe({ 'x-warren-probe': 'not json' }), undefined);
    assert.equal(readProbe({ 'x-warren-probe': '{"id":1}' }), undefined);
    assert.equal(readProbe({}), undefined);
  });
});

describe('shardsToYield(input)', () => {
  const all = Array.from({ length: ORDER_SHARDS }, (_, i) => i);

  it('keeps everything while it hears no other worker', () => {
    assert.deepEqual(shardsToYield({ active: all, busy: [1, 2], peers: [], shards: ORDER_SHARDS, settling: false }), []);
  });

  it('gives away the highest idle shards above ceil(shards / workers)', () => {
    const peers = [{ active: 0, busy: 0 }];
    assert.deepEqual(shardsToYield({ active: all, busy: [], peers, shards: ORDER_SHARDS, settling: false }), [7, 6, 5, 4]);
    assert.deepEqual(shardsToYield({ active: all, busy: [], peers: [...peers, ...peers], shards: ORDER_SHARDS, settling: false }), [7, 6, 5, 4, 3]);
  });

  it('gives away one busy shard when it runs more than its share of the busy ones, then idle ones', () => {
    const peers = [{ active: 4, busy: 0 }];
    // 3 busy shards over 2 workers: a share of 2; the least recently busy one goes.
    assert.deepEqual(shardsToYield({ active: [0, 1, 2, 3], busy: [2, 0, 1], peers, shards: ORDER_SHARDS, settling: false }), [2]);
    assert.deepEqual(shardsToYield({ active: [0, 1, 2, 3, 4, 5], busy: [2, 0, 1], peers, shards: ORDER_SHARDS, settling: false }), [2, 5]);
  });

  it('moves no busy shard while a recent move settles, nor between workers already at their share', () => {
    assert.deepEqual(shardsToYield({ active: [0, 1, 2, 3], busy: [2, 0, 1], peers: [{ active: 4, busy: 0 }], shards: ORDER_SHARDS, settling: true }), []);
    assert.deepEqual(shardsToYield({ active: [0, 1, 2, 3], busy: [0, 1], peers: [{ active: 4, busy: 1 }], shards: ORDER_SHARDS, settling: false }), []);
  });
});
