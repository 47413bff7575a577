/**
 * A sound, deliberately small inclusion test between two JavaScript regular expressions
 * (without flags): does every string the first matches also match the second?
 *
 * It knows patterns that are a sequence of character sets with quantifiers, e.g.
 * `^[a-z0-9-]{1,32}$`, `^a\d+$`, `^[^A-Z]*$` (a missing `^` or `$` counts as "any text" on that
 * side). Groups, alternation, lookaround, backreferences and word boundaries are outside it:
 * then the answer is false ("not provably included"), never a guess. Two sequences are
 * compared item by item (each set and repeat range within the other's), or against a single
 * item (every set within its set, the total length within its range).
 */

/** Sorted, disjoint, inclusive ranges of UTF-16 code units. */
type CharSet = [number, number][];

interface Item {
  set: CharSet;
  min: number;
  max: number;
}

const MAX = 0xffff;

function normalize(ranges: CharSet): CharSet {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: CharSet = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

function complement(set: CharSet): CharSet {
  const out: CharSet = [];
  let next = 0;
  for (const [lo, hi] of normalize(set)) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX) out.push([next, MAX]);
  return out;
}

function subset(a: CharSet, b: CharSet): boolean {
  return a.every(([lo, hi]) => b.some(([blo, bhi]) => blo <= lo && hi <= bhi));
}

const code = (c: string) => c.charCodeAt(0);
const DIGIT: CharSet = [[48, 57]];
const WORD: CharSet = normalize([[48, 57], [65, 90], [95, 95], [97, 122]]);
const SPACE: CharSet = normalize([
  [9, 13], [32, 32], [0xa0, 0xa0], [0x1680, 0x1680], [0x2000, 0x200a], [0x2028, 0x2029], [0x202f, 0x202f], [0x205f, 0x205f], [0x3000, 0x3000], [0xfeff, 0xfeff],
]);
const ANY: CharSet = [[0, MAX]];
const DOT: CharSet = complement([[10, 10], [13, 13], [0x2028, 0x2029]]);
const CLASS_ESCAPES: Record<string, CharSet> = { d: DIGIT, D: complement(DIGIT), w: WORD, W: complement(WORD), s: SPACE, S: complement(SPACE) };
const CONTROL: Record<string, number> = { n: 10, r: 13, t: 9, f: 12, v: 11, '0': 0 };

/** One escape after a backslash: a set, or undefined when it is not a plain character or class. */
function escape(c: string | undefined): CharSet | undefined {
  if (c === undefined) return undefined;
  if (c in CLASS_ESCAPES) return CLASS_ESCAPES[c];
  if (c in CONTROL) return [[CONTROL[c]!, CONTROL[c]!]];
  // \b, \B, \1 …, \u, \x, \c, \k, \p: not a plain character.
  if (/[A-Za-z0-9]/.test(c)) return undefined;
  return [[code(c), code(c)]];
}

/** Parses `[...]` starting after the `[`. @returns the set and the index after `]` */
function parseClass(source: string, start: number): [CharSet, number] | undefined {
  let i = start;
  const negate = source[i] === '^';
  if (negate) i++;
  const ranges: CharSet = [];
  // JavaScript reads `[]` as the empty set and `[^]` as any character.
  while (i < source.length && source[i] !== ']') {
    let single: number | undefined;
    if (source[i] === '\\') {
      const set = escape(source[i + 1]);
      if (!set) return undefined;
      i += 2;
      if (set.length === 1 && set[0]![0] === set[0]![1]) single = set[0]![0];
      else {
        ranges.push(...set);
        continue;
      }
    } else if (source[i] === '[') {
      return undefined; // a nested class, or the v flag's syntax
    } else {
      single = code(source[i]!);
      i++;
    }
    if (source[i] === '-' && source[i + 1] !== undefined && source[i + 1] !== ']') {
      let hi: number;
      if (source[i + 1] === '\\') {
        const set = escape(source[i + 2]);
        if (!set || set.length !== 1 || set[0]![0] !== set[0]![1]) return undefined;
        hi = set[0]![0];
        i += 3;
      } else {
        hi = code(source[i + 1]!);
        i += 2;
      }
      if (hi < single) return undefined;
      ranges.push([single, hi]);
    } else {
      ranges.push([single, single]);
    }
  }
  if (source[i] !== ']') return undefined;
  const set = normalize(ranges);
  return [negate ? complement(set) : set, i + 1];
}

/** A quantifier at `i`: [min, max, index after], or [1, 1, i] when there is none. */
function quantifier(source: string, i: number): [number, number, number] | undefined {
  const c = source[i];
  let out: [number, number, number];
  if (c === '*') out = [0, Infinity, i + 1];
  else if (c === '+') out = [1, Infinity, i + 1];
  else if (c === '?') out = [0, 1, i + 1];
  else if (c === '{') {
    const match = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
    if (!match) return undefined;
    const min = Number(match[1]);
    const max = match[2] === undefined ? min : match[3] === '' ? Infinity : Number(match[3]);
    if (max < min) return undefined;
    out = [min, max, i + match[0].length];
  } else return [1, 1, i];
  // A lazy quantifier matches the same strings.
  if (source[out[2]] === '?') out[2]++;
  return out;
}

/** The pattern as a sequence of repeated sets, or undefined outside the subset. */
export function parseSequence(source: string): Item[] | undefined {
  const items: Item[] = [];
  let i = 0;
  let end = source.length;
  if (source[0] === '^') i = 1;
  else items.push({ set: ANY, min: 0, max: Infinity });
  let anchoredEnd = false;
  if (end > i && source[end - 1] === '$' && source[end - 2] !== '\\') {
    anchoredEnd = true;
    end--;
  }
  const body = source.slice(0, end);
  while (i < end) {
    const c = body[i]!;
    let set: CharSet | undefined;
    if (c === '[') {
      const parsed = parseClass(body, i + 1);
      if (!parsed) return undefined;
      [set, i] = parsed;
    } else if (c === '\\') {
      set = escape(body[i + 1]);
      i += 2;
    } else if (c === '.') {
      set = DOT;
      i++;
    } else if ('()|*+?{}^$'.includes(c)) {
      return undefined;
    } else {
      set = [[code(c), code(c)]];
      i++;
    }
    if (!set) return undefined;
    const q = quantifier(body, i);
    if (!q) return undefined;
    const [min, max] = q;
    i = q[2];
    const last = items[items.length - 1];
    // Two repeats of one set in a row are one repeat: a{1,2}a{3} is a{4,5}.
    if (last && last.set.length === set.length && subset(last.set, set) && subset(set, last.set)) {
      last.min += min;
      last.max += max;
    } else items.push({ set, min, max });
  }
  if (!anchoredEnd) {
    const last = items[items.length - 1];
    if (last && last.set === ANY) last.max = Infinity;
    else items.push({ set: ANY, min: 0, max: Infinity });
  }
  return items;
}

/** True when every string matching `a` provably matches `b` (both regex sources, no flags). */
export function regexIncluded(a: string, b: string): boolean {
  if (a === b) return true;
  const [x, y] = [parseSequence(a), parseSequence(b)];
  if (!x || !y) return false;
  if (x.length === y.length && x.every((item, k) => subset(item.set, y[k]!.set) && item.min >= y[k]!.min && item.max <= y[k]!.max)) return true;
  if (y.length === 1) {
    const only = y[0]!;
    const total = x.reduce((sum, item) => [sum[0]! + item.min, sum[1]! + item.max], [0, 0]);
    return x.every((item) => item.max === 0 || subset(item.set, only.set)) && total[0]! >= only.min && total[1]! <= only.max;
  }
  return false;
}
