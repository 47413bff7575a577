/** codegen's copy of protocol rules must agree with the protocol module itself. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SERVER_ERRORS, TOPIC_PATTERN, warrenErrorName } from '../../codegen/protocolFacts.ts';
import { ErrorCode } from 'warren-client/protocol';
import { isValidTopic } from '../../src/protocol/routing.ts';

describe('TOPIC_PATTERN', () => {
  it('accepts and refuses the same topics as isValidTopic', () => {
    const samples = ['lobby', 'room-1', 'a_b', 'é', 'x'.repeat(200), 'x'.repeat(201), '', 'a.b', 'a*', '#', 'a b', 'tab\t', 'line\n'];
    const pattern = new RegExp(TOPIC_PATTERN);
    for (const topic of samples) assert.equal(pattern.test(topic), isValidTopic(topic), JSON.stringify(topic));
  });
});

describe('SERVER_ERRORS', () => {
  it('names codes of the closed table', () => {
    for (const name of SERVER_ERRORS) assert.ok(Number.isInteger(ErrorCode[name]));
    assert.equal(warrenErrorName('INVALID_PARAMS'), 'InvalidParams');
  });
});
