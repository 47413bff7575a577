/**
 * What `warren check` prints: an aligned table for people, or one JSON document (`--json`) for
 * tools. Both carry, per finding, the rule id, severity, subject, JSON path and explanation.
 */
import { failed, type Finding } from './checkLocks.ts';

export interface Report {
  /** False when a breaking finding is not allowed by a major version bump: the exit code is 1. */
  ok: boolean;
  /** Where the baseline came from: a file, or `<ref>:<file>`. */
  baseline: string;
  summary: { breaking: number; dangerous: number; safe: number; allowed: number };
  findings: Finding[];
  /** False when the lock file differs from the current contracts (under `--locked`, a failure). */
  lockUpToDate: boolean;
}

export function buildReport(baseline: string, findings: Finding[], lockUpToDate: boolean): Report {
  const count = (severity: Finding['severity']) => findings.filter((f) => f.severity === severity).length;
  return {
    ok: !failed(findings),
    baseline,
    summary: { breaking: count('breaking'), dangerous: count('dangerous'), safe: count('safe'), allowed: findings.filter((f) => f.allowed).length },
    findings,
    lockUpToDate,
  };
}

/**
 * The human form: one line per finding, each breaking or dangerous one followed by its rule's
 * fix advice, then a verdict line.
 */
export function formatReport(report: Report): string {
  const rows = report.findings.map((f) => [
    f.allowed ? 'breaking*' : f.severity,
    f.rule,
    f.part ? `${f.subject} ${f.part}` : f.subject,
    f.path,
    f.message,
  ]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(0, ...rows.map((r) => r[i]!.length)));
  const lines: string[] = [];
  report.findings.forEach((f, n) => {
    lines.push(rows[n]!.map((cell, i) => (i < 4 ? cell.padEnd(widths[i]!) : cell)).join('  '));
    if (f.severity !== 'safe') lines.push(`${' '.repeat(widths[0]! + 2)}fix: ${f.advice}`);
  });
  const { breaking, dangerous, safe, allowed } = report.summary;
  if (allowed > 0) lines.push(`* allowed: the contract's major version went up`);
  const tally = `${breaking} breaking${allowed ? ` (${allowed} allowed)` : ''}, ${dangerous} dangerous, ${safe} safe`;
  if (report.findings.length === 0) lines.push(`warren check: no changes against ${report.baseline}`);
  else lines.push(`warren check: ${tally} against ${report.baseline}`);
  if (failed(report.findings)) {
    lines.push('warren check: FAILED — fix the breaking changes, or bump the major version of the contract and run `warren check --update`');
  } else if (!report.lockUpToDate) {
    const verdict = report.ok ? 'the lock is out of date' : 'FAILED — the lock is out of date (--locked)';
    lines.push(`warren check: ${verdict}; record the changes with \`warren check --update\``);
  }
  return `${lines.join('\n')}\n`;
}
