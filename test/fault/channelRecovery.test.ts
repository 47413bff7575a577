/**
 * A lane whose channel RabbitMQ closes over an error (here: a check of an exchange that does
 * not exist, answered 404) while the connection stays up must get a channel again, and the
 * transport built on it must serve calls again, without waiting for a broker restart.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Channel } from 'amqplib';
import { waitFor } from '../conformance/async.ts';
import { needsBroker, testConnection } from '../helpers/broker.ts';

describe('AmqpConnection: a channel closed by the broker', async () => {
  it('is opened and set up again while the connection stays up', await needsBroker(), async () => {
    const connection = testConnection('channel recovery');
    let setups = 0;
    const lane = connection.plainLane('probe', async () => {
      setups++;
    });
    try {
      await connection.whenReady(10_000);
      const first = lane.channel as Channel;
      assert.ok(first);
      await assert.rejects(first.checkExchange(`warren.absent.${process.pid}`), /404|NOT_FOUND/);
      await waitFor(() => lane.channel !== undefined && lane.channel !== first, 10_000, 'a new channel on the lane');
      assert.ok(setups >= 2, `setup ran again (${setups})`);
      assert.ok(connection.isReady());
      // The new channel works.
      await (lane.channel as Channel).checkExchange('amq.direct');
    } finally {
      await connection.close();
    }
  });
});
