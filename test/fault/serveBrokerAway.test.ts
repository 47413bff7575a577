/**
 * `warren serve` started while RabbitMQ is unreachable (a proxy in front of the broker that
 * refuses every connection) behaves like `warren gateway`: it listens at once, `/healthz` 200,
 * `/readyz` 503 and WebSocket upgrades 503 with `Retry-After`, until the broker is reachable and
 * its workers consume; then it is ready and serves calls, in the same process.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { AMQP_URL, deleteMethodQueues, needsBroker, uniqueName } from '../helpers/broker.ts';
import { FrameSocket } from '../helpers/FrameSocket.ts';
import { startWarren, waitReady, logLines, type WarrenProcess } from '../helpers/processes.ts';
import { TcpProxy } from '../helpers/TcpProxy.ts';
import { TESTKIT_ENV, testkitContract } from '../helpers/testkit.ts';
import { sleep } from '../helpers/async.ts';

const SERVICE = uniqueName('away');
const MODULE = fileURLToPath(new URL('../helpers/testkitService.ts', import.meta.url));

/** How an upgrade ends: opened, or refused with a status and its Retry-After. */
function upgrade(url: string): Promise<{ status: number; retryAfter?: string | undefined }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('open', () => {
      ws.close();
      resolve({ status: 101 });
    });
    ws.on('unexpected-response', (_request, response) => {
      resolve({ status: response.statusCode ?? 0, retryAfter: response.headers['retry-after'] as string | undefined });
      response.resume();
      ws.terminate();
    });
    ws.on('error', reject);
  });
}

describe('warren serve with the broker away at start-up', { ...(await needsBroker()), timeout: 60_000 }, () => {
  const proxy = new TcpProxy();
  let serve: WarrenProcess | undefined;
  after(async () => {
    await serve?.stop('SIGTERM');
    await proxy.close();
    await deleteMethodQueues(testkitContract(SERVICE)).catch(() => {});
  });

  it('listens at once: /healthz 200, /readyz 503, upgrades 503 with Retry-After; ready and serving once the broker is reachable', async () => {
    await proxy.listen(Number(new URL(AMQP_URL).port || 5672));
    proxy.refusing = true;
    serve = await startWarren('serve', {
      service: MODULE,
      transport: 'amqp',
      env: { [TESTKIT_ENV]: SERVICE, AMQP_URL: `amqp://guest:guest@127.0.0.1:${new URL(proxy.url).port}` },
    });
    const http = serve.http!;
    assert.equal((await fetch(`${http}/healthz`)).status, 200);
    assert.equal((await fetch(`${http}/readyz`)).status, 503);
    assert.deepEqual(await upgrade(serve.url!), { status: 503, retryAfter: '1' });
    await sleep(500);
    assert.ok(proxy.accepted >= 2, `it keeps trying (${proxy.accepted} attempts)`);
    assert.equal((await fetch(`${http}/readyz`)).status, 503, 'still not ready');
    assert.equal(logLines(serve, 'waiting for RabbitMQ before consuming').length, 1);
    assert.equal(logLines(serve, 'worker consuming').length, 0);

    proxy.refusing = false;
    await waitReady(http, 20_000);
    assert.equal(logLines(serve, 'worker consuming').length, 1);
    const socket = await FrameSocket.open(serve.url!);
    try {
      const reply = await socket.request({ jsonrpc: '2.0', id: 1, method: `${SERVICE}.echo`, params: { value: 'hi' } }, 10_000);
      assert.equal(reply.result?.value, 'hi', JSON.stringify(reply));
      assert.equal(reply.result?.pid, serve.child.pid, 'answered by the same process');
    } finally {
      socket.close();
    }
  });
});
