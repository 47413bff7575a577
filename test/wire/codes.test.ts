import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ErrorCode, ErrorMessage, errorCodeName, isReservedCode, type WarrenErrorCodeNumber } from '../../packages/warren-client/src/protocol/codes.ts';
import { WarrenError, toWarrenError } from '../../packages/warren-client/src/protocol/WarrenError.ts';

/**
 * The table as the README documents it (its "Error codes" section): code and name from every
 * row, so a code added to ErrorCode without a README row, or the other way round, fails.
 */
function documentedTable(): Record<string, number> {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('\n## Error codes\n');
  assert.ok(start >= 0, 'README.md has no "## Error codes" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const rows = [...section.matchAll(/^\|\s*(-?\d+)\s*\|\s*`([A-Z_]+)`\s*\|/gm)];
  assert.ok(rows.length > 0, 'the Error codes section has no table rows');
  return Object.fromEntries(rows.map(([, code, name]) => [name!, Number(code)]));
}

const DOCUMENTED = documentedTable();

const JSON_RPC_STANDARD = [-32700, -32600, -32601, -32602, -32603];

describe('ErrorCode', () => {
  it('is exactly the documented table', () => {
    assert.deepEqual({ ...ErrorCode }, DOCUMENTED);
  });

  it('uses every number once', () => {
    const numbers = Object.values(ErrorCode);
    assert.equal(new Set(numbers).size, numbers.length);
  });

  it('puts implementation codes inside -32099..-32000', () => {
    for (const [name, code] of Object.entries(ErrorCode)) {
      if (JSON_RPC_STANDARD.includes(code)) continue;
      assert.ok(code >= -32099 && code <= -32000, `${name} = ${code}`);
    }
  });

  it('keeps every code in the range JSON-RPC reserves', () => {
    for (const code of Object.values(ErrorCode)) assert.equal(isReservedCode(code), true, String(code));
  });
});

describe('ErrorMessage', () => {
  it('has a non-empty message for every code and nothing else', () => {
    assert.deepEqual(Object.keys(ErrorMessage).map(Number).sort(), Object.values(ErrorCode).slice().sort());
    for (const code of Object.values(ErrorCode)) {
      const message = ErrorMessage[code as WarrenErrorCodeNumber];
      assert.equal(typeof message, 'string');
      assert.ok(message.length > 0, String(code));
    }
  });

  it('uses the JSON-RPC 2.0 spec messages for the standard codes', () => {
    assert.equal(ErrorMessage[ErrorCode.PARSE_ERROR], 'Parse error');
    assert.equal(ErrorMessage[ErrorCode.INVALID_REQUEST], 'Invalid Request');
    assert.equal(ErrorMessage[ErrorCode.METHOD_NOT_FOUND], 'Method not found');
    assert.equal(ErrorMessage[ErrorCode.INVALID_PARAMS], 'Invalid params');
    assert.equal(ErrorMessage[ErrorCode.INTERNAL_ERROR], 'Internal error');
  });
});

describe('errorCodeName(code)', () => {
  it('names every code of the table and no other', () => {
    for (const [name, code] of Object.entries(ErrorCode)) assert.equal(errorCodeName(code), name);
    for (const code of [0, 4001, -32099, -32768, -31999]) assert.equal(errorCodeName(code), undefined, String(code));
  });
});

describe('isReservedCode(code)', () => {
  it('is true exactly inside -32768..-32000', () => {
    assert.equal(isReservedCode(-32768), true);
    assert.equal(isReservedCode(-32000), true);
    assert.equal(isReservedCode(-32769), false);
    assert.equal(isReservedCode(-31999), false);
    assert.equal(isReservedCode(4001), false);
  });
});

describe('new WarrenError(code, message?, options?)', () => {
  it('defaults the message from the table', () => {
    const error = new WarrenError(ErrorCode.TIMEOUT);
    assert.equal(error.code, ErrorCode.TIMEOUT);
    assert.equal(error.message, ErrorMessage[ErrorCode.TIMEOUT]);
    assert.equal(error.name, 'WarrenError');
    assert.ok(error instanceof Error);
  });

  it('keeps an application code, message and data', () => {
    const error = new WarrenError(4001, 'Room full', { data: { capacity: 10 } });
    assert.deepEqual(error.toJSON(), { code: 4001, message: 'Room full', data: { capacity: 10 } });
  });
});

describe('WarrenError.toJSON()', () => {
  it('is the wire form: no stack, no cause, no name', () => {
    const error = new WarrenError(ErrorCode.UNAVAILABLE, 'broker down', { cause: new Error('ECONNREFUSED 10.0.0.5') });
    const json = error.toJSON();
    assert.deepEqual(json, { code: ErrorCode.UNAVAILABLE, message: 'broker down' });
    const text = JSON.stringify(error);
    assert.deepEqual(JSON.parse(text), { code: ErrorCode.UNAVAILABLE, message: 'broker down' });
    assert.ok(!text.includes('stack') && !text.includes('ECONNREFUSED'), text);
  });

  it('leaves out data when there is none', () => {
    assert.equal(Object.hasOwn(new WarrenError(ErrorCode.OVERLOADED).toJSON(), 'data'), false);
  });
});

describe('WarrenError.fromObject(error)', () => {
  it('round-trips the wire form', () => {
    const wire = { code: ErrorCode.INVALID_PARAMS, message: 'Invalid params', data: { issues: [] } };
    const error = WarrenError.fromObject(wire);
    assert.ok(error instanceof WarrenError);
    assert.deepEqual(error.toJSON(), wire);
  });
});

describe('toWarrenError(thrown)', () => {
  it('passes a WarrenError through', () => {
    const error = new WarrenError(4001, 'Room full');
    assert.equal(toWarrenError(error), error);
  });

  it('hides what anything else says', () => {
    const thrownValues: unknown[] = [
      new Error('secret internal detail at /srv/app/db.ts'),
      new TypeError('Cannot read properties of undefined'),
      'a thrown string with a password=hunter2',
      { code: -32000, message: 'looks like a Warren error but is not' },
      42,
      null,
      undefined,
    ];
    for (const thrown of thrownValues) {
      const error = toWarrenError(thrown);
      assert.ok(error instanceof WarrenError);
      assert.equal(error.code, ErrorCode.INTERNAL_ERROR);
      assert.equal(error.message, 'Internal error');
      assert.deepEqual(error.toJSON(), { code: ErrorCode.INTERNAL_ERROR, message: 'Internal error' });
      assert.equal(error.cause, thrown);
    }
  });
});
