/** Params validation against a method's input schema, with JSON-RPC's -32602 on failure. */
import { z } from 'zod';
import { ErrorCode, WarrenError } from 'warren-client/protocol';
import type { ParamsSchema } from './defineContract.ts';

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

function wrongStructure(expected: 'array' | 'object'): WarrenError {
  const message =
    expected === 'array' ? 'params must be an array (positional params)' : 'params must be an object (named params)';
  return invalidParams(message, [{ code: 'invalid_type', path: [], message }]);
}

/** True when the method takes positional params (a z.tuple). */
export function isPositional(schema: ParamsSchema): boolean {
  return schema instanceof z.ZodTuple;
}

/**
 * Validates params for a method. Named params need a z.object, positional ones a z.tuple;
 * absent params count as `{}` or `[]`. Returns the parsed value or throws INVALID_PARAMS.
 */
export function validateParams(schema: ParamsSchema, params: unknown): unknown {
  const byPosition = isPositional(schema);
  const value = params === undefined ? (byPosition ? [] : {}) : params;
  if (byPosition && !Array.isArray(value)) throw wrongStructure('array');
  if (!byPosition && (Array.isArray(value) || value === null || typeof value !== 'object')) throw wrongStructure('object');
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidParams('Invalid params', issuesOf(parsed.error));
  return parsed.data;
}
