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
    assert.match(run.stdout, /breaking\s+output\.enum-value-added\s+shop\.order output\s+\$\.status/);
    assert.match(run.stdout, /FAILED/);
  });

  it('prints the fix advice of each breaking finding under it', async () => {
    await baseline;
    const run = await warren(['--service', fixture('v1_1'), '--lock', lock]);
    const lines = run.stdout.split('\n');
    const at = lines.findIndex((line) => line.includes('input.required-field-added'));
    assert.ok(at >= 0, run.stdout);
    assert.match(lines[at + 1]!, /^\s+fix: make the new field optional, or give it a \.default\(\)$/);
    const enumAt = lines.findIndex((line) => line.includes('output.enum-value-added'));
    assert.match(lines[enumAt + 1]!, /^\s+fix: .*\.meta\(\{ open: true \}\)/);
  });

  it('--json gives the same findings as one document', async () => {
    await baseline;
    const run = await warren(['--service', fixture('v1_1'), '--lock', lock, '--json']);
    assert.equal(run.status, 1);
    const report = JSON.parse(run.stdout);
    assert.equal(report.ok, false);
    assert.deepEqual(report.summary, { breaking: 3, dangerous: 0, safe: 0, allowed: 0 });
    assert.deepEqual(
      report.findings.map((f: { rule: string; subject: string; path: string }) => `${f.rule} ${f.subject} ${f.path}`),
      ['method.removed shop.legacy $', 'input.required-field-added shop.order $.quantity', 'output.enum-value-added shop.order $.status'],
    );
    assert.equal(report.lockUpToDate, false);
    assert.equal(report.findings[1].advice, 'make the new field optional, or give it a .default()');
  });

  it('exits 0 when the major version went up, reporting the breaking findings as allowed', async () => {
    await baseline;
    const run = await warren(['--service', fixture('v2'), '--lock', lock, '--json']);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.ok, true);
    assert.equal(report.summary.allowed, 3);
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
    assert.equal(report.summary.breaking, 3);
    const bad = await warren(['--service', fixture('v1'), '--against', 'no-such-ref'], repo);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /cannot read no-such-ref:contracts\.lock\.json/);
  });
});

describe('warren check: the rename hint', () => {
  it('names the likely new name of a renamed method and event, against a lock read from its file', async () => {
    const lock = join(temp(), 'contracts.lock.json');
    assert.equal((await warren(['--service', fixture('chat_v1'), '--lock', lock, '--update'])).status, 0);
    const run = await warren(['--service', fixture('chat_v2'), '--lock', lock, '--json']);
    assert.equal(run.status, 1, run.stdout + run.stderr);
    const messages = Object.fromEntries(JSON.parse(run.stdout).findings.map((f: { rule: string; subject: string; message: string }) => [`${f.rule} ${f.subject}`, f.message]));
    assert.match(messages['method.removed chat.send'], /\(renamed to chat\.post\?\)/);
    assert.match(messages['event.removed chat.message'], /\(renamed to chat\.posted\?\)/);
    // A method whose shape differs gets no hint: ping stayed, so nothing else matches it.
    assert.equal(Object.keys(messages).filter((k) => k.startsWith('method.removed')).length, 1);
  });
});

