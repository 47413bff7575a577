/**
 * A small grammar of zod types for the property test: random schemas, random edits to them, the
 * zod schema of each, and values valid under each — generated from the grammar itself, so they
 * are valid by construction (the test still checks them against zod). Enums, literals and
 * tagged unions may be open (`.meta({ open: true })`); objects may be strict.
 */
import fc from 'fast-check';
import { z } from 'zod';

/** A refinement, by name (PREDICATES): every type can carry one. */
export type Pred = 'noSpace' | 'noX';

/** A named string format, by name (FORMATS). */
export type FormatName = 'email' | 'uuid' | 'guid' | 'datetime' | 'datetimeOffset';

export type T = Base & { refine?: Pred };

type Base =
  | { k: 'string'; min?: number; max?: number; pattern?: 'lower' | 'abc'; trim?: boolean; pipeMin?: number }
  | { k: 'format'; name: FormatName }
  | { k: 'number'; int: boolean; min?: number; max?: number; exclusive: boolean; coerce?: boolean; catch?: boolean; preprocess?: boolean }
  | { k: 'boolean' }
  | { k: 'enum'; values: string[]; open: boolean }
  | { k: 'literal'; value: string; open: boolean }
  | { k: 'array'; item: T; min?: number; max?: number }
  | { k: 'tuple'; items: T[] }
  | { k: 'object'; fields: Field[]; strict: boolean }
  | { k: 'record'; value: T }
  | { k: 'tagged'; variants: Variant[]; open: boolean }
  | { k: 'nullable'; inner: T }
  | { k: 'union'; options: T[] };

/** One variant of a discriminated union on `kind`. */
export interface Variant {
  tag: string;
  body: Extract<T, { k: 'object' }>;
}

export interface Field {
  name: string;
  type: T;
  optional: boolean;
  /** A `.default()` of the type's simplest value: optional in params, present in results. */
  withDefault: boolean;
}

const WORDS = ['a', 'b', 'c', 'd', 'e'];
const NAMES = ['p', 'q', 'r', 's', 't'];
const PATTERNS = { lower: /^[a-z]*$/, abc: /^[a-c]*$/ } as const;
const CHARS = { lower: ['a', 'b', 'x', 'z'], abc: ['a', 'b', 'c'], any: ['a', 'c', 'x', 'Z', '1', ' '] };
const BOUNDS = [-5, 0, 1, 2, 5, 10];
const KEYS = ['k1', 'k2', 'p', 'q'];

/** Refinements, written out so that each has its own source text (and so its own fingerprint). */
export const PREDICATES: Record<Pred, (v: unknown) => boolean> = {
  noSpace: (v) => !JSON.stringify(v ?? null).includes(' '),
  noX: (v) => !JSON.stringify(v ?? null).includes('x'),
};
/** Each format's schema and values valid under it; the guid-only value has version 0, which z.uuid() refuses. */
const FORMATS: Record<FormatName, { zod: () => z.ZodType; values: string[] }> = {
  email: { zod: () => z.email(), values: ['a@b.co', 'ab.cd@eb.org'] },
  uuid: { zod: () => z.uuid(), values: ['123e4567-e89b-42d3-a456-426614174000'] },
  guid: { zod: () => z.guid(), values: ['123e4567-e89b-42d3-a456-426614174000', '123e4567-e89b-02d3-0456-426614174000'] },
  datetime: { zod: () => z.iso.datetime(), values: ['2020-01-01T00:00:00Z', '2021-06-30T12:34:56.789Z'] },
  datetimeOffset: { zod: () => z.iso.datetime({ offset: true }), values: ['2020-01-01T00:00:00Z', '2020-01-01T00:00:00+02:00'] },
};
export const FORMAT_NAMES = Object.keys(FORMATS) as FormatName[];
/** A number that coercion or the preprocess step turns into a number. */
const toNumber = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v);

const bound = fc.option(fc.constantFrom(...BOUNDS), { nil: undefined });
const count = fc.option(fc.constantFrom(0, 1, 2, 3), { nil: undefined });

/** min ≤ max, so that every generated type has values. */
function ordered<X extends { min?: number; max?: number }>(x: X): X {
  return x.min !== undefined && x.max !== undefined && x.min > x.max ? { ...x, min: x.max, max: x.min } : x;
}

const rarely = fc.option(fc.constant(true), { nil: undefined, freq: 4 });

