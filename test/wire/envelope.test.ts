import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ErrorCode, checkRequest, classifyIncoming, encodeError, encodeNotification, encodeResult, errorBody, parseFrame, resultBody, spliceReply, type Entry, type Frame, type Id, type ErrorObject } from 'warren-client/protocol';

const RUNS = { numRuns: 2000 };

/** A JSON-RPC 2.0 response as the spec defines it, checked independently of Warren's code. */
function isValidResponse(text: string): boolean {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return false;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const raw = value as Record<string, unknown>;
  if (raw.jsonrpc !== '2.0') return false;
  if (!Object.hasOwn(raw, 'id')) return false;
  if (!(raw.id === null || typeof raw.id === 'string' || typeof raw.id === 'number')) return false;
  const hasResult = Object.hasOwn(raw, 'result');
  const hasError = Object.hasOwn(raw, 'error');
  if (hasResult === hasError) return false;
  if (hasError) {
    const error = raw.error as Record<string, unknown> | null;
    if (error === null || typeof error !== 'object' || Array.isArray(error)) return false;
    if (!Number.isInteger(error.code)) return false;
    if (typeof error.message !== 'string') return false;
  }
  return true;
}

/** Every error a frame can produce, with the id it would be answered with. */
function errorsOf(frame: Frame): { id: Id; error: ErrorObject }[] {
  if (frame.kind === 'invalid') return [{ id: null, error: frame.error }];
  const entries = frame.kind === 'single' ? [frame.entry] : frame.entries;
  return entries.flatMap((entry) => (entry.ok ? [] : [{ id: entry.id, error: entry.error }]));
}

function assertAnswersAreValid(frame: Frame): void {
  for (const { id, error } of errorsOf(frame)) {
    const text = encodeError(id, error);
    assert.ok(isValidResponse(text), `not a valid JSON-RPC response: ${text}`);
  }
}

function single(text: string): Entry {
  const frame = parseFrame(text);
  assert.equal(frame.kind, 'single');
  return (frame as Extract<Frame, { kind: 'single' }>).entry;
}

function errorOf(entry: Entry): { id: Id; error: ErrorObject } {
  assert.equal(entry.ok, false, 'expected an invalid entry');
  return entry as Extract<Entry, { ok: false }>;
}

function requestOf(entry: Entry): Extract<Entry, { ok: true }> {
  assert.equal(entry.ok, true, `expected a valid entry, got ${JSON.stringify(entry)}`);
  return entry as Extract<Entry, { ok: true }>;
}

const jsonId: fc.Arbitrary<Id> = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constant(null),
);

describe('isValidResponse(text) (test helper)', () => {
  it('accepts results and errors, and refuses near misses', () => {
    assert.ok(isValidResponse('{"jsonrpc":"2.0","id":1,"result":null}'));
    assert.ok(isValidResponse('{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"x"}}'));
    assert.ok(!isValidResponse('{"jsonrpc":"2.0","id":1}'));
    assert.ok(!isValidResponse('{"jsonrpc":"2.0","result":1}'));
    assert.ok(!isValidResponse('{"jsonrpc":"1.0","id":1,"result":1}'));
    assert.ok(!isValidResponse('{"jsonrpc":"2.0","id":{},"result":1}'));
    assert.ok(!isValidResponse('{"jsonrpc":"2.0","id":1,"result":1,"error":{"code":1,"message":"x"}}'));
    assert.ok(!isValidResponse('{"jsonrpc":"2.0","id":1,"error":{"code":1.5,"message":"x"}}'));
    assert.ok(!isValidResponse('{"jsonrpc":"2.0","id":1,"error":{"code":1}}'));
    assert.ok(!isValidResponse('[]'));
  });
});

