/**
 * What zod knows about a message that its JSON Schema leaves out, as lock-only facts.
 *
 * `z.toJSONSchema` drops refinements, transforms, `z.coerce`, `.catch`, the far side of a
 * `.pipe` and the options of string formats (`uuid` and `guid` both become `format: uuid`). The
 * lock writes them next to the keywords of the node they belong to, under `x-zod`, so that
 * `warren check` sees every change:
 * - compared structurally: a pipe's other side (a schema of its own, a conjunction with the
 *   node), named string formats with their options, `.regex()` patterns with their flags,
 *   `z.coerce`, `.catch`, `.prefault` and `z.xor`'s exclusivity;
 * - fingerprinted (fingerprint.ts): `.refine`/`.superRefine`/`.check` functions, `.overwrite`
 *   and the checks built on it (`.trim()`, `.toLowerCase()` …), `.transform`, `z.preprocess`,
 *   codecs, and any definition or check kind without a model here.
 * The walk runs as the `override` of zod's converter, once per zod schema, after zod merged the
 * keywords of wrapped schemas in: a node's facts are those it inherited plus its own.
 */
import { z } from 'zod';
import type { JsonSchema } from '../toJsonSchema.ts';
import { fingerprint } from './fingerprint.ts';
import { stripAnnotations } from './schemaWalk.ts';

/** The keyword the facts live under. */
export const FACTS = 'x-zod';

/** A named string format and its options, e.g. `{ name: 'datetime', offset: true }`; `.regex()` is `{ name: 'regex', source }`. */
export interface Format {
  name: string;
  [option: string]: unknown;
}

export interface Facts {
  /** Fingerprints of custom checks (`.refine`, `.superRefine`, `.check`). */
  refinements?: string[];
  /** Fingerprints of value rewrites, in the order they run (`.overwrite`, `.trim()`, `.transform`, `z.preprocess`, codecs). */
  transforms?: string[];
  /** `z.coerce.*`: the value is converted before it is checked. */
  coerce?: true;
  /** `.catch()`: an invalid value is replaced instead of rejected. */
  catch?: true;
  /** `.prefault()` rather than `.default()`: the default is parsed like a sent value. */
  prefault?: true;
  /** `z.xor`: exactly one variant must match. */
  exclusive?: true;
  /**
   * Named string formats and patterns, all of which a string must satisfy; absent for a string
   * whose only constraint of this kind is one flagless pattern (then JSON Schema's `pattern` is it).
   */
  formats?: Format[];
  /** The other side of each `.pipe`: a schema the value must also satisfy, or a fingerprint where it has no comparable schema. */
  pipes?: (JsonSchema | string)[];
  /** Fingerprints of constructs the checker has no model for. */
  opaque?: string[];
}

type Io = 'input' | 'output';
type AnyDef = { type: string; checks?: { _zod: { def: CheckDef; check?: unknown } }[]; [key: string]: unknown };
type CheckDef = { check: string; [key: string]: unknown };
type Zod = { _zod: { def: AnyDef; traits: Set<string> } };

/** Checks whose whole effect the JSON Schema carries. */
const STRUCTURAL_CHECKS = new Set([
  'less_than', 'greater_than', 'multiple_of', 'number_format', 'bigint_format', 'min_length', 'max_length', 'length_equals',
  'min_size', 'max_size', 'size_equals', 'mime_type',
]);
/** Definition types the JSON Schema (with the facts below) describes in full. */
const MODELLED_TYPES = new Set([
  'string', 'number', 'boolean', 'null', 'any', 'unknown', 'never', 'enum', 'literal', 'array', 'object', 'record', 'tuple', 'union',
  'intersection', 'nullable', 'optional', 'nonoptional', 'default', 'prefault', 'catch', 'pipe', 'readonly', 'lazy', 'template_literal',
]);
/** String formats that are patterns, compared by regular-expression inclusion. */
const PATTERN_FORMATS = new Set(['regex', 'lowercase', 'uppercase', 'starts_with', 'ends_with', 'includes']);
/** Formats whose pattern follows from their name and options (formats.ts knows how they relate). */
const DERIVED_PATTERN = new Set(['uuid', 'guid', 'datetime', 'date', 'time']);
/** Keys of a string-format definition that are not options of the format. */
const NOT_OPTIONS = new Set(['type', 'check', 'format', 'abort', 'error', 'when', 'pattern', 'coerce', 'checks']);

