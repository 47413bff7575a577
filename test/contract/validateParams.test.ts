import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { z } from 'zod';
import { ErrorCode, WarrenError } from 'warren-client/protocol';
import type { ParamsSchema } from '../../src/contract/defineContract.ts';
import { isPositional, issuesOf, validateParams, type IssueData } from '../../src/contract/validateParams.ts';

const RUNS = { numRuns: 2000 };

/** Runs validateParams and returns the WarrenError it throws, failing if it returns or throws anything else. */
function rejection(schema: ParamsSchema, params: unknown): WarrenError {
  try {
    validateParams(schema, params);
  } catch (error) {
    assert.ok(error instanceof WarrenError, `expected a WarrenError, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${JSON.stringify(params)} to be rejected`);
}

function issuesFrom(error: WarrenError): IssueData[] {
  const data = error.data as { issues: IssueData[] };
  assert.ok(Array.isArray(data.issues));
  return data.issues;
}

function assertIssueShape(issue: IssueData): void {
  assert.deepEqual(Object.keys(issue).sort(), ['code', 'message', 'path']);
  assert.equal(typeof issue.code, 'string');
  assert.equal(typeof issue.message, 'string');
  assert.ok(issue.path.every((part) => typeof part === 'string' || typeof part === 'number'));
}

const named = z.object({ a: z.number(), b: z.string().optional() });
const positional = z.tuple([z.number(), z.string()]);

describe('isPositional(schema)', () => {
  it('is true for a z.tuple and false for a z.object', () => {
    assert.equal(isPositional(positional), true);
    assert.equal(isPositional(named), false);
  });
});

describe('validateParams(schema, params)', () => {
  it('returns the parsed named params', () => {
    assert.deepEqual(validateParams(named, { a: 1, b: 'x' }), { a: 1, b: 'x' });
  });

  it('returns the parsed positional params', () => {
    assert.deepEqual(validateParams(positional, [1, 'x']), [1, 'x']);
  });

  it('strips keys the object schema does not know', () => {
    assert.deepEqual(validateParams(named, { a: 1, extra: true }), { a: 1 });
  });

  it('refuses an array for named params', () => {
    const error = rejection(named, [1, 'x']);
    assert.equal(error.code, ErrorCode.INVALID_PARAMS);
    assert.match(error.message, /object|named/);
  });

  it('refuses an object for positional params', () => {
    const error = rejection(positional, { 0: 1, 1: 'x' });
    assert.equal(error.code, ErrorCode.INVALID_PARAMS);
    assert.match(error.message, /array|positional/);
  });

  it('refuses null and scalars either way', () => {
    for (const params of [null, 1, 'x', true]) {
      assert.equal(rejection(named, params).code, ErrorCode.INVALID_PARAMS, JSON.stringify(params));
      assert.equal(rejection(positional, params).code, ErrorCode.INVALID_PARAMS, JSON.stringify(params));
    }
  });

  it('treats absent params as {} for named params', () => {
    assert.deepEqual(validateParams(z.object({}), undefined), {});
    assert.deepEqual(validateParams(z.object({ a: z.number().optional() }), undefined), {});
    const error = rejection(named, undefined);
    assert.equal(error.code, ErrorCode.INVALID_PARAMS);
    assert.deepEqual(issuesFrom(error).map((issue) => issue.path), [['a']]);
  });

  it('treats absent params as [] for positional params', () => {
    assert.deepEqual(validateParams(z.tuple([]), undefined), []);
    assert.equal(rejection(positional, undefined).code, ErrorCode.INVALID_PARAMS);
  });

  it('lists zod issues as {code, path, message} in error.data', () => {
    const schema = z.object({ user: z.object({ age: z.number() }), tags: z.array(z.string()) });
    const error = rejection(schema, { user: { age: 'old' }, tags: ['a', 2] });
    assert.equal(error.code, ErrorCode.INVALID_PARAMS);
    const issues = issuesFrom(error);
    for (const issue of issues) assertIssueShape(issue);
    assert.deepEqual(
      issues.map((issue) => issue.path),
      [['user', 'age'], ['tags', 1]],
    );
    assert.deepEqual(Object.keys(error.toJSON()).sort(), ['code', 'data', 'message']);
  });

  it('lists positional issues by index', () => {
    const issues = issuesFrom(rejection(positional, [1, 2]));
    assert.deepEqual(issues.map((issue) => issue.path), [[1]]);
  });

  it('never echoes a wrongly typed string value in error.data', () => {
    const placeholder = 'placeholder-value';
    const schemas: { name: string; schema: ParamsSchema; wrap: (value: string) => unknown }[] = [
      { name: 'number', schema: z.object({ a: z.number() }), wrap: (value) => ({ a: value }) },
      { name: 'boolean', schema: z.object({ a: z.boolean() }), wrap: (value) => ({ a: value }) },
      { name: 'enum', schema: z.object({ a: z.enum(['x', 'y']) }), wrap: (value) => ({ a: value }) },
      { name: 'literal', schema: z.object({ a: z.literal('abc') }), wrap: (value) => ({ a: value }) },
      { name: 'short string', schema: z.object({ a: z.string().max(3) }), wrap: (value) => ({ a: value }) },
      { name: 'pattern', schema: z.object({ a: z.string().regex(/^x$/) }), wrap: (value) => ({ a: value }) },
      { name: 'email', schema: z.object({ a: z.email() }), wrap: (value) => ({ a: value }) },
      { name: 'nested', schema: z.object({ o: z.object({ n: z.number().int() }) }), wrap: (value) => ({ o: { n: value } }) },
      { name: 'tuple', schema: z.tuple([z.number(), z.number()]), wrap: (value) => [1, value] },
    ];
    // Only strings that fail the schemas above, and that are long enough to be recognised if echoed.
    const secret = fc
      .oneof(fc.string({ minLength: 8 }), fc.string({ unit: 'grapheme', minLength: 8 }), fc.string({ unit: 'binary', minLength: 8 }))
      .filter((s) => s.length >= 8 && !s.includes('@'));
    fc.assert(
      fc.property(fc.constantFrom(...schemas), secret, ({ schema, wrap }, s) => {
        // What the error says for a value nobody would mistake for the secret.
        const baseline = JSON.stringify(rejection(schema, wrap(placeholder)).data);
        const escaped = JSON.stringify(s).slice(1, -1);
        fc.pre(!baseline.includes(s) && !baseline.includes(escaped));

        const error = rejection(schema, wrap(s));
        assert.equal(error.code, ErrorCode.INVALID_PARAMS);
        const text = JSON.stringify(error.data);
        assert.ok(!text.includes(s) && !text.includes(escaped), `error.data echoes the input: ${text}`);
        assert.ok(!error.message.includes(s));
        for (const issue of issuesFrom(error)) assertIssueShape(issue);
      }),
      RUNS,
    );
  });

  it('does not let __proto__ in params pollute Object.prototype', () => {
    const params = JSON.parse('{"__proto__":{"polluted":1},"a":1}') as unknown;
    const result = validateParams(z.object({ a: z.number() }), params) as Record<string, unknown>;
    assert.deepEqual({ ...result }, { a: 1 });
    assert.equal(Object.hasOwn(result, '__proto__'), false);
    assert.equal(Object.getPrototypeOf(result), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(result.polluted, undefined);

    const loose = validateParams(z.looseObject({ a: z.number() }), params) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(loose), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('returns or throws INVALID_PARAMS for arbitrary JSON values, never anything else', () => {
    const schemas: ParamsSchema[] = [
      z.object({}),
      named,
      z.strictObject({ a: z.number() }),
      z.looseObject({ a: z.string().optional() }),
      z.object({ items: z.array(z.object({ id: z.string(), n: z.number().int() })), meta: z.record(z.string(), z.unknown()) }),
      z.object({ kind: z.discriminatedUnion('t', [z.object({ t: z.literal('a'), a: z.number() }), z.object({ t: z.literal('b') })]) }),
      z.tuple([]),
      positional,
      z.tuple([z.number()], z.string()),
    ];
    fc.assert(
      fc.property(fc.constantFrom(...schemas), fc.option(fc.jsonValue(), { nil: undefined }), (schema, params) => {
        try {
          validateParams(schema, params);
        } catch (error) {
          assert.ok(error instanceof WarrenError, `threw ${String(error)}`);
          assert.equal(error.code, ErrorCode.INVALID_PARAMS);
          for (const issue of issuesFrom(error)) assertIssueShape(issue);
        }
      }),
      RUNS,
    );
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('issuesOf(error)', () => {
  it('keeps only code, path and message, even when zod reports the input', () => {
    const parsed = z.object({ a: z.number() }).safeParse({ a: 'secret-value' }, { reportInput: true });
    assert.equal(parsed.success, false);
    const issues = issuesOf(parsed.error!);
    assert.deepEqual(issues, [{ code: 'invalid_type', path: ['a'], message: issues[0]!.message }]);
    assert.ok(!JSON.stringify(issues).includes('secret-value'));
  });
});
