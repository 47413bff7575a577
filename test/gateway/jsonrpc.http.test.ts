/**
 * The gateway's JSON-RPC 2.0 behaviour over real loopback sockets: the HTTP side: health and
 * readiness, the /rpc path, allowedOrigins, authenticate. Raw frames through FrameSocket, never
 * the SDK, so what is asserted is the wire itself.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { m, connect, withStack, request, closeSocketsAfterEach, sharedStack } from '../helpers/jsonrpc.ts';

describe('JSON-RPC 2.0 gateway', () => {
  closeSocketsAfterEach();
  const stack = sharedStack();

  describe('HTTP', () => {
    it('GET /healthz and /readyz answer 200 with the memory transport', async () => {
      const health = await fetch(`${stack.http}/healthz`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok' });
      const ready = await fetch(`${stack.http}/readyz`);
      assert.equal(ready.status, 200);
      assert.deepEqual(await ready.json(), { status: 'ready', transport: 'memory' });
      assert.equal((await fetch(`${stack.http}/nothing-here`)).status, 404);
    });

    it('refuses an upgrade to a path other than /rpc with 404', async () => {
      const base = stack.url.replace(/\/rpc$/, '');
      for (const path of ['/', '/other', '/rpc/x', '/RPC']) {
        await assert.rejects(connect(`${base}${path}`), /HTTP 404/);
      }
      // A query string does not change the path.
      const socket = await connect(`${stack.url}?client=test`);
      assert.equal((await socket.request(request(1, m('add'), [1, 2]))).result, 3);
    });

    it('allowedOrigins refuses another Origin with 403 and accepts a listed one', async () => {
      await withStack({ gateway: { allowedOrigins: ['https://app.example'] } }, async (s) => {
        await assert.rejects(connect(s.url, { origin: 'https://evil.example' }), /HTTP 403/);
        const listed = await connect(s.url, { origin: 'https://app.example' });
        assert.equal((await listed.request(request(1, m('add'), [1, 2]))).result, 3);
        assert.equal(s.gateway.connections, 1);
      });
    });

    it('authenticate: throwing refuses with 401 before the socket opens; a principal reaches the handler', async () => {
      let seen = 0;
      const authenticate = (incoming: import('node:http').IncomingMessage) => {
        seen++;
        const user = incoming.headers['x-user'];
        if (user === 'anonymous') return null;
        if (typeof user !== 'string') throw new Error('no user header');
        return { id: user, role: 'admin' };
      };
      await withStack({ gateway: { authenticate } }, async (s) => {
        await assert.rejects(connect(s.url), /HTTP 401/);
        assert.equal(s.gateway.connections, 0);
        const alice = await connect(s.url, { headers: { 'x-user': 'alice' } });
        const reply = await alice.request(request(1, m('whoami'), {}));
        assert.deepEqual(reply.result, { principal: { id: 'alice', role: 'admin' }, redelivered: false });
        const anonymous = await connect(s.url, { headers: { 'x-user': 'anonymous' } });
        assert.deepEqual((await anonymous.request(request(2, m('whoami'), {}))).result.principal, null);
        assert.equal(seen, 3);
      });
    });

    it('an async authenticate that rejects also refuses with 401', async () => {
      await withStack({ gateway: { authenticate: async () => Promise.reject(new Error('denied')) } }, async (s) => {
        await assert.rejects(connect(s.url), /HTTP 401/);
        const health = await fetch(`${s.http}/healthz`);
        assert.equal(health.status, 200);
      });
    });
  });
});
