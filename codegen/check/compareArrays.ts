/**
 * Arrays: lists (`items` is one schema) and tuples (`items` is a list, draft-07's form; zod
 * writes `additionalItems: false` and `minItems`/`maxItems` for a closed tuple, and a schema in
 * `additionalItems` for a rest element, as in variadic params).
 *
 * A list is the tuple with no fixed items whose rest is its item schema, so a list and a tuple
 * are compared as two tuples: `z.array(x)` → `z.tuple([x]).rest(x)` is a longer minimum length,
 * `z.array(x).length(3)` → `z.tuple([x, x, x])` no change at all.
 *
 * A tuple's length is compared as a range: [a, b] → [a, b, c] accepts neither the old nor the
 * new lengths of the other, so it is `tuple-length-changed`; adding an optional trailing item
 * only widens the range. The same items in another order are one `tuple-order-changed`
 * finding, not a type change at every position.
 */
import type { JsonSchema } from '../toJsonSchema.ts';
import type { Change, CompareContext } from './comparison.ts';
import { compareCounts } from './compareScalars.ts';
import { canonical } from './lock.ts';

type Rest = JsonSchema | false;

function rest(schema: JsonSchema): Rest {
  const extra = schema.additionalItems;
  if (extra === false) return false;
  return typeof extra === 'object' && extra !== null ? (extra as JsonSchema) : {};
}

function lengths(schema: JsonSchema, items: JsonSchema[]): [number, number] {
  const min = typeof schema.minItems === 'number' ? schema.minItems : 0;
  let max = typeof schema.maxItems === 'number' ? schema.maxItems : Infinity;
  if (rest(schema) === false) max = Math.min(max, items.length);
  return [min, max];
}

const range = ([min, max]: [number, number]) => (min === max ? String(min) : `${min}–${Number.isFinite(max) ? max : '∞'}`);

export function compareArrays(o: JsonSchema, n: JsonSchema, path: string, ctx: CompareContext): Change[] {
  const oTuple = Array.isArray(o.items);
  const nTuple = Array.isArray(n.items);
  if (oTuple !== nTuple) {
    const changes = compareTuples(oTuple ? o : asTuple(o), nTuple ? n : asTuple(n), path, ctx);
    if (!oTuple && o.uniqueItems) changes.push({ rule: 'constraint-loosened', path, message: 'items need no longer be unique' });
    if (!nTuple && n.uniqueItems) changes.push({ rule: 'constraint-tightened', path, message: 'items must now be unique' });
    return changes;
  }
  if (!oTuple) {
    const changes = ctx.node((o.items as JsonSchema | undefined) ?? {}, (n.items as JsonSchema | undefined) ?? {}, `${path}[]`);
    changes.push(...compareCounts(o, n, 'minItems', 'maxItems', path));
    if (Boolean(o.uniqueItems) !== Boolean(n.uniqueItems)) {
      changes.push({ rule: n.uniqueItems ? 'constraint-tightened' : 'constraint-loosened', path, message: n.uniqueItems ? 'items must now be unique' : 'items need no longer be unique' });
    }
    return changes;
  }
  return compareTuples(o, n, path, ctx);
}

/** A list as the tuple it equals: no fixed items, every item the rest. */
function asTuple(list: JsonSchema): JsonSchema {
  const { items, uniqueItems: _unique, ...rest } = list;
  return { ...rest, items: [], additionalItems: (items as JsonSchema | undefined) ?? {} };
}

function compareTuples(o: JsonSchema, n: JsonSchema, path: string, ctx: CompareContext): Change[] {
  const oItems = o.items as JsonSchema[];
  const nItems = n.items as JsonSchema[];
  const [oLen, nLen] = [lengths(o, oItems), lengths(n, nItems)];
  const changes: Change[] = [];
  if (oLen[0] !== nLen[0] || oLen[1] !== nLen[1]) {
    const wider = nLen[0] <= oLen[0] && nLen[1] >= oLen[1];
    const narrower = nLen[0] >= oLen[0] && nLen[1] <= oLen[1];
    const rule = wider ? 'tuple-length-widened' : narrower ? 'tuple-length-narrowed' : 'tuple-length-changed';
    changes.push({ rule, path, message: `length ${range(oLen)} → ${range(nLen)}` });
  }
  const texts = (items: JsonSchema[]) => items.map((item) => JSON.stringify(canonical(item)));
  const [ot, nt] = [texts(oItems), texts(nItems)];
  if (ot.length === nt.length && ot.some((t, i) => t !== nt[i]) && [...ot].sort().join() === [...nt].sort().join()) {
    changes.push({ rule: 'tuple-order-changed', path, message: 'the same items now come in another order' });
    return changes;
  }
  // Positions both sides may hold are compared item by item, a rest element standing in where one side has none.
  const [oRest, nRest] = [rest(o), rest(n)];
  const shared = Math.min(oLen[1], nLen[1]);
  const explicit = Math.max(oItems.length, nItems.length);
  for (let i = 0; i < Math.min(explicit, shared); i++) {
    const a = oItems[i] ?? oRest;
    const b = nItems[i] ?? nRest;
    if (a !== false && b !== false) changes.push(...ctx.node(a, b, `${path}[${i}]`));
  }
  if (oRest !== false && nRest !== false && shared > explicit) changes.push(...ctx.node(oRest, nRest, `${path}[${explicit}…]`));
  return changes;
}
