/**
 * Named string formats, compared by name and options rather than by the regular expression zod
 * derives from them. A string must satisfy every format (and pattern) it carries.
 *
 * Known relations: `guid` accepts every `uuid`, and `uuid` without a version every versioned one;
 * `iso.datetime` accepts more with `offset: true`, with `local: true`, and without a fixed
 * `precision`; `iso.time` accepts more without a fixed `precision`. Patterns (`.regex()`,
 * `.startsWith()` …) go through regexInclusion.ts. Any other pair of different formats, or one
 * with different options, is not comparable.
 */
import type { Change } from './comparison.ts';
import { sameValue } from './expand.ts';
import { regexIncluded } from './regexInclusion.ts';
import type { Format } from './zodFacts.ts';


/** A date-time with seconds always has them where it carries `Z` or an offset, so minutes-only is not within "any". */
const datetimePrecisionWithin = (a: unknown, b: unknown) => a === b || (b == null && typeof a === 'number' && a >= 0);

/** Every string of format `f` is a string of format `g`. */
export function formatIncluded(f: Format, g: Format): boolean {
  if (sameValue(f, g)) return true;
  if (f.name === 'regex' && g.name === 'regex') return !f.flags && !g.flags && regexIncluded(String(f.source), String(g.source));
  if (f.name === 'uuid' && g.name === 'guid') return true;
  if (f.name === 'uuid' && g.name === 'uuid') return g.version === undefined;
  if (f.name === 'datetime' && g.name === 'datetime') {
    return (!f.offset || g.offset === true) && (!f.local || g.local === true) && datetimePrecisionWithin(f.precision, g.precision);
  }
  if (f.name === 'time' && g.name === 'time') return f.precision === g.precision || g.precision == null;
  return false;
}

export function showFormat(f: Format): string {
  if (f.name === 'regex') return `/${String(f.source)}/${f.flags ?? ''}`;
  const options = Object.entries(f).filter(([k, v]) => k !== 'name' && k !== 'pattern' && v !== undefined && v !== null && v !== false);
  return options.length ? `${f.name}(${options.map(([k, v]) => (v === true ? k : `${k}: ${JSON.stringify(v)}`)).join(', ')})` : f.name;
}

const list = (formats: Format[]) => (formats.length ? formats.map(showFormat).join(' & ') : 'none');

/** The change from one set of formats to another, as at most one finding. */
export function compareFormats(o: Format[], n: Format[], path: string): Change[] {
  // A new format that no old one implies narrows what is accepted; an old one that no new one implies widens it.
  const tighter = n.filter((g) => !o.some((f) => formatIncluded(f, g)));
  const looser = o.filter((f) => !n.some((g) => formatIncluded(g, f)));
  if (tighter.length === 0 && looser.length === 0) return [];
  const rule = tighter.length && looser.length ? 'constraint-changed' : tighter.length ? 'constraint-tightened' : 'constraint-loosened';
  return [{ rule, path, message: `format ${list(o)} → ${list(n)}` }];
}
