/**
 * The browser bundle of the generated SDK (codegen/bundle.ts, `warren bundle`):
 * one self-contained ES module with no runtime dependency, and it works.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { WebSocket } from 'ws';
import { BundleError, bundleSdk, type Bundle } from '../../codegen/bundle.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import { ROOT } from './generateInto.ts';

const ENTRY = join(ROOT, 'generated/client.ts');
/** Only the SDK, the client runtime and the protocol may end up in the bundle. */
const ALLOWED = ['generated/', 'packages/warren-client/dist/'];
/** Text that code of zod, ws, koa or amqplib would bring along, even minified. */
const FOREIGN = /\bzod\b|\$Zod|ZodError|\bkoa\b|amqplib|amqp-connection-manager|Sec-WebSocket-Key|perMessageDeflate|\bBuffer\b|\bprocess\.env\b/;

let bundle: Bundle;
before(async () => {
  bundle = await bundleSdk({ entry: ENTRY });
});

describe('bundleSdk({ entry: generated/client.ts })', () => {
  it('bundles only the SDK, the client runtime and the protocol', () => {
    const inputs = bundle.inputs.map((input) => relative(ROOT, input).split(sep).join('/'));
    assert.ok(inputs.includes('generated/client.ts'), inputs.join(', '));
    assert.ok(inputs.includes('packages/warren-client/dist/WarrenClient.js'), inputs.join(', '));
    const foreign = inputs.filter((input) => !ALLOWED.some((folder) => input.startsWith(folder)));
    assert.deepEqual(foreign, [], 'modules outside the client runtime were bundled');
  });

  it('leaves nothing to import and carries no zod, ws, koa or amqplib code', () => {
    assert.doesNotMatch(bundle.code, /\bimport\s*[\s{*"'(]|\brequire\s*\(/, 'the bundle imports something');
    assert.doesNotMatch(bundle.code, FOREIGN);
  });

  it('is minified and small: under 24 KiB, 8 KiB gzipped', () => {
    assert.equal(bundle.bytes, Buffer.byteLength(bundle.code));
    assert.ok(bundle.code.split('\n').length <= 3, 'not minified');
    assert.ok(bundle.bytes < 24 * 1024, `${bundle.bytes} bytes`);
    assert.ok(bundle.gzipBytes < 8 * 1024, `${bundle.gzipBytes} bytes gzipped`);
    assert.ok(bundle.gzipBytes < bundle.bytes);
  });

  it('is the same bytes on every build', async () => {
    assert.equal((await bundleSdk({ entry: ENTRY })).code, bundle.code);
  });

  it('refuses an SDK that imports a package, naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warren-bundle-'));
    try {
      const entry = join(dir, 'client.ts');
      writeFileSync(entry, "import { z } from 'zod';\nexport const schema = z.string();\n");
      await assert.rejects(bundleSdk({ entry }), (err: unknown) => err instanceof BundleError && /"zod"/.test(err.message));
      writeFileSync(entry, "import { createServer } from 'node:http';\nexport const server = createServer;\n");
      await assert.rejects(bundleSdk({ entry }), (err: unknown) => err instanceof BundleError && /"node:http"/.test(err.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects bad options with a TypeError naming the option', async () => {
    await assert.rejects(bundleSdk({ entry: '' }), (err: unknown) => err instanceof TypeError && /entry/.test(err.message));
    await assert.rejects(bundleSdk({ entry: ENTRY, minify: 'yes' as never }), (err: unknown) => err instanceof TypeError && /minify/.test(err.message));
  });
});

describe('the bundle as a module', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack?.close();
  });

  it('exports the SDK and calls the example service (with ws standing in for the browser WebSocket)', async () => {
    const sdk = (await import(`data:text/javascript;base64,${Buffer.from(bundle.code).toString('base64')}`)) as typeof import('../../generated/client.ts');
    for (const name of ['connect', 'createApi', 'isChatRoomFull', 'isMathDivisionByZero', 'WarrenClient', 'WarrenError']) {
      assert.equal(typeof (sdk as Record<string, unknown>)[name], 'function', name);
    }
    const api = sdk.connect({ url: stack.url, WebSocket: WebSocket as never });
    try {
      assert.equal(await api.math.add([2, 3]), 5);
      const err = await api.math.divide({ dividend: 1, divisor: 0 }).catch((e: unknown) => e);
      assert.ok(sdk.isMathDivisionByZero(err));
      assert.ok(err instanceof sdk.WarrenError);
    } finally {
      api.$client.close();
    }
  });
});

describe('warren bundle --entry <sdk> --out <file>', () => {
  const warren = (args: string[]) =>
    promisify(execFile)(process.execPath, [join(ROOT, 'bin/warren.js'), 'bundle', ...args], { cwd: ROOT, timeout: 60_000 });

  it('writes the same bundle to --out, creating its folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warren-bundle-'));
    try {
      const out = join(dir, 'nested', 'sdk.js');
      const { stdout } = await warren(['--entry', ENTRY, '--out', out]);
      assert.equal(readFileSync(out, 'utf8'), bundle.code);
      assert.match(stdout, new RegExp(`${bundle.bytes} bytes, ${bundle.gzipBytes} gzipped`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 1 naming the import when the SDK does not bundle, 2 on a usage error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warren-bundle-'));
    try {
      const entry = join(dir, 'client.ts');
      writeFileSync(entry, "import { z } from 'zod';\nexport const schema = z.string();\n");
      const refused = await warren(['--entry', entry, '--out', join(dir, 'sdk.js')]).then(
        () => assert.fail('bundled an SDK that imports zod'),
        (err: { code: number; stderr: string }) => err,
      );
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /"zod" is a package or a Node built-in/);
      const usage = await warren(['--entry', entry]).then(
        () => assert.fail('ran without --out'),
        (err: { code: number; stderr: string }) => err,
      );
      assert.equal(usage.code, 2);
      assert.match(usage.stderr, /--out <file> is required/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
