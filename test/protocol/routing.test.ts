import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Call } from '../../src/protocol/call.ts';
import {
  DEFAULT_TOPIC,
  EVENTS_EXCHANGE,
  Header,
  RPC_EXCHANGE,
  callProperties,
  eventBindingKey,
  eventRoutingKey,
  isValidTopic,
  methodQueue,
  parseEventRoutingKey,
  readCall,
  readConfirmReply,
  replyQueueArguments,
} from '../../src/protocol/routing.ts';

const RUNS = { numRuns: 2000 };

const word = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,15}$/);
/** Wire names of events: `<service>.<event>`. */
const eventName = fc.tuple(word, word).map(([service, event]) => `${service}.${event}`);
/** Topics as isValidTopic defines them: one routing-key word. */
const topic = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
  .filter((text) => new TextEncoder().encode(text).length <= 200 && !/[.*#\s]/.test(text));

function baseCall(overrides: Partial<Call> = {}): Call {
  return { method: 'chat.send', params: '{"text":"hi"}', deadline: 10_000, principal: null, ...overrides };
}

describe('exchange names and DEFAULT_TOPIC', () => {
  it('are the documented names', () => {
    assert.equal(RPC_EXCHANGE, 'warren.rpc');
    assert.equal(EVENTS_EXCHANGE, 'warren.events');
    assert.equal(isValidTopic(DEFAULT_TOPIC), true);
  });
});

describe('methodQueue(method)', () => {
  it('names one queue per method under warren.rpc', () => {
    assert.equal(methodQueue('chat.send'), 'warren.rpc.chat.send');
    assert.equal(methodQueue('calc.add'), 'warren.rpc.calc.add');
    assert.notEqual(methodQueue('chat.send'), methodQueue('chat.join'));
  });
});

describe('isValidTopic(topic)', () => {
  it('accepts one routing-key word', () => {
    for (const t of ['default', 'room-1', 'a', 'ROOM_42', 'x'.repeat(200), 'café', '房间']) assert.equal(isValidTopic(t), true, t);
  });

  it('refuses the empty string, dots, wildcards, whitespace and more than 200 characters', () => {
    const bad = ['', 'a.b', '.', 'a.', '*', 'a*', '#', 'room#1', ' ', 'a b', '\t', 'a\nb', '\u00a0', 'x'.repeat(201)];
    for (const t of bad) assert.equal(isValidTopic(t), false, JSON.stringify(t));
  });

  it('refuses non-strings', () => {
    for (const t of [undefined, null, 1, {}, ['a'], true]) assert.equal(isValidTopic(t), false, String(t));
  });
});

describe('eventRoutingKey(event, topic) / eventBindingKey(event, topic?)', () => {
  it('builds `<event>.<topic>`', () => {
    assert.equal(eventRoutingKey('chat.message', 'room1'), 'chat.message.room1');
    assert.equal(eventBindingKey('chat.message', 'room1'), 'chat.message.room1');
  });

  it('binds to every topic of the event when no topic is given', () => {
    assert.equal(eventBindingKey('chat.message'), 'chat.message.*');
  });
});

describe('parseEventRoutingKey(key)', () => {
  it('splits event and topic at the last dot', () => {
    assert.deepEqual(parseEventRoutingKey('chat.message.room1'), { event: 'chat.message', topic: 'room1' });
  });

  it('refuses keys without an event or a topic', () => {
    for (const key of ['', 'nodot', '.topic', 'event.', '.']) assert.equal(parseEventRoutingKey(key), undefined, key);
  });

  it('inverts eventRoutingKey for valid event names and topics', () => {
    fc.assert(
      fc.property(eventName, topic, (event, t) => {
        assert.equal(isValidTopic(t), true);
        assert.deepEqual(parseEventRoutingKey(eventRoutingKey(event, t)), { event, topic: t });
      }),
      RUNS,
    );
  });
});

describe('reply queues', () => {
  it('a classic reply queue carries only its expiry; a quorum one its type too', () => {
    assert.deepEqual(replyQueueArguments('classic', 60_000), { 'x-expires': 60_000 });
    assert.deepEqual(replyQueueArguments('quorum', 60_000), { 'x-queue-type': 'quorum', 'x-expires': 60_000 });
  });

  it('a call asks for a confirmed reply only when its reply queue is replicated', () => {
    const plain = callProperties(baseCall(), { correlationId: 'c1', replyTo: 'warren.reply.x' }, 0);
    assert.equal(readConfirmReply(plain.headers), false);
    assert.equal(Header.CONFIRM_REPLY in plain.headers, false);
    const confirmed = callProperties(baseCall(), { correlationId: 'c1', replyTo: 'warren.reply.x', confirmReply: true }, 0);
    assert.equal(confirmed.headers[Header.CONFIRM_REPLY], 1);
    assert.equal(readConfirmReply(confirmed.headers), true);
    assert.equal(readConfirmReply(undefined), false);
    assert.equal(readConfirmReply({ [Header.CONFIRM_REPLY]: 'yes' }), false);
  });
});

describe('callProperties(call, reply, now)', () => {
  it('sets expiration to the time left, rounded up, as a string', () => {
    assert.equal(callProperties(baseCall({ deadline: 10_000 }), undefined, 7_000).expiration, '3000');
    assert.equal(callProperties(baseCall({ deadline: 10_000.2 }), undefined, 7_000).expiration, '3001');
    assert.equal(callProperties(baseCall({ deadline: 10_000 }), undefined, 9_999.5).expiration, '1');
  });

  it('never sets an expiration below 1', () => {
    assert.equal(callProperties(baseCall({ deadline: 10_000 }), undefined, 10_000).expiration, '1');
    assert.equal(callProperties(baseCall({ deadline: 10_000 }), undefined, 20_000).expiration, '1');
  });

  it('computes expiration as max(1, ceil(deadline - now)) for arbitrary times', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: -100_000, max: 10_000_000 }), (now, left) => {
        const expiration = callProperties(baseCall({ deadline: now + left }), undefined, now).expiration;
        assert.match(expiration, /^[1-9][0-9]*$/);
        assert.equal(expiration, String(Math.max(1, left)));
      }),
      RUNS,
    );
  });

  it('is mandatory, persistent JSON', () => {
    const props = callProperties(baseCall(), undefined, 0);
    assert.equal(props.mandatory, true);
    assert.equal(props.persistent, true);
    assert.equal(props.contentType, 'application/json');
  });

  it('sets correlationId and replyTo only when a reply is expected', () => {
    const withReply = callProperties(baseCall(), { correlationId: 'abc.1', replyTo: 'amq.rabbitmq.reply-to' }, 0);
    assert.equal(withReply.correlationId, 'abc.1');
    assert.equal(withReply.replyTo, 'amq.rabbitmq.reply-to');

    const withoutReply = callProperties(baseCall(), undefined, 0);
    assert.equal(Object.hasOwn(withoutReply, 'correlationId'), false);
    assert.equal(Object.hasOwn(withoutReply, 'replyTo'), false);
  });

  it('carries the deadline, the principal as JSON and the traceparent in headers', () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const principal = { id: 'u1', roles: ['admin'] };
    const { headers } = callProperties(baseCall({ deadline: 12_345, principal, traceparent }), undefined, 0);
    assert.equal(headers[Header.DEADLINE], 12_345);
    assert.equal(typeof headers[Header.PRINCIPAL], 'string');
    assert.deepEqual(JSON.parse(headers[Header.PRINCIPAL] as string), principal);
    assert.equal(headers[Header.TRACEPARENT], traceparent);
  });

  it('leaves out the principal and traceparent headers when there are none', () => {
    const { headers } = callProperties(baseCall(), undefined, 0);
    assert.deepEqual(Object.keys(headers), [Header.DEADLINE]);
  });
});

