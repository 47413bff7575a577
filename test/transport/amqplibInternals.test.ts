/**
 * What Warren relies on in amqplib beyond its documented API (src/transport/amqplibInternals.ts),
 * against a real broker. When an amqplib update moves one of these, the test names it.
 */
import assert from 'node:assert/strict';
import { createServer, Socket } from 'node:net';
import { describe, it } from 'node:test';
import amqplib from 'amqplib';
import { amqpSocket, isNack } from '../../src/transport/amqplibInternals.ts';
import { isCoalesced } from '../../src/transport/coalesceWrites.ts';
import { AMQP_URL, needsBroker, testConnection, uniqueName, withChannel } from '../helpers/broker.ts';

describe('amqplib internals Warren relies on', async () => {
  const broker = await needsBroker();

  it('amqplib keeps the socket of a connection at connection.stream, and every frame goes through it', broker, async () => {
    const model = await amqplib.connect(AMQP_URL, { timeout: 2000 });
    try {
      const socket = amqpSocket(model);
      assert.ok(socket, 'amqpSocket() finds no socket: amqplib moved `connection.stream`; update src/transport/amqplibInternals.ts');
      assert.ok(socket instanceof Socket, 'connection.stream is no longer the net.Socket');
      const write = socket.write;
      let writes = 0;
      socket.write = function (this: Socket, ...args: Parameters<Socket['write']>) {
        writes++;
        return write.apply(this, args);
      } as Socket['write'];
      const channel = await model.createChannel();
      await channel.checkExchange('amq.direct');
      assert.ok(writes > 0, 'frames no longer go through connection.stream.write');
    } finally {
      await model.close();
    }
  });

  it('AmqpConnection reaches that socket and coalesces its writes', broker, async () => {
    const connection = testConnection('internals');
    try {
      await connection.whenReady(10_000);
      const socket = amqpSocket(connection.model);
      assert.ok(socket, 'amqplib keeps its socket where Warren looks for it');
      assert.ok(isCoalesced(socket));
    } finally {
      await connection.close();
    }
  });

  it("a broker nack fails a publisher confirm with Error('message nacked'), a channel closed before it with another error", broker, async () => {
    const queue = uniqueName('warren.test.nack.');
    const model = await amqplib.connect(AMQP_URL, { timeout: 2000 });
    model.on('error', () => {});
    try {
      const channel = await model.createConfirmChannel();
      await channel.assertQueue(queue, { exclusive: true, arguments: { 'x-max-length': 1, 'x-overflow': 'reject-publish' } });
      const confirm = (target: typeof channel, exchange: string, key: string) =>
        new Promise<Error | null>((resolve) => target.publish(exchange, key, Buffer.from('x'), {}, (err: Error | null) => resolve(err)));
      assert.equal(await confirm(channel, '', queue), null, 'the first message fits');
      const nacked = await confirm(channel, '', queue);
      assert.ok(nacked, 'the full queue refuses the second');
      assert.equal(isNack(nacked), true, `a nack now reads ${JSON.stringify(nacked.message)}: update isNack()`);

      // Publishing to an exchange that does not exist makes the broker close the channel unconfirmed.
      const doomed = await model.createConfirmChannel();
      doomed.on('error', () => {});
      const lost = await confirm(doomed, `warren.absent.${process.pid}`, 'x');
      assert.ok(lost, 'the confirm fails when its channel closes');
      assert.equal(isNack(lost), false, 'a closed channel is not a nack');
    } finally {
      await model.close().catch(() => {});
      await withChannel((channel) => channel.deleteQueue(queue)).catch(() => {});
    }
  });

  it("recovery reads the object form of the URL afresh on every attempt: a field changed between attempts is the next attempt's", broker, async () => {
    // A port nobody listens on, then the broker's.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const deadPort = (server.address() as { port: number }).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const target = { protocol: 'amqp', hostname: '127.0.0.1', port: deadPort, username: 'guest', password: 'guest', vhost: '' };
    const recovering = await amqplib.connect(target, {
      timeout: 2000,
      recovery: { waitForConnect: false, maxRetries: 5, calculateDelay: () => 10 },
    });
    recovering.on('error', () => {});
    let failures = 0;
    recovering.on('connect-failed', () => {
      failures++;
      target.port = Number(new URL(AMQP_URL).port || 5672);
    });
    try {
      const connected = await Promise.race([
        new Promise<boolean>((resolve) => recovering.once('connect', () => resolve(true))),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5000)),
      ]);
      assert.equal(failures, 1, 'the first attempt went to the dead port');
      assert.ok(connected, 'the second attempt did not use the changed port: update the failover in src/transport/AmqpConnection.ts');
    } finally {
      await recovering.close().catch(() => {});
    }
  });
});
