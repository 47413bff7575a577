/**
 * webPage(options, log): the static page plus the bundled SDK, mounted on a real gateway
 * through GatewayOptions.middleware; and the service module's `web` export.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { bundleSdk } from '../../codegen/bundle.ts';
import { loadService, UsageError } from '../../src/cli/loadService.ts';
import { webPage } from '../../src/cli/webPage.ts';
import { silentLogger } from '../../src/log.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import { ROOT } from '../codegen/generateInto.ts';

const WEB = { root: join(ROOT, 'examples/chat/web'), sdk: join(ROOT, 'generated/client.ts') };

describe('webPage({ root, sdk }, log) on a gateway', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ gateway: { middleware: [await webPage(WEB, silentLogger)] } });
  });
  after(async () => {
    await stack?.close();
  });

  it('GET / answers index.html with a restrictive Content-Security-Policy', async () => {
    const response = await fetch(`${stack.http}/`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.match(await response.text(), /<script type="module" src="app.js"><\/script>/);
  });

  it('GET /sdk.js answers the bundled SDK as JavaScript', async () => {
    const response = await fetch(`${stack.http}/sdk.js`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.equal(await response.text(), (await bundleSdk({ entry: WEB.sdk })).code);
  });

  it('serves the other files of the folder by name, and nothing outside it', async () => {
    assert.equal((await fetch(`${stack.http}/app.js`)).status, 200);
    assert.match((await fetch(`${stack.http}/style.css`)).headers.get('content-type') ?? '', /^text\/css/);
    for (const path of ['/nope.js', '/%2e%2e/service.ts', '/..%2fservice.ts', '/web/app.js', '/index.html/']) {
      assert.equal((await fetch(`${stack.http}${path}`)).status, 404, path);
    }
    // Warren's own routes still answer behind it.
    assert.equal((await fetch(`${stack.http}/healthz`)).status, 200);
  });

  it('answers HEAD, and leaves other methods to the rest of the gateway', async () => {
    const head = await fetch(`${stack.http}/`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    assert.equal((await fetch(`${stack.http}/`, { method: 'POST' })).status, 404);
  });
});

describe('webPage(...) refuses a bad folder', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'warren-web-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('without index.html, with its own sdk.js, or missing: UsageError', async () => {
    const root = join(dir, 'page');
    mkdirSync(root);
    writeFileSync(join(root, 'app.js'), '');
    await assert.rejects(webPage({ root, sdk: WEB.sdk }, silentLogger), (err: unknown) => err instanceof UsageError && /index\.html/.test((err as Error).message));
    writeFileSync(join(root, 'index.html'), '<!doctype html>');
    writeFileSync(join(root, 'sdk.js'), '');
    await assert.rejects(webPage({ root, sdk: WEB.sdk }, silentLogger), (err: unknown) => err instanceof UsageError && /sdk\.js/.test((err as Error).message));
    await assert.rejects(webPage({ root: join(dir, 'missing'), sdk: WEB.sdk }, silentLogger), UsageError);
  });

  it('an SDK that does not bundle: UsageError naming it', async () => {
    const root = join(dir, 'ok');
    mkdirSync(root);
    writeFileSync(join(root, 'index.html'), '<!doctype html>');
    await assert.rejects(webPage({ root, sdk: join(dir, 'missing.ts') }, silentLogger), (err: unknown) => err instanceof UsageError && /missing\.ts/.test((err as Error).message));
  });
});

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
