/**
 * The JSON-RPC 2.0 specification's own examples (section 7, "Examples"), all 15 of them, sent
 * as raw frames over a real loopback socket to a small service written with Warren's contract
 * API. The spec's bare method names live under the service `spec` (`subtract` → `spec.subtract`).
 * What is asserted is what the spec shows: ids, results, error codes and messages, and for a
 * batch the set of responses (the spec lets them come in any order), or no response at all.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { defineContract } from '../../src/contract/defineContract.ts';
import { implement } from '../../src/contract/implement.ts';
import type { FrameSocket } from '../helpers/FrameSocket.ts';
import { stackForBlock } from '../helpers/stack.ts';
import { closeSocketsAfterEach, connect } from '../helpers/jsonrpc.ts';

const spec = defineContract({
  service: 'spec',
  description: 'The methods of the JSON-RPC 2.0 specification examples.',
  methods: {
    subtract: {
      input: z.union([z.tuple([z.number(), z.number()]), z.object({ minuend: z.number(), subtrahend: z.number() })]),
      output: z.number(),
    },
    sum: { input: z.array(z.number()), output: z.number() },
    update: { input: z.array(z.number()), output: z.null() },
    notify_hello: { input: z.tuple([z.number()]), output: z.null() },
    notify_sum: { input: z.array(z.number()), output: z.null() },
    get_data: { input: z.tuple([]), output: z.tuple([z.string(), z.number()]) },
  },
});

/** What the notification handlers received, to prove a notification ran though nothing answered it. */
const received: { method: string; params: unknown }[] = [];

const specService = implement(spec, {
  subtract: (params) => (Array.isArray(params) ? params[0] - params[1] : params.minuend - params.subtrahend),
  sum: (numbers) => numbers.reduce((total, n) => total + n, 0),
  update(numbers) {
    received.push({ method: 'update', params: numbers });
    return null;
  },
  notify_hello(params) {
    received.push({ method: 'notify_hello', params });
    return null;
  },
  notify_sum(numbers) {
    received.push({ method: 'notify_sum', params: numbers });
    return null;
  },
  get_data: () => ['hello', 5] as [string, number],
});

/** The spec's bare names, under the service. */
const name = (bare: string) => `spec.${bare}`;

/** Every example that ran, by its section 7 title; the last test checks that all 15 did. */
const ran = new Set<string>();
const EXAMPLES = 15;

