/**
 * A channel group one of whose channels RabbitMQ closes over an error (here: a check of an
 * exchange that does not exist, answered 404) while the connection stays up: every channel of
 * the group must close with it, and the group must be set up again, on the same connection,
 * with its followers started again, without waiting for a reconnect.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Channel } from 'amqplib';
import { waitFor } from '../helpers/async.ts';
import { needsBroker, testConnection } from '../helpers/broker.ts';

describe('AmqpConnection: a channel closed by the broker', async () => {
  it('closes the rest of its group, and sets the group up again while the connection stays up', await needsBroker(), async () => {
    const connection = testConnection('channel recovery');
    let setups = 0;
    const closed: string[] = [];
    const group = connection.group('probe', async ({ channel, confirmChannel }) => {
      setups++;
      const [plain, confirm] = await Promise.all([channel('plain'), confirmChannel('confirm')]);
      for (const lane of [plain, confirm]) lane.channel.on('close', () => closed.push(lane.name));
      return { plain, confirm };
    });
    const started: unknown[] = [];
    await group.follow(async (channels) => {
      started.push(channels);
    });
    try {
      await connection.whenReady(10_000);
      const model = connection.model;
      const first = group.current!;
      assert.ok(first);
      assert.deepEqual(started, [first], 'the follower started on the first set');
      await assert.rejects((first.plain.channel as Channel).checkExchange(`warren.absent.${process.pid}`), /404|NOT_FOUND/);
      await waitFor(() => closed.length === 2, 5_000, 'both channels of the group to close');
      assert.deepEqual(closed.sort(), ['confirm', 'plain']);
      await waitFor(() => group.current !== undefined && group.current !== first, 10_000, 'a new set of channels');
      assert.equal(setups, 2, 'setup ran again');
      assert.equal(connection.model, model, 'on the same connection');
      await waitFor(() => started.length === 2, 5_000, 'the follower to start again');
      assert.equal(started[1], group.current);
      assert.ok(connection.isReady());
      // The new channels work.
      await group.current!.plain.channel.checkExchange('amq.direct');
      await group.current!.confirm.channel.checkExchange('amq.direct');
    } finally {
      await connection.close();
    }
  });
});
