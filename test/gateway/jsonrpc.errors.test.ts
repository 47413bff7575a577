/**
 * The gateway's JSON-RPC 2.0 behaviour over real loopback sockets: params validation, handler
 * errors and timeouts, as error responses. Raw frames through FrameSocket, never the SDK, so what
 * is asserted is the wire itself.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { defineContract } from '../../src/contract/defineContract.ts';
import { implement } from '../../src/contract/implement.ts';
import { ErrorCode } from 'warren-client/protocol';
import { m, connect, withStack, request, assertError, sortIds, assertIssues, closeSocketsAfterEach, sharedStack } from '../helpers/jsonrpc.ts';

describe('JSON-RPC 2.0 gateway', () => {
  closeSocketsAfterEach();
  const stack = sharedStack();

  describe('params validation', () => {
    it('-32602 with data.issues [{code, path, message}] for wrong params', async () => {
      const socket = await connect(stack.url);
      const reply = await socket.request(request(1, 'math.divide', { dividend: 'ten', divisor: 2 }));
      assertError(reply, ErrorCode.INVALID_PARAMS, 1);
      assertIssues(reply.error);
      assert.deepEqual(
        reply.error.data.issues.map((issue: any) => [issue.code, issue.path]),
        [['invalid_type', ['dividend']]],
      );

      const missing = await socket.request(request(2, m('sleep'), { ms: -1 }));
      assertError(missing, ErrorCode.INVALID_PARAMS, 2);
      assertIssues(missing.error);
      assert.deepEqual(missing.error.data.issues.map((issue: any) => issue.path).sort(), [['id'], ['ms']]);

      const positional = await socket.request(request(3, m('add'), [1, 'two']));
      assertError(positional, ErrorCode.INVALID_PARAMS, 3);
      assertIssues(positional.error);
      assert.deepEqual(positional.error.data.issues.map((issue: any) => issue.path), [[1]]);
    });

    it('-32602 for positional params to a named method and named params to a positional one', async () => {
      const socket = await connect(stack.url);
      const named = await socket.request(request(1, m('add'), { a: 1, b: 2 }));
      assertError(named, ErrorCode.INVALID_PARAMS, 1);
      assertIssues(named.error);
      const positional = await socket.request(request(2, 'math.divide', [10, 2]));
      assertError(positional, ErrorCode.INVALID_PARAMS, 2);
      assertIssues(positional.error);
      // Absent params count as {} for a named method and [] for a positional one.
      assertError(await socket.request(request(3, m('add'))), ErrorCode.INVALID_PARAMS, 3);
      assert.equal((await socket.request(request(4, m('boom')))).error.code, ErrorCode.INTERNAL_ERROR);
    });

    it('names the issue for a positional/named mismatch', async () => {
      const socket = await connect(stack.url);
      const reply = await socket.request(request(1, m('add'), { a: 1, b: 2 }));
      assertError(reply, ErrorCode.INVALID_PARAMS, 1);
      assert.deepEqual(reply.error.data.issues.map((i: { code: string; path: unknown[] }) => [i.code, i.path]), [['invalid_type', []]]);
    });

    it('never puts the raw input value in the error frame', async () => {
      const socket = await connect(stack.url);
      const secret = 'RAW-INPUT-7f3a9c';
      const frames = [
        request(1, 'math.divide', { dividend: secret, divisor: 1 }),
        request(2, m('add'), [secret, 1]),
        request(3, m('add'), [1, 2, secret]),
        request(4, 'chat.join', { room: `${secret} not a room`, user: secret.repeat(10) }),
        request(5, m('echo'), { value: 1, tag: { secret } }),
        request(6, m('add'), { [secret]: secret }),
      ];
      for (const frame of frames) {
        socket.send(frame);
        const text = await socket.nextText();
        assert.equal(JSON.parse(text).error.code, ErrorCode.INVALID_PARAMS, text);
        assert.ok(!text.includes(secret), `input leaked: ${text}`);
        assert.ok(!text.includes('RAW-INPUT'), `input leaked: ${text}`);
      }
    });
  });

  describe('handler errors', () => {
    it('a declared error keeps its code, message and typed data', async () => {
      const socket = await connect(stack.url);
      const reply = await socket.request(request(1, m('fail'), { reason: 'not today' }));
      assert.deepEqual(reply, { jsonrpc: '2.0', id: 1, error: { code: 4001, message: 'Refused', data: { reason: 'not today' } } });
      const example = await socket.request(request(2, 'math.divide', { dividend: 1, divisor: 0 }));
      assert.deepEqual(example.error, { code: 2001, message: 'Division by zero' });
    });

    it('a throwing handler is -32603 "Internal error" with nothing internal leaked', async () => {
      const socket = await connect(stack.url);
      socket.send(request(1, m('boom'), {}));
      const text = await socket.nextText();
      const reply = JSON.parse(text);
      assert.deepEqual(reply, { jsonrpc: '2.0', id: 1, error: { code: ErrorCode.INTERNAL_ERROR, message: 'Internal error' } });
      for (const leak of ['secret internal detail', '/srv/app', 'db.ts', 'stack', 'Error:', '    at ', 'testkit.ts', 'node_modules']) {
        assert.ok(!text.includes(leak), `leaked "${leak}": ${text}`);
      }
    });

    it('a handler returning the wrong shape is -32603', async () => {
      const socket = await connect(stack.url);
      socket.send(request(1, m('wrongShape'), {}));
      const text = await socket.nextText();
      assertError(JSON.parse(text), ErrorCode.INTERNAL_ERROR, 1);
      assert.ok(!text.includes('not a number'), `output leaked: ${text}`);
      assert.ok(!text.includes('issues'), `issues leaked: ${text}`);
    });
  });

  describe('timeouts', () => {
    it('the timeoutMs extension member shorter than the work answers -32000', async () => {
      const socket = await connect(stack.url);
      const started = Date.now();
      const reply = await socket.request(request('t', m('sleep'), { ms: 2500, id: 'short' }, { timeoutMs: 150 }));
      assertError(reply, ErrorCode.TIMEOUT, 't');
      assert.ok(Date.now() - started < 2000, 'answered at the client deadline, not when the work ended');
    });

    it("a method's own timeoutMs applies when the client sets none, and caps a longer one", async () => {
      const socket = await connect(stack.url);
      const started = Date.now();
      socket.send(request('own', m('sleep'), { ms: 8000, id: 'own-deadline' }));
      socket.send(request('longer', m('sleep'), { ms: 8000, id: 'longer-deadline' }, { timeoutMs: 60_000 }));
      const replies = [await socket.next(10_000), await socket.next(10_000)];
      const elapsed = Date.now() - started;
      assert.deepEqual(sortIds(replies.map((reply) => reply.id)), ['longer', 'own']);
      for (const reply of replies) assertError(reply, ErrorCode.TIMEOUT);
      // sleep declares 3000 ms; the gateway default is 10 000.
      assert.ok(elapsed >= 2500 && elapsed < 7000, `timed out after ${elapsed} ms`);
    });

    it("the gateway's defaultTimeoutMs applies to methods that declare none, and only to them", async () => {
      const lag = defineContract({
        service: 'lag',
        methods: { wait: { input: z.object({ ms: z.number().int().min(0) }), output: z.object({ waited: z.number() }) } },
      });
      const lagService = implement(lag, {
        // Stops at the deadline but still returns: the caller must get TIMEOUT all the same.
        wait: async ({ ms }, ctx) => {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, ms);
            ctx.signal.addEventListener('abort', () => {
              clearTimeout(timer);
              resolve();
            });
          });
          return { waited: ms };
        },
      });
      await withStack({ gateway: { defaultTimeoutMs: 200 }, implementations: [lagService] }, async (s) => {
        const socket = await connect(s.url);
        assertError(await socket.request(request(1, 'lag.wait', { ms: 3000 })), ErrorCode.TIMEOUT, 1);
        assert.deepEqual((await socket.request(request(2, 'lag.wait', { ms: 0 }))).result, { waited: 0 });
        // sleep declares 3000 ms, so 600 ms of work outlives the 200 ms default and still succeeds.
        const slept = await socket.request(request(3, m('sleep'), { ms: 600, id: 'declared' }));
        assert.ok(slept.result.sleptMs >= 500, JSON.stringify(slept));
      });
    });
  });
});
