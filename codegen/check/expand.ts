/**
 * A draft-07 schema as the comparison sees it: a union of branches, one JSON type each.
 *
 * `type: ["string", "null"]`, `anyOf`/`oneOf`, a `const` and an `enum` spanning several types
 * all become the same thing: a list of branches, each with one type (integer is a number
 * branch flagged `integer`) and, when it is an enum or literal, its values. `{}` is `any`;
 * `not: {}` is a union of no branches. Keywords the checker does not model (`not` of a real
 * schema, `if`/`then`, `patternProperties`, a multi-part `allOf` …) make the node `opaque`: it
 * is compared by its JSON text, and any difference is reported as undecidable.
 */
import { CLOSED, OPEN } from '../openValues.ts';
import type { JsonSchema } from '../toJsonSchema.ts';
import { FACTS, mergeFacts, type Facts } from './zodFacts.ts';

export type TypeName = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';

export interface Branch {
  type: TypeName;
  /** A number branch that accepts only integers. */
  integer: boolean;
  /** This branch's keywords (those of its type, from a split `type` array included). */
  schema: JsonSchema;
  /** The values of an enum or literal; undefined: any value of the type its keywords allow. */
  values?: unknown[];
  /** The `$ref` this branch was reached through, to stop comparing a recursive schema twice. */
  ref?: string;
  /**
   * Part of a node the contract declared open (`x-warren-open`): an old SDK has an unknown case
   * for values (of an enum) or variants (of a union) added later.
   */
  open?: boolean;
  /** What zod adds (zodFacts.ts), from this branch's node and every node wrapping it. */
  facts?: Facts;
}

export type Expanded = { kind: 'any'; facts?: Facts } | { kind: 'union'; branches: Branch[] } | { kind: 'opaque'; schema: JsonSchema };

/** Keywords that never constrain a value. */
const IGNORED = new Set([
  '$schema', '$id', '$comment', 'title', 'description', 'examples', 'deprecated', 'readOnly', 'writeOnly',
  'default', 'definitions', '$defs', FACTS,
]);

const KEYWORDS: Record<TypeName, Set<string>> = {
  null: new Set(),
  boolean: new Set(),
  number: new Set(['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf']),
  string: new Set(['minLength', 'maxLength', 'pattern', 'format', 'contentEncoding', 'contentMediaType']),
  array: new Set(['items', 'additionalItems', 'minItems', 'maxItems', 'uniqueItems']),
  object: new Set(['properties', 'required', 'additionalProperties', 'propertyNames', 'minProperties', 'maxProperties', CLOSED]),
};
const TYPED = new Set(Object.values(KEYWORDS).flatMap((set) => [...set]));
const STRUCTURAL = new Set(['type', 'enum', 'const', '$ref', 'anyOf', 'oneOf', 'allOf', 'not', OPEN]);

/** The JSON type of a value, as a branch type. */
export function typeOf(value: unknown): TypeName {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const t = typeof value;
  return t === 'boolean' || t === 'number' || t === 'string' ? t : 'object';
}

function refTarget(ref: string, root: JsonSchema): JsonSchema | undefined {
  if (ref === '#') return root;
  const match = /^#\/(definitions|\$defs)\/(.+)$/.exec(ref);
  if (!match) return undefined;
  const name = decodeURIComponent(match[2]!).replace(/~1/g, '/').replace(/~0/g, '~');
  const table = root[match[1]!] as Record<string, JsonSchema> | undefined;
  return table?.[name];
}

/** Follows `$ref`s to a schema with content. @returns the schema and the last ref followed */
export function resolve(schema: JsonSchema, root: JsonSchema): { schema: JsonSchema; ref?: string } | undefined {
  let current = schema;
  let ref: string | undefined;
  for (let hops = 0; typeof current.$ref === 'string'; hops++) {
    if (hops > 32) return undefined;
    ref = current.$ref as string;
    const target = refTarget(ref, root);
    if (!target) return undefined;
    current = target;
  }
  return ref === undefined ? { schema: current } : { schema: current, ref };
}

const isEmptySchema = (value: unknown) =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).every((k) => IGNORED.has(k));

/** Expands `schema` (within `root`, for `$ref`s) into branches, each carrying the facts of the nodes around it. */
export function expand(schema: JsonSchema, root: JsonSchema): Expanded {
  const expanded = expandNode(schema, root);
  const resolved = resolve(schema, root);
  const facts = resolved?.schema[FACTS] as Facts | undefined;
  if (!facts || expanded.kind === 'opaque') return expanded;
  if (expanded.kind === 'any') return { kind: 'any', facts: mergeFacts(facts, expanded.facts)! };
  return { kind: 'union', branches: expanded.branches.map((b) => ({ ...b, facts: mergeFacts(facts, b.facts)! })) };
}

