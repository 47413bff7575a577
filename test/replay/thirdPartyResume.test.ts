/**
 * A third-party client resumes a replayable event with the documented protocol alone: a plain
 * `ws` socket speaking JSON-RPC 2.0 (no Warren SDK, no test helper) subscribes, reads each
 * pushed event's `params.position`, disconnects, and on a new socket sends
 * `rpc.subscribe { event, topic, since }` with the last position it read: it gets the events
 * published while it was away, then live ones, each once and in order. On the memory
 * transport, and on RabbitMQ (a gateway and a worker in this process, the events in a stream).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { needsBroker, uniqueName } from '../helpers/broker.ts';
import { startStack } from '../helpers/stack.ts';
import { startAmqpReplayStack } from './amqpStack.ts';
import { replayImplementation } from './replayService.ts';

/** A bare JSON-RPC 2.0 client over one `ws` socket, as a third party would write it. */
class RawClient {
  readonly ws: WebSocket;
  readonly notifications: { method: string; params: any }[] = [];
  readonly #pending = new Map<number, (frame: any) => void>();
  #id = 0;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data));
      if (frame.id !== undefined && frame.id !== null) this.#pending.get(frame.id)?.(frame);
      else if (typeof frame.method === 'string') this.notifications.push({ method: frame.method, params: frame.params });
    });
  }

  static open(url: string): Promise<RawClient> {
    const ws = new WebSocket(url);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new RawClient(ws)));
      ws.once('error', reject);
    });
  }

  /** Sends a request; resolves with its response frame, or rejects after `timeoutMs`. */
  request(method: string, params: unknown, timeoutMs = 10_000): Promise<any> {
    const id = ++this.#id;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${method} within ${timeoutMs} ms`)), timeoutMs);
      this.#pending.set(id, (frame) => {
        clearTimeout(timer);
        this.#pending.delete(id);
        resolve(frame);
      });
      this.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  }

  /** Pushed events of `method` received so far. */
  events(method: string): any[] {
    return this.notifications.filter((n) => n.method === method).map((n) => n.params);
  }

  async until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const closed = new Promise((resolve) => this.ws.once('close', resolve));
    this.ws.close();
    await closed;
  }
}

interface Setup {
  url: string;
  close(): Promise<void>;
}

function thirdPartyResume(name: string, setup: (service: string) => Promise<Setup>, options: { skip?: string; service?: string } = {}): void {
  const service = options.service ?? 'thirdparty';
  const event = `${service}.item`;
  describe(`a third-party JSON-RPC client resumes a replayable event with since: ${name}`, options.skip ? { skip: options.skip } : {}, () => {
    let stack: Setup;
    before(async () => {
      stack = await setup(service);
    });
    after(() => stack?.close());

    it('subscribes, reads positions, disconnects, resumes with { event, topic, since }: the missed events, then live ones', async () => {
      const publisher = await RawClient.open(stack.url);
      const post = async (topic: string, first: number, count: number) => {
        const reply = await publisher.request(`${service}.post`, { topic, first, count });
        assert.deepEqual(reply.result, { emitted: count });
      };
      try {
        const first = await RawClient.open(stack.url);
        const subscribed = await first.request('rpc.subscribe', { event, topic: 'tp' });
        assert.equal(subscribed.result.historyLost, false);
        assert.equal(typeof subscribed.result.position.offset, 'number');
        assert.equal(typeof subscribed.result.position.epoch, 'string');
        await post('tp', 0, 3);
        await first.until(() => first.events(event).length === 3, 'the first 3 events');
        const seen = first.events(event);
        assert.deepEqual(seen.map((p) => p.payload.n), [0, 1, 2]);
        for (const p of seen) assert.equal(p.topic, 'tp');
        const offsets = seen.map((p) => p.position.offset);
        assert.deepEqual(offsets, [offsets[0], offsets[0] + 1, offsets[0] + 2], 'consecutive positions');
        const last = seen.at(-1).position;
        await first.close();

        // Missed while away: its topic's and another topic's.
        await post('tp', 3, 4);
        await post('other', 100, 2);
        await post('tp', 7, 1);

        const second = await RawClient.open(stack.url);
        try {
          const resumed = await second.request('rpc.subscribe', { event, topic: 'tp', since: last });
          assert.deepEqual(resumed.result, { position: last, historyLost: false });
          await second.until(() => second.events(event).length === 5, 'the 5 missed events');
          await post('tp', 8, 2);
          await second.until(() => second.events(event).length === 7, 'the live events');
          await new Promise((resolve) => setTimeout(resolve, 200));
          const got = second.events(event);
          assert.deepEqual(got.map((p) => p.payload.n), [3, 4, 5, 6, 7, 8, 9], 'missed then live, once each, only its topic');
          const resumedOffsets = got.map((p) => p.position.offset);
          assert.deepEqual([...resumedOffsets].sort((a, b) => a - b), resumedOffsets, 'in order');
          assert.ok(resumedOffsets[0] > last.offset, 'after since');
          assert.deepEqual(second.notifications.filter((n) => n.method === 'rpc.historyLost'), [], 'no historyLost');
        } finally {
          await second.close();
        }
      } finally {
        await publisher.close();
      }
    });
  });
}

thirdPartyResume('memory transport', async (service) => {
  const stack = await startStack({ implementations: [replayImplementation(service)] });
  return { url: stack.url, close: () => stack.close() };
});

const amqpService = uniqueName('thirdparty').replace(/\./g, '');
thirdPartyResume(
  'amqp transport (RabbitMQ stream)',
  (service) => startAmqpReplayStack([replayImplementation(service)]),
  { ...(await needsBroker()), service: amqpService },
);