function option(value: unknown): unknown {
  if (value instanceof RegExp) return `/${value.source}/${value.flags}`;
  if (typeof value === 'function') return fingerprint('fn', value);
  return value;
}

function format(def: CheckDef): Format {
  const pattern = def.pattern instanceof RegExp ? def.pattern : undefined;
  if (PATTERN_FORMATS.has(String(def.format)) && pattern) {
    return { name: 'regex', source: pattern.source, ...(pattern.flags ? { flags: pattern.flags } : {}) };
  }
  const out: Format = { name: String(def.format) };
  for (const key of Object.keys(def).sort()) if (!NOT_OPTIONS.has(key) && def[key] !== undefined) out[key] = option(def[key]);
  if (pattern && !DERIVED_PATTERN.has(out.name)) out.pattern = `/${pattern.source}/${pattern.flags}`;
  return out;
}

function custom(check: { _zod: { def: CheckDef; check?: unknown } }): string {
  const def = check._zod.def;
  // `.refine` keeps its function on the definition; `.check(fn)` and `.superRefine` only as the check itself.
  const fn = def.fn ?? check._zod.check;
  return fingerprint('refine', { fn, path: def.path, abort: def.abort, when: def.when });
}

/** The schema of a pipe's other side, with its own facts; a fingerprint when it has no self-contained schema. */
function side(schema: Zod, io: Io, depth: number): JsonSchema | string {
  if (depth < 4) {
    try {
      const json = z.toJSONSchema(schema as never, {
        target: 'draft-07',
        io,
        override: (ctx) => annotate(ctx.zodSchema as never, ctx.jsonSchema as JsonSchema, io, depth + 1),
      }) as JsonSchema;
      delete json.$schema;
      // Its `$ref`s would point into a document of its own, not the message's.
      if (!JSON.stringify(json).includes('"$ref"')) return stripAnnotations(json);
    } catch {
      // unrepresentable (a z.date() after a coercion …): fingerprinted below
    }
  }
  return fingerprint('pipe', schema);
}

/** The facts of one zod schema itself, not of the schemas it wraps. */
export function ownFacts(schema: Zod, io: Io, depth = 0): Facts {
  const def = schema._zod.def;
  const facts: Required<Facts> = { refinements: [], transforms: [], formats: [], pipes: [], opaque: [] } as never;
  const checks: CheckDef[] = [];
  if (def.check === 'string_format') checks.push(def as unknown as CheckDef);
  for (const check of def.checks ?? []) {
    const c = check._zod.def;
    if (c.check === 'custom') facts.refinements.push(custom(check));
    else if (c.check === 'overwrite') facts.transforms.push(fingerprint('overwrite', c.tx));
    else if (c.check === 'string_format') checks.push(c);
    else if (!STRUCTURAL_CHECKS.has(c.check)) facts.opaque.push(fingerprint(c.check, c));
  }
  for (const c of checks) facts.formats.push(format(c));
  // A lone `.regex()` without flags is the JSON Schema's `pattern`, which says it all.
  if (facts.formats.length === 1 && facts.formats[0]!.name === 'regex' && !facts.formats[0]!.flags) facts.formats = [];
  if (def.coerce === true) facts.coerce = true;
  if (!MODELLED_TYPES.has(def.type)) facts.opaque.push(fingerprint(def.type, def));
  if (def.type === 'catch') facts.catch = true;
  if (def.type === 'prefault' && io === 'input') facts.prefault = true;
  if (def.type === 'union' && def.inclusive === false && def.discriminator === undefined) facts.exclusive = true;
  if (def.type === 'pipe') {
    const [from, to] = [def.in as Zod, def.out as Zod];
    const isTransform = (s: Zod) => s._zod.traits.has('$ZodTransform');
    if (schema._zod.traits.has('$ZodCodec')) {
      facts.transforms.push(fingerprint('codec', { decode: def.transform, encode: def.reverseTransform }));
      facts.pipes.push(side(io === 'input' ? to : from, io, depth));
    } else if (isTransform(from)) {
      facts.transforms.push(fingerprint('preprocess', from._zod.def.transform));
    } else if (isTransform(to)) {
      facts.transforms.push(fingerprint('transform', to._zod.def.transform));
    } else {
      // zod's JSON Schema shows one side (input: `in`, output: `out`); the value must pass both.
      facts.pipes.push(side(io === 'input' ? to : from, io, depth));
    }
  }
  const out: Facts = {};
  for (const [key, value] of Object.entries(facts)) if (!Array.isArray(value) || value.length > 0) (out as Record<string, unknown>)[key] = value;
  return out;
}

