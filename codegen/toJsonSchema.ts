/**
 * One zod schema → JSON Schema draft-07 for codegen: the conversion defineContract already ran
 * (src/contract/jsonSchema.ts), its refusals as CodegenErrors naming the message.
 */
import type { z } from 'zod';
import { draft07, Unrepresentable, type JsonSchema } from '../src/contract/jsonSchema.ts';
import { CodegenError } from './CodegenError.ts';

export type { JsonSchema };
export { fieldPath } from '../src/contract/jsonSchema.ts';

/** Where a schema comes from, for error messages. */
export interface SchemaOrigin {
  service: string;
  /** e.g. `chat.send input`. */
  message: string;
}

/**
 * JSON Schema draft-07 of `schema` as zod sees it in `io` mode: `input` for what a client
 * sends, `output` for what a handler returns or emits.
 * @throws CodegenError naming the message and field path of the first unrepresentable type.
 */
export function toJsonSchema(schema: z.ZodType, io: 'input' | 'output', origin: SchemaOrigin): JsonSchema {
  try {
    return draft07(schema, io);
  } catch (err) {
    if (err instanceof Unrepresentable) throw new CodegenError(err.reason, { ...origin, path: err.path });
    throw err;
  }
}
