/**
 * The drift test's machinery: derive JSON Schema from the generated SDK's TypeScript types with
 * typescript-json-schema, normalise it and zod's JSON Schema for the same message, and list
 * every difference by JSON path.
 *
 * Normalisation (the same rules are listed in codegen/README.md). Applied to both sides:
 *  1. `$ref`s are inlined; a ref to a schema already being inlined above becomes
 *     `{ "$cycle": n }` (n = how many refs up), so recursive types compare by shape, not by
 *     the definition names each tool picks.
 *  2. Annotations are dropped: description, title, $schema, $id, $comment, default, examples,
 *     deprecated, readOnly, writeOnly, definitions.
 *  3. Constraints TypeScript cannot express are dropped: minimum, maximum, exclusiveMinimum,
 *     exclusiveMaximum, multipleOf, minLength, maxLength, pattern, format, contentEncoding,
 *     contentMediaType, uniqueItems, minProperties, maxProperties, propertyNames (after rule 7),
 *     and minItems/maxItems of arrays that are not tuples.
 *  4. integer ≡ number.
 *  5. Unions are one form: `type: [a, b]` splits into `anyOf` (one branch per type, each
 *     keeping the keywords of its type); oneOf ≡ anyOf (TypeScript has only unions); `enum`
 *     becomes an anyOf of `const`; a `const` drops its implied `type`; nested anyOf flatten,
 *     duplicates go, branches sort by their JSON text, and a single branch unwraps (so does a
 *     one-part allOf, which zod writes around an optional `$ref`).
 *  6. additionalProperties is decided on purpose: false, true, {} and absent all mean the same
 *     here and are dropped. TypeScript object types are structural and open (excess-property
 *     checks apply to object literals only), and zod's input-mode objects are not closed
 *     (FACTS.md), so closedness is not a type-level fact. A non-empty additionalProperties
 *     schema is compared only on an object without named properties (a record's value type);
 *     beside named properties the SDK types it as `unknown` (an index signature must also cover
 *     the named properties), so it is dropped there.
 *  7. A record over an enum of keys (`propertyNames: { enum }` + additionalProperties) becomes
 *     one property per key; empty `properties` and `required` are dropped; `required` is sorted.
 *  8. Tuples (`items` is an array) become `{ items, minItems (default 0), additionalItems }`
 *     with additionalItems false when closed (additionalItems false, or maxItems = items.length),
 *     else the rest element's schema ({} when any); maxItems then says nothing more and goes.
 */
import { AssertionError } from 'node:assert';
import * as TJS from 'typescript-json-schema';

type Schema = { [key: string]: unknown };

const ANNOTATIONS = ['description', 'title', '$schema', '$id', '$comment', 'default', 'examples', 'deprecated', 'readOnly', 'writeOnly', 'definitions', '$defs'];
const CONSTRAINTS = [
  'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'minLength', 'maxLength', 'pattern', 'format',
  'contentEncoding', 'contentMediaType', 'uniqueItems', 'minProperties', 'maxProperties', 'propertyNames',
];
const OBJECT_KEYS = ['properties', 'required', 'additionalProperties', 'propertyNames'];
const ARRAY_KEYS = ['items', 'additionalItems', 'minItems', 'maxItems'];

