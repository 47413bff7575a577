/**
 * Replayable events through a real gateway on a loopback socket, on either transport:
 * positions on every pushed event, resume with `since` (no gap, no duplicate, in order, only
 * its topic), history lost past the retention or with a stale epoch, and volatile events
 * unchanged (no position, nothing replayed).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FrameSocket } from '../helpers/FrameSocket.ts';

let nextId = 1;

/** Frames that arrived while a test waited for something else: events before a reply, say. */
const held = new WeakMap<FrameSocket, any[]>();

async function nextFrame(socket: FrameSocket, match: (frame: any) => boolean): Promise<any> {
  const early = held.get(socket) ?? [];
  held.set(socket, early);
  const index = early.findIndex(match);
  if (index >= 0) return early.splice(index, 1)[0];
  for (;;) {
    const frame = await socket.next();
    if (match(frame)) return frame;
    early.push(frame);
  }
}

function call(socket: FrameSocket, method: string, params: unknown): Promise<any> {
  const id = nextId++;
  socket.send({ jsonrpc: '2.0', id, method, params });
  return nextFrame(socket, (frame) => frame.id === id);
}

/** Reads pushed notifications of `method` until `count` arrived. */
async function events(socket: FrameSocket, method: string, count: number): Promise<any[]> {
  const got: any[] = [];
  while (got.length < count) got.push((await nextFrame(socket, (frame) => frame.method === method)).params);
  return got;
}

export interface ReplaySetup {
  /** The gateway's WebSocket URL. */
  url: string;
  close(): Promise<void>;
}

/**
 * The replay cases, against a gateway (and workers) serving replayImplementation(feed) and
 * replayImplementation(tiny, { maxBytes: 2_000_000 }).
 */
