/**
 * GatewayOptions.web: the static page plus the bundled SDK, served by a real gateway; and the
 * folders and SDKs it refuses.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BundleError, bundleSdk } from '../../codegen/bundle.ts';
import { Gateway } from '../../src/gateway/Gateway.ts';
import { MemoryBroker } from '../../src/transport/MemoryBroker.ts';
import { MemoryTransport } from '../../src/transport/MemoryTransport.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import { ROOT } from '../helpers/paths.ts';

const WEB = { root: join(ROOT, 'examples/chat/web'), sdk: join(ROOT, 'generated/client.ts') };

describe('GatewayOptions.web: { root, sdk } on a gateway', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ gateway: { web: WEB } });
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

describe('GatewayOptions.web refuses what cannot be served', () => {
  let dir: string;
  const transport = new MemoryTransport({ broker: new MemoryBroker() });
  const gateway = (web: unknown) => new Gateway({ transport, contracts: [], web: web as never });
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'warren-web-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a folder without index.html, with its own sdk.js, or missing: a TypeError naming web.root', () => {
    const root = join(dir, 'page');
    mkdirSync(root);
    writeFileSync(join(root, 'app.js'), '');
    assert.throws(() => gateway({ root, sdk: WEB.sdk }), (err: unknown) => err instanceof TypeError && /^web\.root .*index\.html/.test((err as Error).message));
    writeFileSync(join(root, 'index.html'), '<!doctype html>');
    writeFileSync(join(root, 'sdk.js'), '');
    assert.throws(() => gateway({ root, sdk: WEB.sdk }), (err: unknown) => err instanceof TypeError && /^web\.root .*sdk\.js/.test((err as Error).message));
    assert.throws(() => gateway({ root: join(dir, 'missing'), sdk: WEB.sdk }), /^TypeError: web\.root must be a readable folder/);
    assert.throws(() => gateway({ root }), /^TypeError: web must be/);
  });

  it('an SDK that does not bundle: listen() rejects with a BundleError naming it, and nothing listens', async () => {
    const root = join(dir, 'ok');
    mkdirSync(root);
    writeFileSync(join(root, 'index.html'), '<!doctype html>');
    const refused = gateway({ root, sdk: join(dir, 'missing.ts') });
    await assert.rejects(refused.listen(0), (err: unknown) => err instanceof BundleError && /missing\.ts/.test((err as Error).message));
    await refused.close(0);
  });
});
