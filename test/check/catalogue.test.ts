/**
 * The catalogue of contract changes: each entry is a small before/after contract and the exact
 * findings `warren check` must report (rule id, severity, subject and JSON path) — no more, no
 * fewer. Safe changes are here too: they must come out with no breaking finding.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import type { CheckOptions } from '../../codegen/check/index.ts';
import type { ContractSpec } from '../../src/contract/defineContract.ts';
import { brief, check, oneMethod, oneResult } from './checkContracts.ts';

type Expected = [rule: string, severity: 'breaking' | 'dangerous' | 'safe', at: string];

interface Case {
  kind: string;
  before: ContractSpec | ContractSpec[];
  after: ContractSpec | ContractSpec[];
  expect: Expected[];
  options?: CheckOptions;
}

const params = (shape: z.ZodRawShape) => oneMethod({ input: z.object(shape) });
const strictParams = (shape: z.ZodRawShape) => oneMethod({ input: z.strictObject(shape) });
const result = (shape: z.ZodRawShape) => oneResult(z.object(shape));
const strictResult = (shape: z.ZodRawShape) => oneResult(z.strictObject(shape));
/** Declares an enum, literal or union open (docs/contracts.md); for a whole result, the spec's output. */
function open<S extends z.ZodType>(schema: S): S;
function open(spec: ContractSpec): ContractSpec;
function open(x: z.ZodType | ContractSpec): z.ZodType | ContractSpec {
  if (x instanceof z.ZodType) return x.meta({ open: true });
  const m = x.methods.m!;
  return { ...x, methods: { m: { ...m, output: m.output.meta({ open: true }) } } };
}
const IN = 'svc.m input';
const OUT = 'svc.m output';

const event = (payload: z.ZodType, extra: object = {}): ContractSpec => ({
  service: 'svc',
  methods: { m: { input: z.object({}), output: z.null() } },
  events: { e: { payload, ...extra } },
});
const error = (spec: { code: number; data?: z.ZodType } | undefined): ContractSpec => ({
  service: 'svc',
  methods: { m: { input: z.object({}), output: z.null() } },
  errors: spec ? { Full: { message: 'Full', ...spec } } : {},
});
const withOptions = (options: object) => oneMethod({ input: z.object({}), ...options });
const Tree: z.ZodType = z.object({ v: z.number(), get kids() { return z.array(Tree); } });
const Tree2: z.ZodType = z.object({ v: z.string(), get kids() { return z.array(Tree2); } });
const Shape = (variants: z.ZodObject[]) => oneResult(z.discriminatedUnion('kind', variants as [z.ZodObject, ...z.ZodObject[]]));
const circle = z.object({ kind: z.literal('circle'), r: z.number() });
const square = z.object({ kind: z.literal('square'), side: z.number() });