describe('parseFrame(text)', () => {
  it('answers text that is not JSON with a parse error', () => {
    for (const text of ['', '{', '{"jsonrpc":"2.0",', 'nope', '{"a":1}x', "{'a':1}", '[1,]', '\u0000']) {
      const frame = parseFrame(text);
      assert.equal(frame.kind, 'invalid', text);
      assert.equal((frame as Extract<Frame, { kind: 'invalid' }>).error.code, ErrorCode.PARSE_ERROR, text);
    }
  });

  it('parses a valid request with named params', () => {
    const entry = requestOf(single('{"jsonrpc":"2.0","id":1,"method":"chat.send","params":{"text":"hi"}}'));
    assert.deepEqual(entry.request, { id: 1, method: 'chat.send', params: { text: 'hi' } });
    assert.equal(entry.notification, false);
  });

  it('parses a valid request with positional params', () => {
    const entry = requestOf(single('{"jsonrpc":"2.0","id":"a","method":"calc.add","params":[1,2]}'));
    assert.deepEqual(entry.request, { id: 'a', method: 'calc.add', params: [1, 2] });
  });

  it('keeps a valid timeoutMs', () => {
    const entry = requestOf(single('{"jsonrpc":"2.0","id":1,"method":"m","timeoutMs":250}'));
    assert.equal(entry.request.timeoutMs, 250);
  });

  it('preserves string, number and null ids', () => {
    for (const id of ['abc', '', 0, -7, 42, 1.5, null]) {
      const entry = requestOf(single(JSON.stringify({ jsonrpc: '2.0', id, method: 'm' })));
      assert.ok(Object.hasOwn(entry.request, 'id'));
      assert.equal(entry.request.id, id);
      assert.equal(entry.notification, false);
    }
  });

  it('treats a request without an id member as a notification', () => {
    const entry = requestOf(single('{"jsonrpc":"2.0","method":"m","params":[]}'));
    assert.equal(entry.notification, true);
    assert.equal(Object.hasOwn(entry.request, 'id'), false);
  });

  it('does not treat "id": null as a notification', () => {
    const entry = requestOf(single('{"jsonrpc":"2.0","id":null,"method":"m"}'));
    assert.equal(entry.notification, false);
    assert.equal(entry.request.id, null);
  });

  it('answers a non-object request with an invalid request', () => {
    for (const text of ['1', '"x"', 'true', 'false', 'null']) {
      const { id, error } = errorOf(single(text));
      assert.equal(error.code, ErrorCode.INVALID_REQUEST, text);
      assert.equal(id, null);
    }
  });

  it('answers a wrong or missing jsonrpc member with an invalid request, keeping the id', () => {
    for (const jsonrpc of [undefined, '1.0', '2', 2, 2.0, null, ' 2.0', '2.0 ']) {
      const { id, error } = errorOf(single(JSON.stringify({ jsonrpc, id: 9, method: 'm' })));
      assert.equal(error.code, ErrorCode.INVALID_REQUEST, String(jsonrpc));
      assert.equal(id, 9);
    }
  });

  it('answers a missing, empty or non-string method with an invalid request, keeping the id', () => {
    const bad: Record<string, unknown>[] = [
      { jsonrpc: '2.0', id: 'x' },
      { jsonrpc: '2.0', id: 'x', method: '' },
      { jsonrpc: '2.0', id: 'x', method: 1 },
      { jsonrpc: '2.0', id: 'x', method: null },
      { jsonrpc: '2.0', id: 'x', method: ['m'] },
      { jsonrpc: '2.0', id: 'x', method: { name: 'm' } },
      { jsonrpc: '2.0', id: 'x', method: true },
    ];
    for (const request of bad) {
      const { id, error } = errorOf(single(JSON.stringify(request)));
      assert.equal(error.code, ErrorCode.INVALID_REQUEST, JSON.stringify(request));
      assert.equal(id, 'x');
    }
  });

  it('answers params that are neither an object nor an array with an invalid request', () => {
    for (const params of [1, 'a', true, false, null, 0, '']) {
      const { id, error } = errorOf(single(JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'm', params })));
      assert.equal(error.code, ErrorCode.INVALID_REQUEST, JSON.stringify(params));
      assert.equal(id, 3);
    }
  });

  it('answers an id that is not a string, number or null with an invalid request and id null', () => {
    for (const idText of ['{}', '{"a":1}', '[]', '[1]', 'true', 'false', '1e400', '-1e400']) {
      const { id, error } = errorOf(single(`{"jsonrpc":"2.0","id":${idText},"method":"m"}`));
      assert.equal(error.code, ErrorCode.INVALID_REQUEST, idText);
      assert.equal(id, null, idText);
    }
  });

  it('answers a bad timeoutMs with an invalid request', () => {
    for (const timeoutText of ['0', '-1', '-0.5', '"100"', 'null', 'true', '{}', '[]', '1e400']) {
      const { id, error } = errorOf(single(`{"jsonrpc":"2.0","id":5,"method":"m","timeoutMs":${timeoutText}}`));
      assert.equal(error.code, ErrorCode.INVALID_REQUEST, timeoutText);
      assert.equal(id, 5);
    }
  });

  it('answers a traceparent or tracestate that is not a string with an invalid request', () => {
    for (const member of ['traceparent', 'tracestate']) {
      for (const valueText of ['1', 'null', 'true', '{}', '["00-x"]']) {
        const { id, error } = errorOf(single(`{"jsonrpc":"2.0","id":6,"method":"m","${member}":${valueText}}`));
        assert.equal(error.code, ErrorCode.INVALID_REQUEST, `${member}: ${valueText}`);
        assert.equal(id, 6);
      }
    }
  });

  it('keeps traceparent and tracestate strings as sent, malformed or not', () => {
    const entry = requestOf(single('{"jsonrpc":"2.0","id":1,"method":"m","traceparent":"not one","tracestate":"a=1"}'));
    assert.equal(entry.request.traceparent, 'not one');
    assert.equal(entry.request.tracestate, 'a=1');
  });

  it('answers an empty batch with one invalid request', () => {
    const frame = parseFrame('[]');
    assert.equal(frame.kind, 'invalid');
    assert.equal((frame as Extract<Frame, { kind: 'invalid' }>).error.code, ErrorCode.INVALID_REQUEST);
  });

  it('refuses a batch larger than maxBatch as a whole', () => {
    const request = { jsonrpc: '2.0', id: 1, method: 'm' };
    const atDefault = parseFrame(JSON.stringify(Array.from({ length: 100 }, () => request)));
    assert.equal(atDefault.kind, 'batch');
    const overDefault = parseFrame(JSON.stringify(Array.from({ length: 101 }, () => request)));
    assert.equal(overDefault.kind, 'invalid');
    assert.equal((overDefault as Extract<Frame, { kind: 'invalid' }>).error.code, ErrorCode.INVALID_REQUEST);

    assert.equal(parseFrame(JSON.stringify([request, request]), { maxBatch: 2 }).kind, 'batch');
    const overOption = parseFrame(JSON.stringify([request, request, request]), { maxBatch: 2 });
    assert.equal(overOption.kind, 'invalid');
    assert.equal((overOption as Extract<Frame, { kind: 'invalid' }>).error.code, ErrorCode.INVALID_REQUEST);
  });

  it('answers a batch of [1,2,3] with three invalid entries', () => {
    const frame = parseFrame('[1,2,3]');
    assert.equal(frame.kind, 'batch');
    const { entries } = frame as Extract<Frame, { kind: 'batch' }>;
    assert.equal(entries.length, 3);
    for (const entry of entries) {
      const { id, error } = errorOf(entry);
      assert.equal(error.code, ErrorCode.INVALID_REQUEST);
      assert.equal(id, null);
    }
  });

  it('checks each request of a mixed batch on its own, in order', () => {
    const frame = parseFrame(
      JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'a' },
        { jsonrpc: '2.0', method: 'b' },
        { foo: 'boo' },
        { jsonrpc: '2.0', id: 'x', method: 'c', params: 7 },
        [],
      ]),
    );
    assert.equal(frame.kind, 'batch');
    const { entries } = frame as Extract<Frame, { kind: 'batch' }>;
    assert.equal(entries.length, 5);
    assert.equal(requestOf(entries[0]!).request.id, 1);
    assert.equal(requestOf(entries[1]!).notification, true);
    assert.equal(errorOf(entries[2]!).error.code, ErrorCode.INVALID_REQUEST);
    assert.deepEqual(
      { id: errorOf(entries[3]!).id, code: errorOf(entries[3]!).error.code },
      { id: 'x', code: ErrorCode.INVALID_REQUEST },
    );
    assert.equal(errorOf(entries[4]!).error.code, ErrorCode.INVALID_REQUEST);
  });

  it('treats a nested batch as one invalid entry', () => {
    const frame = parseFrame('[[{"jsonrpc":"2.0","id":1,"method":"m"}]]');
    assert.equal(frame.kind, 'batch');
    const { entries } = frame as Extract<Frame, { kind: 'batch' }>;
    assert.equal(entries.length, 1);
    assert.equal(errorOf(entries[0]!).error.code, ErrorCode.INVALID_REQUEST);
  });

  it('never throws and answers every error validly, for arbitrary strings (grapheme units)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        assertAnswersAreValid(parseFrame(text));
      }),
      RUNS,
    );
  });

  it('never throws and answers every error validly, for arbitrary strings (binary units)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        assertAnswersAreValid(parseFrame(text));
      }),
      RUNS,
    );
  });

  it('never throws and answers every error validly, for fc.json()', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        assertAnswersAreValid(parseFrame(text));
        assertAnswersAreValid(parseFrame(`[${text}]`));
      }),
      RUNS,
    );
  });

  it('never throws and answers every error validly, for fc.jsonValue()', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const frame = parseFrame(JSON.stringify(value));
        assertAnswersAreValid(frame);
        if (frame.kind === 'single') assert.deepEqual(frame.entry, checkRequest(value));
      }),
      RUNS,
    );
  });
});

