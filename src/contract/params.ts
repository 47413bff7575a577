/**
 * The shapes a method's params may take. JSON-RPC 2.0 sends params as an array (by position)
 * or an object (by name), and a method may accept either: its input is then a z.union of one
 * positional shape and one named shape, and each call is validated against the shape its
 * params have.
 */
import { z } from 'zod';

/** Params by position: a z.tuple (with or without a rest element) or a z.array (variadic). */
export type PositionalSchema = z.ZodTuple | z.ZodArray;

/** Params by name. */
export type NamedSchema = z.ZodObject;

/** Both styles: one positional shape and one named shape, in either order. */
export type EitherSchema = z.ZodUnion<readonly [PositionalSchema, NamedSchema]> | z.ZodUnion<readonly [NamedSchema, PositionalSchema]>;

/** A method's params schema. */
export type ParamsSchema = NamedSchema | PositionalSchema | EitherSchema;

/** How a method takes its params; the names are OpenRPC's `paramStructure`. */
export type ParamStructure = 'by-name' | 'by-position' | 'either';

export interface ParamsShapes {
  positional: PositionalSchema | undefined;
  named: NamedSchema | undefined;
}

function isPositionalShape(schema: unknown): schema is PositionalSchema {
  return schema instanceof z.ZodTuple || schema instanceof z.ZodArray;
}

/** The positional and named shapes of a params schema; undefined when it is not one of the forms above. */
export function paramsShapes(schema: unknown): ParamsShapes | undefined {
  if (schema instanceof z.ZodObject) return { positional: undefined, named: schema };
  if (isPositionalShape(schema)) return { positional: schema, named: undefined };
  if (schema instanceof z.ZodUnion && !(schema instanceof z.ZodDiscriminatedUnion)) {
    const options = schema._zod.def.options as readonly unknown[];
    if (options.length !== 2) return undefined;
    const positional = options.find(isPositionalShape);
    const named = options.find((option): option is NamedSchema => option instanceof z.ZodObject);
    return positional && named ? { positional, named } : undefined;
  }
  return undefined;
}

function shapesOf(schema: ParamsSchema): ParamsShapes {
  const shapes = paramsShapes(schema);
  if (!shapes) throw new TypeError('not a params schema: use a z.object, z.tuple, z.array or a union of one positional and one named shape');
  return shapes;
}

/** How `schema` takes its params. */
export function paramStructure(schema: ParamsSchema): ParamStructure {
  const { positional, named } = shapesOf(schema);
  return positional && named ? 'either' : positional ? 'by-position' : 'by-name';
}

/**
 * What absent params mean: `{}` when the method takes named params (also when it takes
 * either), `[]` when it takes only positional ones.
 */
export function absentParams(schema: ParamsSchema): Record<string, never> | never[] {
  return shapesOf(schema).named ? {} : [];
}

/** The shape that params of this JSON structure are checked against, or undefined when the method takes no such params. */
export function shapeFor(schema: ParamsSchema, params: unknown): PositionalSchema | NamedSchema | undefined {
  const { positional, named } = shapesOf(schema);
  if (Array.isArray(params)) return positional;
  if (params !== null && typeof params === 'object') return named;
  return undefined;
}