const CATALOGUE: Case[] = [
  // client → server: params
  { kind: 'params: required field added', before: params({ a: z.string() }), after: params({ a: z.string(), b: z.string() }), expect: [['input.required-field-added', 'breaking', `${IN} $.b`]] },
  { kind: 'params: optional field added', before: params({ a: z.string() }), after: params({ a: z.string(), b: z.string().optional() }), expect: [['input.optional-field-added', 'safe', `${IN} $.b`]] },
  { kind: 'params: field with a default added', before: params({}), after: params({ n: z.number().default(3) }), expect: [['input.optional-field-added', 'safe', `${IN} $.n`]] },
  { kind: 'params: optional → required', before: params({ a: z.string().optional() }), after: params({ a: z.string() }), expect: [['input.field-made-required', 'breaking', `${IN} $.a`]] },
  { kind: 'params: required → optional', before: params({ a: z.string() }), after: params({ a: z.string().optional() }), expect: [['input.field-made-optional', 'safe', `${IN} $.a`]] },
  { kind: 'params: union narrowed', before: params({ a: z.union([z.string(), z.number()]) }), after: params({ a: z.string() }), expect: [['input.type-narrowed', 'breaking', `${IN} $.a`]] },
  { kind: 'params: union widened', before: params({ a: z.string() }), after: params({ a: z.union([z.string(), z.boolean()]) }), expect: [['input.type-widened', 'safe', `${IN} $.a`]] },
  { kind: 'params: type replaced', before: params({ a: z.string() }), after: params({ a: z.number() }), expect: [['input.type-changed', 'breaking', `${IN} $.a`]] },
  { kind: 'params: number → integer', before: params({ a: z.number() }), after: params({ a: z.int() }), expect: [['input.type-narrowed', 'breaking', `${IN} $.a`]] },
  { kind: 'params: integer → number', before: params({ a: z.int() }), after: params({ a: z.number() }), expect: [['input.type-widened', 'safe', `${IN} $.a`]] },
  { kind: 'params: any → string', before: params({ a: z.unknown() }), after: params({ a: z.string() }), expect: [['input.type-narrowed', 'breaking', `${IN} $.a`]] },
  { kind: 'params: enum value removed', before: params({ a: z.enum(['x', 'y']) }), after: params({ a: z.enum(['x']) }), expect: [['input.enum-value-removed', 'breaking', `${IN} $.a`]] },
  { kind: 'params: enum value added', before: params({ a: z.enum(['x']) }), after: params({ a: z.enum(['x', 'y']) }), expect: [['input.enum-value-added', 'safe', `${IN} $.a`]] },
  { kind: 'params: literal replaced', before: params({ a: z.literal('x') }), after: params({ a: z.literal('y') }), expect: [['input.enum-value-removed', 'breaking', `${IN} $.a`], ['input.enum-value-added', 'safe', `${IN} $.a`]] },
  { kind: 'params: free string → enum', before: params({ a: z.string() }), after: params({ a: z.enum(['x']) }), expect: [['input.enum-restricted', 'breaking', `${IN} $.a`]] },
  { kind: 'params: enum → free string', before: params({ a: z.enum(['x']) }), after: params({ a: z.string() }), expect: [['input.enum-relaxed', 'safe', `${IN} $.a`]] },
  { kind: 'params: enum → string too short for a value', before: params({ a: z.enum(['x', 'yy']) }), after: params({ a: z.string().min(2) }), expect: [['input.enum-relaxed', 'safe', `${IN} $.a`], ['input.enum-value-removed', 'breaking', `${IN} $.a`]] },
  { kind: 'params: minimum added', before: params({ n: z.number() }), after: params({ n: z.number().min(1) }), expect: [['input.constraint-tightened', 'breaking', `${IN} $.n`]] },
  { kind: 'params: maximum loosened', before: params({ n: z.number().max(10) }), after: params({ n: z.number().max(20) }), expect: [['input.constraint-loosened', 'safe', `${IN} $.n`]] },
  { kind: 'params: > 0 and ≥ 1 are one integer bound', before: params({ n: z.int().positive() }), after: params({ n: z.int().min(1) }), expect: [] },
  { kind: 'params: maxLength tightened', before: params({ s: z.string().max(500) }), after: params({ s: z.string().max(100) }), expect: [['input.constraint-tightened', 'breaking', `${IN} $.s`]] },
  { kind: 'params: pattern added', before: params({ s: z.string() }), after: params({ s: z.string().regex(/^[a-z]+$/) }), expect: [['input.constraint-tightened', 'breaking', `${IN} $.s`]] },
  { kind: 'params: pattern replaced (undecidable)', before: params({ s: z.string().regex(/^(ab)+$/) }), after: params({ s: z.string().regex(/^(ab|c)+$/) }), expect: [['input.constraint-changed', 'breaking', `${IN} $.s`]] },
  { kind: 'params: pattern replaced by an unrelated one', before: params({ s: z.string().regex(/^[a-z]+$/) }), after: params({ s: z.string().regex(/^[0-9]+$/) }), expect: [['input.constraint-changed', 'breaking', `${IN} $.s`]] },
  { kind: 'params: format replaced', before: params({ s: z.email() }), after: params({ s: z.uuid() }), expect: [['input.constraint-changed', 'breaking', `${IN} $.s`]] },
  { kind: 'params: format removed', before: params({ s: z.email() }), after: params({ s: z.string() }), expect: [['input.constraint-loosened', 'safe', `${IN} $.s`]] },
  { kind: 'params: multipleOf refined', before: params({ n: z.number().multipleOf(2) }), after: params({ n: z.number().multipleOf(4) }), expect: [['input.constraint-tightened', 'breaking', `${IN} $.n`]] },
  { kind: 'params: minItems added', before: params({ tags: z.array(z.string()) }), after: params({ tags: z.array(z.string()).min(1) }), expect: [['input.constraint-tightened', 'breaking', `${IN} $.tags`]] },
  { kind: 'params: list item type replaced', before: params({ tags: z.array(z.string()) }), after: params({ tags: z.array(z.number()) }), expect: [['input.type-changed', 'breaking', `${IN} $.tags[]`]] },
  { kind: 'params: object made strict', before: params({ a: z.string() }), after: strictParams({ a: z.string() }), expect: [['input.object-made-strict', 'breaking', `${IN} $`]] },
  { kind: 'params: strict object opened', before: strictParams({ a: z.string() }), after: params({ a: z.string() }), expect: [['input.object-made-open', 'safe', `${IN} $`]] },
  { kind: 'params: field removed from a strict object', before: strictParams({ a: z.string(), b: z.string() }), after: strictParams({ a: z.string() }), expect: [['input.closed-field-removed', 'breaking', `${IN} $.b`]] },
  { kind: 'params: field removed from a plain object', before: params({ a: z.string(), b: z.string() }), after: params({ a: z.string() }), expect: [['input.field-removed', 'dangerous', `${IN} $.b`]] },
  { kind: 'params: nullable added', before: params({ a: z.string() }), after: params({ a: z.string().nullable() }), expect: [['input.nullable-added', 'safe', `${IN} $.a`]] },
  { kind: 'params: nullable removed', before: params({ a: z.string().nullable() }), after: params({ a: z.string() }), expect: [['input.nullable-removed', 'breaking', `${IN} $.a`]] },
  { kind: 'params: default changed', before: params({ n: z.number().default(10) }), after: params({ n: z.number().default(50) }), expect: [['input.default-changed', 'dangerous', `${IN} $.n`]] },
  { kind: 'params: nested required field', before: params({ p: z.object({ x: z.number() }) }), after: params({ p: z.object({ x: z.number(), y: z.number() }) }), expect: [['input.required-field-added', 'breaking', `${IN} $.p.y`]] },
  { kind: 'params: record value narrowed', before: params({ m: z.record(z.string(), z.union([z.string(), z.number()])) }), after: params({ m: z.record(z.string(), z.string()) }), expect: [['input.type-narrowed', 'breaking', `${IN} $.m[string]`]] },
  { kind: 'params: tuple item appended', before: oneMethod({ input: z.tuple([z.number(), z.number()]) }), after: oneMethod({ input: z.tuple([z.number(), z.number(), z.number()]) }), expect: [['input.tuple-length-changed', 'breaking', `${IN} $`]] },
  { kind: 'params: optional tuple item appended', before: oneMethod({ input: z.tuple([z.number()]) }), after: oneMethod({ input: z.tuple([z.number(), z.string().optional()]) }), expect: [['input.tuple-length-widened', 'safe', `${IN} $`]] },
  {
    // zod's JSON Schema writes an item whose union holds a z.preprocess as optional (minItems 1);
    // the check counts it by its declared type: the server now rejects ["d"].
    kind: 'params: tuple item appended, a union holding a preprocess',
    before: oneMethod({ input: z.tuple([z.string()]) }),
    after: oneMethod({ input: z.tuple([z.string(), z.union([z.preprocess((v) => (typeof v === 'string' ? Number(v) : v), z.number()), z.boolean()])]) }),
    expect: [['input.tuple-length-changed', 'breaking', `${IN} $`]],
  },
  { kind: 'params: tuple items swapped', before: oneMethod({ input: z.tuple([z.string(), z.number()]) }), after: oneMethod({ input: z.tuple([z.number(), z.string()]) }), expect: [['input.tuple-order-changed', 'breaking', `${IN} $`]] },
  { kind: 'params: tuple item narrowed', before: oneMethod({ input: z.tuple([z.string(), z.number()]) }), after: oneMethod({ input: z.tuple([z.string(), z.int()]) }), expect: [['input.type-narrowed', 'breaking', `${IN} $[1]`]] },
  { kind: 'params: by-name → by-position', before: params({ a: z.number(), b: z.number() }), after: oneMethod({ input: z.tuple([z.number(), z.number()]) }), expect: [['method.params-structure-changed', 'breaking', 'svc.m $']] },

  // what zod knows and JSON Schema drops: each reaches the lock (zodFacts.ts)
  { kind: 'params: refine added to a field', before: params({ s: z.string() }), after: params({ s: z.string().refine((v) => v.length > 2) }), expect: [['input.refinement-added', 'breaking', `${IN} $.s`]] },
  { kind: 'params: refine added to the object', before: params({ a: z.number(), b: z.number() }), after: oneMethod({ input: z.object({ a: z.number(), b: z.number() }).refine((o) => o.a < o.b) }), expect: [['input.refinement-added', 'breaking', `${IN} $`]] },
  { kind: 'params: superRefine added', before: params({ s: z.string() }), after: params({ s: z.string().superRefine((v, ctx) => { if (v === 'x') ctx.addIssue({ code: 'custom', message: 'x' }); }) }), expect: [['input.refinement-added', 'breaking', `${IN} $.s`]] },
  { kind: 'params: .check() added', before: params({ s: z.string() }), after: params({ s: z.string().check((ctx) => { if (ctx.value === 'x') ctx.issues.push({ code: 'custom', message: 'x', input: ctx.value }); }) }), expect: [['input.refinement-added', 'breaking', `${IN} $.s`]] },
  { kind: 'params: refine body changed', before: params({ s: z.string().refine((v) => v.length > 2) }), after: params({ s: z.string().refine((v) => v.length > 3) }), expect: [['input.refinement-changed', 'breaking', `${IN} $.s`]] },
  { kind: 'params: refine removed', before: params({ s: z.string().refine((v) => v.length > 2) }), after: params({ s: z.string() }), expect: [['input.refinement-removed', 'breaking', `${IN} $.s`]] },
  { kind: 'params: refine on a nullable field added', before: params({ s: z.string().nullable() }), after: params({ s: z.string().nullable().refine((v) => v !== '') }), expect: [['input.refinement-added', 'breaking', `${IN} $.s`]] },
  { kind: 'params: refine on a union variant added', before: params({ s: z.union([z.string(), z.number()]) }), after: params({ s: z.union([z.string().refine((v) => v !== ''), z.number()]) }), expect: [['input.refinement-added', 'breaking', `${IN} $.s`]] },
  { kind: 'params: pipe into a stricter format', before: params({ s: z.string() }), after: params({ s: z.string().pipe(z.email()) }), expect: [['input.constraint-tightened', 'breaking', `${IN} $.s`]] },
  { kind: 'params: trim, then pipe into a minimum length', before: params({ s: z.string() }), after: params({ s: z.string().trim().pipe(z.string().min(3)) }), expect: [['input.transform-changed', 'breaking', `${IN} $.s`], ['input.constraint-tightened', 'breaking', `${IN} $.s`]] },
  { kind: 'params: pipe loosened', before: params({ s: z.string().pipe(z.string().max(3)) }), after: params({ s: z.string().pipe(z.string().max(5)) }), expect: [['input.constraint-loosened', 'safe', `${IN} $.s`]] },
  { kind: 'params: coerce removed', before: params({ n: z.coerce.number() }), after: params({ n: z.number() }), expect: [['input.coerce-removed', 'breaking', `${IN} $.n`]] },
  { kind: 'params: coerce added', before: params({ n: z.number() }), after: params({ n: z.coerce.number() }), expect: [['input.coerce-added', 'safe', `${IN} $.n`]] },
  { kind: 'params: preprocess removed', before: params({ n: z.preprocess((v) => (typeof v === 'string' ? Number(v) : v), z.number()) }), after: params({ n: z.number() }), expect: [['input.transform-changed', 'breaking', `${IN} $.n`]] },
  { kind: 'params: catch removed', before: params({ n: z.number().catch(0) }), after: params({ n: z.number() }), expect: [['input.catch-removed', 'breaking', `${IN} $.n`]] },
  { kind: 'params: catch added', before: params({ n: z.number() }), after: params({ n: z.number().catch(0) }), expect: [['input.catch-added', 'safe', `${IN} $.n`]] },
  { kind: 'params: default removed from an optional field', before: params({ n: z.number().default(5) }), after: params({ n: z.number().optional() }), expect: [['input.default-changed', 'dangerous', `${IN} $.n`]] },
  { kind: 'params: default → prefault', before: params({ n: z.number().default(5) }), after: params({ n: z.number().prefault(5) }), expect: [['input.default-changed', 'dangerous', `${IN} $.n`]] },
  { kind: 'params: transform added', before: params({ s: z.string() }), after: params({ s: z.string().transform((v) => v.toUpperCase()) }), expect: [['input.transform-changed', 'breaking', `${IN} $.s`]] },
  { kind: 'params: toLowerCase added', before: params({ s: z.string() }), after: params({ s: z.string().toLowerCase() }), expect: [['input.transform-changed', 'breaking', `${IN} $.s`]] },
  { kind: 'params: overwrite changed', before: params({ s: z.string().overwrite((v) => v.trim()) }), after: params({ s: z.string().overwrite((v) => v.trimStart()) }), expect: [['input.transform-changed', 'breaking', `${IN} $.s`]] },
  { kind: 'params: string → stringbool', before: params({ s: z.string() }), after: params({ s: z.stringbool() }), expect: [['input.transform-changed', 'breaking', `${IN} $.s`], ['input.type-changed', 'breaking', `${IN} $.s`]] },
  { kind: 'params: union made exclusive (z.xor)', before: params({ s: z.union([z.string(), z.string().min(3)]) }), after: params({ s: z.xor([z.string(), z.string().min(3)]) }), expect: [['input.constraint-tightened', 'breaking', `${IN} $.s`]] },
  { kind: 'params: regex flag added', before: params({ s: z.string().regex(/^[a-z]+$/) }), after: params({ s: z.string().regex(/^[a-z]+$/i) }), expect: [['input.constraint-changed', 'breaking', `${IN} $.s`]] },
  { kind: 'params: url protocol restricted', before: params({ u: z.url() }), after: params({ u: z.url({ protocol: /^https$/ }) }), expect: [['input.constraint-changed', 'breaking', `${IN} $.u`]] },
  { kind: 'params: local datetimes no longer accepted', before: params({ t: z.iso.datetime({ local: true }) }), after: params({ t: z.iso.datetime() }), expect: [['input.constraint-tightened', 'breaking', `${IN} $.t`]] },
  { kind: 'params: uuid version pinned', before: params({ id: z.uuid() }), after: params({ id: z.uuid({ version: 'v4' }) }), expect: [['input.constraint-tightened', 'breaking', `${IN} $.id`]] },
  { kind: 'result: refine removed', before: result({ s: z.string().refine((v) => v !== '') }), after: result({ s: z.string() }), expect: [['output.refinement-removed', 'breaking', `${OUT} $.s`]] },
  { kind: 'result: refine added', before: result({ s: z.string() }), after: result({ s: z.string().refine((v) => v !== '') }), expect: [['output.refinement-added', 'safe', `${OUT} $.s`]] },
  { kind: 'result: pipe removed, widening the result', before: result({ s: z.string().max(3).pipe(z.string()) }), after: result({ s: z.string() }), expect: [['output.constraint-loosened', 'breaking', `${OUT} $.s`]] },
  { kind: 'result: trim removed', before: result({ s: z.string().trim() }), after: result({ s: z.string() }), expect: [['output.transform-changed', 'breaking', `${OUT} $.s`]] },

  // provably compatible, though the JSON Schema text changed
  { kind: 'params: a provably wider pattern', before: params({ s: z.string().regex(/^[a-z]{1,32}$/) }), after: params({ s: z.string().regex(/^[a-z0-9-]{1,64}$/) }), expect: [['input.constraint-loosened', 'safe', `${IN} $.s`]] },
  { kind: 'params: uuid → guid', before: params({ id: z.uuid() }), after: params({ id: z.guid() }), expect: [['input.constraint-loosened', 'safe', `${IN} $.id`]] },
  { kind: 'params: guid → uuid', before: params({ id: z.guid() }), after: params({ id: z.uuid() }), expect: [['input.constraint-tightened', 'breaking', `${IN} $.id`]] },
  { kind: 'result: guid → uuid', before: result({ id: z.guid() }), after: result({ id: z.uuid() }), expect: [['output.constraint-tightened', 'safe', `${OUT} $.id`]] },
  { kind: 'result: uuid → guid', before: result({ id: z.uuid() }), after: result({ id: z.guid() }), expect: [['output.constraint-loosened', 'breaking', `${OUT} $.id`]] },
  { kind: 'params: datetime accepts offsets', before: params({ t: z.iso.datetime() }), after: params({ t: z.iso.datetime({ offset: true }) }), expect: [['input.constraint-loosened', 'safe', `${IN} $.t`]] },
  { kind: 'result: datetime sends offsets', before: result({ t: z.iso.datetime() }), after: result({ t: z.iso.datetime({ offset: true }) }), expect: [['output.constraint-loosened', 'breaking', `${OUT} $.t`]] },
  { kind: 'no-op: an integer range split into a union', before: params({ n: z.int().min(0).max(10) }), after: params({ n: z.union([z.int().min(0).max(5), z.int().min(6).max(10)]) }), expect: [] },
  { kind: 'no-op: a list of length 3 → a 3-tuple', before: params({ p: z.array(z.number()).length(3) }), after: params({ p: z.tuple([z.number(), z.number(), z.number()]) }), expect: [] },
  { kind: 'no-op: a 3-tuple → a list of length 3 in a result', before: result({ p: z.tuple([z.number(), z.number(), z.number()]) }), after: result({ p: z.array(z.number()).length(3) }), expect: [] },
  { kind: 'no-op: z.int() → multipleOf(1)', before: params({ n: z.int() }), after: params({ n: z.number().multipleOf(1) }), expect: [] },
  { kind: 'no-op: the same refine', before: params({ s: z.string().refine((v) => v.length > 2) }), after: params({ s: z.string().refine((v) => v.length > 2).describe('s') }), expect: [] },

  // server → client: results
  { kind: 'result: field removed', before: result({ a: z.string(), b: z.string() }), after: result({ a: z.string() }), expect: [['output.field-removed', 'breaking', `${OUT} $.b`]] },
  { kind: 'result: optional field removed', before: result({ a: z.string(), b: z.string().optional() }), after: result({ a: z.string() }), expect: [['output.optional-field-removed', 'dangerous', `${OUT} $.b`]] },
  { kind: 'result: field added', before: result({ a: z.string() }), after: result({ a: z.string(), b: z.string() }), expect: [['output.required-field-added', 'safe', `${OUT} $.b`]] },
  { kind: 'result: required → optional', before: result({ a: z.string() }), after: result({ a: z.string().optional() }), expect: [['output.field-made-optional', 'breaking', `${OUT} $.a`]] },
  { kind: 'result: optional → required', before: result({ a: z.string().optional() }), after: result({ a: z.string() }), expect: [['output.field-made-required', 'safe', `${OUT} $.a`]] },
  { kind: 'result: nullable added', before: result({ a: z.string() }), after: result({ a: z.string().nullable() }), expect: [['output.nullable-added', 'breaking', `${OUT} $.a`]] },
  { kind: 'result: whole result made nullable', before: oneResult(z.number()), after: oneResult(z.number().nullable()), expect: [['output.nullable-added', 'breaking', `${OUT} $`]] },
  { kind: 'result: null → object', before: oneResult(z.null()), after: oneResult(z.object({ ok: z.boolean() })), expect: [['output.type-changed', 'breaking', `${OUT} $`]] },
  { kind: 'result: integer → number', before: result({ n: z.int() }), after: result({ n: z.number() }), expect: [['output.type-widened', 'breaking', `${OUT} $.n`]] },
  { kind: 'result: union narrowed', before: result({ a: z.union([z.string(), z.number()]) }), after: result({ a: z.string() }), expect: [['output.type-narrowed', 'safe', `${OUT} $.a`]] },
  { kind: 'result: enum value added', before: result({ s: z.enum(['open', 'closed']) }), after: result({ s: z.enum(['open', 'closed', 'archived']) }), expect: [['output.enum-value-added', 'breaking', `${OUT} $.s`]] },
  { kind: 'result: enum value removed', before: result({ s: z.enum(['open', 'closed']) }), after: result({ s: z.enum(['open']) }), expect: [['output.enum-value-removed', 'safe', `${OUT} $.s`]] },
  { kind: 'result: constraint loosened', before: result({ u: z.string().max(32) }), after: result({ u: z.string().max(64) }), expect: [['output.constraint-loosened', 'breaking', `${OUT} $.u`]] },
  { kind: 'result: constraint tightened', before: result({ u: z.string().max(64) }), after: result({ u: z.string().max(32) }), expect: [['output.constraint-tightened', 'safe', `${OUT} $.u`]] },
  { kind: 'result: list item field removed', before: result({ items: z.array(z.object({ id: z.string(), at: z.string() })) }), after: result({ items: z.array(z.object({ id: z.string() })) }), expect: [['output.field-removed', 'breaking', `${OUT} $.items[].at`]] },
  { kind: 'result: union widened', before: oneResult(z.string()), after: oneResult(z.union([z.string(), z.number()])), expect: [['output.type-widened', 'breaking', `${OUT} $`]] },
  { kind: 'result: discriminated variant added', before: Shape([circle, z.object({ kind: z.literal('dot') })]), after: Shape([circle, z.object({ kind: z.literal('dot') }), square]), expect: [['output.variant-added', 'breaking', `${OUT} $[?(@.kind=="square")]`]] },
  { kind: 'result: discriminated variant field removed', before: Shape([circle, square]), after: Shape([z.object({ kind: z.literal('circle') }), square]), expect: [['output.field-removed', 'breaking', `${OUT} $[?(@.kind=="circle")].r`]] },
  { kind: 'result: recursive type changed', before: oneResult(Tree), after: oneResult(Tree2), expect: [['output.type-changed', 'breaking', `${OUT} $.v`]] },

  // server → client: values an old SDK's types cannot hold, and open enums and unions
  { kind: 'result: enum value renamed', before: result({ s: z.enum(['open', 'closed']) }), after: result({ s: z.enum(['open', 'shut']) }), expect: [['output.enum-value-removed', 'safe', `${OUT} $.s`], ['output.enum-value-added', 'breaking', `${OUT} $.s`]] },
  { kind: 'result: literal changed', before: result({ v: z.literal('v1') }), after: result({ v: z.literal('v2') }), expect: [['output.enum-value-removed', 'safe', `${OUT} $.v`], ['output.enum-value-added', 'breaking', `${OUT} $.v`]] },
  { kind: 'result: discriminated tag renamed', before: Shape([circle, square]), after: Shape([circle, square.extend({ kind: z.literal('box') })]), expect: [['output.variant-removed', 'safe', `${OUT} $[?(@.kind=="square")]`], ['output.variant-added', 'breaking', `${OUT} $[?(@.kind=="box")]`]] },
  { kind: 'result: field added to a strict object', before: strictResult({ a: z.string() }), after: strictResult({ a: z.string(), b: z.string() }), expect: [['output.closed-field-added', 'breaking', `${OUT} $.b`]] },
  { kind: 'result: optional field added to a strict object', before: strictResult({ a: z.string() }), after: strictResult({ a: z.string(), b: z.string().optional() }), expect: [['output.closed-field-added', 'breaking', `${OUT} $.b`]] },
  { kind: 'result: strict object made plain', before: strictResult({ a: z.string() }), after: result({ a: z.string() }), expect: [['output.object-made-open', 'breaking', `${OUT} $`]] },
  { kind: 'result: plain object made strict', before: result({ a: z.string() }), after: strictResult({ a: z.string() }), expect: [['output.object-made-strict', 'safe', `${OUT} $`]] },
  { kind: 'result: field added to a nested strict object', before: result({ p: z.strictObject({ x: z.number() }) }), after: result({ p: z.strictObject({ x: z.number(), y: z.number() }) }), expect: [['output.closed-field-added', 'breaking', `${OUT} $.p.y`]] },
  { kind: 'result: open enum value added', before: result({ s: open(z.enum(['a', 'b'])) }), after: result({ s: open(z.enum(['a', 'b', 'c'])) }), expect: [['output.open-enum-value-added', 'safe', `${OUT} $.s`]] },
  { kind: 'result: open enum value renamed', before: result({ s: open(z.enum(['a', 'b'])) }), after: result({ s: open(z.enum(['a', 'c'])) }), expect: [['output.enum-value-removed', 'safe', `${OUT} $.s`], ['output.open-enum-value-added', 'safe', `${OUT} $.s`]] },
  { kind: 'result: open literal changed', before: result({ v: open(z.literal('v1')) }), after: result({ v: open(z.literal('v2')) }), expect: [['output.enum-value-removed', 'safe', `${OUT} $.v`], ['output.open-enum-value-added', 'safe', `${OUT} $.v`]] },
  { kind: 'result: nullable open enum value added', before: result({ s: open(z.enum(['a'])).nullable() }), after: result({ s: open(z.enum(['a', 'b'])).nullable() }), expect: [['output.open-enum-value-added', 'safe', `${OUT} $.s`]] },
  { kind: 'result: enum declared open', before: result({ s: z.enum(['a']) }), after: result({ s: open(z.enum(['a'])) }), expect: [['output.enum-opened', 'breaking', `${OUT} $.s`]] },
  { kind: 'result: enum declared open with a value added', before: result({ s: z.enum(['a']) }), after: result({ s: open(z.enum(['a', 'b'])) }), expect: [['output.enum-value-added', 'breaking', `${OUT} $.s`], ['output.enum-opened', 'breaking', `${OUT} $.s`]] },
  { kind: 'result: open enum closed', before: result({ s: open(z.enum(['a'])) }), after: result({ s: z.enum(['a']) }), expect: [['output.enum-closed', 'safe', `${OUT} $.s`]] },
  { kind: 'result: open union of literals widened', before: result({ s: open(z.union([z.literal('a'), z.literal('b')])) }), after: result({ s: open(z.union([z.literal('a'), z.literal('b'), z.literal('c')])) }), expect: [['output.open-enum-value-added', 'safe', `${OUT} $.s`]] },
  { kind: 'result: open discriminated variant added', before: open(Shape([circle])), after: open(Shape([circle, square])), expect: [['output.open-variant-added', 'safe', `${OUT} $[?(@.kind=="square")]`]] },
  { kind: 'result: open discriminated tag renamed', before: open(Shape([circle, square])), after: open(Shape([circle, square.extend({ kind: z.literal('box') })])), expect: [['output.variant-removed', 'safe', `${OUT} $[?(@.kind=="square")]`], ['output.open-variant-added', 'safe', `${OUT} $[?(@.kind=="box")]`]] },
  { kind: 'result: discriminated union declared open', before: Shape([circle, square]), after: open(Shape([circle, square])), expect: [['output.union-opened', 'breaking', `${OUT} $`]] },
  { kind: 'result: one-variant union declared open', before: Shape([circle]), after: open(Shape([circle])), expect: [['output.union-opened', 'breaking', `${OUT} $`]] },
  { kind: 'result: open discriminated union closed', before: open(Shape([circle, square])), after: Shape([circle, square]), expect: [['output.union-closed', 'safe', `${OUT} $`]] },
  { kind: 'result: open union still breaks on a changed variant', before: open(Shape([circle, square])), after: open(Shape([circle.extend({ r: z.string() }), square])), expect: [['output.type-changed', 'breaking', `${OUT} $[?(@.kind=="circle")].r`]] },
  { kind: 'event: open payload enum value added', before: event(z.object({ k: z.enum(['a']).meta({ open: true }) })), after: event(z.object({ k: z.enum(['a', 'b']).meta({ open: true }) })), expect: [['output.open-enum-value-added', 'safe', 'svc.e payload $.k']] },
  { kind: 'params: open has no effect on params', before: params({ s: open(z.enum(['a', 'b'])) }), after: params({ s: z.enum(['a', 'b']) }), expect: [] },
  { kind: 'params: open enum value removed still breaks', before: params({ s: open(z.enum(['a', 'b'])) }), after: params({ s: open(z.enum(['a'])) }), expect: [['input.enum-value-removed', 'breaking', `${IN} $.s`]] },

  // server → client: events and declared error data
  { kind: 'event: payload field removed', before: event(z.object({ a: z.string(), b: z.string() })), after: event(z.object({ a: z.string() })), expect: [['output.field-removed', 'breaking', 'svc.e payload $.b']] },
  { kind: 'event: payload enum value added', before: event(z.object({ k: z.enum(['a']) })), after: event(z.object({ k: z.enum(['a', 'b']) })), expect: [['output.enum-value-added', 'breaking', 'svc.e payload $.k']] },
  { kind: 'event: added', before: oneMethod({ input: z.object({}) }), after: event(z.string()), expect: [['event.added', 'safe', 'svc.e $']] },
  { kind: 'event: removed', before: event(z.string()), after: oneMethod({ input: z.object({}) }), expect: [['event.removed', 'breaking', 'svc.e $']] },
  { kind: 'event: deprecated', before: event(z.string()), after: event(z.string(), { deprecated: true }), expect: [['event.deprecated', 'safe', 'svc.e $']] },
  { kind: 'event: removed after deprecation', before: event(z.string(), { deprecated: true }), after: oneMethod({ input: z.object({}) }), expect: [['event.removed-deprecated', 'dangerous', 'svc.e $']] },
  // event delivery and retention
  { kind: 'event: replayable → volatile', before: event(z.string(), { delivery: 'replayable' }), after: event(z.string()), expect: [['event.replayable-removed', 'breaking', 'svc.e $']] },
  { kind: "event: replayable → delivery: 'volatile'", before: event(z.string(), { delivery: 'replayable', retention: { maxBytes: 10 } }), after: event(z.string(), { delivery: 'volatile' }), expect: [['event.replayable-removed', 'breaking', 'svc.e $']] },
  { kind: 'event: volatile → replayable', before: event(z.string()), after: event(z.string(), { delivery: 'replayable' }), expect: [['event.replayable-added', 'safe', 'svc.e $']] },
  { kind: "event: delivery: 'volatile' spelled out", before: event(z.string()), after: event(z.string(), { delivery: 'volatile' }), expect: [] },
  { kind: 'event: retention maxAge shortened', before: event(z.string(), { delivery: 'replayable', retention: { maxAge: '7D' } }), after: event(z.string(), { delivery: 'replayable', retention: { maxAge: '1D' } }), expect: [['event.retention-shortened', 'dangerous', 'svc.e $']] },
  { kind: 'event: retention shortened from the default', before: event(z.string(), { delivery: 'replayable' }), after: event(z.string(), { delivery: 'replayable', retention: { maxAge: '12h' } }), expect: [['event.retention-shortened', 'dangerous', 'svc.e $']] },
  { kind: 'event: retention maxBytes limit added', before: event(z.string(), { delivery: 'replayable', retention: { maxAge: '7D' } }), after: event(z.string(), { delivery: 'replayable', retention: { maxAge: '7D', maxBytes: 1_000_000 } }), expect: [['event.retention-shortened', 'dangerous', 'svc.e $']] },
  { kind: 'event: retention maxBytes lowered', before: event(z.string(), { delivery: 'replayable', retention: { maxBytes: 2000 } }), after: event(z.string(), { delivery: 'replayable', retention: { maxBytes: 1000 } }), expect: [['event.retention-shortened', 'dangerous', 'svc.e $']] },
  { kind: 'event: retention maxAge shortened while maxBytes is removed', before: event(z.string(), { delivery: 'replayable', retention: { maxAge: '7D', maxBytes: 1000 } }), after: event(z.string(), { delivery: 'replayable', retention: { maxAge: '1D' } }), expect: [['event.retention-shortened', 'dangerous', 'svc.e $']] },
  { kind: 'event: retention lengthened', before: event(z.string(), { delivery: 'replayable', retention: { maxAge: '1D' } }), after: event(z.string(), { delivery: 'replayable', retention: { maxAge: '1M' } }), expect: [['event.retention-lengthened', 'safe', 'svc.e $']] },
  { kind: 'event: retention maxBytes limit removed', before: event(z.string(), { delivery: 'replayable', retention: { maxAge: '1D', maxBytes: 1000 } }), after: event(z.string(), { delivery: 'replayable' }), expect: [['event.retention-lengthened', 'safe', 'svc.e $']] },
  { kind: 'event: the default retention spelled out', before: event(z.string(), { delivery: 'replayable' }), after: event(z.string(), { delivery: 'replayable', retention: { maxAge: '1D' } }), expect: [] },
  { kind: 'event: the same maxAge in another unit', before: event(z.string(), { delivery: 'replayable', retention: { maxAge: '24h' } }), after: event(z.string(), { delivery: 'replayable', retention: { maxAge: '1D' } }), expect: [] },
  { kind: 'event: replayable event added', before: oneMethod({ input: z.object({}) }), after: event(z.string(), { delivery: 'replayable' }), expect: [['event.added', 'safe', 'svc.e $']] },
  { kind: 'error data: field removed', before: error({ code: 7, data: z.object({ capacity: z.int(), room: z.string() }) }), after: error({ code: 7, data: z.object({ capacity: z.int() }) }), expect: [['output.field-removed', 'breaking', 'svc.Full data $.room']] },
  { kind: 'error data: nullable added', before: error({ code: 7, data: z.object({ n: z.int() }) }), after: error({ code: 7, data: z.object({ n: z.int().nullable() }) }), expect: [['output.nullable-added', 'breaking', 'svc.Full data $.n']] },
  { kind: 'error: data added', before: error({ code: 7 }), after: error({ code: 7, data: z.object({ n: z.int() }) }), expect: [['error.data-added', 'safe', 'svc.Full $']] },
  { kind: 'error: data removed', before: error({ code: 7, data: z.object({ n: z.int() }) }), after: error({ code: 7 }), expect: [['error.data-removed', 'breaking', 'svc.Full $']] },
  { kind: 'error: code changed', before: error({ code: 7 }), after: error({ code: 8 }), expect: [['error.code-changed', 'breaking', 'svc.Full $']] },
  { kind: 'error: removed', before: error({ code: 7 }), after: error(undefined), expect: [['error.removed', 'breaking', 'svc.Full $']] },
  { kind: 'error: added', before: error(undefined), after: error({ code: 7 }), expect: [['error.added', 'dangerous', 'svc.Full $']] },

  // surface and method options
  { kind: 'method: added', before: oneMethod({ input: z.object({}) }), after: { service: 'svc', methods: { m: { input: z.object({}), output: z.null() }, n: { input: z.object({}), output: z.null() } } }, expect: [['method.added', 'safe', 'svc.n $']] },
  { kind: 'method: renamed', before: oneMethod({ input: z.object({}) }), after: { service: 'svc', methods: { m2: { input: z.object({}), output: z.null() } } }, expect: [['method.removed', 'breaking', 'svc.m $'], ['method.added', 'safe', 'svc.m2 $']] },
  { kind: 'method: deprecated', before: withOptions({}), after: withOptions({ deprecated: true }), expect: [['method.deprecated', 'safe', 'svc.m $']] },
  { kind: 'method: removed after deprecation', before: [withOptions({ deprecated: true }), { service: 'other', methods: { x: { input: z.object({}), output: z.null() } } }], after: { service: 'other', methods: { x: { input: z.object({}), output: z.null() } } }, expect: [['method.removed-deprecated', 'dangerous', 'svc.m $']] },
  { kind: 'method: removed without deprecation, allowed by option', before: [withOptions({}), { service: 'other', methods: { x: { input: z.object({}), output: z.null() } } }], after: { service: 'other', methods: { x: { input: z.object({}), output: z.null() } } }, options: { allowRemovalWithoutDeprecation: true }, expect: [['method.removed', 'dangerous', 'svc.m $']] },
  { kind: 'method: timeout shortened from the default', before: withOptions({}), after: withOptions({ timeoutMs: 5_000 }), expect: [['method.timeout-shortened', 'dangerous', 'svc.m $']] },
  { kind: 'method: timeout lengthened', before: withOptions({ timeoutMs: 5_000 }), after: withOptions({ timeoutMs: 20_000 }), expect: [['method.timeout-lengthened', 'safe', 'svc.m $']] },
  { kind: 'method: idempotent removed', before: withOptions({ idempotent: true }), after: withOptions({}), expect: [['method.idempotent-removed', 'breaking', 'svc.m $']] },
  { kind: 'method: idempotent added', before: withOptions({}), after: withOptions({ idempotent: true }), expect: [['method.idempotent-added', 'safe', 'svc.m $']] },
  { kind: 'method: orderBy added', before: withOptions({}), after: withOptions({ orderBy: () => 'k' }), expect: [['method.order-added', 'dangerous', 'svc.m $']] },
  { kind: 'method: orderBy removed', before: withOptions({ orderBy: () => 'k' }), after: withOptions({}), expect: [['method.order-removed', 'dangerous', 'svc.m $']] },
  { kind: 'method: orderBy key changed (not locked: code)', before: withOptions({ orderBy: () => 'k' }), after: withOptions({ orderBy: () => 'other' }), expect: [] },
  { kind: 'method: roles required', before: withOptions({}), after: withOptions({ roles: ['admin'] }), expect: [['method.roles-restricted', 'breaking', 'svc.m $']] },
  { kind: 'method: role dropped', before: withOptions({ roles: ['admin', 'mod'] }), after: withOptions({ roles: ['admin'] }), expect: [['method.roles-restricted', 'breaking', 'svc.m $']] },
  { kind: 'method: role added', before: withOptions({ roles: ['admin'] }), after: withOptions({ roles: ['admin', 'mod'] }), expect: [['method.roles-relaxed', 'safe', 'svc.m $']] },
  { kind: 'method: queue limit lowered', before: withOptions({ maxQueueLength: 1000 }), after: withOptions({ maxQueueLength: 10 }), expect: [['method.queue-limit-lowered', 'dangerous', 'svc.m $']] },

  // no-ops and versions
  { kind: 'no-op: description and order only', before: params({ a: z.string().describe('A'), b: z.number() }), after: params({ b: z.number(), a: z.string().describe('the a') }), expect: [] },
  { kind: 'no-op: enum spelled as a union of literals', before: result({ k: z.enum(['a', 'b']) }), after: result({ k: z.union([z.literal('a'), z.literal('b')]) }), expect: [] },
  { kind: 'no-op: named definition inlined', before: params({ p: z.object({ x: z.number() }).meta({ id: 'Pt' }) }), after: params({ p: z.object({ x: z.number() }) }), expect: [] },
  {
    kind: 'version: major bump allows breaking changes',
    before: { ...params({ a: z.string() }), version: '1.4.0' },
    after: { ...params({ a: z.string(), b: z.string() }), version: '2.0.0' },
    expect: [['service.major-bumped', 'safe', 'svc $'], ['input.required-field-added', 'breaking', `${IN} $.b`]],
  },
  {
    kind: 'version: minor bump does not',
    before: { ...params({ a: z.string() }), version: '1.4.0' },
    after: { ...params({ a: z.string(), b: z.string() }), version: '1.5.0' },
    expect: [['input.required-field-added', 'breaking', `${IN} $.b`]],
  },
];

