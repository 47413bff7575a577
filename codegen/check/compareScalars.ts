/**
 * Booleans, numbers and strings: enum and literal values, bounds, lengths, pattern and format.
 *
 * Formats are compared by name and options, and patterns by a conservative inclusion test
 * (formats.ts, regexInclusion.ts); zod derives a pattern from each format, which is not compared
 * on its own. Undecidable on purpose, and reported as `constraint-changed` (breaking in both
 * directions): two patterns outside the inclusion test's subset (JavaScript's regexes have
 * lookaround and backreferences), two unrelated formats, and two `multipleOf`s neither of which
 * divides the other.
 */
import type { Change } from './comparison.ts';
import { accepts, isMultiple, sameValue, type Branch } from './expand.ts';
import { compareFormats } from './formats.ts';
import type { Format } from './zodFacts.ts';

const show = (values: unknown[]) => values.map((v) => JSON.stringify(v)).join(', ');

/**
 * Enum and literal values. A branch without values stands for every value its keywords allow
 * (for a boolean: both). `decided` tells the caller that values settled the comparison, so
 * bounds and lengths need not be compared.
 */
export function compareValues(o: Branch, n: Branch, path: string): { changes: Change[]; decided: boolean } {
  const ov = o.values ?? (o.type === 'boolean' ? [false, true] : undefined);
  const nv = n.values ?? (n.type === 'boolean' ? [false, true] : undefined);
  const changes: Change[] = [];
  if (ov && nv) {
    const removed = ov.filter((v) => !nv.some((w) => sameValue(v, w)));
    const added = nv.filter((v) => !ov.some((w) => sameValue(v, w)));
    if (removed.length) changes.push({ rule: 'enum-value-removed', path, message: `value ${show(removed)} no longer allowed` });
    if (added.length && o.open) changes.push({ rule: 'open-enum-value-added', path, message: `value ${show(added)} now allowed: old SDKs hold it as their unknown value` });
    else if (added.length) changes.push({ rule: 'enum-value-added', path, message: `value ${show(added)} now allowed: an old SDK's type cannot hold it` });
    if (o.values && n.values && !o.open && n.open) changes.push({ rule: 'enum-opened', path, message: 'declared open: SDKs built before have no unknown value' });
    if (o.values && n.values && o.open && !n.open) changes.push({ rule: 'enum-closed', path, message: 'no longer open: no more values will be added' });
  } else if (ov) {
    changes.push({ rule: 'enum-relaxed', path, message: `was one of ${show(ov)}, now any ${n.type}${n.integer ? ' (integer)' : ''}` });
    const rejected = ov.filter((v) => accepts(n, v) !== true);
    if (rejected.length) changes.push({ rule: 'enum-value-removed', path, message: `value ${show(rejected)} no longer allowed` });
  } else if (nv) {
    changes.push({ rule: 'enum-restricted', path, message: `any ${o.type} → only ${show(nv)}` });
    const fresh = nv.filter((v) => accepts(o, v) !== true);
    if (fresh.length) changes.push({ rule: 'enum-value-added', path, message: `value ${show(fresh)} was not allowed before` });
  }
  return { changes, decided: ov !== undefined || nv !== undefined };
}

interface Bound {
  value: number;
  exclusive: boolean;
}

const SAFE = Number.MAX_SAFE_INTEGER;

/** The effective lower (`side` -1) or upper (+1) bound of a number branch. */
function bound(b: Branch, side: -1 | 1, clamp: boolean): Bound {
  const s = b.schema as Record<string, number | undefined>;
  const inclusive = side < 0 ? s.minimum : s.maximum;
  const exclusive = side < 0 ? s.exclusiveMinimum : s.exclusiveMaximum;
  let result: Bound = { value: side * Infinity, exclusive: false };
  const tighter = (a: Bound, c: Bound) => (side < 0 ? c.value > a.value : c.value < a.value) || (c.value === a.value && c.exclusive);
  if (inclusive !== undefined && tighter(result, { value: inclusive, exclusive: false })) result = { value: inclusive, exclusive: false };
  if (exclusive !== undefined && tighter(result, { value: exclusive, exclusive: true })) result = { value: exclusive, exclusive: true };
  if (b.integer && Number.isFinite(result.value)) {
    // Over the integers, > 0 is ≥ 1: compare inclusive integer bounds.
    const v = result.value;
    result = { value: side < 0 ? (result.exclusive ? Math.floor(v) + 1 : Math.ceil(v)) : result.exclusive ? Math.ceil(v) - 1 : Math.floor(v), exclusive: false };
  }
  // zod's integers are safe integers: z.int() writes ±(2^53 - 1) bounds that say nothing new.
  if (clamp && side * result.value > SAFE) result = { value: side * SAFE, exclusive: false };
  return result;
}

function describe(b: Bound, side: -1 | 1): string {
  if (!Number.isFinite(b.value) || Math.abs(b.value) === SAFE) return 'none';
  return `${side < 0 ? (b.exclusive ? '>' : '≥') : b.exclusive ? '<' : '≤'} ${b.value}`;
}

const BOUND_KEYS = new Set(['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum']);

