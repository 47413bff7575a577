/**
 * JSON Schema → TypeScript type text. The SDK's types are rendered from the same JSON Schema
 * that is written to `schemas/` and embedded in the documents, so the two cannot disagree
 * silently (and the drift test checks the round trip back through typescript-json-schema).
 */
import { CodegenError, type CodegenErrorLocation } from './CodegenError.ts';
import { propertyKey } from './names.ts';
import { CLOSED, OPEN, unknownCase } from './openValues.ts';
import type { JsonSchema } from './toJsonSchema.ts';

export interface TypeContext {
  /** Type name a `$ref` points at. */
  ref(ref: string): string;
  /** Named in errors. */
  where: CodegenErrorLocation;
  /** The whole message schema, for the `$ref`s an open union's variants may be. */
  root?: JsonSchema;
}

/** The type of the tag of a variant the SDK does not know. */
export const UNKNOWN_TAG = 'UnknownTag';

/**
 * Declared once in an SDK whose types have an open union. A unique symbol is a unit type, so a
 * `switch` over the known tags still narrows each case, and an exhaustive one must handle the
 * unknown variant; no real tag can be mistaken for it.
 */
export const UNKNOWN_TAG_DECLARATION = `declare const unknownTag: unique symbol;
/**
 * The tag of a variant of an open union that this SDK does not know: one the service added after
 * the SDK was generated. At run time it holds the service's tag; read it with String(value).
 */
export type ${UNKNOWN_TAG} = typeof unknownTag;
`;

/** Keywords that constrain values but not their TypeScript type, or only annotate. */
const IGNORED = new Set([
  '$schema', '$id', '$comment', 'id', 'title', 'description', 'default', 'examples', 'deprecated', 'readOnly', 'writeOnly',
  'format', 'pattern', 'minLength', 'maxLength', 'contentEncoding', 'contentMediaType',
  'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf',
  'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties', 'definitions', '$defs', CLOSED,
]);
const TYPED = new Set([
  'type', 'properties', 'required', 'additionalProperties', 'propertyNames', 'items', 'additionalItems',
  'enum', 'const', 'anyOf', 'oneOf', 'allOf', 'not', '$ref', OPEN,
]);

/** A title usable as a tuple element label. */
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** The safe-integer bounds zod writes for every `.int()`; documenting them is noise. */
const SAFE_BOUND = Number.MAX_SAFE_INTEGER;

/** Rendered type text and how tightly it binds, to add parentheses only where needed. */
interface Rendered {
  text: string;
  kind: 'atom' | 'union' | 'intersection';
}

const atom = (text: string): Rendered => ({ text, kind: 'atom' });

function join(parts: Rendered[], kind: 'union' | 'intersection'): Rendered {
  const unique = [...new Map(parts.map((p) => [p.text, p])).values()];
  if (unique.length === 1) return unique[0]!;
  const texts = unique.map((p) => (kind === 'intersection' && p.kind === 'union' ? `(${p.text})` : p.text));
  return { text: texts.join(kind === 'union' ? ' | ' : ' & '), kind };
}

function arrayOf(element: Rendered): string {
  return element.kind === 'atom' ? `${element.text}[]` : `(${element.text})[]`;
}