const leaf: fc.Arbitrary<T> = fc.oneof(
  fc
    .record({
      k: fc.constant('string' as const),
      min: count,
      max: fc.option(fc.constantFrom(1, 3, 6), { nil: undefined }),
      pattern: fc.option(fc.constantFrom('lower' as const, 'abc' as const), { nil: undefined }),
      trim: rarely,
      pipeMin: fc.option(fc.constantFrom(1, 2), { nil: undefined, freq: 4 }),
    })
    .map(ordered),
  fc.record({ k: fc.constant('format' as const), name: fc.constantFrom(...FORMAT_NAMES) }),
  fc.record({ k: fc.constant('number' as const), int: fc.boolean(), min: bound, max: bound, exclusive: fc.boolean(), coerce: rarely, catch: rarely, preprocess: rarely }).map(ordered),
  fc.constant({ k: 'boolean' as const }),
  fc.record({ k: fc.constant('enum' as const), values: fc.subarray(WORDS, { minLength: 1 }), open: fc.boolean() }),
  fc.record({ k: fc.constant('literal' as const), value: fc.constantFrom(...WORDS), open: fc.boolean() }),
);

/** Random types, nested a few levels deep. */
export const typeArb: fc.Arbitrary<T> = fc.letrec<{ t: T }>((tie) => ({
  t: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    leaf,
    fc.record({ k: fc.constant('array' as const), item: tie('t'), min: count, max: count }).map(ordered),
    fc.record({ k: fc.constant('tuple' as const), items: fc.array(tie('t'), { minLength: 1, maxLength: 3 }) }),
    objectOf(tie('t')),
    fc.record({ k: fc.constant('record' as const), value: tie('t') }),
    fc
      .uniqueArray(fc.record({ tag: fc.constantFrom(...WORDS), body: objectOf(tie('t')) as fc.Arbitrary<Variant['body']> }), { selector: (v) => v.tag, minLength: 1, maxLength: 3 })
      .chain((variants) => fc.boolean().map((open) => ({ k: 'tagged' as const, variants, open }))),
    fc.record({ k: fc.constant('nullable' as const), inner: tie('t') }),
    fc.record({ k: fc.constant('union' as const), options: fc.array(tie('t'), { minLength: 2, maxLength: 3 }) }),
  ),
})).t;

function objectOf(type: fc.Arbitrary<T>): fc.Arbitrary<T> {
  const field = fc.record({ type, optional: fc.boolean(), withDefault: fc.boolean() });
  return fc
    .record({ fields: fc.array(field, { maxLength: 4 }), strict: fc.boolean() })
    .map(({ fields, strict }) => ({ k: 'object' as const, strict, fields: fields.map((f, i) => ({ ...f, name: NAMES[i]! })) }));
}

/** A random object: the params or result of a method. */
export const objectArb: fc.Arbitrary<Extract<T, { k: 'object' }>> = objectOf(typeArb) as fc.Arbitrary<Extract<T, { k: 'object' }>>;

/**
 * A result whose one field is an enum, a literal, a tagged union or a strict object, each maybe
 * open: the constructs whose additions an old SDK may or may not hold, made common.
 */
export const choiceArb: fc.Arbitrary<Extract<T, { k: 'object' }>> = fc
  .oneof(
    leaf.filter((t) => t.k === 'enum' || t.k === 'literal'),
    fc
      .uniqueArray(fc.record({ tag: fc.constantFrom(...WORDS), body: objectOf(leaf) as fc.Arbitrary<Variant['body']> }), { selector: (v) => v.tag, minLength: 1, maxLength: 3 })
      .chain((variants) => fc.boolean().map((open) => ({ k: 'tagged' as const, variants, open }))),
    objectOf(leaf).map((o) => ({ ...(o as Extract<T, { k: 'object' }>), strict: true })),
  )
  .map((type) => ({ k: 'object' as const, strict: false, fields: [{ name: 'p', type, optional: false, withDefault: false }] }));