/** `a`'s facts followed by `b`'s; undefined when there are none. */
export function mergeFacts(a: Facts | undefined, b: Facts | undefined): Facts | undefined {
  if (!a || !b) return a ?? b;
  const out: Record<string, unknown> = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const prior = out[key];
    out[key] = Array.isArray(value) && Array.isArray(prior) ? [...prior, ...value] : value;
  }
  return out as Facts;
}

/**
 * Whether params may leave out a field of this schema, by its declared type. zod's JSON Schema
 * looks past a transform or `.catch` only at the top of a field, so a field whose union holds a
 * `z.preprocess` is written as optional although it rejects a missing value. A transform's
 * function may accept one: it counts as required, which errs on the side of a finding.
 */
function acceptsMissing(schema: Zod): boolean {
  const def = schema._zod.def;
  switch (def.type) {
    case 'optional':
    case 'default':
    case 'prefault':
      return true;
    case 'nonoptional':
    case 'transform':
      return false;
    case 'nullable':
    case 'readonly':
    case 'catch':
      return acceptsMissing(def.innerType as Zod);
    case 'pipe': {
      const from = def.in as Zod;
      return from._zod.traits.has('$ZodTransform') ? acceptsMissing(def.out as Zod) : acceptsMissing(from);
    }
    case 'lazy':
      return acceptsMissing((schema._zod as unknown as { innerType: Zod }).innerType);
    case 'union':
      return (def.options as Zod[]).some(acceptsMissing);
    default:
      return (schema._zod as unknown as { optin?: string }).optin === 'optional';
  }
}

/** The params object's `required`, by declared types (see acceptsMissing). */
function fixRequired(schema: Zod, json: JsonSchema): void {
  const shape = schema._zod.def.shape as Record<string, Zod> | undefined;
  if (!shape || typeof json.properties !== 'object') return;
  const required = Object.keys(shape).filter((key) => !acceptsMissing(shape[key]!));
  if (required.length) json.required = required;
  else delete json.required;
}

/**
 * A tuple's `minItems`, by declared types (see acceptsMissing): the items up to the last one
 * that may not be left out. zod's JSON Schema counts an item whose union holds a `z.preprocess`
 * as optional, as it does for object fields.
 */
function fixMinItems(schema: Zod, json: JsonSchema): void {
  const items = schema._zod.def.items as Zod[] | undefined;
  if (!Array.isArray(items)) return;
  let min = 0;
  items.forEach((item, index) => {
    if (!acceptsMissing(item)) min = index + 1;
  });
  if (min > 0) json.minItems = min;
  else delete json.minItems;
}

/** The converter's `override`: adds `schema`'s own facts to those its JSON node inherited. */
export function annotate(schema: Zod, json: JsonSchema, io: Io, depth = 0): void {
  if (io === 'input' && schema._zod.def.type === 'object') fixRequired(schema, json);
  if (io === 'input' && schema._zod.def.type === 'tuple') fixMinItems(schema, json);
  const own = ownFacts(schema, io, depth);
  if (Object.keys(own).length === 0) return;
  json[FACTS] = mergeFacts(json[FACTS] as Facts | undefined, own);
}
