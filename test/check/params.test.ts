/**
 * `warren check` on params taken either way (a union of one positional and one named shape) and
 * on variadic params (a rest element, a z.array): exact findings per change, as in the
 * catalogue (catalogue.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { buildLock, parseLock, serializeLock } from '../../codegen/check/index.ts';
import { defineContract, type ContractSpec } from '../../src/contract/defineContract.ts';
import { brief, check, oneMethod, oneResult } from './checkContracts.ts';

type Expected = [rule: string, severity: 'breaking' | 'dangerous' | 'safe', at: string];

const IN = 'svc.m input';
const OUT = 'svc.m output';
const n = z.number();
const pair = z.tuple([n, n]);
const named = z.object({ minuend: n, subtrahend: n });
const either = (positional: z.ZodTuple | z.ZodArray = pair, byName: z.ZodObject = named) => oneMethod({ input: z.union([positional, byName]) });

const CASES: { kind: string; before: ContractSpec; after: ContractSpec; expect: Expected[] }[] = [
  { kind: 'either → by-name: the positional shape removed', before: either(), after: oneMethod({ input: named }), expect: [['method.params-shape-removed', 'breaking', 'svc.m $']] },
  { kind: 'either → by-position: the named shape removed', before: either(), after: oneMethod({ input: pair }), expect: [['method.params-shape-removed', 'breaking', 'svc.m $']] },
  { kind: 'by-name → either: a positional shape added', before: oneMethod({ input: named }), after: either(), expect: [['method.params-shape-added', 'safe', 'svc.m $']] },
  { kind: 'by-position → either: a named shape added', before: oneMethod({ input: pair }), after: either(), expect: [['method.params-shape-added', 'safe', 'svc.m $']] },
  {
    kind: 'by-name → either, and the kept shape gains a required field',
    before: oneMethod({ input: named }),
    after: either(pair, named.extend({ extra: z.string() })),
    expect: [['method.params-shape-added', 'safe', 'svc.m $'], ['input.required-field-added', 'breaking', `${IN} $.extra`]],
  },
  { kind: 'either, union order swapped: no change', before: either(), after: oneMethod({ input: z.union([named, pair]) }), expect: [] },
  { kind: 'either: the named shape gains a required field', before: either(), after: either(pair, named.extend({ extra: z.string() })), expect: [['input.required-field-added', 'breaking', `${IN} $.extra`]] },
  { kind: 'either: the positional shape gets longer', before: either(), after: either(z.tuple([n, n, n])), expect: [['input.tuple-length-changed', 'breaking', `${IN} $`]] },
  { kind: 'either: the positional shape gets a rest element', before: either(), after: either(z.tuple([n, n]).rest(n)), expect: [['input.tuple-length-widened', 'safe', `${IN} $`]] },

  { kind: 'variadic: rest element type narrowed', before: oneMethod({ input: z.tuple([z.string()]).rest(n) }), after: oneMethod({ input: z.tuple([z.string()]).rest(z.int()) }), expect: [['input.type-narrowed', 'breaking', `${IN} $[1…]`]] },
  { kind: 'variadic: rest element removed', before: oneMethod({ input: z.tuple([z.string()]).rest(n) }), after: oneMethod({ input: z.tuple([z.string()]) }), expect: [['input.tuple-length-narrowed', 'breaking', `${IN} $`]] },
  { kind: 'variadic: rest element added', before: oneMethod({ input: z.tuple([z.string()]) }), after: oneMethod({ input: z.tuple([z.string()]).rest(n) }), expect: [['input.tuple-length-widened', 'safe', `${IN} $`]] },
  { kind: 'variadic: z.array ≡ z.tuple([]).rest()', before: oneMethod({ input: z.array(n) }), after: oneMethod({ input: z.tuple([]).rest(n) }), expect: [] },
  { kind: 'variadic: z.array → a required first param', before: oneMethod({ input: z.array(n) }), after: oneMethod({ input: z.tuple([n]).rest(n) }), expect: [['input.tuple-length-narrowed', 'breaking', `${IN} $`]] },
  { kind: 'variadic: a required first param → z.array', before: oneMethod({ input: z.tuple([n]).rest(n) }), after: oneMethod({ input: z.array(n) }), expect: [['input.tuple-length-widened', 'safe', `${IN} $`]] },
  { kind: 'variadic: z.array item type replaced under a rest element', before: oneMethod({ input: z.array(n) }), after: oneMethod({ input: z.tuple([n]).rest(z.string()) }), expect: [['input.tuple-length-narrowed', 'breaking', `${IN} $`], ['input.type-changed', 'breaking', `${IN} $[1…]`]] },
  { kind: 'result: z.array(x).length(3) → a 3-tuple of x: no change', before: oneResult(z.array(n).length(3)), after: oneResult(z.tuple([n, n, n])), expect: [] },
  { kind: 'result: a list → a pair of its items (fewer lengths: safe to receive)', before: oneResult(z.array(n)), after: oneResult(pair), expect: [['output.tuple-length-narrowed', 'safe', `${OUT} $`]] },
  { kind: 'result: a pair → a list (any length now)', before: oneResult(pair), after: oneResult(z.array(n)), expect: [['output.tuple-length-widened', 'breaking', `${OUT} $`]] },
];

describe('warren check: params either way and variadic params', () => {
  for (const entry of CASES) {
    it(entry.kind, () => {
      const found = brief(check(entry.before, entry.after)).map(({ rule, severity, at }) => [rule, severity, at]);
      assert.deepEqual(found, entry.expect);
    });
  }

  it("locks an either method as params: 'either' with a oneOf of both shapes, and reads it back", () => {
    const lock = buildLock([defineContract(either())]);
    const method = lock.services.svc!.methods.m!;
    assert.equal(method.params, 'either');
    assert.deepEqual((method.input.oneOf as { type: string }[]).map((shape) => shape.type), ['array', 'object']);
    assert.deepEqual(parseLock(serializeLock(lock), 'test'), lock);
  });
});
