/**
 * Write coalescing on a real loopback socket: the frames of one turn must leave in one system
 * call, in order, and nothing may stay corked. That Warren reaches the socket of a real AMQP
 * connection, and coalesces it, is tested in amqplibInternals.test.ts.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { coalesceWrites, isCoalesced } from '../../src/transport/coalesceWrites.ts';

interface Counted {
  writes: number;
  writevs: number;
}

/** Counts the stream-level writes Node makes to the kernel (one per _write or _writev call). */
function countWrites(socket: Socket): Counted {
  const counted = { writes: 0, writevs: 0 };
  const internals = socket as unknown as { _write: Function; _writev: Function };
  const write = internals._write;
  const writev = internals._writev;
  internals._write = function (this: Socket, ...args: unknown[]) {
    counted.writes++;
    return write.apply(this, args);
  };
  internals._writev = function (this: Socket, ...args: unknown[]) {
    counted.writevs++;
    return writev.apply(this, args);
  };
  return counted;
}

async function loopback(): Promise<{ client: Socket; received: () => string; close: () => Promise<void> }> {
  let text = '';
  const server = createServer((peer) => peer.on('data', (chunk) => (text += chunk.toString())));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  client.setNoDelay(true);
  await once(client, 'connect');
  return {
    client,
    received: () => text,
    close: async () => {
      client.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function nextTurn(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

describe('coalesceWrites', () => {
  it('sends the writes of one turn in one writev, in order', async () => {
    const { client, received, close } = await loopback();
    try {
      coalesceWrites(client);
      const counted = countWrites(client);
      for (let i = 0; i < 20; i++) client.write(`${i},`);
      assert.equal(client.writableCorked, 1, 'corked during the turn');
      await nextTurn();
      assert.equal(client.writableCorked, 0, 'uncorked at the end of the turn');
      assert.deepEqual(counted, { writes: 0, writevs: 1 });
      const expected = Array.from({ length: 20 }, (_, i) => `${i},`).join('');
      while (received().length < expected.length) await nextTurn();
      assert.equal(received(), expected);
    } finally {
      await close();
    }
  });

  it('without it, each write is a call of its own (the cost it removes)', async () => {
    const { client, close } = await loopback();
    try {
      const counted = countWrites(client);
      for (let i = 0; i < 20; i++) client.write(`${i},`);
      await nextTurn();
      assert.ok(counted.writes + counted.writevs > 1, `expected several writes, got ${JSON.stringify(counted)}`);
    } finally {
      await close();
    }
  });

  it('is idempotent, and each later turn is corked again', async () => {
    const { client, close } = await loopback();
    try {
      coalesceWrites(client);
      coalesceWrites(client);
      assert.ok(isCoalesced(client));
      const counted = countWrites(client);
      for (let turn = 0; turn < 3; turn++) {
        client.write('a');
        client.write('b');
        await nextTurn();
      }
      assert.deepEqual(counted, { writes: 0, writevs: 3 });
      assert.equal(client.writableCorked, 0);
    } finally {
      await close();
    }
  });
});
