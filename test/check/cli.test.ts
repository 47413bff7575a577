/**
 * `warren check` through the CLI: the example service against its committed lock (what
 * `npm run contracts:check` runs in CI), `--update`, `--json`, exit codes, the major-version
 * waiver and `--against <git-ref>`. Scratch locks and the scratch git repository live in temp
 * directories; the committed lock is only read.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT, runWarren, tempFolders } from '../helpers/cli.ts';
import { buildLock, LOCK_VERSION, serializeLock } from '../../codegen/check/index.ts';
import { contracts } from '../../schemas/index.ts';

const fixture = (name: string) => join(ROOT, 'test/check/fixtures', `${name}.ts`);

const temp = tempFolders('warren-check-');

const warren = (args: string[], cwd = ROOT) => runWarren(['check', ...args], cwd);

describe('warren check (npm run contracts:check)', () => {
  it('passes for the example service against its committed lock', async () => {
    // The contracts:check script's arguments.
    const run = await warren(['--service', 'schemas/index.ts', '--lock', 'contracts.lock.json', '--locked']);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /no changes against contracts\.lock\.json/);
  });

  it('finds the committed lock byte-identical to the contracts', () => {
    assert.equal(readFileSync(join(ROOT, 'contracts.lock.json'), 'utf8'), serializeLock(buildLock(contracts)));
  });

  it('--update writes the same bytes on every run', async () => {
    const lock = join(temp(), 'contracts.lock.json');
    const first = await warren(['--service', 'schemas/index.ts', '--lock', lock, '--update']);
    assert.equal(first.status, 0, first.stderr);
    const text = readFileSync(lock, 'utf8');
    await warren(['--service', 'schemas/index.ts', '--lock', lock, '--update']);
    assert.equal(readFileSync(lock, 'utf8'), text);
    assert.equal(text, readFileSync(join(ROOT, 'contracts.lock.json'), 'utf8'));
  });
});

describe('warren check: exit codes and output', () => {
  const dir = temp();
  const lock = join(dir, 'contracts.lock.json');
  const baseline = warren(['--service', fixture('v1'), '--lock', lock, '--update']);

  it('exits 1 on a breaking change, naming rule, subject and path', async () => {
    assert.equal((await baseline).status, 0);
    const run = await warren(['--service', fixture('v1_1'), '--lock', lock]);
    assert.equal(run.status, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /breaking\s+input\.required-field-added\s+shop\.order input\s+\$\.quantity\s+new required field "quantity"/);
    assert.match(run.stdout, /breaking\s+method\.removed\s+shop\.legacy\s+\$/);
    assert.match(run.stdout, /dangerous\s+output\.enum-value-added\s+shop\.order output\s+\$\.status/);
    assert.match(run.stdout, /FAILED/);
  });

  it('--json gives the same findings as one document', async () => {
    await baseline;
    const run = await warren(['--service', fixture('v1_1'), '--lock', lock, '--json']);
    assert.equal(run.status, 1);
    const report = JSON.parse(run.stdout);
    assert.equal(report.ok, false);
    assert.deepEqual(report.summary, { breaking: 2, dangerous: 1, safe: 0, allowed: 0 });
    assert.deepEqual(
      report.findings.map((f: { rule: string; subject: string; path: string }) => `${f.rule} ${f.subject} ${f.path}`),
      ['method.removed shop.legacy $', 'input.required-field-added shop.order $.quantity', 'output.enum-value-added shop.order $.status'],
    );
    assert.equal(report.lockUpToDate, false);
  });

  it('exits 0 when the major version went up, reporting the breaking findings as allowed', async () => {
    await baseline;
    const run = await warren(['--service', fixture('v2'), '--lock', lock, '--json']);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.ok, true);
    assert.equal(report.summary.allowed, 2);
    assert.equal(report.findings[0].rule, 'service.major-bumped');
  });

  it('--locked also fails on a lock that is behind the contracts', async () => {
    await baseline;
    assert.equal((await warren(['--service', fixture('v1'), '--lock', lock, '--locked'])).status, 0);
    const run = await warren(['--service', fixture('v2'), '--lock', lock, '--locked']);
    assert.equal(run.status, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /FAILED — the lock is out of date \(--locked\)/);
  });

  it('exits 2 without a lock file, and on a bad flag', async () => {
    const missing = await warren(['--service', fixture('v1'), '--lock', join(dir, 'nope.json')]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /no lock file/);
    assert.equal((await warren(['--service', fixture('v1'), '--frobnicate'])).status, 2);
  });
});

describe('warren check: a lock of an older format', () => {
  it('is a usage error that names the fix, and --update rewrites it', async () => {
    const lock = join(temp(), 'contracts.lock.json');
    writeFileSync(lock, '{ "lockVersion": 1, "services": {} }\n');
    const run = await warren(['--service', fixture('v1'), '--lock', lock]);
    assert.equal(run.status, 2, run.stdout + run.stderr);
    assert.match(run.stderr, /older format \(lockVersion 1; .*`warren check --update`/);
    const update = await warren(['--service', fixture('v1'), '--lock', lock, '--update']);
    assert.equal(update.status, 0, update.stdout + update.stderr);
    assert.equal(JSON.parse(readFileSync(lock, 'utf8')).lockVersion, LOCK_VERSION);
  });
});

describe('warren check --against <git-ref>', () => {
  it('reads the baseline lock as committed at the ref', async () => {
    const repo = temp();
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=warren', '-c', 'user.email=warren@example.invalid', ...args], { cwd: repo, stdio: 'pipe' });
    git('init', '-q');
    assert.equal((await warren(['--service', fixture('v1'), '--update'], repo)).status, 0);
    git('add', 'contracts.lock.json');
    git('commit', '-q', '-m', 'v1 lock');
    // The working copy moves on; the committed lock stays the baseline.
    writeFileSync(join(repo, 'contracts.lock.json'), serializeLock({ lockVersion: LOCK_VERSION, services: {} }));
    const run = await warren(['--service', fixture('v1_1'), '--against', 'HEAD', '--json'], repo);
    assert.equal(run.status, 1, run.stdout + run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.baseline, 'HEAD:contracts.lock.json');
    assert.equal(report.summary.breaking, 2);
    const bad = await warren(['--service', fixture('v1'), '--against', 'no-such-ref'], repo);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /cannot read no-such-ref:contracts\.lock\.json/);
  });
});
