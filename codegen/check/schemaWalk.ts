/**
 * Where a draft-07 schema holds other schemas. Knowing the positions is what lets the lock strip
 * a `description` keyword without touching a property that happens to be named "description".
 */
import type { JsonSchema } from '../toJsonSchema.ts';

/** Keywords whose value is one schema. */
const SINGLE = ['additionalItems', 'additionalProperties', 'propertyNames', 'contains', 'not', 'if', 'then', 'else'];
/** Keywords whose value is an array of schemas. */
const LIST = ['anyOf', 'oneOf', 'allOf'];
/** Keywords whose value maps names to schemas. */
const MAP = ['properties', 'patternProperties', 'definitions', '$defs'];

const isSchema = (value: unknown): value is JsonSchema => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A shallow copy of `schema` with `fn` applied to each direct subschema. */
export function mapSubschemas(schema: JsonSchema, fn: (sub: JsonSchema) => JsonSchema): JsonSchema {
  const out: JsonSchema = { ...schema };
  for (const key of SINGLE) if (isSchema(out[key])) out[key] = fn(out[key] as JsonSchema);
  for (const key of LIST) if (Array.isArray(out[key])) out[key] = (out[key] as unknown[]).map((s) => (isSchema(s) ? fn(s) : s));
  for (const key of MAP) {
    if (!isSchema(out[key])) continue;
    const mapped: JsonSchema = {};
    for (const [name, sub] of Object.entries(out[key] as JsonSchema)) mapped[name] = isSchema(sub) ? fn(sub) : sub;
    out[key] = mapped;
  }
  if (isSchema(out.items)) out.items = fn(out.items);
  else if (Array.isArray(out.items)) out.items = out.items.map((s) => (isSchema(s) ? fn(s) : s));
  if (isSchema(out.dependencies)) {
    const mapped: JsonSchema = {};
    for (const [name, dep] of Object.entries(out.dependencies)) mapped[name] = isSchema(dep) ? fn(dep) : dep;
    out.dependencies = mapped;
  }
  return out;
}

/** Calls `fn` with each direct subschema of `schema` and the keyword path to it (`['properties', 'a']`). */
export function forEachSubschema(schema: JsonSchema, fn: (sub: JsonSchema, at: (string | number)[]) => void): void {
  for (const key of SINGLE) if (isSchema(schema[key])) fn(schema[key] as JsonSchema, [key]);
  for (const key of LIST) if (Array.isArray(schema[key])) (schema[key] as unknown[]).forEach((s, i) => isSchema(s) && fn(s, [key, i]));
  for (const key of MAP) {
    if (!isSchema(schema[key])) continue;
    for (const [name, sub] of Object.entries(schema[key] as JsonSchema)) if (isSchema(sub)) fn(sub, [key, name]);
  }
  if (isSchema(schema.items)) fn(schema.items, ['items']);
  else if (Array.isArray(schema.items)) schema.items.forEach((s, i) => isSchema(s) && fn(s, ['items', i]));
  if (isSchema(schema.dependencies)) {
    for (const [name, dep] of Object.entries(schema.dependencies)) if (isSchema(dep)) fn(dep, ['dependencies', name]);
  }
}

/** Keywords that describe a schema without constraining it. */
const ANNOTATIONS = new Set(['$schema', '$id', '$comment', 'title', 'description', 'examples', 'deprecated', 'readOnly', 'writeOnly']);

/** A deep copy of `schema` without annotations, at every schema position. */
export function stripAnnotations(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) if (!ANNOTATIONS.has(key)) out[key] = value;
  return mapSubschemas(out, stripAnnotations);
}
