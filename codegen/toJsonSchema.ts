/**
 * One zod schema → JSON Schema draft-07, through zod 4's own `z.toJSONSchema`, refusing
 * anything JSON Schema (or JSON on the wire) cannot carry instead of writing a silent `{}`.
 */
import { z } from 'zod';
import { CodegenError } from './CodegenError.ts';

/** A JSON Schema as plain data. */
export type JsonSchema = { [keyword: string]: unknown };

/** Where a schema comes from, for error messages. */
export interface SchemaOrigin {
  service: string;
  /** e.g. `chat.send input`. */
  message: string;
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
 * `annotate`, when given, sees every zod schema with its JSON node and may add keywords to it
 * (the contracts lock records what JSON Schema leaves out).
 * @throws CodegenError naming the message and field path of the first unrepresentable type.
 */
export function toJsonSchema(
  schema: z.ZodType,
  io: 'input' | 'output',
  origin: SchemaOrigin,
  annotate?: (zodSchema: z.core.$ZodType, jsonSchema: JsonSchema) => void,
): JsonSchema {
  const where = (path: readonly (string | number)[]) => ({ ...origin, path: fieldPath(path) });
  if (schema._zod.def.type === 'optional') {
    throw new CodegenError('a whole message cannot be optional (undefined is not JSON): use .nullable()', { ...origin, path: '' });
  }
  return z.toJSONSchema(schema, {
    target: 'draft-07',
    io,
    unrepresentable: (ctx) => {
      const type = ctx.zodSchema._zod.def.type;
      const advice = ADVICE[type];
      throw new CodegenError(`${ctx.message}${advice ? `; ${advice}` : ''}`, where(ctx.path));
    },
    override: (ctx) => {
      const refused = REFUSED[ctx.zodSchema._zod.def.type];
      if (refused) throw new CodegenError(refused, where(ctx.path));
      annotate?.(ctx.zodSchema, ctx.jsonSchema as JsonSchema);
    },
  }) as JsonSchema;
}
