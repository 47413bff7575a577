import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { z } from 'zod';
import { ErrorCode, WarrenError } from 'warren-client/protocol';
import type { ParamsSchema } from '../../src/contract/defineContract.ts';
import { absentParams, paramsShapes, paramStructure } from '../../src/contract/params.ts';
import { issuesOf, validateParams, type IssueData } from '../../src/contract/validateParams.ts';

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

const either = z.union([z.tuple([z.number(), z.number()]), z.object({ minuend: z.number(), subtrahend: z.number() })]);
const eitherNamedFirst = z.union([z.object({ values: z.array(z.number()) }), z.array(z.number())]);
const variadic = z.tuple([z.string()]).rest(z.number());
const list = z.array(z.number()).max(3);

describe('paramStructure(schema), paramsShapes(schema), absentParams(schema)', () => {
  it('by-position for a z.tuple or z.array, by-name for a z.object, either for a union of one of each', () => {
    assert.equal(paramStructure(positional), 'by-position');
    assert.equal(paramStructure(variadic), 'by-position');
    assert.equal(paramStructure(list), 'by-position');
    assert.equal(paramStructure(named), 'by-name');
    assert.equal(paramStructure(either), 'either');
    assert.equal(paramStructure(eitherNamedFirst), 'either');
  });

  it('finds no shapes in anything else', () => {
    const others: unknown[] = [
      z.string(),
      z.union([z.object({ a: z.number() }), z.object({ b: z.number() })]),
      z.union([z.tuple([]), z.array(z.string())]),
      z.union([z.tuple([]), z.object({}), z.array(z.string())]),
      z.discriminatedUnion('k', [z.object({ k: z.literal('a') })]),
      z.object({}).optional(),
      z.tuple([]).nullable(),
      {},
    ];
    for (const schema of others) assert.equal(paramsShapes(schema), undefined);
  });

  it('absent params are {} when the method takes named params (also either), [] when only positional', () => {
    assert.deepEqual(absentParams(named), {});
    assert.deepEqual(absentParams(either), {});
    assert.deepEqual(absentParams(positional), []);
    assert.deepEqual(absentParams(list), []);
  });
});

describe('validateParams with union and variadic params', () => {
  it('checks an array against the positional shape and an object against the named shape', () => {
    assert.deepEqual(validateParams(either, [42, 23]), [42, 23]);
    assert.deepEqual(validateParams(either, { subtrahend: 23, minuend: 42 }), { minuend: 42, subtrahend: 23 });
    assert.deepEqual(validateParams(eitherNamedFirst, [1, 2, 3]), [1, 2, 3]);
    assert.deepEqual(validateParams(eitherNamedFirst, { values: [1] }), { values: [1] });
  });

  it("reports the issues of the shape the params have, not a union's", () => {
    assert.deepEqual(issuesFrom(rejection(either, [42, 'x'])).map((i) => [i.code, i.path]), [['invalid_type', [1]]]);
    assert.deepEqual(issuesFrom(rejection(either, { minuend: 42 })).map((i) => [i.code, i.path]), [['invalid_type', ['subtrahend']]]);
    assert.deepEqual(issuesFrom(rejection(either, [1, 2, 3])).map((i) => [i.code, i.path]), [['too_big', []]]);
  });

  it('refuses params of neither structure, naming both', () => {
    for (const params of [null, 1, 'x', true]) {
      const error = rejection(either, params);
      assert.equal(error.message, 'params must be an array (positional params) or an object (named params)');
      assert.deepEqual(issuesFrom(error).map((i) => i.path), [[]]);
    }
  });

  it('absent params of an either method are checked as {} against the named shape', () => {
    assert.deepEqual(issuesFrom(rejection(either, undefined)).map((i) => i.path), [['minuend'], ['subtrahend']]);
    assert.deepEqual(validateParams(z.union([z.tuple([]), z.object({ a: z.number().optional() })]), undefined), {});
  });

  it('runs refinements of the union itself after its shape passed', () => {
    const ordered = either.refine((p) => (Array.isArray(p) ? p[0] : p.minuend) >= (Array.isArray(p) ? p[1] : p.subtrahend), 'minuend first');
    assert.deepEqual(validateParams(ordered, [2, 1]), [2, 1]);
    assert.deepEqual(issuesFrom(rejection(ordered, { minuend: 1, subtrahend: 2 })).map((i) => [i.code, i.message]), [['custom', 'minuend first']]);
  });

  it('takes a rest element and a z.array as positional params of any length, within their bounds', () => {
    assert.deepEqual(validateParams(variadic, ['a']), ['a']);
    assert.deepEqual(validateParams(variadic, ['a', 1, 2, 3]), ['a', 1, 2, 3]);
    assert.deepEqual(issuesFrom(rejection(variadic, ['a', 1, 'b'])).map((i) => i.path), [[2]]);
    assert.deepEqual(validateParams(list, undefined), []);
    assert.deepEqual(validateParams(list, [1, 2, 3]), [1, 2, 3]);
    assert.equal(issuesFrom(rejection(list, [1, 2, 3, 4]))[0]!.code, 'too_big');
    assert.match(rejection(list, { 0: 1 }).message, /must be an array/);
  });

  it('property: a call passes exactly when its own shape accepts it, and returns what that shape parses', () => {
    const number = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }));
    const element = fc.oneof(number, fc.string(), fc.constant(null));
    const params = fc.oneof(
      fc.constant(undefined),
      fc.array(element, { maxLength: 5 }),
      fc.record({ minuend: element, subtrahend: element }, { requiredKeys: [] }),
      fc.dictionary(fc.string(), element, { maxKeys: 3 }),
      element,
    );
    const schemas: { schema: ParamsSchema; positional: z.ZodType | undefined; named: z.ZodType | undefined }[] = [
      { schema: either, positional: either.options[0], named: either.options[1] },
      { schema: eitherNamedFirst, positional: eitherNamedFirst.options[1], named: eitherNamedFirst.options[0] },
      { schema: variadic, positional: variadic, named: undefined },
      { schema: list, positional: list, named: undefined },
      { schema: z.tuple([z.number()], z.number()), positional: z.tuple([z.number()], z.number()), named: undefined },
    ];
    fc.assert(
      fc.property(fc.constantFrom(...schemas), params, ({ schema, positional, named }, value) => {
        const sent = value === undefined ? (named ? {} : []) : value;
        const shape = Array.isArray(sent) ? positional : sent !== null && typeof sent === 'object' ? named : undefined;
        const expected = shape?.safeParse(sent);
        let result: unknown;
        let error: unknown;
        try {
          result = validateParams(schema, value);
        } catch (thrown) {
          error = thrown;
        }
        if (expected?.success) {
          assert.equal(error, undefined, `refused ${JSON.stringify(value)}: ${String(error)}`);
          assert.deepEqual(result, expected.data);
        } else {
          assert.ok(error instanceof WarrenError, `accepted ${JSON.stringify(value)}`);
          assert.equal(error.code, ErrorCode.INVALID_PARAMS);
          for (const issue of issuesFrom(error)) assertIssueShape(issue);
          // Issues of the shape's own parse, or the one wrong-structure issue.
          const issues = issuesFrom(error);
          if (expected) assert.deepEqual(issues, issuesOf(expected.error!));
          else assert.deepEqual(issues.map((i) => [i.code, i.path]), [['invalid_type', []]]);
        }
      }),
      RUNS,
    );
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
      either,
      eitherNamedFirst,
      list,
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