export function defineReplayCases(name: string, setup: (feed: string, tiny: string) => Promise<ReplaySetup>, options: { skip?: string; feed?: string; tiny?: string } = {}): void {
  const feed = options.feed ?? 'feed';
  const tiny = options.tiny ?? 'tiny';
  let stack: ReplaySetup;
  describe(`replayable events: ${name}`, options.skip ? { skip: options.skip } : {}, () => {
  before(async () => {
    stack = await setup(feed, tiny);
  });
  after(() => stack?.close());

  it('pushes each event with its position, and rpc.subscribe answers where the subscription starts', async () => {
    const socket = await FrameSocket.open(stack.url);
    try {
      const subscribed = await call(socket, 'rpc.subscribe', { event: `${feed}.item`, topic: 'a' });
      assert.equal(subscribed.result.historyLost, false);
      assert.equal(typeof subscribed.result.position.offset, 'number');
      const start = subscribed.result.position.offset;
      const publisher = await FrameSocket.open(stack.url);
      await call(publisher, `${feed}.post`, { topic: 'a', first: 0, count: 3 });
      const got = await events(socket, `${feed}.item`, 3);
      assert.deepEqual(got.map((p) => p.payload.n), [0, 1, 2]);
      assert.deepEqual(got.map((p) => p.position.offset), [start + 1, start + 2, start + 3]);
      for (const p of got) assert.equal(typeof p.position.epoch, 'string');
      publisher.close();
    } finally {
      socket.close();
    }
  });

  it('resumes after a disconnect with since: the missed events, then live ones, no gap, no duplicate, in order, only its topic', async () => {
    const publisher = await FrameSocket.open(stack.url);
    const first = await FrameSocket.open(stack.url);
    await call(first, 'rpc.subscribe', { event: `${feed}.item`, topic: 'b' });
    await call(publisher, `${feed}.post`, { topic: 'b', first: 100, count: 5 });
    const seen = await events(first, `${feed}.item`, 5);
    first.close();
    // Missed while away: 5 on its topic, interleaved with another topic's.
    await call(publisher, `${feed}.post`, { topic: 'b', first: 105, count: 3 });
    await call(publisher, `${feed}.post`, { topic: 'c', first: 900, count: 4 });
    await call(publisher, `${feed}.post`, { topic: 'b', first: 108, count: 2 });
    const second = await FrameSocket.open(stack.url);
    try {
      const since = seen.at(-1).position;
      const resumed = await call(second, 'rpc.subscribe', { event: `${feed}.item`, topic: 'b', since });
      assert.equal(resumed.result.historyLost, false);
      await call(publisher, `${feed}.post`, { topic: 'b', first: 110, count: 2 });
      const got = await events(second, `${feed}.item`, 7);
      assert.deepEqual(got.map((p) => p.payload.n), [105, 106, 107, 108, 109, 110, 111]);
      const offsets = got.map((p) => p.position.offset);
      assert.deepEqual([...offsets].sort((a, b) => a - b), offsets, 'in publish order');
      assert.ok(await second.silentFor(100), 'nothing more');
    } finally {
      second.close();
      publisher.close();
    }
  });

  it('answers history lost, once, for a position past the retention, then continues live', async () => {
    const publisher = await FrameSocket.open(stack.url);
    const first = await FrameSocket.open(stack.url);
    await call(first, 'rpc.subscribe', { event: `${tiny}.item`, topic: 'x' });
    await call(publisher, `${tiny}.post`, { topic: 'x', first: 0, count: 1 });
    const [seen] = await events(first, `${tiny}.item`, 1);
    first.close();
    // 2 MB of payload kept (RabbitMQ: in 1 MB segments): 3.5 MB more push the one it saw out.
    for (let i = 0; i < 7; i++) await call(publisher, `${tiny}.post`, { topic: 'x', first: 1 + 50 * i, count: 50, pad: 10_000 });
    const second = await FrameSocket.open(stack.url);
    try {
      const resumed = await call(second, 'rpc.subscribe', { event: `${tiny}.item`, topic: 'x', since: seen.position });
      assert.equal(resumed.result.historyLost, true);
      await call(publisher, `${tiny}.post`, { topic: 'x', first: 50, count: 1 });
      const lost = await events(second, 'rpc.historyLost', 1);
      assert.deepEqual(lost[0], { event: `${tiny}.item`, topic: 'x', since: seen.position });
      const live = await events(second, `${tiny}.item`, 1);
      assert.deepEqual(live.map((p) => p.payload.n), [50]);
      assert.ok(await second.silentFor(100), 'nothing more: one historyLost, no replay');
      assert.equal((held.get(second) ?? []).length, 0, 'no other frame');
    } finally {
      second.close();
      publisher.close();
    }
  });

  it('answers history lost for a stale epoch (another event at that offset)', async () => {
    const socket = await FrameSocket.open(stack.url);
    try {
      const publisher = await FrameSocket.open(stack.url);
      await call(publisher, `${feed}.post`, { topic: 'd', first: 0, count: 1 });
      publisher.close();
      const resumed = await call(socket, 'rpc.subscribe', { event: `${feed}.item`, topic: 'd', since: { offset: 0, epoch: 'not-the-event-at-0' } });
      assert.equal(resumed.result.historyLost, true);
    } finally {
      socket.close();
    }
  });

  it('refuses since on a volatile event, and a malformed since, with INVALID_PARAMS', async () => {
    const socket = await FrameSocket.open(stack.url);
    try {
      const volatile = await call(socket, 'rpc.subscribe', { event: `${feed}.tick`, since: { offset: 1, epoch: 'e' } });
      assert.equal(volatile.error.code, -32602);
      assert.match(JSON.stringify(volatile.error.data), /volatile/);
      const malformed = await call(socket, 'rpc.subscribe', { event: `${feed}.item`, since: { offset: 'x' } });
      assert.equal(malformed.error.code, -32602);
    } finally {
      socket.close();
    }
  });

  it('keeps volatile events as they were: no position, nothing replayed', async () => {
    const publisher = await FrameSocket.open(stack.url);
    await call(publisher, `${feed}.post`, { topic: 'v', first: 0, count: 3, volatile: true });
    const socket = await FrameSocket.open(stack.url);
    try {
      const subscribed = await call(socket, 'rpc.subscribe', { event: `${feed}.tick`, topic: 'v' });
      assert.equal(subscribed.result, true);
      await call(publisher, `${feed}.post`, { topic: 'v', first: 10, count: 1, volatile: true });
      const [got] = await events(socket, `${feed}.tick`, 1);
      assert.deepEqual(got, { topic: 'v', payload: { n: 10 } });
    } finally {
      socket.close();
      publisher.close();
    }
  });
});
}
