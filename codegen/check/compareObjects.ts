/**
 * Objects: properties, `required`, `additionalProperties`, `propertyNames` and property counts.
 *
 * Unknown properties are not part of a contract, in either direction:
 * - Params: a plain `z.object` accepts and strips unknown keys, so a client that sends one has
 *   it ignored. Adding an optional field is therefore safe, and removing one is only dangerous
 *   (the server now ignores what the client sends) — unless the object is strict, which rejects
 *   the removed field. Making an object strict is breaking: clients that send extra keys fail.
 * - Results, events, error data: clients must ignore properties they do not know (Warren's
 *   client runtime does not validate results). zod closes every output object
 *   (`additionalProperties: false`) because it strips unknown keys, not as a promise to the
 *   client, so that closedness is set aside and a new field is safe. A strict result object
 *   (`z.strictObject`, marked `x-warren-closed`) does promise no new fields: adding one breaks
 *   that promise, and so does making the object plain.
 * A typed `additionalProperties` (a record's value, a catchall) is compared like a property.
 */
import { CLOSED } from '../openValues.ts';
import type { JsonSchema } from '../toJsonSchema.ts';
import { compareCounts } from './compareScalars.ts';
import type { Change, CompareContext } from './comparison.ts';

type Extra = { kind: 'open' } | { kind: 'closed' } | { kind: 'typed'; schema: JsonSchema };

const ANNOTATION = /^(\$schema|\$id|\$comment|title|description|examples|deprecated|readOnly|writeOnly|default)$/;

function extra(schema: JsonSchema): Extra {
  const value = schema.additionalProperties;
  if (value === false) return { kind: 'closed' };
  if (typeof value !== 'object' || value === null || Object.keys(value).every((k) => ANNOTATION.test(k))) return { kind: 'open' };
  return { kind: 'typed', schema: value as JsonSchema };
}

function fields(schema: JsonSchema) {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  const names = new Set([...Object.keys(properties), ...required]);
  return { properties, required, names };
}

/** `$.a`, or `$["a-b"]` for a name that is not an identifier. */
function propertyPath(path: string, name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `${path}.${name}` : `${path}[${JSON.stringify(name)}]`;
}

export function compareObjects(o: JsonSchema, n: JsonSchema, path: string, ctx: CompareContext): Change[] {
  const input = ctx.direction === 'input';
  const [of, nf] = [fields(o), fields(n)];
  const [ox, nx] = [extra(o), extra(n)];
  const changes: Change[] = [];
  if (!input && o[CLOSED] === true && n[CLOSED] !== true) changes.push({ rule: 'object-made-open', path, message: 'no longer strict: new fields may be added later' });
  if (!input && o[CLOSED] !== true && n[CLOSED] === true) changes.push({ rule: 'object-made-strict', path, message: 'now strict: no new fields will be added' });
  // What a property not named in `properties` is: the typed extra, or anything.
  const fallback = (x: Extra): JsonSchema => (x.kind === 'typed' ? x.schema : {});
  for (const name of [...new Set([...of.names, ...nf.names])].sort()) {
    const at = propertyPath(path, name);
    const [had, has] = [of.names.has(name), nf.names.has(name)];
    const [wasRequired, isRequired] = [of.required.has(name), nf.required.has(name)];
    const before = of.properties[name] ?? fallback(ox);
    const after = nf.properties[name] ?? fallback(nx);
    if (had && has) {
      if (!wasRequired && isRequired) changes.push({ rule: 'field-made-required', path: at, message: `"${name}" is now required` });
      if (wasRequired && !isRequired) changes.push({ rule: 'field-made-optional', path: at, message: `"${name}" is now optional: it may be missing` });
      if (!wasRequired && !isRequired && 'default' in before !== 'default' in after) {
        const text = (s: JsonSchema) => ('default' in s ? JSON.stringify(s.default) : 'none');
        changes.push({ rule: 'default-changed', path: at, message: `default ${text(before)} → ${text(after)}: clients that omit "${name}" get another value` });
      }
      changes.push(...ctx.node(before, after, at));
    } else if (has) {
      if (ox.kind === 'typed') {
        // The old record or catchall already allowed this key: compare its value type.
        if (isRequired) changes.push({ rule: 'field-made-required', path: at, message: `"${name}" is now required` });
        changes.push(...ctx.node(before, after, at));
      } else if (!input && o[CLOSED] === true) {
        changes.push({ rule: 'closed-field-added', path: at, message: `new field "${name}" in a strict object, which promised no new fields` });
      } else if (isRequired) {
        changes.push({ rule: 'required-field-added', path: at, message: input ? `new required field "${name}": clients that omit it are rejected` : `new field "${name}"` });
      } else {
        changes.push({ rule: 'optional-field-added', path: at, message: `new optional field "${name}"` });
      }
    } else if (nx.kind === 'typed') {
      if (wasRequired) changes.push({ rule: 'field-made-optional', path: at, message: `"${name}" is now optional: it may be missing` });
      changes.push(...ctx.node(before, after, at));
    } else if (input && nx.kind === 'closed') {
      changes.push({ rule: 'closed-field-removed', path: at, message: `"${name}" was removed from a strict object, which now rejects it` });
    } else if (wasRequired) {
      changes.push({ rule: 'field-removed', path: at, message: input ? `"${name}" was removed: the server ignores it now` : `"${name}" was removed: clients reading it get undefined` });
    } else {
      changes.push({ rule: 'optional-field-removed', path: at, message: input ? `"${name}" was removed: the server ignores it now` : `optional "${name}" is never sent any more` });
    }
  }
  changes.push(...compareExtra(ox, nx, path, ctx));
  if (o.propertyNames !== undefined || n.propertyNames !== undefined) {
    const keys = (s: JsonSchema) => (s.propertyNames as JsonSchema | undefined) ?? { type: 'string' };
    changes.push(...ctx.node(keys(o), keys(n), `${path}(key)`));
  }
  changes.push(...compareCounts(o, n, 'minProperties', 'maxProperties', path));
  return changes;
}

function compareExtra(ox: Extra, nx: Extra, path: string, ctx: CompareContext): Change[] {
  const at = `${path}[string]`;
  if (ox.kind === 'typed' && nx.kind === 'typed') return ctx.node(ox.schema, nx.schema, at);
  if (ctx.direction === 'output') {
    // A record whose values became anything widens what clients receive; only a strict object's closedness counts.
    return ox.kind === 'typed' && nx.kind === 'open' ? ctx.node(ox.schema, {}, at) : [];
  }
  if (ox.kind === nx.kind) return [];
  if (nx.kind === 'closed') return [{ rule: 'object-made-strict', path, message: 'unknown properties are now rejected' }];
  if (ox.kind === 'closed') return [{ rule: 'object-made-open', path, message: 'unknown properties are now accepted' }];
  return ctx.node(ox.kind === 'typed' ? ox.schema : {}, nx.kind === 'typed' ? nx.schema : {}, at);
}
