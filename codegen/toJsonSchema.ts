/**
 * One zod schema → JSON Schema draft-07 for codegen: the conversion defineContract already ran
 * (src/contract/jsonSchema.ts), its refusals as CodegenErrors naming the message.
 */
import type { z } from 'zod';
import { draft07, fieldPath, Unrepresentable, type JsonSchema } from '../src/contract/jsonSchema.ts';
import { CodegenError } from './CodegenError.ts';
import { markClosed, normalizeOpen } from './openValues.ts';

export type { JsonSchema };
export { fieldPath };

/** Where a schema comes from, for error messages. */
export interface SchemaOrigin {
  service: string;
  /** e.g. `chat.send input`. */
  message: string;
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
  let json: JsonSchema;
  try {
    json = draft07(schema, io, (zodSchema, jsonSchema) => {
      markClosed(zodSchema, jsonSchema, io);
      annotate?.(zodSchema, jsonSchema);
    });
  } catch (err) {
    if (err instanceof Unrepresentable) throw new CodegenError(err.reason, { ...origin, path: err.path });
    throw err;
  }
  // `.meta({ open })` lands as a plain `open` keyword; it becomes x-warren-open (openValues.ts).
  const misplaced = normalizeOpen(json, io);
  if (misplaced) throw new CodegenError(misplaced.reason, { ...origin, path: fieldPath(misplaced.at) });
  return json;
}
