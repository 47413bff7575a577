/**
 * Fingerprints: a short, stable hash of something the lock cannot describe structurally — a
 * refinement's function, a transform, a zod definition of a kind the checker has no model for.
 *
 * A function is known by its source text (`fn.toString()`), so any edit to its body changes the
 * fingerprint, whitespace included, while what it closes over does not (`.normalize(form)`
 * reads `form` from a closure, and `.superRefine`'s own function sits in one).
 */
import { createHash } from 'node:crypto';

/** A deterministic text of `value`: functions by source, regexes by source and flags, zod schemas by their definition. */
export function describeValue(value: unknown, seen: Set<unknown> = new Set()): string {
  // A recursive zod schema builds its children anew on each access: stop at a fixed depth.
  if (seen.size > 24) return '<deep>';
  if (typeof value === 'function') return `fn:${value.toString()}`;
  if (value instanceof RegExp) return `re:/${value.source}/${value.flags}`;
  if (value === undefined) return 'undefined';
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol') return value.toString();
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (seen.has(value)) return '<cycle>';
  seen.add(value);
  try {
    const zod = (value as { _zod?: { def?: object } })._zod;
    if (zod?.def) return `zod:${describeValue(zod.def, seen)}`;
    if (Array.isArray(value)) return `[${value.map((item) => describeValue(item, seen)).join(',')}]`;
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${describeValue((value as Record<string, unknown>)[k], seen)}`).join(',')}}`;
  } finally {
    seen.delete(value);
  }
}

/** `kind:` and 16 hex digits of the SHA-256 of `value`'s description. */
export function fingerprint(kind: string, value: unknown): string {
  return `${kind}:${createHash('sha256').update(describeValue(value)).digest('hex').slice(0, 16)}`;
}
