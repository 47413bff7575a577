/**
 * What every comparer shares: the Change it reports and the context it is called with.
 * compareSchemas builds the context, and its `node` is the recursive comparer that the
 * array and object comparers call for their subschemas, so none of them imports another.
 */
import type { JsonSchema } from '../toJsonSchema.ts';
import type { Direction, SchemaRuleName } from './rules.ts';

export interface Change {
  rule: SchemaRuleName;
  /** JSON path of the value concerned, `$` for the whole message. */
  path: string;
  /** One line: what changed and what it does to a client. */
  message: string;
}

export interface CompareContext {
  direction: Direction;
  oldRoot: JsonSchema;
  newRoot: JsonSchema;
  /** Pairs of `$ref`s being compared further up: a recursive schema is compared once. */
  active: Set<string>;
  /** Compares two subschemas of the same message. */
  node(oldSchema: JsonSchema, newSchema: JsonSchema, path: string): Change[];
}
