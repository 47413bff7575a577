/**
 * amqplib's backpressure, for real: the caller reaches RabbitMQ through a loopback TCP proxy
 * that stops reading, so the socket and then the channel's write buffer fill up until
 * `publish()` returns false. New calls must then get OVERLOADED at once (nothing buffered
 * beyond amqplib's own high-water mark), and once the proxy reads again and the channel
 * drains, calls flow again and every call sent is answered exactly once.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { Call } from '../../src/protocol/call.ts';
import { ErrorCode, resultBody } from 'warren-client/protocol';
import { methodQueue } from '../../src/protocol/routing.ts';
import { AmqpTransport } from '../../src/transport/AmqpTransport.ts';
import { AMQP_URL, needsBroker, uniqueName, withChannel } from '../helpers/broker.ts';
import { waitFor } from '../helpers/async.ts';

/** A TCP proxy to the broker whose client → broker direction can stop being read. */
async function startProxy(): Promise<{ port: number; pause(): void; resume(): void; close(): Promise<void> }> {
  const broker = new URL(AMQP_URL);
  const pairs = new Map<Socket, Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: broker.hostname, port: Number(broker.port || 5672) });
    for (const s of [client, upstream]) {
      s.on('error', () => {});
      s.on('close', () => {
        client.destroy();
        upstream.destroy();
        pairs.delete(client);
      });
    }
    pairs.set(client, upstream);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    pause() {
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        client.pause();
      }
    },
    resume() {
      for (const [client, upstream] of pairs) client.pipe(upstream);
    },
    async close() {
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('AmqpTransport: publish() === false', { ...(await needsBroker()), timeout: 60_000 }, () => {
  const method = uniqueName('backpressure.echo');
  const closers: (() => Promise<void>)[] = [];

  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    await withChannel((channel) => channel.deleteQueue(methodQueue(method)));
  });

  it('answers new calls OVERLOADED until the channel drains, and every call once', async (t) => {
    const proxy = await startProxy();
    closers.push(() => proxy.close());
    const worker = new AmqpTransport({ url: AMQP_URL });
    const caller = new AmqpTransport({ url: `amqp://guest:guest@127.0.0.1:${proxy.port}`, heartbeatSeconds: 30 });
    closers.push(() => worker.close(), () => caller.close());
    worker.start();
    caller.start();
    await Promise.all([worker.whenReady(10_000), caller.whenReady(10_000)]);
    await worker.serve(method, async (delivery) => resultBody(delivery.call.params.length));
    // The caller side opens on the first call: one answered call has its channels open before the proxy stops reading.
    const first = await new Promise<string>((resolve) => caller.request({ method, params: '{}', deadline: Date.now() + 10_000, principal: null }, resolve));
    assert.equal((JSON.parse(first) as { result?: number }).result, 2);

    const params = JSON.stringify({ pad: 'x'.repeat(32 * 1024) });
    const answers = new Map<number, string[]>();
    const send = (n: number) => {
      const call: Call = { method, params, deadline: Date.now() + 20_000, principal: null };
      answers.set(n, []);
      caller.request(call, (body) => answers.get(n)!.push(body));
    };
    const code = (n: number) => (JSON.parse(answers.get(n)![0]!) as { error?: { code: number } }).error?.code;

    proxy.pause();
    let sent = 0;
    // Bounded: each call holds 32 KiB, so the write buffer fills long before 5000.
    while (sent < 5000) {
      send(sent++);
      if (answers.get(sent - 1)!.length > 0) break;
      if (sent % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    const refusedAt = sent - 1;
    assert.equal(code(refusedAt), ErrorCode.OVERLOADED, `call ${refusedAt} answered at once with OVERLOADED`);
    const accepted = refusedAt;
    assert.ok(accepted > 0, 'some calls went into the buffer first');
    for (let i = 0; i < 20; i++) {
      send(sent++);
      assert.equal(code(sent - 1), ErrorCode.OVERLOADED, 'still refused while the buffer is full');
    }
    assert.equal(caller.pendingCount, accepted, 'only the accepted calls wait');

    proxy.resume();
    await waitFor(() => [...answers.values()].every((bodies) => bodies.length > 0), 30_000, 'every call to be answered');
    for (let n = 0; n < accepted; n++) {
      assert.equal(answers.get(n)!.length, 1);
      assert.equal((JSON.parse(answers.get(n)![0]!) as { result?: number }).result, params.length, `call ${n}`);
    }
    const after = sent;
    send(sent++);
    await waitFor(() => answers.get(after)!.length > 0, 10_000, 'a call after the drain');
    assert.equal((JSON.parse(answers.get(after)![0]!) as { result?: number }).result, params.length);
    assert.equal(caller.pendingCount, 0);
    t.diagnostic(`${accepted} calls of 32 KiB accepted before publish() returned false`);
  });
});
