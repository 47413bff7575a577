/**
 * What a contract promises about values a later version may add to what clients receive,
 * written into the JSON Schema as two extension keywords:
 * - `x-warren-open: true`: an enum, a literal, or a union (of literals, or of objects tagged by
 *   a discriminator) that the contract declares open with `.meta({ open: true })`. The SDK's
 *   type carries an unknown case beside the known ones, so a value or variant added later fits
 *   an old client's types.
 * - `x-warren-closed: true`: a strict result object (`z.strictObject`), which promises that no
 *   field will be added. zod writes `additionalProperties: false` for every output object (it
 *   strips unknown keys), so without the marker a strict result would look like a plain one.
 * Both concern what clients receive, so they are written in `io: 'output'` only. In params the
 * server validates against its own contract, and what an added value does is plain from the
 * schema: the marker is dropped there (after the same checks, so a misplaced `open` is refused
 * wherever it is).
 */
import type { z } from 'zod';
import { forEachSubschema } from './check/schemaWalk.ts';
import type { JsonSchema } from './toJsonSchema.ts';

export const OPEN = 'x-warren-open';
export const CLOSED = 'x-warren-closed';
/** The `.meta()` key a contract declares an enum or union open with. */
export const OPEN_META = 'open';

const isSchema = (value: unknown): value is JsonSchema => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Follows `$ref`s (`#`, `#/definitions/…`) within `root`; the schema itself when it has none. */
export function resolveRef(schema: JsonSchema, root: JsonSchema): JsonSchema | undefined {
  let current: JsonSchema | undefined = schema;
  for (let hops = 0; current && typeof current.$ref === 'string'; hops++) {
    if (hops > 32) return undefined;
    const ref: string = current.$ref;
    const match = /^#\/(definitions|\$defs)\/(.+)$/.exec(ref);
    const name = match ? decodeURIComponent(match[2]!).replace(/~1/g, '/').replace(/~0/g, '~') : undefined;
    const table = match ? root[match[1]!] : undefined;
    current = ref === '#' ? root : isSchema(table) && name !== undefined && isSchema(table[name]) ? table[name] : undefined;
  }
  return current;
}

/** The branches of a union, nested unions flattened and refs resolved; `[schema]` for a non-union. */
export function branchesOf(schema: JsonSchema, root: JsonSchema): JsonSchema[] {
  const resolved = resolveRef(schema, root);
  if (!resolved) return [];
  const union = resolved.anyOf ?? resolved.oneOf;
  if (!Array.isArray(union)) return [resolved];
  return union.flatMap((branch) => (isSchema(branch) ? branchesOf(branch, root) : []));
}

/** The values of an enum or literal branch, or undefined. */
export function valuesOf(schema: JsonSchema): unknown[] | undefined {
  if (schema.const !== undefined) return [schema.const];
  return Array.isArray(schema.enum) ? schema.enum : undefined;
}

const isObjectBranch = (schema: JsonSchema) => schema.type === 'object' || (schema.type === undefined && isSchema(schema.properties));

/**
 * The discriminator of object branches: a property every branch requires with a single value,
 * a different one in each branch (zod's `z.discriminatedUnion` tag).
 */
export function discriminatorOf(objects: readonly JsonSchema[], root: JsonSchema): string | undefined {
  if (objects.length === 0) return undefined;
  const names = Object.keys(isSchema(objects[0]!.properties) ? objects[0]!.properties : {}).sort();
  for (const name of names) {
    const tags: string[] = [];
    for (const branch of objects) {
      const property = isSchema(branch.properties) ? branch.properties[name] : undefined;
      const required = Array.isArray(branch.required) && branch.required.includes(name);
      const values = isSchema(property) && required ? branchesOf(property, root).map(valuesOf) : [];
      if (values.length !== 1 || values[0]?.length !== 1) break;
      tags.push(JSON.stringify(values[0][0]));
    }
    if (tags.length === objects.length && new Set(tags).size === tags.length) return name;
  }
  return undefined;
}

/** The unknown case of an open node: the JSON types of its values, and its variants' tag. */
export interface UnknownCase {
  /** Value types an unknown enum value or literal may have. */
  types: ('string' | 'number' | 'boolean')[];
  /** The discriminator of its object variants, when it has some. */
  tag?: string;
}

/** What an open node's unknown case holds; undefined when `open` cannot apply to it. */
export function unknownCase(schema: JsonSchema, root: JsonSchema): UnknownCase | undefined {
  const branches = branchesOf(schema, root);
  const types = new Set<'string' | 'number' | 'boolean'>();
  for (const branch of branches) {
    for (const value of valuesOf(branch) ?? []) {
      const type = typeof value;
      if (type === 'string' || type === 'number' || type === 'boolean') types.add(type);
    }
  }
  const objects = branches.filter(isObjectBranch);
  const resolved = resolveRef(schema, root);
  const union = resolved !== undefined && Array.isArray(resolved.anyOf ?? resolved.oneOf);
  // Variants are added to a union; an object alone has no variants to add.
  const tag = union ? discriminatorOf(objects, root) : undefined;
  if (objects.length > 0 && tag === undefined) return undefined;
  if (types.size === 0 && tag === undefined) return undefined;
  return { types: [...types].sort(), ...(tag === undefined ? {} : { tag }) };
}

/**
 * Marks a strict object in output mode; meant for `z.toJSONSchema`'s `override`, which sees the
 * zod schema of every node.
 */
export function markClosed(zodSchema: z.core.$ZodType, jsonSchema: JsonSchema, io: 'input' | 'output'): void {
  const def = zodSchema._zod.def as { type: string; catchall?: z.core.$ZodType };
  if (io === 'output' && def.type === 'object' && def.catchall?._zod.def.type === 'never') jsonSchema[CLOSED] = true;
}

/**
 * Turns every `open` that `.meta()` put into `schema` into the `x-warren-open` marker (output)
 * or nothing (input), in place. `open: false` is the default and leaves no trace.
 * @returns the keyword path and reason of the first misplaced or malformed `open`, if any.
 */
export function normalizeOpen(root: JsonSchema, io: 'input' | 'output'): { at: (string | number)[]; reason: string } | undefined {
  let problem: { at: (string | number)[]; reason: string } | undefined;
  const visit = (node: JsonSchema, at: (string | number)[]) => {
    if (problem) return;
    if (OPEN_META in node || OPEN in node) {
      const value = node[OPEN_META] ?? node[OPEN];
      delete node[OPEN_META];
      delete node[OPEN];
      if (typeof value !== 'boolean') {
        problem = { at, reason: `.meta({ open }) must be true or false, not ${JSON.stringify(value)}` };
        return;
      }
      if (value && !unknownCase(node, root)) {
        problem = { at, reason: '.meta({ open: true }) applies to a z.enum, a z.literal, or a union of literals or of tagged objects (z.discriminatedUnion)' };
        return;
      }
      if (value && io === 'output') node[OPEN] = true;
    }
    forEachSubschema(node, (sub, step) => visit(sub, [...at, ...step]));
  };
  visit(root, []);
  return problem;
}

/** True when `root` has an open union of tagged variants: its SDK type needs UnknownTag. */
export function hasUnknownTag(root: JsonSchema): boolean {
  let found = false;
  const visit = (node: JsonSchema) => {
    if (found) return;
    if (node[OPEN] === true && unknownCase(node, root)?.tag !== undefined) found = true;
    forEachSubschema(node, visit);
  };
  visit(root);
  return found;
}
