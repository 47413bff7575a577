/**
 * Random edits to a grammar type (grammar.ts), the kind a contract author makes: add or remove
 * a field, toggle optional or default, change a type, add, remove or rename an enum member,
 * change a literal, add a variant or rename its tag, declare an enum, literal or tagged union
 * open or closed, tighten or loosen a bound, make something nullable, make an object strict,
 * reorder a tuple, add, change or drop a refinement, a trim, a pipe, a coercion, a catch or a
 * preprocess step, switch a format …
 */
import fc from 'fast-check';
import { FORMAT_NAMES, typeArb, type Pred, type T } from './grammar.ts';

export interface Edit {
  /** Which node of the tree (pre-order, modulo the node count). */
  target: number;
  /** Which of the operations that node allows (modulo their count). */
  op: number;
  /** A small number some operations need. */
  arg: number;
  /** A random type, for operations that put a new type in. */
  type: T;
}

export const editArb: fc.Arbitrary<Edit> = fc.record({ target: fc.nat(), op: fc.nat(), arg: fc.nat({ max: 20 }), type: typeArb });

interface Slot {
  get(): T;
  set(t: T): void;
  /** The root stays an object (params must be by-name), and so does a variant's body. */
  keepKind: boolean;
}

function slots(root: { t: T }): Slot[] {
  const out: Slot[] = [];
  const visit = (get: () => T, set: (t: T) => void, keepKind: boolean) => {
    out.push({ get, set, keepKind });
    const t = get();
    if (t.k === 'object') for (const f of t.fields) visit(() => f.type, (v) => (f.type = v), false);
    if (t.k === 'array') visit(() => t.item, (v) => (t.item = v), false);
    if (t.k === 'record') visit(() => t.value, (v) => (t.value = v), false);
    if (t.k === 'tagged') for (const v of t.variants) visit(() => v.body, (b) => (v.body = b as typeof v.body), true);
    if (t.k === 'nullable') visit(() => t.inner, (v) => (t.inner = v), false);
    if (t.k === 'tuple') t.items.forEach((_, i) => visit(() => t.items[i]!, (v) => (t.items[i] = v), false));
    if (t.k === 'union') t.options.forEach((_, i) => visit(() => t.options[i]!, (v) => (t.options[i] = v), false));
  };
  visit(() => root.t, (v) => (root.t = v), true);
  return out;
}

const WORDS = ['a', 'b', 'c', 'd', 'e'];
const BOUNDS = [undefined, -5, 0, 1, 2, 5, 10];
const pick = <X>(list: readonly X[], n: number) => list[n % list.length]!;

type Op = (t: T, e: Edit, slot: Slot) => void;

