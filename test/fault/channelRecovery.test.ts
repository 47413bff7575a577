/**
 * A lane whose channel RabbitMQ closes over an error (here: a check of an exchange that does
 * not exist, answered 404) while the connection stays up must get a channel again, and the
 * transport built on it must serve calls again, without waiting for a broker restart.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Channel } from 'amqplib';
import { AmqpConnection } from '../../src/transport/AmqpConnection.ts';
import { silentLogger } from '../../src/log.ts';
import { waitFor } from '../conformance/async.ts';
import { AMQP_URL, needsBroker } from '../helpers/broker.ts';

describe('AmqpConnection: a channel closed by the broker', async () => {
  it('is opened and set up again while the connection stays up', await needsBroker(), async () => {
    const connection = new AmqpConnection({
      url: AMQP_URL,
      heartbeatSeconds: 5,
      backoff: { initialSeconds: 0.1, maxSeconds: 0.5 },
      connectionName: 'warren channel recovery test',
      log: silentLogger,
    });
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