/** An integer branch with nothing but bounds, as an inclusive [low, high]; undefined for any other. */
function integerRange(b: Branch): [number, number] | undefined {
  if (b.type !== 'number' || !b.integer || b.values || b.facts || Object.keys(b.schema).some((k) => !BOUND_KEYS.has(k))) return undefined;
  return [bound(b, -1, true).value, bound(b, 1, true).value];
}

/**
 * Integer ranges of a union that touch or overlap, merged: `[0..5] | [6..10]` is `[0..10]`, so
 * that it pairs with a single `z.int().min(0).max(10)`.
 */
export function mergeIntegerRanges(branches: Branch[]): Branch[] {
  const ranges: [number, number][] = [];
  const rest: Branch[] = [];
  for (const b of branches) {
    const range = integerRange(b);
    if (range) ranges.push(range);
    else rest.push(b);
  }
  if (ranges.length < 2) return branches;
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [lo, hi] of ranges) {
    const last = merged[merged.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else merged.push([lo, hi]);
  }
  if (merged.length === ranges.length) return branches;
  return [...merged.map(([minimum, maximum]): Branch => ({ type: 'number', integer: true, schema: { minimum, maximum } })), ...rest];
}

export function compareNumbers(o: Branch, n: Branch, path: string): Change[] {
  const changes: Change[] = [];
  if (o.integer && !n.integer) changes.push({ rule: 'type-widened', path, message: 'integer → number: fractions now allowed' });
  if (!o.integer && n.integer) changes.push({ rule: 'type-narrowed', path, message: 'number → integer: fractions no longer accepted' });
  const values = compareValues(o, n, path);
  changes.push(...values.changes);
  if (values.decided) return changes;
  const clamp = o.integer || n.integer;
  for (const side of [-1, 1] as const) {
    const a = bound(o, side, clamp);
    const c = bound(n, side, clamp);
    if (a.value === c.value && a.exclusive === c.exclusive) continue;
    const tighter = (side < 0 ? c.value > a.value : c.value < a.value) || (c.value === a.value && c.exclusive);
    const what = side < 0 ? 'lower bound' : 'upper bound';
    changes.push({ rule: tighter ? 'constraint-tightened' : 'constraint-loosened', path, message: `${what} ${describe(a, side)} → ${describe(c, side)}` });
  }
  const om = o.schema.multipleOf as number | undefined;
  const nm = n.schema.multipleOf as number | undefined;
  if (om !== nm) {
    const rule = om === undefined || (nm !== undefined && isMultiple(nm, om)) ? 'constraint-tightened' : nm === undefined || isMultiple(om, nm) ? 'constraint-loosened' : 'constraint-changed';
    changes.push({ rule, path, message: `multipleOf ${om ?? 'none'} → ${nm ?? 'none'}` });
  }
  return changes;
}

/** Lower and upper limits of a count keyword pair (lengths, items, properties). */
export function compareCounts(o: Record<string, unknown>, n: Record<string, unknown>, min: string, max: string, path: string): Change[] {
  const changes: Change[] = [];
  const get = (s: Record<string, unknown>, key: string, fallback: number) => (typeof s[key] === 'number' ? (s[key] as number) : fallback);
  const [omin, nmin, omax, nmax] = [get(o, min, 0), get(n, min, 0), get(o, max, Infinity), get(n, max, Infinity)];
  const text = (v: number) => (Number.isFinite(v) ? String(v) : 'none');
  if (omin !== nmin) changes.push({ rule: nmin > omin ? 'constraint-tightened' : 'constraint-loosened', path, message: `${min} ${omin} → ${nmin}` });
  if (omax !== nmax) changes.push({ rule: nmax < omax ? 'constraint-tightened' : 'constraint-loosened', path, message: `${max} ${text(omax)} → ${text(nmax)}` });
  return changes;
}

/** A keyword that either holds or does not, compared by equality. */
function compareKeyword(o: Record<string, unknown>, n: Record<string, unknown>, key: string, path: string): Change[] {
  const a = o[key];
  const b = n[key];
  if (sameValue(a, b)) return [];
  const text = (v: unknown) => (v === undefined ? 'none' : JSON.stringify(v));
  const rule = a === undefined ? 'constraint-tightened' : b === undefined ? 'constraint-loosened' : 'constraint-changed';
  return [{ rule, path, message: `${key} ${text(a)} → ${text(b)}` }];
}

/**
 * A string branch's formats and patterns: zod's own account in the lock's facts (named formats
 * with their options), else what JSON Schema says (one `.regex()`, a template literal's pattern).
 */
function formatsOf(b: Branch): Format[] {
  if (b.facts?.formats) return b.facts.formats;
  const out: Format[] = [];
  if (typeof b.schema.format === 'string') out.push({ name: b.schema.format });
  if (typeof b.schema.pattern === 'string') out.push({ name: 'regex', source: b.schema.pattern });
  return out;
}

export function compareStrings(o: Branch, n: Branch, path: string): Change[] {
  const values = compareValues(o, n, path);
  if (values.decided) return values.changes;
  const changes = compareCounts(o.schema, n.schema, 'minLength', 'maxLength', path);
  changes.push(...compareFormats(formatsOf(o), formatsOf(n), path));
  changes.push(...compareKeyword(o.schema, n.schema, 'contentMediaType', path));
  return changes;
}
