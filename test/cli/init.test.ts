/**
 * `warren init` through the CLI, fast: its refusals (exit code 2, a message naming the problem,
 * nothing written) and a project made from this checkout's sources. The packed-tarball run,
 * with npm install and the project's own tests, is test/package/scaffold.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT, runWarren, tempFolders } from '../helpers/cli.ts';

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

const temp = tempFolders('warren-init-cli-');
const cli = runWarren;
const warren = (args: string[], cwd: string) => cli(['init', ...args], cwd);

describe('warren init', () => {
  it('refuses a non-empty folder with exit code 2 and writes nothing', async () => {
    const dir = join(temp(), 'taken');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'mine\n');
    const run = await warren([dir], ROOT);
    assert.equal(run.status, 2, run.stdout + run.stderr);
    assert.deepEqual(readdirSync(dir), ['notes.txt']);
    assert.match(run.stderr, /^warren: .*taken is not empty \(1 entry\): warren init only writes into a new or empty folder/);
  });

  it('without a folder exits 2 and prints its usage', async () => {
    const run = await warren([], temp());
    assert.equal(run.status, 2, run.stdout + run.stderr);
    assert.match(run.stderr, /^warren: init needs the folder to create\n/);
    assert.match(run.stderr, /Usage: warren init <dir> \[--name <package-name>\]/);
  });

  it('refuses an invalid --name with exit code 2', async () => {
    const parent = temp();
    const run = await warren(['app', '--name', 'My API'], parent);
    assert.equal(run.status, 2, run.stdout + run.stderr);
    assert.match(run.stderr, /Invalid package name "My API"/);
    assert.deepEqual(readdirSync(parent), []);
  });

  it('writes a project whose generated/ and lock match what codegen and check compute', async () => {
    const parent = temp();
    const run = await warren(['api', '--name', '@acme/greeter-api'], parent);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    const dir = join(parent, 'api');
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; dependencies: Record<string, string> };
    assert.equal(pkg.name, '@acme/greeter-api');
    assert.equal(pkg.dependencies.warren, `^${VERSION}`);
    assert.equal(pkg.dependencies['warren-client'], `^${VERSION}`);

    // Stands in for `npm install`: the project's imports resolve to this checkout.
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules/warren'), 'dir');
    symlinkSync(join(ROOT, 'packages/warren-client'), join(dir, 'node_modules/warren-client'), 'dir');
    symlinkSync(join(ROOT, 'node_modules/zod'), join(dir, 'node_modules/zod'), 'dir');
    const codegen = await cli(['codegen', '--service', 'src/service.ts', '--out', 'generated', '--check'], dir);
    assert.equal(codegen.status, 0, codegen.stdout + codegen.stderr);
    assert.match(codegen.stdout, /generated is up to date/);
    const check = await cli(['check', '--service', 'src/service.ts', '--lock', 'contracts.lock.json', '--locked'], dir);
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /no changes against contracts\.lock\.json/);
  });

  it('derives the package name from the folder', async () => {
    const parent = temp();
    const run = await warren(['My_Api'], parent);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.equal((JSON.parse(readFileSync(join(parent, 'My_Api/package.json'), 'utf8')) as { name: string }).name, 'my_api');
  });
});
