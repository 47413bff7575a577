/**
 * One zod schema → JSON Schema draft-07, through zod 4's own `z.toJSONSchema`, refusing
 * anything JSON Schema (or JSON on the wire) cannot carry instead of writing a silent `{}`.
 * defineContract runs it on every message, so such a contract fails where it is declared;
 * codegen runs it again to write the schemas.
 */
import { z } from 'zod';

/** A JSON Schema as plain data. */
export type JsonSchema = { [keyword: string]: unknown };

/** A schema JSON Schema cannot describe: why, and the field path inside the message ('' for the root). */
export class Unrepresentable extends Error {
  readonly reason: string;
  readonly path: string;

  constructor(reason: string, path: string) {
    super(reason);
    this.name = 'Unrepresentable';
    this.reason = reason;
    this.path = path;
  }
}

/**
 * zod maps these to something representable, but not to what travels on the wire:
 * a promise is not JSON, and a File is not a JSON string.
 */
const REFUSED: Record<string, string> = {
  promise: 'z.promise() is not JSON: declare the resolved value instead',
  file: 'z.file() cannot travel in a JSON-RPC frame: send a base64 string (z.base64()) instead',
};

/** Advice appended to zod's own "cannot be represented" message, by zod type. */
const ADVICE: Record<string, string> = {
  date: 'send an ISO 8601 string (z.iso.datetime()) instead',
  bigint: 'send a decimal string or a number instead',
  transform: 'an output transform has no knowable shape: declare the transformed value with z.pipe or drop the transform',
  custom: 'z.custom() has no shape: use a concrete zod schema',
  function: 'functions are not JSON',
  symbol: 'symbols are not JSON',
  map: 'use z.record() instead of z.map()',
  set: 'use z.array() instead of z.set()',
  nan: 'NaN is not JSON',
  undefined: 'undefined is not JSON: use z.null() or make the field optional',
  void: 'use z.null() for a method that returns nothing',
};

/**
 * Turns the JSON-Schema path zod reports (`properties.a.items.properties.when`) into the
 * field path a contract author recognises (`a[].when`).
 */
export function fieldPath(schemaPath: readonly (string | number)[]): string {
  let out = '';
  for (let i = 0; i < schemaPath.length; i++) {
    const step = schemaPath[i];
    const next = schemaPath[i + 1];
    if (step === 'properties' && next !== undefined) {
      out += out === '' ? String(next) : `.${next}`;
      i++;
    } else if ((step === 'items' || step === 'prefixItems') && typeof next === 'number') {
      out += `[${next}]`;
      i++;
    } else if (step === 'items') {
      out += '[]';
    } else if (step === 'additionalItems') {
      out += '[...]';
    } else if (step === 'additionalProperties') {
      out += '[string]';
    } else if (step === 'propertyNames') {
      out += '(key)';
    } else if (['anyOf', 'oneOf', 'allOf', 'definitions', '$defs'].includes(String(step))) {
      i++; // a union branch or a definition name is not a field
    }
  }
  return out;
}

/**
 * JSON Schema draft-07 of `schema` as zod sees it in `io` mode: `input` for what a client
 * sends, `output` for what a handler returns or emits.
 * `mark` sees every converted node, for a caller that adds its own keywords (codegen's markers).
 * @throws Unrepresentable for the first type that JSON Schema or the wire cannot carry.
 */
export function draft07(
  schema: z.ZodType,
  io: 'input' | 'output',
  mark?: (zodSchema: z.core.$ZodType, jsonSchema: JsonSchema) => void,
): JsonSchema {
  if (schema._zod.def.type === 'optional') {
    throw new Unrepresentable('a whole message cannot be optional (undefined is not JSON): use .nullable()', '');
  }
  return z.toJSONSchema(schema, {
    target: 'draft-07',
    io,
    unrepresentable: (ctx) => {
      const advice = ADVICE[ctx.zodSchema._zod.def.type];
      throw new Unrepresentable(`${ctx.message}${advice ? `; ${advice}` : ''}`, fieldPath(ctx.path));
    },
    override: (ctx) => {
      const def = ctx.zodSchema._zod.def;
      const refused = REFUSED[def.type];
      if (refused) throw new Unrepresentable(refused, fieldPath(ctx.path));
      if (def.type === 'tuple' && (def as { items: readonly unknown[] }).items.length === 0) withoutEmptyItems(ctx.jsonSchema as JsonSchema);
      mark?.(ctx.zodSchema, ctx.jsonSchema as JsonSchema);
    },
  }) as JsonSchema;
}

/**
 * A tuple with no fixed items: zod writes `items: []`, which draft-07's meta-schema refuses
 * (a schema array has at least one schema). With a rest element it is a list of the rest
 * (`items: <rest>`), without one an array of length 0 (`maxItems: 0`).
 */
function withoutEmptyItems(schema: JsonSchema): void {
  const rest = schema.additionalItems;
  if (rest !== undefined && rest !== false) schema.items = rest === true ? {} : rest;
  else {
    delete schema.items;
    schema.maxItems = 0;
  }
  delete schema.additionalItems;
}

/** Method names the generated SDK uses for its own members of a service's stub (`api.chat.notify`). */
export const SDK_RESERVED_METHOD_NAMES: ReadonlySet<string> = new Set(['notify', 'on']);