const isSchema = (v: unknown): v is Schema => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Canonical JSON text: keys sorted at every level. */
export function canonicalText(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalText).join(',')}]`;
  if (isSchema(value)) return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalText(value[k])}`).join(',')}}`;
  return JSON.stringify(value);
}

/** A schema's identity for cycle detection: its own keywords, without annotations or definitions. */
function fingerprint(schema: Schema): string {
  const rest: Schema = {};
  for (const [k, v] of Object.entries(schema)) if (!ANNOTATIONS.includes(k)) rest[k] = v;
  return canonicalText(rest);
}

function resolveRef(root: Schema, ref: string): Schema {
  if (ref === '#') return root;
  const match = /^#\/(definitions|\$defs)\/(.+)$/.exec(ref);
  const target = match ? (root[match[1]!] as Schema | undefined)?.[decodeURIComponent(match[2]!)] : undefined;
  if (!isSchema(target)) throw new Error(`cannot resolve $ref ${ref}`);
  return target;
}

/** Normalises one JSON Schema by the rules above. */
export function normalise(schema: Schema): unknown {
  return normaliseNode(schema, schema, [fingerprint(schema)]);
}

function normaliseNode(node: unknown, root: Schema, stack: string[]): unknown {
  if (node === true) return {};
  if (!isSchema(node)) return node;
  if (typeof node.$ref === 'string') {
    const target = resolveRef(root, node.$ref);
    const print = fingerprint(target);
    const depth = stack.lastIndexOf(print);
    if (depth >= 0) return { $cycle: stack.length - depth };
    return normaliseNode(target, root, [...stack, print]);
  }
  const s: Schema = { ...node };
  for (const key of ANNOTATIONS) delete s[key];
  // Rule 7 first: it needs propertyNames, which rule 3 drops.
  const enumKeys = isSchema(s.propertyNames) ? s.propertyNames.enum : undefined;
  if (Array.isArray(enumKeys) && isSchema(s.additionalProperties)) {
    const properties = isSchema(s.properties) ? { ...s.properties } : {};
    for (const key of enumKeys) properties[String(key)] ??= s.additionalProperties;
    s.properties = properties;
    delete s.additionalProperties;
  }
  const tuple = Array.isArray(s.items);
  for (const key of CONSTRAINTS) delete s[key];
  if (!tuple) {
    delete s.minItems;
    delete s.maxItems;
  }
  const recurse = (value: unknown) => normaliseNode(value, root, stack);

  // Rule 5: every union into one anyOf.
  const branches: unknown[] = [];
  if (Array.isArray(s.type)) {
    for (const type of s.type) branches.push(recurse(single(s, type as string)));
    return union(branches);
  }
  if (Array.isArray(s.enum)) {
    const rest = { ...s };
    delete rest.enum;
    delete rest.type;
    for (const value of s.enum) branches.push(recurse({ ...rest, const: value }));
    return union(branches);
  }
  for (const key of ['anyOf', 'oneOf'] as const) {
    if (!Array.isArray(s[key])) continue;
    const list = s[key] as unknown[];
    delete s[key];
    const base = Object.keys(s).length > 0 ? recurse(s) : undefined;
    const alternatives = list.map(recurse);
    return base === undefined ? union(alternatives) : { allOf: [base, union(alternatives)].sort(byText) };
  }
  if (s.const !== undefined) delete s.type;
  if (s.type === 'integer') s.type = 'number';

  // Rule 6 and 7: objects.
  const properties = isSchema(s.properties) ? s.properties : {};
  const named = Object.keys(properties).length > 0;
  if (named) {
    s.properties = Object.fromEntries(Object.keys(properties).sort().map((k) => [k, recurse(properties[k])]));
  } else {
    delete s.properties;
  }
  if (Array.isArray(s.required) && s.required.length > 0) s.required = [...s.required].sort();
  else delete s.required;
  const extra = s.additionalProperties;
  delete s.additionalProperties;
  if (!named && isSchema(extra) && Object.keys(extra).length > 0) s.additionalProperties = recurse(extra);

  // Rule 8: tuples.
  if (tuple) {
    const items = (s.items as unknown[]).map(recurse);
    const closed = s.additionalItems === false || (s.additionalItems === undefined && s.maxItems === items.length);
    s.items = items;
    s.minItems = typeof s.minItems === 'number' ? s.minItems : 0;
    s.additionalItems = closed ? false : s.additionalItems === undefined || s.additionalItems === true ? {} : recurse(s.additionalItems);
    delete s.maxItems;
  } else if (s.items !== undefined) {
    s.items = recurse(s.items);
  }
  if (Array.isArray(s.allOf)) {
    const parts = s.allOf.map(recurse).sort(byText);
    // zod wraps an optional $ref as `allOf: [{ $ref }]`: one part is that part.
    if (parts.length === 1 && Object.keys(s).length === 1) return parts[0];
    s.allOf = parts;
  }
  if (isSchema(s.not)) s.not = recurse(s.not);
  return sortKeys(s);
}

/** The part of a multi-type schema that applies to one of its types. */
function single(schema: Schema, type: string): Schema {
  const out: Schema = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'type') continue;
    if (OBJECT_KEYS.includes(k) && type !== 'object') continue;
    if (ARRAY_KEYS.includes(k) && type !== 'array') continue;
    out[k] = v;
  }
  if (Array.isArray(schema.enum)) {
    out.enum = schema.enum.filter((v) => jsonType(v) === type || (type === 'integer' && jsonType(v) === 'number'));
  }
  out.type = type;
  return out;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

const byText = (a: unknown, b: unknown) => (canonicalText(a) < canonicalText(b) ? -1 : canonicalText(a) > canonicalText(b) ? 1 : 0);

function union(branches: unknown[]): unknown {
  const flat = branches.flatMap((b) => (isSchema(b) && Array.isArray(b.anyOf) && Object.keys(b).length === 1 ? b.anyOf : [b]));
  const unique = [...new Map(flat.map((b) => [canonicalText(b), b])).values()].sort(byText);
  return unique.length === 1 ? unique[0] : { anyOf: unique };
}

function sortKeys(s: Schema): Schema {
  return Object.fromEntries(Object.keys(s).sort().map((k) => [k, s[k]]));
}

export interface Drift {
  /** JSON path into the normalised schema, e.g. `$.properties.text.type`. */
  path: string;
  zod: unknown;
  typescript: unknown;
}

/** Every difference between two normalised schemas; an absent side is `undefined`. */
export function compareSchemas(zod: unknown, typescript: unknown, path = '$'): Drift[] {
  if (isSchema(zod) && isSchema(typescript)) {
    const keys = [...new Set([...Object.keys(zod), ...Object.keys(typescript)])].sort();
    return keys.flatMap((k) => compareSchemas(zod[k], typescript[k], `${path}.${k}`));
  }
  if (Array.isArray(zod) && Array.isArray(typescript) && zod.length === typescript.length) {
    return zod.flatMap((item, i) => compareSchemas(item, typescript[i], `${path}[${i}]`));
  }
  return canonicalText(zod) === canonicalText(typescript) ? [] : [{ path, zod, typescript }];
}

/** Throws an AssertionError naming the message and each differing path. */
export function assertNoDrift(message: string, zodSchema: Schema, typescriptSchema: Schema): void {
  const drifts = compareSchemas(normalise(zodSchema), normalise(typescriptSchema));
  if (drifts.length === 0) return;
  const lines = drifts.map((d) => `  ${d.path}: zod ${canonicalText(d.zod) ?? '(absent)'} ≠ TypeScript ${canonicalText(d.typescript) ?? '(absent)'}`);
  throw new AssertionError({ message: `${message}: the SDK type drifted from the contract's JSON Schema\n${lines.join('\n')}` });
}

/** TypeScript → JSON Schema generator over `files`, set up as the drift test documents. */
export function typeScriptSchemas(files: string[]): (typeName: string) => Schema {
  const program = TJS.getProgramFromFiles(files, {
    strict: true,
    strictNullChecks: true,
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    allowImportingTsExtensions: true,
    noEmit: true,
    skipLibCheck: true,
    lib: ['ES2022', 'DOM'],
    types: ['node'],
  });
  // required: optional properties stay out of `required`; noExtraProps: interfaces come out
  // closed (additionalProperties false), which normalisation rule 6 then sets aside on purpose.
  const generator = TJS.buildGenerator(program, { required: true, noExtraProps: true, strictNullChecks: true });
  if (!generator) throw new Error(`typescript-json-schema could not compile ${files.join(', ')}`);
  return (typeName) => generator.getSchemaForSymbol(typeName) as unknown as Schema;
}