async function waitFor(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Proves that nothing answered what was sent before: the next frame is the reply to a fresh ping, and nothing follows it. */
async function assertNoResponse(socket: FrameSocket): Promise<void> {
  socket.send({ jsonrpc: '2.0', method: 'rpc.ping', id: 'sentinel' });
  assert.deepEqual(await socket.next(), { jsonrpc: '2.0', result: 'pong', id: 'sentinel' });
  assert.ok(await socket.silentFor(200), 'no frame after the sentinel');
}

/** A response sorted into a comparable form: batches may be answered in any order. */
const byId = (responses: any[]) => [...responses].sort((a, b) => JSON.stringify(a.id).localeCompare(JSON.stringify(b.id)));

/**
 * A response with its error reduced to the code. The spec's messages are examples ("SHOULD be
 * limited to a concise single sentence"): Warren's say more (`Method not found: spec.foobar`),
 * so a message is only checked to be a non-empty string, and `data` (which the spec allows) is
 * left aside.
 */
function withoutData(response: any): any {
  if (!response?.error) return response;
  assert.equal(typeof response.error.message, 'string');
  assert.ok(response.error.message.length > 0);
  return { ...response, error: { code: response.error.code } };
}

describe('JSON-RPC 2.0 specification, section 7: every example', () => {
  closeSocketsAfterEach();
  const stack = stackForBlock({ implementations: [specService] });
  let socket: FrameSocket;

  /** Runs one example on a fresh socket. */
  function example(title: string, run: () => Promise<void>): void {
    it(title, async () => {
      socket = await connect(stack.url);
      await run();
      ran.add(title);
    });
  }

  example('1. rpc call with positional parameters: subtract [42, 23]', async () => {
    const reply = await socket.request(`{"jsonrpc": "2.0", "method": "${name('subtract')}", "params": [42, 23], "id": 1}`);
    assert.deepEqual(reply, { jsonrpc: '2.0', result: 19, id: 1 });
  });

  example('2. rpc call with positional parameters: subtract [23, 42]', async () => {
    const reply = await socket.request(`{"jsonrpc": "2.0", "method": "${name('subtract')}", "params": [23, 42], "id": 2}`);
    assert.deepEqual(reply, { jsonrpc: '2.0', result: -19, id: 2 });
  });

  example('3. rpc call with named parameters: {subtrahend, minuend}', async () => {
    const reply = await socket.request(`{"jsonrpc": "2.0", "method": "${name('subtract')}", "params": {"subtrahend": 23, "minuend": 42}, "id": 3}`);
    assert.deepEqual(reply, { jsonrpc: '2.0', result: 19, id: 3 });
  });

  example('4. rpc call with named parameters: {minuend, subtrahend}', async () => {
    const reply = await socket.request(`{"jsonrpc": "2.0", "method": "${name('subtract')}", "params": {"minuend": 42, "subtrahend": 23}, "id": 4}`);
    assert.deepEqual(reply, { jsonrpc: '2.0', result: 19, id: 4 });
  });

  example('5. a Notification: update [1,2,3,4,5]', async () => {
    socket.send(`{"jsonrpc": "2.0", "method": "${name('update')}", "params": [1,2,3,4,5]}`);
    await assertNoResponse(socket);
    await waitFor(() => received.some((r) => r.method === 'update'), 'the update notification to run');
    assert.deepEqual(received.find((r) => r.method === 'update')!.params, [1, 2, 3, 4, 5]);
  });

  example('6. a Notification: foobar (no such method, and still no response)', async () => {
    socket.send(`{"jsonrpc": "2.0", "method": "${name('foobar')}"}`);
    await assertNoResponse(socket);
  });

  example('7. rpc call of non-existent method', async () => {
    const reply = await socket.request(`{"jsonrpc": "2.0", "method": "${name('foobar')}", "id": "1"}`);
    assert.deepEqual(withoutData(reply), { jsonrpc: '2.0', error: { code: -32601 }, id: '1' });
  });

  example('8. rpc call with invalid JSON', async () => {
    const reply = await socket.request(`{"jsonrpc": "2.0", "method": "${name('foobar')}, "params": "bar", "baz]`);
    assert.deepEqual(withoutData(reply), { jsonrpc: '2.0', error: { code: -32700 }, id: null });
  });

  example('9. rpc call with invalid Request object', async () => {
    const reply = await socket.request('{"jsonrpc": "2.0", "method": 1, "params": "bar"}');
    assert.deepEqual(withoutData(reply), { jsonrpc: '2.0', error: { code: -32600 }, id: null });
  });

  example('10. rpc call Batch, invalid JSON', async () => {
    const reply = await socket.request(`[
  {"jsonrpc": "2.0", "method": "${name('sum')}", "params": [1,2,4], "id": "1"},
  {"jsonrpc": "2.0", "method"
]`);
    assert.deepEqual(withoutData(reply), { jsonrpc: '2.0', error: { code: -32700 }, id: null });
  });

  example('11. rpc call with an empty Array', async () => {
    const reply = await socket.request('[]');
    assert.deepEqual(withoutData(reply), { jsonrpc: '2.0', error: { code: -32600 }, id: null });
  });

  example('12. rpc call with an invalid Batch (but not empty): [1]', async () => {
    const reply = await socket.request('[1]');
    assert.deepEqual(reply.map(withoutData), [{ jsonrpc: '2.0', error: { code: -32600 }, id: null }]);
  });

  example('13. rpc call with invalid Batch: [1,2,3]', async () => {
    const reply = await socket.request('[1,2,3]');
    const invalid = { jsonrpc: '2.0', error: { code: -32600 }, id: null };
    assert.deepEqual(reply.map(withoutData), [invalid, invalid, invalid]);
  });

  example('14. rpc call Batch: requests, a notification, an invalid entry and an unknown method', async () => {
    const reply = await socket.request(`[
  {"jsonrpc": "2.0", "method": "${name('sum')}", "params": [1,2,4], "id": "1"},
  {"jsonrpc": "2.0", "method": "${name('notify_hello')}", "params": [7]},
  {"jsonrpc": "2.0", "method": "${name('subtract')}", "params": [42,23], "id": "2"},
  {"foo": "boo"},
  {"jsonrpc": "2.0", "method": "${name('foo.get')}", "params": {"name": "myself"}, "id": "5"},
  {"jsonrpc": "2.0", "method": "${name('get_data')}", "id": "9"}
]`);
    assert.ok(Array.isArray(reply), 'a batch is answered with one array');
    assert.deepEqual(
      byId(reply.map(withoutData)),
      byId([
        { jsonrpc: '2.0', result: 7, id: '1' },
        { jsonrpc: '2.0', result: 19, id: '2' },
        { jsonrpc: '2.0', error: { code: -32600 }, id: null },
        { jsonrpc: '2.0', error: { code: -32601 }, id: '5' },
        { jsonrpc: '2.0', result: ['hello', 5], id: '9' },
      ]),
    );
    await waitFor(() => received.some((r) => r.method === 'notify_hello'), 'the notify_hello notification to run');
    assert.deepEqual(received.find((r) => r.method === 'notify_hello')!.params, [7]);
  });

  example('15. rpc call Batch (all notifications): nothing is returned', async () => {
    socket.send(`[
  {"jsonrpc": "2.0", "method": "${name('notify_sum')}", "params": [1,2,4]},
  {"jsonrpc": "2.0", "method": "${name('notify_hello')}", "params": [7]}
]`);
    await assertNoResponse(socket);
    await waitFor(() => received.some((r) => r.method === 'notify_sum'), 'the notify_sum notification to run');
    assert.deepEqual(received.find((r) => r.method === 'notify_sum')!.params, [1, 2, 4]);
  });

  after(() => {
    // Runs after every example; a missing one has already failed its own test, this names the count.
    assert.equal(ran.size, EXAMPLES, `${ran.size} of the specification's ${EXAMPLES} examples passed: ${[...ran].join('; ')}`);
  });
});