/** The simplest value of a type, used as its `.default()`. */
export function simplest(t: T): unknown {
  switch (t.k) {
    case 'string':
      return 'a'.repeat(Math.max(t.min ?? 0, t.pipeMin ?? 0));
    case 'format':
      return FORMATS[t.name].values[0];
    case 'number': {
      const low = t.min === undefined ? undefined : t.exclusive ? t.min + 1 : t.min;
      const high = t.max === undefined ? undefined : t.exclusive ? t.max - 1 : t.max;
      return low !== undefined && low > 0 ? low : high !== undefined && high < 0 ? high : 0;
    }
    case 'boolean':
      return false;
    case 'enum':
      return t.values[0];
    case 'literal':
      return t.value;
    case 'array':
      return Array.from({ length: t.min ?? 0 }, () => simplest(t.item));
    case 'tuple':
      return t.items.map(simplest);
    case 'object':
      return Object.fromEntries(t.fields.filter((f) => !f.optional || f.withDefault).map((f) => [f.name, simplest(f.type)]));
    case 'record':
      return {};
    case 'tagged':
      return { ...(simplest(t.variants[0]!.body) as object), kind: t.variants[0]!.tag };
    case 'nullable':
      return null;
    case 'union':
      return simplest(t.options[0]!);
  }
}

function variantZod(v: Variant, view: View): z.ZodObject {
  // A refined object cannot be extended: refine after adding the tag.
  const body = toZod({ ...v.body, refine: undefined }, view) as z.ZodObject;
  const tagged = body.extend({ kind: z.literal(v.tag) });
  return v.body.refine ? tagged.refine(PREDICATES[v.body.refine]) : tagged;
}

/**
 * `contract`: the schema a contract declares. `client`: what an old client's SDK types hold
 * when the type is a result: an open enum or literal also any string (its unknown value), an
 * open tagged union also an object with a tag it does not know (its unknown variant).
 */
export type View = 'contract' | 'client';

const openMeta = <S extends z.ZodType>(schema: S, open: boolean): S => (open ? schema.meta({ open: true }) : schema);

/** The zod schema of a type, as the contract declares it or as an old client holds it. */
export function toZod(t: T, view: View = 'contract'): z.ZodType {
  const base = baseZod(t, view);
  return t.refine ? base.refine(PREDICATES[t.refine]) : base;
}

function baseZod(t: T, view: View): z.ZodType {
  switch (t.k) {
    case 'string': {
      let s = z.string();
      if (t.trim) s = s.trim();
      if (t.min !== undefined) s = s.min(t.min);
      if (t.max !== undefined) s = s.max(t.max);
      if (t.pattern) s = s.regex(PATTERNS[t.pattern]);
      return t.pipeMin === undefined ? s : s.pipe(z.string().min(t.pipeMin));
    }
    case 'format':
      return FORMATS[t.name].zod();
    case 'number': {
      let n = t.coerce ? z.coerce.number() : t.int ? z.int() : z.number();
      if (t.coerce && t.int) n = n.int();
      if (t.min !== undefined) n = t.exclusive ? n.gt(t.min) : n.min(t.min);
      if (t.max !== undefined) n = t.exclusive ? n.lt(t.max) : n.max(t.max);
      const caught = t.catch ? n.catch(simplest(t) as number) : n;
      return t.preprocess ? z.preprocess(toNumber, caught) : caught;
    }
    case 'boolean':
      return z.boolean();
    case 'enum':
      return view === 'client' && t.open ? z.string() : openMeta(z.enum(t.values as [string, ...string[]]), t.open);
    case 'literal':
      return view === 'client' && t.open ? z.string() : openMeta(z.literal(t.value), t.open);
    case 'array': {
      let a = z.array(toZod(t.item, view));
      if (t.min !== undefined) a = a.min(t.min);
      if (t.max !== undefined) a = a.max(t.max);
      return a;
    }
    case 'tuple':
      return z.tuple(t.items.map((item) => toZod(item, view)) as [z.ZodType, ...z.ZodType[]]);
    case 'object': {
      const shape: Record<string, z.ZodType> = {};
      for (const f of t.fields) {
        const base = toZod(f.type, view);
        shape[f.name] = f.withDefault ? base.default(simplest(f.type) as never) : f.optional ? base.optional() : base;
      }
      return t.strict ? z.strictObject(shape) : z.object(shape);
    }
    case 'record':
      return z.record(z.string(), toZod(t.value, view));
    case 'tagged': {
      const known = z.discriminatedUnion('kind', t.variants.map((v) => variantZod(v, view)) as [z.ZodObject, ...z.ZodObject[]]);
      if (view === 'contract' || !t.open) return openMeta(known, t.open);
      const tags = t.variants.map((v) => v.tag);
      return z.union([known, z.looseObject({ kind: z.string().refine((tag) => !tags.includes(tag)) })]);
    }
    case 'nullable':
      return toZod(t.inner, view).nullable();
    case 'union':
      return z.union(t.options.map((o) => toZod(o, view)) as [z.ZodType, z.ZodType]);
  }
}

