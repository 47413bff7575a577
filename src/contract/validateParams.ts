/** Params validation against a method's input schema, with JSON-RPC's -32602 on failure. */
import type { z } from 'zod';
import { ErrorCode, WarrenError } from 'warren-client/protocol';
import { absentParams, paramStructure, shapeFor, type ParamsSchema, type ParamStructure } from './params.ts';

export interface IssueData {
  code: string;
  path: (string | number)[];
  message: string;
}

/** zod issues reduced to what a client needs; never the input itself. */
export function issuesOf(error: z.ZodError): IssueData[] {
  return error.issues.map((issue) => ({
    code: issue.code,
    path: issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part)),
    message: issue.message,
  }));
}

function invalidParams(message: string, issues: IssueData[]): WarrenError {
  return new WarrenError(ErrorCode.INVALID_PARAMS, message, { data: { issues } });
}

const EXPECTED: Record<ParamStructure, string> = {
  'by-position': 'params must be an array (positional params)',
  'by-name': 'params must be an object (named params)',
  either: 'params must be an array (positional params) or an object (named params)',
};

function wrongStructure(structure: ParamStructure): WarrenError {
  const message = EXPECTED[structure];
  return invalidParams(message, [{ code: 'invalid_type', path: [], message }]);
}

/**
 * Validates params for a method. An array is checked against the method's positional shape
 * (a z.tuple or z.array), an object against its named shape (a z.object); a method whose input
 * is a union of both takes either. Absent params count as `{}` when the method takes named
 * params, else as `[]` (see absentParams). Returns the parsed value or throws INVALID_PARAMS.
 */
export function validateParams(schema: ParamsSchema, params: unknown): unknown {
  const value = params === undefined ? absentParams(schema) : params;
  const shape = shapeFor(schema, value);
  if (!shape) throw wrongStructure(paramStructure(schema));
  // The shape alone, so that the issues are the shape's own and not a union's "no branch matched".
  const parsed = shape.safeParse(value);
  if (!parsed.success) throw invalidParams('Invalid params', issuesOf(parsed.error));
  if (shape === schema || !hasChecks(schema)) return parsed.data;
  // A union with refinements of its own: they run on the whole union.
  const whole = schema.safeParse(value);
  if (!whole.success) throw invalidParams('Invalid params', issuesOf(whole.error));
  return whole.data;
}

function hasChecks(schema: ParamsSchema): boolean {
  return (schema._zod.def.checks?.length ?? 0) > 0;
}