/**
 * Near-valid requests: a valid request, then some members dropped or replaced with
 * arbitrary JSON. `oracle` says independently whether the result must be accepted.
 */
const validRequest = fc.record(
  {
    jsonrpc: fc.constant('2.0'),
    id: jsonId,
    method: fc.string({ minLength: 1 }),
    params: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }), fc.array(fc.jsonValue(), { maxLength: 3 })),
    timeoutMs: fc.integer({ min: 1, max: 60_000 }),
    // Any string: a malformed traceparent is the gateway's to ignore, not the envelope's to refuse.
    traceparent: fc.string({ maxLength: 60 }),
    tracestate: fc.string({ maxLength: 30 }),
  },
  { requiredKeys: ['jsonrpc', 'method'] },
);

const FIELDS = ['jsonrpc', 'id', 'method', 'params', 'timeoutMs', 'traceparent', 'tracestate'] as const;

const mutation = fc.oneof(
  fc.record({ op: fc.constant('drop' as const), field: fc.constantFrom(...FIELDS) }),
  fc.record({ op: fc.constant('replace' as const), field: fc.constantFrom(...FIELDS), value: fc.jsonValue({ maxDepth: 2 }) }),
  fc.record({ op: fc.constant('add' as const), field: fc.string({ maxLength: 8 }), value: fc.jsonValue({ maxDepth: 1 }) }),
);