function expandNode(schema: JsonSchema, root: JsonSchema): Expanded {
  const resolved = resolve(schema, root);
  if (!resolved) return { kind: 'opaque', schema };
  const { schema: s, ref } = resolved;
  const keys = Object.keys(s).filter((k) => !IGNORED.has(k));
  const open = s[OPEN] === true;
  if (keys.some((k) => !STRUCTURAL.has(k) && !TYPED.has(k))) return { kind: 'opaque', schema: s };
  if (s.not !== undefined) return isEmptySchema(s.not) && keys.length === 1 ? { kind: 'union', branches: [] } : { kind: 'opaque', schema: s };
  const union = (s.anyOf ?? s.oneOf) as JsonSchema[] | undefined;
  if (union || s.allOf) {
    const parts = union ?? (s.allOf as JsonSchema[]);
    // zod puts nothing but annotations (and an open marker) next to anyOf, and uses a one-part allOf as a wrapper.
    if (keys.length !== (open ? 2 : 1) || !Array.isArray(parts) || (!union && parts.length !== 1)) return { kind: 'opaque', schema: s };
    const branches: Branch[] = [];
    for (const part of parts) {
      const sub = expand(part, root);
      if (sub.kind !== 'union') return sub;
      branches.push(...sub.branches.map((b) => (open ? { ...b, open: true } : b)));
    }
    return { kind: 'union', branches: mergeValueBranches(branches) };
  }
  const values = s.const !== undefined ? [s.const] : Array.isArray(s.enum) ? (s.enum as unknown[]) : undefined;
  let types: TypeName[];
  if (typeof s.type === 'string' || Array.isArray(s.type)) {
    types = [...new Set(([] as string[]).concat(s.type as string | string[]).map((t) => (t === 'integer' ? 'number' : t)))] as TypeName[];
    if (types.some((t) => !(t in KEYWORDS))) return { kind: 'opaque', schema: s };
  } else if (values) {
    types = [...new Set(values.map(typeOf))];
  } else {
    return keys.length === 0 ? { kind: 'any' } : { kind: 'opaque', schema: s };
  }
  const integer = s.type === 'integer' || (Array.isArray(s.type) && s.type.includes('integer') && !s.type.includes('number'));
  const branches = types.map((type): Branch => {
    const own: JsonSchema = {};
    for (const key of keys) if (KEYWORDS[type].has(key)) own[key] = s[key];
    // multipleOf(1) is z.int() by another name.
    const wholeSteps = type === 'number' && own.multipleOf === 1;
    if (wholeSteps) delete own.multipleOf;
    const branch: Branch = { type, integer: type === 'number' && (integer || wholeSteps), schema: own };
    if (values) branch.values = values.filter((v) => typeOf(v) === type);
    if (ref !== undefined) branch.ref = ref;
    if (open) branch.open = true;
    return branch;
  });
  return { kind: 'union', branches: mergeValueBranches(branches) };
}

const isValueOnly = (b: Branch) => b.values !== undefined && Object.keys(b.schema).length === 0 && b.facts === undefined;

/**
 * `z.union([z.literal('a'), z.literal('b')])` is `z.enum(['a', 'b'])` by another name: literal
 * branches of one type merge into one enum branch, so both spellings compare equal.
 */
function mergeValueBranches(branches: Branch[]): Branch[] {
  const out: Branch[] = [];
  for (const branch of branches) {
    const twin = isValueOnly(branch) ? out.find((b) => isValueOnly(b) && b.type === branch.type && b.integer === branch.integer) : undefined;
    if (twin) {
      twin.values = [...twin.values!, ...branch.values!.filter((v) => !twin.values!.some((w) => sameValue(v, w)))];
      if (branch.open) twin.open = true;
    }
    else out.push({ ...branch, ...(branch.values ? { values: [...branch.values] } : {}) });
  }
  return out;
}

export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Whether `value` (of the branch's type) satisfies the branch's scalar keywords.
 * undefined when that cannot be told, e.g. a `format` without a `pattern`.
 */
export function accepts(branch: Branch, value: unknown): boolean | undefined {
  if (typeOf(value) !== branch.type) return false;
  if (branch.values) return branch.values.some((v) => sameValue(v, value));
  const s = branch.schema as Record<string, number | string | undefined>;
  if (typeof value === 'number') {
    if (branch.integer && !Number.isSafeInteger(value)) return false;
    if (s.minimum !== undefined && value < (s.minimum as number)) return false;
    if (s.maximum !== undefined && value > (s.maximum as number)) return false;
    if (s.exclusiveMinimum !== undefined && value <= (s.exclusiveMinimum as number)) return false;
    if (s.exclusiveMaximum !== undefined && value >= (s.exclusiveMaximum as number)) return false;
    if (s.multipleOf !== undefined && !isMultiple(value, s.multipleOf as number)) return false;
    return true;
  }
  if (typeof value === 'string') {
    if (s.minLength !== undefined && value.length < (s.minLength as number)) return false;
    if (s.maxLength !== undefined && value.length > (s.maxLength as number)) return false;
    if (s.pattern !== undefined) {
      try {
        if (!new RegExp(s.pattern as string).test(value)) return false;
      } catch {
        return undefined;
      }
    } else if (s.format !== undefined || s.contentEncoding !== undefined) {
      return undefined;
    }
    return true;
  }
  return typeof value === 'boolean' || value === null ? true : undefined;
}

/** `value` is an integer multiple of `step`, allowing for binary floating point. */
export function isMultiple(value: number, step: number): boolean {
  const ratio = value / step;
  return Math.abs(ratio - Math.round(ratio)) < 1e-9;
}
