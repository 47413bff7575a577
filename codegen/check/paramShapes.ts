/**
 * The params shapes of a locked method: its positional (array) and named (object) schema. A
 * method that takes either has both, as the two branches of its input's `oneOf`; each branch
 * keeps the message's `definitions`, so its `$ref`s still resolve.
 */
import type { JsonSchema } from '../toJsonSchema.ts';
import type { LockedMethod } from './lock.ts';

export type ShapeName = 'by-position' | 'by-name';

export function paramShapes(method: LockedMethod): Partial<Record<ShapeName, JsonSchema>> {
  if (method.params !== 'either') return { [method.params]: method.input };
  const { oneOf, ...root } = method.input;
  const shapes: Partial<Record<ShapeName, JsonSchema>> = {};
  for (const branch of (oneOf ?? []) as JsonSchema[]) {
    const name: ShapeName = branch.type === 'array' ? 'by-position' : 'by-name';
    shapes[name] = root.definitions === undefined ? branch : { ...branch, definitions: root.definitions };
  }
  return shapes;
}