describe('warren check: event delivery, against a lock read from its file', () => {
  const lock = join(temp(), 'contracts.lock.json');
  const baseline = warren(['--service', fixture('feed_replayable'), '--lock', lock, '--update']);

  it('records the delivery and retention in the lock file', async () => {
    assert.equal((await baseline).status, 0);
    const posted = JSON.parse(readFileSync(lock, 'utf8')).services.feed.events.posted;
    assert.deepEqual({ delivery: posted.delivery, retention: posted.retention }, { delivery: 'replayable', retention: { maxAge: '7D' } });
  });

  it('exits 1 when a replayable event becomes volatile, with the fix', async () => {
    await baseline;
    const run = await warren(['--service', fixture('feed_volatile'), '--lock', lock]);
    assert.equal(run.status, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /^breaking\s+event\.replayable-removed\s+feed\.posted\s+\$\s+replayable \(maxAge 7D\) → volatile: subscribers that resume after a reconnect silently lose the events they missed$/m);
    assert.match(run.stdout, /^\s+fix: keep the event replayable;/m);
    assert.match(run.stdout, /FAILED/);
  });

  it('exits 0 on a shorter retention, reporting it as dangerous', async () => {
    await baseline;
    const run = await warren(['--service', fixture('feed_shorter'), '--lock', lock, '--json']);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    const report = JSON.parse(run.stdout);
    assert.deepEqual(report.summary, { breaking: 0, dangerous: 1, safe: 0, allowed: 0 });
    assert.equal(report.findings[0].rule, 'event.retention-shortened');
    assert.equal(report.findings[0].message, 'retention maxAge 7D → maxAge 1D: less history is kept, so a subscriber away for longer misses events');
  });

  it('exits 0 when a volatile event becomes replayable', async () => {
    const volatileLock = join(temp(), 'contracts.lock.json');
    assert.equal((await warren(['--service', fixture('feed_volatile'), '--lock', volatileLock, '--update'])).status, 0);
    const run = await warren(['--service', fixture('feed_replayable'), '--lock', volatileLock, '--json']);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.deepEqual(JSON.parse(run.stdout).findings.map((f: { rule: string; severity: string }) => `${f.rule} ${f.severity}`), ['event.replayable-added safe']);
  });
});

describe('warren check --json: one JSON document on stdout, errors included', () => {
  const dir = temp();
  const lock = join(dir, 'contracts.lock.json');
  const baseline = warren(['--service', fixture('v1'), '--lock', lock, '--update']);

  /** Runs with --json and returns the parsed document: stdout must be exactly one JSON value. */
  async function document(args: string[], status: number) {
    const run = await warren([...args, '--json']);
    assert.equal(run.status, status, run.stdout + run.stderr);
    return JSON.parse(run.stdout) as { ok: boolean; error: { kind: string; message: string; exitCode: number; service?: string; subject?: string; path?: string } };
  }

  it('a contract codegen refuses: kind contract, exit 1, with where', async () => {
    const doc = await document(['--service', fixture('misplacedOpen'), '--lock', lock], 1);
    assert.equal(doc.ok, false);
    assert.deepEqual({ ...doc.error, message: undefined }, { kind: 'contract', exitCode: 1, service: 'tags', subject: 'tags.get output', path: 'tag', message: undefined });
    assert.match(doc.error.message, /open: true/);
  });

  it('a usage error: an unknown flag, and no --service', async () => {
    const flag = await document(['--service', fixture('v1'), '--lock', lock, '--frobnicate'], 2);
    assert.equal(flag.error.kind, 'usage');
    assert.match(flag.error.message, /frobnicate/);
    const service = await document(['--lock', lock], 2);
    assert.equal(service.error.kind, 'usage');
    assert.match(service.error.message, /--service <module> is required/);
  });

  it('a missing lock, and one that is not a lock', async () => {
    await baseline;
    const missing = await document(['--service', fixture('v1'), '--lock', join(dir, 'nope.json')], 2);
    assert.deepEqual([missing.error.kind, missing.error.exitCode], ['lock', 2]);
    assert.match(missing.error.message, /no lock file/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"lockVersion": 99}');
    const invalid = await document(['--service', fixture('v1'), '--lock', bad], 2);
    assert.equal(invalid.error.kind, 'lock');
    assert.match(invalid.error.message, /is not a contracts lock/);
  });

  it('a service module that fails to import, and one that does not exist', async () => {
    const failing = await document(['--service', fixture('throws'), '--lock', lock], 2);
    assert.equal(failing.error.kind, 'service');
    assert.match(failing.error.message, /failed on purpose/);
    const absent = await document(['--service', join(dir, 'nowhere.ts'), '--lock', lock], 2);
    assert.equal(absent.error.kind, 'service');
    assert.match(absent.error.message, /Service module not found/);
  });

  it('without --json the same errors go to stderr, with the same exit codes', async () => {
    const run = await warren(['--service', fixture('misplacedOpen'), '--lock', lock]);
    assert.equal(run.status, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /tags\.get output at field "tag"/);
  });
});