/** Operations by node kind; `any` ones apply to every non-root node. */
const OPS: Record<T['k'] | 'any', Op[]> = {
  any: [(_, e, s) => s.set(structuredClone(e.type)), (t, _, s) => s.set({ k: 'nullable', inner: t })],
  object: [
    (t, e) => {
      if (t.k !== 'object') return;
      const name = pick(['p', 'q', 'r', 's', 't', 'u'], e.arg);
      if (!t.fields.some((f) => f.name === name)) t.fields.push({ name, type: structuredClone(e.type), optional: e.arg % 2 === 0, withDefault: e.arg % 5 === 0 });
    },
    (t, e) => { if (t.k === 'object' && t.fields.length) t.fields.splice(e.arg % t.fields.length, 1); },
    (t, e) => { if (t.k === 'object' && t.fields.length) { const f = t.fields[e.arg % t.fields.length]!; f.optional = !f.optional; } },
    (t, e) => { if (t.k === 'object' && t.fields.length) { const f = t.fields[e.arg % t.fields.length]!; f.withDefault = !f.withDefault; } },
    (t) => { if (t.k === 'object') t.strict = !t.strict; },
  ],
  string: [
    (t, e) => { if (t.k === 'string') t.min = pick([undefined, 0, 1, 2, 3], e.arg); },
    (t, e) => { if (t.k === 'string') t.max = pick([undefined, 1, 3, 6], e.arg); },
    (t, e) => { if (t.k === 'string') t.pattern = pick([undefined, 'lower', 'abc'] as const, e.arg); },
    (t) => { if (t.k === 'string') t.trim = !t.trim; },
    (t, e) => { if (t.k === 'string') t.pipeMin = pick([undefined, 1, 2, 3], e.arg); },
  ],
  format: [(t, e) => { if (t.k === 'format') t.name = pick(FORMAT_NAMES, e.arg); }],
  number: [
    (t) => { if (t.k === 'number') t.int = !t.int; },
    (t, e) => { if (t.k === 'number') t.min = pick(BOUNDS, e.arg); },
    (t, e) => { if (t.k === 'number') t.max = pick(BOUNDS, e.arg); },
    (t) => { if (t.k === 'number') t.exclusive = !t.exclusive; },
    (t) => { if (t.k === 'number') t.coerce = !t.coerce; },
    (t) => { if (t.k === 'number') t.catch = !t.catch; },
    (t) => { if (t.k === 'number') t.preprocess = !t.preprocess; },
  ],
  boolean: [],
  enum: [
    (t, e) => { if (t.k === 'enum' && !t.values.includes(pick(WORDS, e.arg))) t.values.push(pick(WORDS, e.arg)); },
    (t, e) => { if (t.k === 'enum' && t.values.length > 1) t.values.splice(e.arg % t.values.length, 1); },
    (t, e) => { if (t.k === 'enum' && !t.values.includes(pick(WORDS, e.arg))) t.values[e.arg % t.values.length] = pick(WORDS, e.arg); },
    (t) => { if (t.k === 'enum') t.open = !t.open; },
  ],
  literal: [
    (t, e) => { if (t.k === 'literal') t.value = pick(WORDS, e.arg); },
    (t) => { if (t.k === 'literal') t.open = !t.open; },
  ],
  array: [
    (t, e) => { if (t.k === 'array') t.min = pick([undefined, 0, 1, 2], e.arg); },
    (t, e) => { if (t.k === 'array') t.max = pick([undefined, 1, 2, 3], e.arg); },
  ],
  tuple: [
    (t, e) => { if (t.k === 'tuple') t.items.push(structuredClone(e.type)); },
    (t) => { if (t.k === 'tuple' && t.items.length > 1) t.items.pop(); },
    (t) => { if (t.k === 'tuple' && t.items.length > 1) t.items.reverse(); },
  ],
  record: [],
  tagged: [
    (t, e) => {
      const tag = pick(WORDS, e.arg);
      if (t.k === 'tagged' && !t.variants.some((v) => v.tag === tag)) t.variants.push({ tag, body: e.type.k === 'object' ? structuredClone(e.type) : { k: 'object', fields: [], strict: false } });
    },
    (t, e) => { if (t.k === 'tagged' && t.variants.length > 1) t.variants.splice(e.arg % t.variants.length, 1); },
    (t, e) => {
      const tag = pick(WORDS, e.arg);
      if (t.k === 'tagged' && !t.variants.some((v) => v.tag === tag)) t.variants[e.arg % t.variants.length]!.tag = tag;
    },
    (t) => { if (t.k === 'tagged') t.open = !t.open; },
  ],
  nullable: [(t, _, s) => { if (t.k === 'nullable') s.set(t.inner); }],
  union: [
    (t, e) => { if (t.k === 'union') t.options.push(structuredClone(e.type)); },
    (t, e) => { if (t.k === 'union' && t.options.length > 2) t.options.splice(e.arg % t.options.length, 1); },
  ],
};

/** Sets, changes or drops the refinement of any node, the root included. */
const REFINE: Op = (t, e) => { t.refine = pick([undefined, 'noSpace', 'noX'] as (Pred | undefined)[], e.arg); };

/** Keeps every type inhabited after an edit: min ≤ max, an exclusive range with room inside, a pipe within the maximum. */
function repair(t: T): void {
  if ((t.k === 'string' || t.k === 'number' || t.k === 'array') && t.min !== undefined && t.max !== undefined && t.min > t.max) {
    [t.min, t.max] = [t.max, t.min];
  }
  if (t.k === 'string' && t.pipeMin !== undefined && t.max !== undefined && t.pipeMin > t.max) t.pipeMin = t.max;
  // A format's values are fixed: no refinement there.
  if (t.k === 'format') delete t.refine;
  if (t.k === 'number' && t.exclusive && t.min !== undefined && t.max !== undefined && t.max - t.min < 2) t.exclusive = false;
  if (t.k === 'object') t.fields.forEach((f) => repair(f.type));
  if (t.k === 'array') repair(t.item);
  if (t.k === 'record') repair(t.value);
  if (t.k === 'tagged') t.variants.forEach((v) => { v.body.fields = v.body.fields.filter((f) => f.name !== 'kind'); repair(v.body); });
  if (t.k === 'nullable') repair(t.inner);
  if (t.k === 'tuple') t.items.forEach(repair);
  if (t.k === 'union') t.options.forEach(repair);
}

/** A copy of `base` with `edits` applied in order. The root stays an object. */
export function applyEdits(base: T, edits: readonly Edit[]): T {
  const holder = { t: structuredClone(base) };
  for (const edit of edits) {
    const all = slots(holder);
    const slot = all[edit.target % all.length]!;
    const t = slot.get();
    const ops = [...OPS[t.k], REFINE, ...(slot.keepKind ? [] : OPS.any)];
    if (ops.length) pick(ops, edit.op)(t, edit, slot);
    repair(holder.t);
  }
  return holder.t;
}

/** Makes a freshly generated type inhabited too. */
export function repaired(t: T): T {
  const copy = structuredClone(t);
  repair(copy);
  return copy;
}