describe('warren check: the catalogue of contract changes', () => {
  it(`has at least 25 change kinds (${CATALOGUE.length})`, () => {
    assert.ok(CATALOGUE.length >= 25);
    assert.equal(new Set(CATALOGUE.map((c) => c.kind)).size, CATALOGUE.length, 'kinds are unique');
  });

  for (const entry of CATALOGUE) {
    it(entry.kind, () => {
      const found = brief(check(entry.before, entry.after, entry.options)).map(({ rule, severity, at }) => [rule, severity, at]);
      assert.deepEqual(found, entry.expect);
    });
  }

  it('allows the breaking findings of a major bump, and only those', () => {
    const findings = check({ ...params({ a: z.string() }), version: '1.4.0' }, { ...params({ a: z.string(), b: z.string() }), version: '2.0.0' });
    assert.deepEqual(brief(findings).map((f) => f.allowed ?? false), [false, true]);
  });

  it('allows replayable → volatile in a major bump, and says what subscribers lose', () => {
    const findings = check({ ...event(z.string(), { delivery: 'replayable', retention: { maxAge: '7D' } }), version: '1.0.0' }, { ...event(z.string()), version: '2.0.0' });
    const found = findings.find((f) => f.rule === 'event.replayable-removed')!;
    assert.equal(found.allowed, true);
    assert.equal(found.message, 'replayable (maxAge 7D) → volatile: subscribers that resume after a reconnect silently lose the events they missed');
  });

  it('names both retentions in the message of a retention change', () => {
    const [shortened] = check(event(z.string(), { delivery: 'replayable' }), event(z.string(), { delivery: 'replayable', retention: { maxAge: '1D', maxBytes: 500 } }));
    assert.equal(shortened!.message, 'retention maxAge 1D → maxAge 1D, maxBytes 500: less history is kept, so a subscriber away for longer misses events');
    const [added] = check(event(z.string()), event(z.string(), { delivery: 'replayable', retention: { maxBytes: 500 } }));
    assert.equal(added!.message, 'volatile → replayable (maxBytes 500): subscribers may resume after a reconnect');
  });

  it('reads 0.x minors as majors', () => {
    const findings = check({ ...params({}), version: '0.3.1' }, { ...params({ b: z.string() }), version: '0.4.0' });
    assert.equal(findings.find((f) => f.rule === 'input.required-field-added')?.allowed, true);
  });
});