describe('readCall(method, body, headers)', () => {
  it('round-trips a call through callProperties headers', () => {
    const call = baseCall({
      deadline: 1_700_000_000_123,
      principal: { id: 'u1', name: 'Ada' },
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    });
    const { headers } = callProperties(call, { correlationId: 'c', replyTo: 'r' }, 0);
    assert.deepEqual(readCall(call.method, call.params, headers), call);
  });

  it('round-trips arbitrary calls', () => {
    const principal = fc.option(
      fc.record({ id: fc.string(), claim: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: ['id'] }),
      { nil: null },
    );
    const call = fc.record(
      {
        method: eventName,
        params: fc.json(),
        deadline: fc.integer({ min: 0, max: 2 ** 50 }),
        principal,
        traceparent: fc.string({ minLength: 1 }),
        tracestate: fc.string({ minLength: 1 }),
      },
      { requiredKeys: ['method', 'params', 'deadline', 'principal'] },
    );
    fc.assert(
      fc.property(call, (c) => {
        const { headers } = callProperties(c, undefined, 0);
        // A tracestate travels only beside a traceparent.
        const expected = c.traceparent === undefined ? { ...c, tracestate: undefined } : c;
        assert.deepEqual(readCall(c.method, c.params, headers), JSON.parse(JSON.stringify(expected)));
      }),
      RUNS,
    );
  });

  it('reads a principal header delivered as bytes', () => {
    const bytes = new TextEncoder().encode(JSON.stringify({ id: 'u2', team: 'ops' }));
    const call = readCall('chat.send', '{}', { [Header.DEADLINE]: 5, [Header.PRINCIPAL]: bytes });
    assert.deepEqual(call.principal, { id: 'u2', team: 'ops' });
    const buffer = Buffer.from(JSON.stringify({ id: 'u3' }));
    assert.deepEqual(readCall('chat.send', '{}', { [Header.PRINCIPAL]: buffer }).principal, { id: 'u3' });
  });

  it('reads a garbage principal as anonymous', () => {
    for (const garbage of ['{not json', '', 'undefined', new Uint8Array([0xff, 0xfe, 0x00]), 42, { id: 'u1' }, '42', '"u1"', 'null', '[]']) {
      const call = readCall('chat.send', '{}', { [Header.DEADLINE]: 5, [Header.PRINCIPAL]: garbage });
      assert.equal(call.principal, null, `principal header ${String(garbage)}`);
    }
  });

  it('reads a missing deadline as no deadline', () => {
    assert.equal(readCall('chat.send', '{}', {}).deadline, Number.POSITIVE_INFINITY);
    assert.equal(readCall('chat.send', '{}', undefined).deadline, Number.POSITIVE_INFINITY);
    assert.equal(readCall('chat.send', '{}', { [Header.DEADLINE]: 'soon' }).deadline, Number.POSITIVE_INFINITY);
  });

  it('reads a deadline header sent as a string', () => {
    assert.equal(readCall('chat.send', '{}', { [Header.DEADLINE]: '1234' }).deadline, 1234);
  });

  it('carries tracestate beside traceparent, and drops a tracestate that has none', () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const { headers } = callProperties(baseCall({ traceparent, tracestate: 'vendor=1' }), undefined, 0);
    assert.equal(headers[Header.TRACESTATE], 'vendor=1');
    assert.deepEqual(readCall('m.x', '{}', headers).tracestate, 'vendor=1');
    assert.equal(Object.hasOwn(callProperties(baseCall({ tracestate: 'vendor=1' }), undefined, 0).headers, Header.TRACESTATE), false);
    assert.equal(Object.hasOwn(readCall('m.x', '{}', { [Header.TRACESTATE]: 'vendor=1' }), 'tracestate'), false);
  });

  it('keeps the body as text and leaves out a non-string traceparent', () => {
    const call = readCall('calc.add', '[1,2]', { [Header.TRACEPARENT]: 7 });
    assert.equal(call.params, '[1,2]');
    assert.equal(call.method, 'calc.add');
    assert.equal(Object.hasOwn(call, 'traceparent'), false);
    assert.equal(call.principal, null);
  });
});