const nearValidRequest = fc.tuple(validRequest, fc.array(mutation, { maxLength: 3 })).map(([request, mutations]) => {
  const raw: Record<string, unknown> = { ...request };
  for (const m of mutations) {
    if (m.op === 'drop') delete raw[m.field];
    else Object.defineProperty(raw, m.field, { value: m.value, enumerable: true, writable: true, configurable: true });
  }
  return raw;
});

function oracle(raw: Record<string, unknown>): boolean {
  const idOk = !Object.hasOwn(raw, 'id') || raw.id === null || typeof raw.id === 'string' || typeof raw.id === 'number';
  const paramsOk = raw.params === undefined || (raw.params !== null && typeof raw.params === 'object');
  const timeoutOk = raw.timeoutMs === undefined || (typeof raw.timeoutMs === 'number' && raw.timeoutMs > 0);
  const traceOk = (raw.traceparent === undefined || typeof raw.traceparent === 'string') && (raw.tracestate === undefined || typeof raw.tracestate === 'string');
  return raw.jsonrpc === '2.0' && typeof raw.method === 'string' && raw.method !== '' && idOk && paramsOk && timeoutOk && traceOk;
}

describe('checkRequest(value)', () => {
  it('accepts exactly the requests the JSON-RPC 2.0 rules accept, for mutated near-valid requests', () => {
    fc.assert(
      fc.property(nearValidRequest, (raw) => {
        // Through the wire, as the gateway sees it.
        const text = JSON.stringify(raw);
        const reparsed = JSON.parse(text) as Record<string, unknown>;
        const frame = parseFrame(text);
        assert.equal(frame.kind, 'single');
        const entry = (frame as Extract<Frame, { kind: 'single' }>).entry;
        assertAnswersAreValid(frame);
        assertAnswersAreValid(parseFrame(`[${text},${text}]`));

        assert.equal(entry.ok, oracle(reparsed));
        const hasId = Object.hasOwn(reparsed, 'id');
        const validId = hasId && (reparsed.id === null || typeof reparsed.id === 'string' || typeof reparsed.id === 'number');
        if (entry.ok) {
          assert.equal(entry.notification, !hasId);
          if (hasId) assert.equal(entry.request.id, reparsed.id);
          assert.equal(entry.request.method, reparsed.method);
          assert.deepEqual(entry.request.params, reparsed.params);
          assert.equal(entry.request.traceparent, reparsed.traceparent);
          assert.equal(entry.request.tracestate, reparsed.tracestate);
        } else {
          assert.equal(entry.error.code, ErrorCode.INVALID_REQUEST);
          assert.equal(entry.id, validId ? reparsed.id : null);
        }
      }),
      RUNS,
    );
  });

  it('never throws on values JSON cannot carry', () => {
    for (const value of [undefined, Symbol('s'), () => 1, new Map(), Object.create(null), { jsonrpc: '2.0', method: 'm', id: NaN }]) {
      const entry = checkRequest(value);
      assert.equal(entry.ok, false);
      assert.ok(isValidResponse(encodeError(errorOf(entry).id, errorOf(entry).error)));
    }
  });

  it('ignores a __proto__ member and does not touch Object.prototype', () => {
    const entry = checkRequest(JSON.parse('{"jsonrpc":"2.0","id":1,"method":"m","__proto__":{"polluted":1}}'));
    assert.equal(entry.ok, true);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('encodeResult(id, result)', () => {
  it('encodes a result response', () => {
    assert.deepEqual(JSON.parse(encodeResult(1, { a: 1 })), { jsonrpc: '2.0', id: 1, result: { a: 1 } });
    assert.deepEqual(JSON.parse(encodeResult('x', [1])), { jsonrpc: '2.0', id: 'x', result: [1] });
  });

  it('keeps a null id and turns an undefined result into null', () => {
    const text = encodeResult(null, undefined);
    assert.deepEqual(JSON.parse(text), { jsonrpc: '2.0', id: null, result: null });
    assert.ok(isValidResponse(text));
  });

  it('is a valid response for arbitrary ids and JSON results', () => {
    fc.assert(
      fc.property(jsonId, fc.jsonValue(), (id, result) => {
        const text = encodeResult(id, result);
        assert.ok(isValidResponse(text));
        const incoming = classifyIncoming(JSON.parse(text));
        assert.equal(incoming.kind, 'response');
      }),
      RUNS,
    );
  });
});

describe('encodeError(id, error)', () => {
  it('encodes an error response', () => {
    const text = encodeError(7, { code: ErrorCode.METHOD_NOT_FOUND, message: 'Method not found' });
    assert.deepEqual(JSON.parse(text), { jsonrpc: '2.0', id: 7, error: { code: ErrorCode.METHOD_NOT_FOUND, message: 'Method not found' } });
    assert.ok(isValidResponse(text));
  });

  it('carries data', () => {
    const error = { code: ErrorCode.INVALID_PARAMS, message: 'Invalid params', data: { issues: [] } };
    assert.deepEqual(JSON.parse(encodeError(null, error)).error, error);
  });
});

describe('encodeNotification(method, params)', () => {
  it('encodes a notification without an id, which clients classify as a notification', () => {
    const text = encodeNotification('chat.message', { room: 'a', text: 'hi' });
    const value = JSON.parse(text) as Record<string, unknown>;
    assert.deepEqual(value, { jsonrpc: '2.0', method: 'chat.message', params: { room: 'a', text: 'hi' } });
    assert.equal(Object.hasOwn(value, 'id'), false);
    assert.deepEqual(classifyIncoming(value), { kind: 'notification', method: 'chat.message', params: { room: 'a', text: 'hi' } });
  });
});

describe('resultBody(result) / errorBody(error)', () => {
  it('encodes the worker reply bodies', () => {
    assert.deepEqual(JSON.parse(resultBody({ n: 1 })), { result: { n: 1 } });
    assert.deepEqual(JSON.parse(resultBody(undefined)), { result: null });
    assert.deepEqual(JSON.parse(errorBody({ code: ErrorCode.TIMEOUT, message: 'Deadline exceeded' })), {
      error: { code: ErrorCode.TIMEOUT, message: 'Deadline exceeded' },
    });
  });
});

describe('spliceReply(id, body)', () => {
  it('splices the caller id into a result body', () => {
    assert.deepEqual(JSON.parse(spliceReply('abc', resultBody(3))), { jsonrpc: '2.0', id: 'abc', result: 3 });
  });

  it('splices the caller id into an error body', () => {
    const error = { code: ErrorCode.UNAVAILABLE, message: 'Service unavailable' };
    const text = spliceReply(null, errorBody(error));
    assert.deepEqual(JSON.parse(text), JSON.parse(encodeError(null, error)));
    assert.ok(isValidResponse(text));
  });

  it('equals encodeResult(id, x) for arbitrary JSON x and ids', () => {
    fc.assert(
      fc.property(jsonId, fc.jsonValue(), (id, x) => {
        const spliced = spliceReply(id, resultBody(x));
        assert.ok(isValidResponse(spliced));
        assert.deepEqual(JSON.parse(spliced), JSON.parse(encodeResult(id, x)));
      }),
      RUNS,
    );
  });

  it('equals encodeError(id, e) for arbitrary error objects and ids', () => {
    const errorObject = fc.record(
      { code: fc.integer(), message: fc.string(), data: fc.jsonValue({ maxDepth: 2 }) },
      { requiredKeys: ['code', 'message'] },
    );
    fc.assert(
      fc.property(jsonId, errorObject, (id, error) => {
        const spliced = spliceReply(id, errorBody(error));
        assert.ok(isValidResponse(spliced));
        assert.deepEqual(JSON.parse(spliced), JSON.parse(encodeError(id, error)));
      }),
      RUNS,
    );
  });
});

describe('classifyIncoming(value)', () => {
  it('classifies result and error responses', () => {
    assert.deepEqual(classifyIncoming({ jsonrpc: '2.0', id: 1, result: null }), { kind: 'response', id: 1, result: null });
    const error = { code: ErrorCode.TIMEOUT, message: 'Deadline exceeded' };
    assert.deepEqual(classifyIncoming({ jsonrpc: '2.0', id: 'a', error }), { kind: 'response', id: 'a', error });
    assert.deepEqual(classifyIncoming({ jsonrpc: '2.0', id: null, error }), { kind: 'response', id: null, error });
  });

  it('classifies a message with a method and no id as a notification', () => {
    assert.deepEqual(classifyIncoming({ jsonrpc: '2.0', method: 'x.y', params: [1] }), {
      kind: 'notification',
      method: 'x.y',
      params: [1],
    });
  });

  it('refuses anything else', () => {
    const bad: unknown[] = [
      null,
      1,
      'x',
      [],
      [{ jsonrpc: '2.0', id: 1, result: 1 }],
      { id: 1, result: 1 },
      { jsonrpc: '1.0', id: 1, result: 1 },
      { jsonrpc: '2.0', result: 1 },
      { jsonrpc: '2.0', id: {}, result: 1 },
      { jsonrpc: '2.0', id: true, result: 1 },
      { jsonrpc: '2.0', id: 1 },
      { jsonrpc: '2.0', id: 1, error: 'boom' },
      { jsonrpc: '2.0', id: 1, error: { code: '1', message: 'x' } },
      { jsonrpc: '2.0', id: 1, error: { code: 1 } },
      { jsonrpc: '2.0', id: 1, method: 'server.request' },
    ];
    for (const value of bad) assert.deepEqual(classifyIncoming(value), { kind: 'invalid' }, JSON.stringify(value));
  });

  it('never throws for arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const incoming = classifyIncoming(value);
        assert.ok(['response', 'notification', 'invalid'].includes(incoming.kind));
      }),
      RUNS,
    );
  });
});