/**
 * Values valid under a type. In `input` mode a field with a default may be left out; in
 * `output` mode it is always there. Objects carry no undeclared keys: those are not part of a
 * contract (see codegen/check/compareObjects.ts).
 */
export function valueArb(t: T, io: 'input' | 'output'): fc.Arbitrary<unknown> {
  const base = baseValueArb(t, io);
  if (!t.refine) return base;
  // What the refinement sees is the parsed value: ask the schema itself.
  const schema = toZod(t);
  return base.filter((v) => schema.safeParse(v).success);
}

function baseValueArb(t: T, io: 'input' | 'output'): fc.Arbitrary<unknown> {
  switch (t.k) {
    case 'string': {
      const min = Math.max(t.min ?? 0, t.pipeMin ?? 0);
      // Trimmed strings are checked after the trim: leave spaces out, so lengths hold before and after.
      const chars = CHARS[t.pattern ?? 'any'].filter((c) => !t.trim || c !== ' ');
      return fc.string({ unit: fc.constantFrom(...chars), minLength: min, maxLength: t.max ?? min + 6 });
    }
    case 'format':
      return fc.constantFrom(...FORMATS[t.name].values);
    case 'number': {
      const valid = numberArb(t);
      if (io === 'output') return valid;
      // Sent values may lean on the coercion, the preprocess step or the catch.
      const converted = t.coerce || t.preprocess ? fc.oneof(valid, valid.map(String)) : valid;
      return t.catch ? fc.oneof(converted, fc.constantFrom('junk', null, true, [])) : converted;
    }
    case 'boolean':
      return fc.boolean();
    case 'enum':
      return fc.constantFrom(...t.values);
    case 'literal':
      return fc.constant(t.value);
    case 'array':
      return fc.array(valueArb(t.item, io), { minLength: t.min ?? 0, maxLength: t.max ?? (t.min ?? 0) + 3 });
    case 'tuple':
      return fc.tuple(...t.items.map((item) => valueArb(item, io)));
    case 'object': {
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      const required: string[] = [];
      for (const f of t.fields) {
        model[f.name] = valueArb(f.type, io);
        if (f.withDefault ? io === 'output' : !f.optional) required.push(f.name);
      }
      return fc.record(model, { requiredKeys: required });
    }
    case 'record':
      return fc.dictionary(fc.constantFrom(...KEYS), valueArb(t.value, io), { maxKeys: 3 });
    case 'tagged':
      return fc.oneof(...t.variants.map((v) => valueArb(v.body, io).map((body) => ({ ...(body as object), kind: v.tag }))));
    case 'nullable':
      return fc.option(valueArb(t.inner, io), { nil: null });
    case 'union':
      return fc.oneof(...t.options.map((o) => valueArb(o, io)));
  }
}

/** Numbers valid under a number type's bounds. */
function numberArb(t: Extract<T, { k: 'number' }>): fc.Arbitrary<number> {
  const [lo, hi] = [t.min ?? -1000, t.max ?? 1000];
  if (t.int) {
    const [a, b] = t.exclusive ? [t.min === undefined ? lo : lo + 1, t.max === undefined ? hi : hi - 1] : [lo, hi];
    return fc.oneof(fc.integer({ min: a, max: b }), fc.constantFrom(a, b));
  }
  const excluded = { minExcluded: t.exclusive && t.min !== undefined, maxExcluded: t.exclusive && t.max !== undefined };
  // Bounds are where a tightened or loosened constraint shows: try them often.
  const edges = t.exclusive ? [] : [t.min, t.max].filter((v) => v !== undefined);
  return fc.oneof(
    // -0 is not < 0 to zod, and JSON cannot tell it from 0 anyway.
    fc.double({ min: lo, max: hi, noNaN: true, ...excluded }).filter((v) => !Object.is(v, -0)),
    fc.integer({ min: Math.ceil(lo), max: Math.floor(hi) }).filter((n) => !t.exclusive || (n !== t.min && n !== t.max)),
    ...(edges.length ? [fc.constantFrom(...edges)] : []),
  );
}
