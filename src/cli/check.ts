/**
 * `warren check`: compares the current contracts with a baseline lock and fails on breaking
 * changes, the way `buf breaking` does for protobuf.
 *
 *   warren check --service <module> [--lock <file>] [--against <git-ref>] [--update] [--locked]
 *                [--json] [--allow-removal-without-deprecation]
 *
 * Exit codes: 0 compatible (or every breaking finding allowed by a major version bump),
 * 1 breaking changes, a stale lock under `--locked`, or contracts JSON Schema cannot describe,
 * 2 usage errors (no lock file, unreadable git ref, malformed lock, bad arguments, a service
 * module that cannot be loaded).
 *
 * With `--json`, stdout holds exactly one JSON document whatever happens: the report, or
 * `{ ok: false, error: { kind, message, exitCode, … } }` (CheckErrorDocument).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { CodegenError } from '../../codegen/CodegenError.ts';
import { buildLock, buildReport, checkLocks, formatReport, parseLock, serializeLock, type Lock } from '../../codegen/check/index.ts';
import { loadService, UsageError } from './loadService.ts';

export const CHECK_USAGE = `Usage: warren check --service <module> [--lock <file>] [--against <git-ref>] [--update] [--locked] [--json]

Compares the contracts with a baseline lock and exits 1 when a change breaks existing clients,
unless the contract's major version went up.

Options:
  --service <module>     module exporting "contracts"
  --lock <file>          the lock file (default: contracts.lock.json)
  --against <git-ref>    take the baseline from the lock file as committed at <git-ref> (git show)
  --update               write the lock file from the current contracts (after reporting the changes)
  --locked               also exit 1 when the lock file is not up to date with the contracts
  --json                 print one JSON document instead of a table
  --allow-removal-without-deprecation
                         removing a method or event the baseline did not deprecate is dangerous, not breaking
  -h, --help             show this help`;

/** What went wrong, for tools reading `--json`. */
export type CheckErrorKind = 'usage' | 'service' | 'lock' | 'contract' | 'internal';

/** The one document `--json` prints when there is no report. */
export interface CheckErrorDocument {
  ok: false;
  error: {
    kind: CheckErrorKind;
    message: string;
    /** The exit code, 1 or 2. */
    exitCode: number;
    /** For `contract`: where codegen refused the contract. */
    service?: string;
    subject?: string;
    path?: string;
  };
}

/** A usage error at a known step: loading the service module, or reading the baseline lock. */
class CheckError extends UsageError {
  constructor(
    readonly kind: 'service' | 'lock',
    message: string,
  ) {
    super(message);
  }
}

function errorDocument(err: unknown): CheckErrorDocument {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof CheckError) return { ok: false, error: { kind: err.kind, message, exitCode: 2 } };
  if (err instanceof UsageError || (err as { code?: string }).code?.startsWith?.('ERR_PARSE_ARGS')) {
    return { ok: false, error: { kind: 'usage', message, exitCode: 2 } };
  }
  if (err instanceof CodegenError) {
    const where = { service: err.service, subject: err.messageName, path: err.path };
    const located = Object.fromEntries(Object.entries(where).filter(([, v]) => v !== undefined));
    return { ok: false, error: { kind: 'contract', message, exitCode: 1, ...located } };
  }
  return { ok: false, error: { kind: 'internal', message, exitCode: 1 } };
}

/** The default lock file, relative to the working directory. */
export const DEFAULT_LOCK = 'contracts.lock.json';

/** A path as the user would type it: relative inside the working directory, absolute outside. */
function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') ? path : rel;
}

function readBaseline(lockFile: string, against: string | undefined): { lock: Lock; source: string; text: string } | undefined {
  if (against !== undefined) {
    const path = relative(process.cwd(), lockFile).split(sep).join('/');
    const source = `${against}:${path}`;
    let text: string;
    try {
      // `./` makes git read the path relative to the working directory, not the repository root.
      text = execFileSync('git', ['show', `${against}:./${path}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim();
      throw new CheckError('lock', `cannot read ${source}: ${stderr || (err as Error).message}`);
    }
    return { lock: parse(text, source), source, text };
  }
  if (!existsSync(lockFile)) return undefined;
  const text = readFileSync(lockFile, 'utf8');
  return { lock: parse(text, display(lockFile)), source: display(lockFile), text };
}

function parse(text: string, source: string): Lock {
  try {
    return parseLock(text, source);
  } catch (err) {
    throw new CheckError('lock', (err as Error).message);
  }
}

/**
 * Runs `warren check` with its arguments (after the word `check`); resolves with the exit code.
 * Without `--json`, errors are thrown for the `warren` command to print; with it, they become
 * the one JSON document on stdout.
 */
export async function runCheck(argv: string[]): Promise<number> {
  if (!argv.includes('--json')) return check(argv, false);
  try {
    return await check(argv, true);
  } catch (err) {
    const doc = errorDocument(err);
    console.log(JSON.stringify(doc, null, 2));
    return doc.error.exitCode;
  }
}

async function check(argv: string[], json: boolean): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      service: { type: 'string' },
      lock: { type: 'string' },
      against: { type: 'string' },
      update: { type: 'boolean' },
      locked: { type: 'boolean' },
      json: { type: 'boolean' },
      'allow-removal-without-deprecation': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(json ? JSON.stringify({ ok: true, usage: CHECK_USAGE }, null, 2) : CHECK_USAGE);
    return 0;
  }
  if (!values.service) throw new UsageError(`--service <module> is required\n\n${CHECK_USAGE}`);
  const lockFile = resolve(values.lock ?? DEFAULT_LOCK);
  const { contracts } = await loadService(values.service, false).catch((err: unknown) => {
    throw err instanceof UsageError ? new CheckError('service', err.message) : err;
  });
  let current: Lock;
  try {
    current = buildLock(contracts);
  } catch (err) {
    if (!(err instanceof CodegenError) || json) throw err;
    console.error(`warren check: ${err.message}`);
    return 1;
  }
  const text = serializeLock(current);
  let baseline: ReturnType<typeof readBaseline>;
  try {
    baseline = readBaseline(lockFile, values.against);
  } catch (err) {
    // --update rewrites a local lock it cannot read (one of an older format, say) instead of failing on it.
    if (!(err instanceof UsageError) || !values.update || values.against !== undefined) throw err;
    console.error(`warren check: ${err.message}; replacing it`);
    baseline = undefined;
  }
  if (!baseline && !values.update) {
    throw new CheckError('lock', `no lock file at ${lockFile}: create it with \`warren check --service ${values.service} --update\` and commit it`);
  }
  const findings = baseline ? checkLocks(baseline.lock, current, { allowRemovalWithoutDeprecation: values['allow-removal-without-deprecation'] ?? false }) : [];
  const local = values.against === undefined ? baseline?.text : existsSync(lockFile) ? readFileSync(lockFile, 'utf8') : undefined;
  const report = buildReport(baseline?.source ?? '(no lock yet)', findings, local === text);
  if (values.locked && !report.lockUpToDate) report.ok = false;
  if (values.update) {
    writeFileSync(lockFile, text);
    report.ok = true;
    report.lockUpToDate = true;
  }
  if (json) console.log(JSON.stringify(report, null, 2));
  else process.stdout.write(formatReport(report));
  if (values.update && !json) console.log(`warren check: wrote ${display(lockFile)}`);
  return report.ok ? 0 : 1;
}
