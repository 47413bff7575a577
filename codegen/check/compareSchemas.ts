/**
 * The schema comparison engine: old and new JSON Schema of one message in, the changes between
 * them out, each named by a schema rule and placed at the JSON path of the value it concerns
 * (`$.messages[].user`). Whether a change breaks anyone is the direction's business (rules.ts):
 * a narrowed type breaks params and is harmless in a result.
 *
 * Comparison is structural and conservative. Where a union must be matched branch by branch and
 * no discriminator pairs them, each branch is matched with the branch that yields the fewest
 * non-safe findings. Where two constructs cannot be compared (two different regular
 * expressions, two opaque schemas), the change is reported as breaking in both directions.
 */
import type { JsonSchema } from '../toJsonSchema.ts';
import { compareArrays } from './compareArrays.ts';
import { compareFacts } from './compareFacts.ts';
import { compareObjects } from './compareObjects.ts';
import type { Change, CompareContext } from './comparison.ts';
import { compareNumbers, compareStrings, compareValues, mergeIntegerRanges } from './compareScalars.ts';
import { canonical } from './lock.ts';
import { expand, resolve, sameValue, type Branch, type TypeName } from './expand.ts';
import { rule, schemaRuleId, type Direction } from './rules.ts';

/** Changes from `oldSchema` to `newSchema`, both whole message schemas, in `direction`. */
export function compareSchemas(oldSchema: JsonSchema, newSchema: JsonSchema, direction: Direction): Change[] {
  const ctx: CompareContext = {
    direction,
    oldRoot: oldSchema,
    newRoot: newSchema,
    active: new Set(),
    node: (o, n, path) => compareNode(o, n, path, ctx),
  };
  // Entering through `#` marks the root as a ref, so a recursive schema is not compared twice.
  const changes = ctx.node({ $ref: '#' }, { $ref: '#' }, '$').filter((change) => schemaRuleId(change.rule, direction) !== undefined);
  // Facts of a node that wraps a union (z.string().nullable().refine(…)) reach each of its branches: report them once.
  const seen = new Set<string>();
  return changes.filter((c) => {
    const key = `${c.rule}\u0000${c.path}\u0000${c.message}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

/** A branch as a schema of its own, standing in for a pipe's other side where a node has no pipe. */
function standIn(b: Branch | undefined): JsonSchema {
  if (!b) return {};
  return { ...b.schema, type: b.integer ? 'integer' : b.type, ...(b.values ? { enum: b.values } : {}) };
}

const TYPE_LABEL: Record<TypeName, string> = { null: 'null', boolean: 'boolean', number: 'number', string: 'string', array: 'array', object: 'object' };

function label(branches: Branch[]): string {
  return [...new Set(branches.map((b) => (b.integer ? 'integer' : TYPE_LABEL[b.type])))].join(' | ') || 'nothing';
}

function compareNode(o: JsonSchema, n: JsonSchema, path: string, ctx: CompareContext): Change[] {
  const out: Change[] = [];
  if ('default' in o && 'default' in n && !sameValue(o.default, n.default)) {
    out.push({ rule: 'default-changed', path, message: `default ${JSON.stringify(o.default)} → ${JSON.stringify(n.default)}: clients that omit it get another value` });
  }
  const eo = expand(o, ctx.oldRoot);
  const en = expand(n, ctx.newRoot);
  if (eo.kind === 'opaque' || en.kind === 'opaque') {
    const text = (s: JsonSchema, root: JsonSchema) => JSON.stringify(canonical(resolve(s, root)?.schema ?? s));
    if (text(o, ctx.oldRoot) !== text(n, ctx.newRoot)) {
      out.push({ rule: 'schema-changed', path, message: 'a construct the checker cannot compare changed; assume it breaks clients' });
    }
    return out;
  }
  if (eo.kind === 'any' || en.kind === 'any') {
    if (eo.kind === 'any' && en.kind !== 'any') out.push({ rule: 'type-narrowed', path, message: `any value → ${label(en.branches)}` });
    if (en.kind === 'any' && eo.kind !== 'any') out.push({ rule: 'type-widened', path, message: `${label(eo.branches)} → any value` });
    // Facts shared by every branch (those of a wrapping node) are compared with the other side's.
    const facts = (e: typeof eo) => (e.kind === 'any' ? e.facts : e.branches.length === 1 ? e.branches[0]!.facts : undefined);
    const one = (e: typeof eo) => (e.kind === 'union' && e.branches.length === 1 ? standIn(e.branches[0]) : {});
    out.push(...compareFacts(facts(eo), facts(en), [one(eo), one(en)], path, ctx));
    return out;
  }
  const group = (branches: Branch[]) => {
    const map = new Map<TypeName, Branch[]>();
    for (const b of branches) map.set(b.type, [...(map.get(b.type) ?? []), b]);
    return map;
  };
  const og = group(eo.branches);
  const ng = group(en.branches);
  // Null is "nullable" next to another type; alone (z.null() → z.object()) it is a type like any other.
  const anyOther = [...og.keys(), ...ng.keys()].some((t) => t !== 'null');
  const [ob, nb] = [og.size > (og.has('null') ? 1 : 0), ng.size > (ng.has('null') ? 1 : 0)];
  const nullIsType = !(ob && nb) && anyOther;
  if (!nullIsType && og.has('null') && !ng.has('null')) out.push({ rule: 'nullable-removed', path, message: 'null is no longer allowed' });
  if (!nullIsType && !og.has('null') && ng.has('null')) out.push({ rule: 'nullable-added', path, message: 'null is now allowed' });
  const counts = (t: TypeName) => t !== 'null' || nullIsType;
  const gone = [...og.keys()].filter((t) => counts(t) && !ng.has(t));
  const added = [...ng.keys()].filter((t) => counts(t) && !og.has(t));
  const shown = (branches: Branch[]) => branches.filter((b) => counts(b.type));
  if (gone.length > 0 && added.length > 0) {
    out.push({ rule: 'type-changed', path, message: `type ${label(shown(eo.branches))} → ${label(shown(en.branches))}` });
  } else if (gone.length > 0) {
    out.push({ rule: 'type-narrowed', path, message: `${gone.join(', ')} no longer accepted (${label(eo.branches)} → ${label(en.branches)})` });
  } else if (added.length > 0) {
    out.push({ rule: 'type-widened', path, message: `${added.join(', ')} now allowed (${label(eo.branches)} → ${label(en.branches)})` });
  }
  for (const [type, olds] of og) {
    const news = ng.get(type);
    if (news) out.push(...compareGroup(olds, news, path, ctx));
  }
  return out;
}

/** Weight of a list of changes in this direction: breaking first, then dangerous, then count. */
function cost(changes: Change[], direction: Direction): number {
  let total = 0;
  for (const change of changes) {
    const id = schemaRuleId(change.rule, direction);
    if (!id) continue;
    const severity = rule(id).severity;
    total += severity === 'breaking' ? 1_000_000 : severity === 'dangerous' ? 1_000 : 1;
  }
  return total;
}

/** Compares the branches of one JSON type (several when a union has two object variants). */
function compareGroup(olds: Branch[], news: Branch[], path: string, ctx: CompareContext): Change[] {
  if (olds[0]!.type === 'number') [olds, news] = [mergeIntegerRanges(olds), mergeIntegerRanges(news)];
  // One branch each compares directly, unless a one-variant union was opened or closed.
  if (olds.length === 1 && news.length === 1 && Boolean(olds[0]!.open) === Boolean(news[0]!.open)) return compareBranch(olds[0]!, news[0]!, path, ctx);
  const discriminated = olds[0]!.type === 'object' ? pairByDiscriminator(olds, news, path, ctx) : undefined;
  if (discriminated) return discriminated;
  // Each branch on the side that must be covered finds its best partner on the other side.
  const input = ctx.direction === 'input';
  const [covered, covering] = input ? [olds, news] : [news, olds];
  const out: Change[] = [];
  const used = new Set<Branch>();
  for (const branch of covered) {
    let best: { partner: Branch; changes: Change[]; cost: number } | undefined;
    for (const partner of covering) {
      const changes = input ? compareBranch(branch, partner, path, ctx) : compareBranch(partner, branch, path, ctx);
      const weight = cost(changes, ctx.direction);
      if (!best || weight < best.cost) best = { partner, changes, cost: weight };
    }
    used.add(best!.partner);
    out.push(...best!.changes);
  }
  for (const partner of covering) {
    if (used.has(partner)) continue;
    out.push(input ? { rule: 'variant-added', path, message: `a new ${partner.type} variant is accepted` } : { rule: 'variant-removed', path, message: `a ${partner.type} variant is no longer sent` });
  }
  return out;
}

/** The single value of a required const/enum-of-one property, per object branch. */
function discriminatorValues(branches: Branch[], name: string, root: JsonSchema): string[] | undefined {
  const values: string[] = [];
  for (const b of branches) {
    const prop = (b.schema.properties as Record<string, JsonSchema> | undefined)?.[name];
    if (!prop || !(b.schema.required as string[] | undefined)?.includes(name)) return undefined;
    const e = expand(prop, root);
    if (e.kind !== 'union' || e.branches.length !== 1 || e.branches[0]!.values?.length !== 1) return undefined;
    values.push(JSON.stringify(e.branches[0]!.values[0]));
  }
  return new Set(values).size === values.length ? values : undefined;
}

/** Pairs the variants of a discriminated union by their tag, e.g. `kind: "circle"`. */
function pairByDiscriminator(olds: Branch[], news: Branch[], path: string, ctx: CompareContext): Change[] | undefined {
  const names = Object.keys((olds[0]!.schema.properties as object | undefined) ?? {});
  for (const name of names) {
    const ov = discriminatorValues(olds, name, ctx.oldRoot);
    const nv = discriminatorValues(news, name, ctx.newRoot);
    if (!ov || !nv) continue;
    const out: Change[] = [];
    const at = (tag: string) => `${path}[?(@.${name}==${tag})]`;
    // An open union marks every one of its branches open.
    const [wasOpen, isOpen] = [olds.every((b) => b.open), news.every((b) => b.open)];
    if (!wasOpen && isOpen) out.push({ rule: 'union-opened', path, message: 'declared open: SDKs built before have no unknown variant' });
    if (wasOpen && !isOpen) out.push({ rule: 'union-closed', path, message: 'no longer open: no more variants will be added' });
    ov.forEach((tag, i) => {
      const j = nv.indexOf(tag);
      if (j < 0) out.push({ rule: 'variant-removed', path: at(tag), message: `variant ${name}=${tag} removed` });
      else out.push(...compareBranch(olds[i]!, news[j]!, at(tag), ctx));
    });
    for (const tag of nv) {
      if (ov.includes(tag)) continue;
      if (wasOpen) out.push({ rule: 'open-variant-added', path: at(tag), message: `variant ${name}=${tag} added: old SDKs hold it as their unknown variant` });
      else out.push({ rule: 'variant-added', path: at(tag), message: `variant ${name}=${tag} added: an old SDK's type cannot hold it` });
    }
    return out;
  }
  return undefined;
}

function compareBranch(o: Branch, n: Branch, path: string, ctx: CompareContext): Change[] {
  const key = o.ref !== undefined && n.ref !== undefined ? `${o.ref}\u0000${n.ref}` : undefined;
  if (key !== undefined) {
    if (ctx.active.has(key)) return [];
    ctx.active.add(key);
  }
  try {
    const facts = compareFacts(o.facts, n.facts, [standIn(o), standIn(n)], path, ctx);
    switch (o.type) {
      case 'null':
        return facts;
      case 'boolean':
        return [...compareValues(o, n, path).changes, ...facts];
      case 'number':
        return [...compareNumbers(o, n, path), ...facts];
      case 'string':
        return [...compareStrings(o, n, path), ...facts];
      case 'array':
        return [...compareArrays(o.schema, n.schema, path, ctx), ...facts];
      case 'object':
        return [...compareObjects(o.schema, n.schema, path, ctx), ...facts];
      default:
        return facts;
    }
  } finally {
    if (key !== undefined) ctx.active.delete(key);
  }
}
