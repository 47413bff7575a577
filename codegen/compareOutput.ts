/** Comparing freshly generated output with a committed copy, for `warren codegen --check`. */

export interface Difference {
  path: string;
  /** stale: both have it, contents differ; missing: not committed; extra: committed but no longer generated. */
  kind: 'stale' | 'missing' | 'extra';
  /** For a stale file: where it differs, as a few -/+ lines. */
  detail?: string;
}

const SHOWN = 4;

/** The changed region of two texts: the lines between their common first and last lines. */
export function diffSummary(committed: string, fresh: string): string {
  const a = committed.split('\n');
  const b = fresh.split('\n');
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const removed = a.slice(start, endA);
  const added = b.slice(start, endB);
  const show = (lines: string[], sign: string) => [
    ...lines.slice(0, SHOWN).map((line) => `    ${sign} ${line}`),
    ...(lines.length > SHOWN ? [`    ${sign} … ${lines.length - SHOWN} more line(s)`] : []),
  ];
  return [`  line ${start + 1}: ${removed.length} committed line(s) differ from ${added.length} generated`, ...show(removed, '-'), ...show(added, '+')].join('\n');
}

/** Differences between the committed files and the freshly generated ones, sorted by path. */
export function compareOutput(committed: ReadonlyMap<string, string>, fresh: ReadonlyMap<string, string>): Difference[] {
  const out: Difference[] = [];
  for (const [path, content] of fresh) {
    const old = committed.get(path);
    if (old === undefined) out.push({ path, kind: 'missing' });
    else if (old !== content) out.push({ path, kind: 'stale', detail: diffSummary(old, content) });
  }
  for (const path of committed.keys()) if (!fresh.has(path)) out.push({ path, kind: 'extra' });
  return out.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

/** A report naming every differing file under `dir`, for a terminal. */
export function formatDifferences(dir: string, differences: readonly Difference[]): string {
  const what = { stale: 'stale (differs from the contracts)', missing: 'missing (generated but not committed)', extra: 'extra (committed but no longer generated)' };
  const lines = differences.flatMap((d) => [`${what[d.kind]}: ${dir}/${d.path}`, ...(d.detail ? [d.detail] : [])]);
  return `${lines.join('\n')}\n${differences.length} file(s) out of date in ${dir}: run npm run codegen and commit the result.`;
}
