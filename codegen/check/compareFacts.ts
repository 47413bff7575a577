/**
 * Compares the facts zod knows and JSON Schema drops (zodFacts.ts) between two paired nodes:
 * refinements and transforms by fingerprint, coercion, `.catch`, `.prefault` and exclusivity as
 * flags, and each pipe's other side as a schema of its own. The value must satisfy the node and
 * every pipe, so pipes are compared one by one; where one side has no pipe, the node itself
 * stands in for it (`z.string()` → `z.string().pipe(z.email())` compares `string` with `email`).
 * Named formats are the string comparer's (formats.ts).
 */
import type { JsonSchema } from '../toJsonSchema.ts';
import type { Change, CompareContext } from './comparison.ts';
import { sameValue } from './expand.ts';
import type { Facts } from './zodFacts.ts';

function multisetDiff(a: string[], b: string[]): string[] {
  const rest = [...b];
  const out: string[] = [];
  for (const x of a) {
    const i = rest.indexOf(x);
    if (i >= 0) rest.splice(i, 1);
    else out.push(x);
  }
  return out;
}

const flag = (o: Facts, n: Facts, key: 'coerce' | 'catch' | 'prefault' | 'exclusive') => [Boolean(o[key]), Boolean(n[key])] as const;

export function compareFacts(
  of: Facts | undefined,
  nf: Facts | undefined,
  standIn: [JsonSchema, JsonSchema],
  path: string,
  ctx: CompareContext,
): Change[] {
  const [o, n] = [of ?? {}, nf ?? {}];
  const changes: Change[] = [];
  const removed = multisetDiff(o.refinements ?? [], n.refinements ?? []);
  const added = multisetDiff(n.refinements ?? [], o.refinements ?? []);
  if (removed.length && added.length) changes.push({ rule: 'refinement-changed', path, message: 'a custom check (.refine, .superRefine, .check) changed' });
  else if (added.length) changes.push({ rule: 'refinement-added', path, message: `${added.length} new custom check${added.length > 1 ? 's' : ''}: values it rejects are refused` });
  else if (removed.length) changes.push({ rule: 'refinement-removed', path, message: `${removed.length} custom check${removed.length > 1 ? 's' : ''} removed` });
  if (!sameValue(o.transforms ?? [], n.transforms ?? [])) {
    const [a, b] = [o.transforms?.length ?? 0, n.transforms?.length ?? 0];
    const what = a === 0 ? 'a transform was added' : b === 0 ? 'a transform was removed' : 'a transform changed';
    changes.push({ rule: 'transform-changed', path, message: `${what}: the value is rewritten differently` });
  }
  const [oc, nc] = flag(o, n, 'coerce');
  if (oc && !nc) changes.push({ rule: 'coerce-removed', path, message: 'no longer coerced: values of other types are rejected' });
  if (!oc && nc) changes.push({ rule: 'coerce-added', path, message: 'now coerced from other types' });
  const [oh, nh] = flag(o, n, 'catch');
  if (oh && !nh) changes.push({ rule: 'catch-removed', path, message: 'no .catch() any more: invalid values are rejected instead of replaced' });
  if (!oh && nh) changes.push({ rule: 'catch-added', path, message: 'invalid values are now replaced by the .catch() value' });
  const [op, np] = flag(o, n, 'prefault');
  if (op !== np) changes.push({ rule: 'default-changed', path, message: np ? '.default() → .prefault(): the default is now parsed' : '.prefault() → .default()' });
  const [ox, nx] = flag(o, n, 'exclusive');
  if (!ox && nx) changes.push({ rule: 'constraint-tightened', path, message: 'the union became exclusive (z.xor): a value matching two variants is rejected' });
  if (ox && !nx) changes.push({ rule: 'constraint-loosened', path, message: 'the union is no longer exclusive' });
  if (!sameValue([...(o.opaque ?? [])].sort(), [...(n.opaque ?? [])].sort())) {
    changes.push({ rule: 'schema-changed', path, message: 'a construct the checker cannot compare changed; assume it breaks clients' });
  }
  const [opipes, npipes] = [o.pipes ?? [], n.pipes ?? []];
  for (let i = 0; i < Math.max(opipes.length, npipes.length); i++) {
    const a = opipes[i] ?? standIn[0];
    const b = npipes[i] ?? standIn[1];
    if (typeof a === 'string' || typeof b === 'string') {
      if (!sameValue(a, b)) changes.push({ rule: 'schema-changed', path, message: 'a .pipe() into a schema the checker cannot compare changed' });
    } else {
      changes.push(...ctx.node(a, b, path));
    }
  }
  return changes;
}