function isSchema(value: unknown): value is JsonSchema {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** JSDoc lines for a schema: its description, deprecation, default and value constraints. */
export function docLines(schema: JsonSchema): string[] {
  const lines: string[] = [];
  if (typeof schema.description === 'string') lines.push(...schema.description.split('\n'));
  const tag = (name: string, value: unknown) => lines.push(`@${name} ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  for (const name of ['minLength', 'maxLength', 'pattern', 'format', 'multipleOf', 'exclusiveMinimum', 'exclusiveMaximum']) {
    // A format such as date-time says more to a reader than the long pattern zod writes with it.
    if (name === 'pattern' && schema.format !== undefined) continue;
    if (schema[name] !== undefined) tag(name, schema[name]);
  }
  for (const name of ['minimum', 'maximum']) {
    const value = schema[name];
    if (typeof value === 'number' && Math.abs(value) !== SAFE_BOUND) tag(name, value);
  }
  if (!Array.isArray(schema.items)) {
    for (const name of ['minItems', 'maxItems']) if (schema[name] !== undefined) tag(name, schema[name]);
  }
  if (schema.default !== undefined) lines.push(`@default ${JSON.stringify(schema.default)}`);
  if (schema.deprecated === true) lines.push('@deprecated');
  return lines;
}

/** A JSDoc block, or '' when there is nothing to say. */
export function jsDoc(lines: readonly string[], indent: string): string {
  if (lines.length === 0) return '';
  const safe = lines.map((line) => line.replace(/\*\//g, '*\\/').trimEnd());
  if (safe.length === 1) return `${indent}/** ${safe[0]} */\n`;
  return `${indent}/**\n${safe.map((line) => (line ? `${indent} * ${line}` : `${indent} *`)).join('\n')}\n${indent} */\n`;
}

class Renderer {
  constructor(readonly ctx: TypeContext) {}

  fail(reason: string, path: string): never {
    throw new CodegenError(reason, { ...this.ctx.where, path });
  }

  render(schema: unknown, indent: string, path: string): Rendered {
    if (schema === true) return atom('unknown');
    if (schema === false) return atom('never');
    if (!isSchema(schema)) return this.fail(`not a JSON Schema: ${JSON.stringify(schema)}`, path);
    for (const key of Object.keys(schema)) {
      if (!IGNORED.has(key) && !TYPED.has(key)) this.fail(`JSON Schema keyword "${key}" has no TypeScript equivalent`, path);
    }
    const parts: Rendered[] = [];
    const unknown = schema[OPEN] === true ? this.unknownParts(schema, path) : [];
    if (typeof schema.$ref === 'string') parts.push(atom(this.ctx.ref(schema.$ref)));
    if (schema.const !== undefined) parts.push(join([atom(JSON.stringify(schema.const)), ...unknown], 'union'));
    else if (Array.isArray(schema.enum)) parts.push(join([...schema.enum.map((v) => atom(JSON.stringify(v))), ...unknown], 'union'));
    else if (schema.type !== undefined) parts.push(this.byType(schema, indent, path));
    else if (schema.properties !== undefined || schema.additionalProperties !== undefined) parts.push(this.object(schema, indent, path));
    else if (schema.items !== undefined) parts.push(this.array(schema, indent, path));
    for (const key of ['anyOf', 'oneOf'] as const) {
      const branches = schema[key];
      if (Array.isArray(branches)) parts.push(join([...branches.map((b) => this.render(b, indent, path)), ...unknown], 'union'));
    }
    if (Array.isArray(schema.allOf)) parts.push(join(schema.allOf.map((b) => this.render(b, indent, path)), 'intersection'));
    if (isSchema(schema.not) && Object.keys(schema.not).length === 0 && parts.length === 0) return atom('never');
    if (parts.length === 0) return atom('unknown');
    return join(parts, 'intersection');
  }

  /**
   * The unknown case of an open enum or union: `(string & {})` beside string values (it keeps
   * the known ones in autocompletion), and for tagged variants one more variant whose tag is
   * UnknownTag.
   */
  unknownParts(schema: JsonSchema, path: string): Rendered[] {
    const unknown = unknownCase(schema, this.ctx.root ?? schema);
    if (!unknown) return this.fail(`${OPEN} applies to an enum, a literal, or a union of literals or of tagged objects`, path);
    const parts = unknown.types.map((type) => atom(type === 'boolean' ? 'boolean' : `(${type} & {})`));
    if (unknown.tag !== undefined) parts.push(atom(`{ ${propertyKey(unknown.tag)}: ${UNKNOWN_TAG}; [key: string]: unknown }`));
    return parts;
  }

  byType(schema: JsonSchema, indent: string, path: string): Rendered {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    return join(
      types.map((type) => {
        switch (type) {
          case 'string':
          case 'number':
          case 'boolean':
          case 'null':
            return atom(type);
          case 'integer':
            return atom('number');
          case 'array':
            return this.array(schema, indent, path);
          case 'object':
            return this.object(schema, indent, path);
          default:
            return this.fail(`unknown JSON Schema type ${JSON.stringify(type)}`, path);
        }
      }),
      'union',
    );
  }

  array(schema: JsonSchema, indent: string, path: string): Rendered {
    const { items, additionalItems } = schema;
    // An empty tuple (z.tuple([])), which draft-07 writes as a list of length 0.
    if (!Array.isArray(items) && schema.maxItems === 0) return atom('[]');
    if (!Array.isArray(items)) return atom(arrayOf(items === undefined ? atom('unknown') : this.render(items, indent, `${path}[]`)));
    const min = typeof schema.minItems === 'number' ? schema.minItems : items.length;
    // Items that all carry an identifier title (`.meta({ title })`) become labelled elements, `[a: number, ...rest: number[]]`.
    const labels = items.every((item) => isSchema(item) && typeof item.title === 'string' && IDENTIFIER.test(item.title))
      ? items.map((item) => (item as JsonSchema).title as string)
      : undefined;
    const label = (i: number) => (labels ? `${labels[i]}${i >= min ? '?' : ''}: ` : '');
    const elements = items.map((item, i) => {
      const text = this.render(item, indent, `${path}[${i}]`);
      if (labels) return `${label(i)}${text.text}`;
      return i >= min ? `${text.kind === 'atom' ? text.text : `(${text.text})`}?` : text.text;
    });
    const closed = additionalItems === false || (additionalItems === undefined && schema.maxItems === items.length);
    if (!closed) {
      const rest = additionalItems === undefined || additionalItems === true ? atom('unknown') : this.render(additionalItems, indent, `${path}[...]`);
      const restTitle = isSchema(additionalItems) && typeof additionalItems.title === 'string' && IDENTIFIER.test(additionalItems.title) ? additionalItems.title : 'rest';
      elements.push(`...${labels && items.length > 0 ? `${restTitle}: ` : ''}${arrayOf(rest)}`);
    }
    return atom(`[${elements.join(', ')}]`);
  }

  /** Properties of an object schema; a record over an enum of keys becomes one property per key. */
  propertiesOf(schema: JsonSchema): Record<string, unknown> {
    const properties = isSchema(schema.properties) ? { ...schema.properties } : {};
    const keys = isSchema(schema.propertyNames) ? schema.propertyNames.enum : undefined;
    if (Array.isArray(keys) && keys.every((k) => typeof k === 'string') && isSchema(schema.additionalProperties)) {
      for (const key of keys) properties[key] ??= schema.additionalProperties;
    }
    return properties;
  }

  object(schema: JsonSchema, indent: string, path: string): Rendered {
    const properties = this.propertiesOf(schema);
    const enumKeys = isSchema(schema.propertyNames) && Array.isArray(schema.propertyNames.enum);
    const extra = enumKeys ? undefined : schema.additionalProperties;
    if (Object.keys(properties).length === 0) {
      if (isSchema(extra) && Object.keys(extra).length > 0) {
        return atom(`{ [key: string]: ${this.render(extra, indent, `${path}[string]`).text} }`);
      }
      // An object with no declared properties: closed, or open with values we know nothing about.
      return atom(extra === false || isSchema(schema.properties) ? 'Record<string, never>' : '{ [key: string]: unknown }');
    }
    return atom(this.members(schema, properties, extra, indent, path));
  }

  /** `{ a: string; b?: number }` over several lines, with JSDoc. */
  members(schema: JsonSchema, properties: Record<string, unknown>, extra: unknown, indent: string, path: string): string {
    const required = new Set(Array.isArray(schema.required) ? schema.required : []);
    const inner = `${indent}  `;
    const lines: string[] = [];
    for (const [name, property] of Object.entries(properties)) {
      const where = path === '' ? name : `${path}.${name}`;
      const text = this.render(property, inner, where).text;
      const doc = isSchema(property) ? docLines(property) : [];
      lines.push(`${jsDoc(doc, inner)}${inner}${propertyKey(name)}${required.has(name) ? '' : '?'}: ${text};`);
    }
    // A catchall cannot be typed exactly: an index signature must also cover the named properties.
    if (extra !== undefined && extra !== false) lines.push(`${inner}[key: string]: unknown;`);
    return `{\n${lines.join('\n')}\n${indent}}`;
  }
}

/** The TypeScript type of `schema`, e.g. `string | null` or a multi-line object literal. */
export function renderType(schema: unknown, ctx: TypeContext, indent = ''): string {
  return new Renderer(ctx).render(schema, indent, '').text;
}

/**
 * `export interface Name { … }` for an object with named properties, `export type Name = …;`
 * for anything else; preceded by `doc` as JSDoc.
 */
export function renderDeclaration(name: string, schema: JsonSchema, doc: readonly string[], ctx: TypeContext): string {
  const renderer = new Renderer(ctx);
  const plainObject =
    schema.type === 'object' &&
    schema.$ref === undefined &&
    schema.anyOf === undefined &&
    schema.oneOf === undefined &&
    schema.allOf === undefined &&
    isSchema(schema.properties) &&
    Object.keys(renderer.propertiesOf(schema)).length > 0;
  const head = jsDoc(doc, '');
  if (plainObject) {
    const enumKeys = isSchema(schema.propertyNames) && Array.isArray(schema.propertyNames.enum);
    const body = renderer.members(schema, renderer.propertiesOf(schema), enumKeys ? undefined : schema.additionalProperties, '', '');
    return `${head}export interface ${name} ${body}\n`;
  }
  return `${head}export type ${name} = ${renderer.render(schema, '', '').text};\n`;
}
