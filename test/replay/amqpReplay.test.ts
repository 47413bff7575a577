/**
 * The replay cases (replayCases.ts) on RabbitMQ: a gateway and a worker in this process, each
 * with its own AmqpTransport, the events in streams. Skipped locally without a broker; with
 * CI=true it runs, and so fails, instead.
 */
import { needsBroker, uniqueName } from '../helpers/broker.ts';
import { startAmqpReplayStack } from './amqpStack.ts';
import { defineReplayCases } from './replayCases.ts';
import { replayImplementation } from './replayService.ts';

defineReplayCases(
  'amqp transport (RabbitMQ streams)',
  (feed, tiny) => startAmqpReplayStack([replayImplementation(feed), replayImplementation(tiny, { maxBytes: 2_000_000 })]),
  { ...(await needsBroker()), feed: uniqueName('feed').replace(/\./g, ''), tiny: uniqueName('tiny').replace(/\./g, '') },
);
