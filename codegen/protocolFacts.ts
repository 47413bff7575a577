/**
 * What the documents say about Warren's wire protocol beyond the contracts: the errors Warren
 * itself answers, the topic rule, the default server address, and how events are delivered
 * (a replayable event's position).
 */
import type { ErrorCodeName } from 'warren-client/protocol';
import type { EventDelivery } from '../src/contract/eventDelivery.ts';
import { pascal } from './names.ts';

/** Warren's own errors any method call can receive from the server (client-side codes excluded). */
export const SERVER_ERRORS: readonly ErrorCodeName[] = ['INVALID_PARAMS', 'INTERNAL_ERROR', 'TIMEOUT', 'UNAVAILABLE', 'UNAUTHORIZED', 'OVERLOADED'];

/** `INVALID_PARAMS` → `InvalidParams`: the error's key in the documents' components. */
export function warrenErrorName(code: ErrorCodeName): string {
  return pascal(code.toLowerCase());
}

/**
 * The gateway's isValidTopic (src/protocol/routing.ts) as a JSON Schema pattern: one AMQP
 * routing-key word. test/codegen/protocolFacts.test.ts keeps the two in step.
 */
export const TOPIC_PATTERN = '^[^.*#\\s]{1,200}$';

/** Where `npm start` listens. A running gateway serves its document with its real address instead. */
export const DEFAULT_SERVER = { host: 'localhost:3000', path: '/rpc' } as const;

/**
 * Where a replayable event sits in its stored history: every push of one carries it as
 * `params.position`, and `rpc.subscribe` takes one back as `since` to resume after it.
 */
export const EVENT_POSITION_SCHEMA = {
  type: 'object',
  description: 'Position of a replayable event in its stored history.',
  properties: {
    offset: { type: 'integer', minimum: 0, description: "The event's offset in its history." },
    epoch: {
      type: 'string',
      description: 'The id of the event at that offset: a position from a history that was since recreated names another event, and is stale.',
    },
  },
  required: ['offset', 'epoch'],
} as const;

/**
 * rpc.subscribe's `since`: the position to resume after, for the replayable events named: a
 * push's `position`, the `position` rpc.subscribe answered, or `{ offset: -1, epoch: "" }`
 * (before the first event: everything kept).
 */
export function sinceSchema(replayable: readonly string[]): object {
  const names = replayable.map((name) => `\`${name}\``).join(', ');
  return {
    ...EVENT_POSITION_SCHEMA,
    properties: { ...EVENT_POSITION_SCHEMA.properties, offset: { type: 'integer', minimum: -1, description: 'The offset to resume after; -1 (with epoch "") is before the first event.' } },
    description: `Replayable events only (${names}): resume after this position, the \`position\` of the last push this subscriber saw (or the one rpc.subscribe answered).`,
  };
}

/**
 * rpc.subscribe's result: `true` for a volatile event; for a replayable one where the
 * subscription starts, and whether `since` could not be honoured (rpc.historyLost went first).
 */
export function subscribeResultSchema(replayable: readonly string[]): object {
  const volatile = { type: 'boolean', const: true, description: 'A volatile event: subscribed.' };
  if (replayable.length === 0) return { type: 'boolean', const: true };
  return {
    oneOf: [
      volatile,
      {
        type: 'object',
        description: 'A replayable event: where the subscription starts (`since`, or the last event stored when it subscribed; offset -1 when none).',
        properties: {
          position: sinceSchema(replayable),
          historyLost: { type: 'boolean', description: 'True when the history no longer held the event `since` named: the subscription starts from now.' },
        },
        required: ['position', 'historyLost'],
      },
    ],
  };
}

/** The params of the `rpc.historyLost` notification: which subscription could not resume, and from where. */
export function historyLostSchema(replayable: readonly string[]): object {
  return {
    type: 'object',
    properties: { event: { type: 'string', enum: [...replayable] }, topic: { type: 'string', pattern: TOPIC_PATTERN }, since: sinceSchema(replayable) },
    required: ['event', 'since'],
  };
}

/** `maxAge 7D`, `maxBytes 1000000`, or both: a replayable event's retention in a few words. */
export function retentionText(delivery: Extract<EventDelivery, { kind: 'replayable' }>): string {
  const limits = [delivery.maxAge !== undefined ? `maxAge ${delivery.maxAge}` : '', delivery.maxBytes !== undefined ? `maxBytes ${delivery.maxBytes}` : ''];
  return limits.filter(Boolean).join(', ');
}

/** The sentence the documents add to an event's description about its delivery. */
export function deliveryText(delivery: EventDelivery): string {
  if (delivery.kind === 'volatile') {
    return 'Delivery: volatile. Pushed to the connections subscribed when it is emitted, at most once; a connection that is away then misses it.';
  }
  return (
    `Delivery: replayable (retention: ${retentionText(delivery)}). Also stored in the broker, and each push carries its \`position\`: ` +
    'a subscriber that comes back (on any gateway) passes the last position it saw to rpc.subscribe as `since` and resumes after it.'
  );
}
