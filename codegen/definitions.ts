/**
 * Local `definitions` of a message's JSON Schema (zod writes them for recursive schemas and
 * for schemas registered with `.meta({ id })`), and the `$ref`s that point at them.
 *
 * Naming: a definition zod named after a `.meta({ id })` gets that id as its type name
 * (`Point`) when every message that uses it has the identical definition; an anonymous one
 * (`__schema0`), or an id whose definition differs between messages (an object is closed in
 * output mode and open in input mode), is prefixed with its message's type name
 * (`SinkTreeOutputSchema0`). The same names key the documents' components.
 */
import { CodegenError } from './CodegenError.ts';
import type { Message } from './message.ts';
import { pascal } from './names.ts';
import type { JsonSchema } from './toJsonSchema.ts';

function definitionsOf(schema: JsonSchema): Record<string, JsonSchema> {
  return (schema.definitions ?? {}) as Record<string, JsonSchema>;
}

/** Fills every message's `definitionNames`. Order-independent: two passes. */
export function nameDefinitions(messages: readonly Message[]): void {
  const texts = new Map<string, Set<string>>();
  for (const message of messages) {
    for (const [key, definition] of Object.entries(definitionsOf(message.schema))) {
      const candidate = pascal(key);
      if (!texts.has(candidate)) texts.set(candidate, new Set());
      texts.get(candidate)!.add(JSON.stringify(definition));
    }
  }
  for (const message of messages) {
    for (const key of Object.keys(definitionsOf(message.schema))) {
      const candidate = pascal(key);
      const shared = !key.startsWith('__') && candidate !== '' && texts.get(candidate)!.size === 1;
      message.definitionNames.set(key, shared ? candidate : `${message.typeName}${candidate}`);
    }
  }
}

/** The generated type name a `$ref` inside `message`'s schema points at. */
export function refTarget(message: Message, ref: string): string {
  if (ref === '#') return message.typeName;
  const match = /^#\/(?:definitions|\$defs)\/(.+)$/.exec(ref);
  const name = match ? message.definitionNames.get(decodeURIComponent(match[1]!).replace(/~1/g, '/').replace(/~0/g, '~')) : undefined;
  if (!name) throw new CodegenError(`unsupported $ref "${ref}"`, { service: message.service, message: `${message.wireName} ${message.kind}` });
  return name;
}

/** A deep copy of `value` with every `$ref` string replaced by `replace(ref)`. */
export function rewriteRefs(value: unknown, replace: (ref: string) => string): unknown {
  if (Array.isArray(value)) return value.map((item) => rewriteRefs(item, replace));
  if (value === null || typeof value !== 'object') return value;
  const out: JsonSchema = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = key === '$ref' && typeof item === 'string' ? replace(item) : rewriteRefs(item, replace);
  }
  return out;
}

/** A schema ready to embed in a larger document: no `$schema` or `definitions`, refs into `components`. */
export interface Embedded {
  root: JsonSchema;
  /** Generated type name → its schema, for the document's components. */
  definitions: [string, JsonSchema][];
}

/**
 * Prepares `message`'s schema for an OpenRPC or AsyncAPI document, whose schemas live under
 * `prefix` (e.g. `#/components/schemas/`).
 */
export function embed(message: Message, prefix: string): Embedded {
  const replace = (ref: string) => `${prefix}${refTarget(message, ref)}`;
  const { $schema: _schema, definitions: _definitions, ...root } = message.schema;
  return {
    root: rewriteRefs(root, replace) as JsonSchema,
    definitions: Object.entries(definitionsOf(message.schema)).map(([key, definition]) => [
      message.definitionNames.get(key)!,
      rewriteRefs(definition, replace) as JsonSchema,
    ]),
  };
}
