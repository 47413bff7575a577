/**
 * The service module's `web` export, which the CLI hands to its gateway as GatewayOptions.web
 * (test/gateway/webPage.test.ts serves it); and `warren serve` refusing a page it cannot serve.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { loadService, UsageError } from '../../src/cli/loadService.ts';
import { ROOT } from '../helpers/paths.ts';

const WEB = { root: join(ROOT, 'examples/chat/web'), sdk: join(ROOT, 'generated/client.ts') };

describe("loadService(path): the module's web export", () => {
  it('resolves the example service\'s web paths against its own folder', async () => {
    const service = await loadService(join(ROOT, 'examples/chat/service.ts'), true);
    assert.deepEqual(service.web, WEB);
  });

  it('is undefined for a module without one, and a UsageError when malformed', async () => {
    assert.equal((await loadService(join(ROOT, 'schemas/index.ts'), false)).web, undefined);
    const dir = mkdtempSync(join(tmpdir(), 'warren-web-'));
    try {
      const file = join(dir, 'service.ts');
      const schemas = pathToFileURL(join(ROOT, 'schemas/index.ts')).href;
      writeFileSync(file, `export { contracts } from '${schemas}';\nexport const web = { root: 42 };\n`);
      await assert.rejects(loadService(file, false), (err: unknown) => err instanceof UsageError && /"web"/.test((err as Error).message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('warren serve with a web page it cannot serve', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'warren-web-cli-'));
    mkdirSync(join(dir, 'empty'));
    mkdirSync(join(dir, 'page'));
    writeFileSync(join(dir, 'page', 'index.html'), '<!doctype html>');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** `warren serve` of the example with this `web` export; resolves with its exit code and stderr. */
  function serve(web: { root: string; sdk: string }): Promise<{ status: number; stderr: string }> {
    const file = join(dir, `service-${web.root}.mts`);
    const chat = pathToFileURL(join(ROOT, 'examples/chat/service.ts')).href;
    writeFileSync(file, `export { contracts, implementations } from '${chat}';\nexport const web = ${JSON.stringify(web)};\n`);
    const args = [join(ROOT, 'bin/warren.js'), 'serve', '--service', file, '--transport', 'memory', '--port', '0'];
    return new Promise((done) => {
      execFile(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 30_000 }, (err, _stdout, stderr) => {
        done({ status: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stderr });
      });
    });
  }

  it('exits 2 naming web.root when the folder has no index.html', async () => {
    const run = await serve({ root: 'empty', sdk: 'client.ts' });
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /^warren: web\.root must hold an index\.html: /m);
  });

  it('exits 2 naming the SDK when it does not bundle', async () => {
    const run = await serve({ root: 'page', sdk: 'missing.ts' });
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /^warren: web page: Cannot bundle .*missing\.ts/m);
  });
});
