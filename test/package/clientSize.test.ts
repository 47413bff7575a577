/**
 * A front-end-only install: an app that installs the warren-client tarball alone gets exactly
 * one package (no dependencies come along), and a browser bundle of a minimal client (import
 * WarrenClient, make one call) stays under its size budget once minified and gzipped.
 *
 * The bundle is built from the temp app, so esbuild resolves `warren-client` to the installed
 * package's dist/ (the test checks that), with the browser's own conditions, not this repo's
 * sources. The printed numbers are the ones the README records.
 */
import assert from 'node:assert/strict';
import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { npm, packWarren, tempApp, type Tarballs } from '../helpers/packages.ts';

/** Budget for the minified, gzipped (level 9) minimal client bundle. */
const GZIP_BUDGET_BYTES = 6144;

/** The smallest useful front-end program: one client, one call. */
const ENTRY = `import { WarrenClient } from 'warren-client';

const client = new WarrenClient({ url: 'ws://127.0.0.1:3000/rpc' });
export const greeting = client.call('greet.hello', { name: 'Ada' });
`;

/** Sum of the sizes of every file under `dir`. */
function installedBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}

describe('warren-client installed alone, for a front end', () => {
  let tarballs: Tarballs | undefined;
  let app: { dir: string; remove(): void } | undefined;

  before(async () => {
    tarballs = await packWarren();
    app = tempApp('warren-client-only-');
    await npm(app.dir, ['install', tarballs.client.tarball]);
    writeFileSync(join(app.dir, 'entry.js'), ENTRY);
  });

  after(() => {
    app?.remove();
    if (tarballs) rmSync(tarballs.dir, { recursive: true, force: true });
  });

  it('node_modules holds warren-client and nothing else', () => {
    const entries = readdirSync(join(app!.dir, 'node_modules')).filter((name) => name !== '.package-lock.json' && name !== '.bin');
    assert.deepEqual(entries, ['warren-client']);
  });

  it(`a minified browser bundle of WarrenClient plus one call is under ${GZIP_BUDGET_BYTES} bytes gzipped`, async () => {
    const dir = app!.dir;
    const esbuild = await import('esbuild');
    const result = await esbuild.build({
      entryPoints: [join(dir, 'entry.js')],
      absWorkingDir: dir,
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      minify: true,
      metafile: true,
      legalComments: 'none',
      logLevel: 'silent',
    });
    // Every module of the bundle is the entry or the installed package's compiled code.
    const inputs = Object.keys(result.metafile.inputs).map((input) => relative(dir, join(dir, input)).split(sep).join('/'));
    const foreign = inputs.filter((input) => input !== 'entry.js' && !input.startsWith('node_modules/warren-client/dist/'));
    assert.deepEqual(foreign, [], 'the bundle holds only the entry and node_modules/warren-client/dist');
    const code = result.outputFiles[0]!.contents;
    const gzipped = gzipSync(code, { level: 9 }).length;
    const installed = installedBytes(join(dir, 'node_modules', 'warren-client'));
    console.log(
      `warren-client: minimal browser bundle ${code.length} bytes minified, ${gzipped} bytes gzipped (level 9), ${inputs.length} modules; ` +
        `installed node_modules/warren-client ${installed} bytes; tarball ${tarballs!.client.size} bytes (unpacked ${tarballs!.client.unpackedSize})`,
    );
    assert.ok(gzipped < GZIP_BUDGET_BYTES, `gzipped bundle is ${gzipped} bytes, over the ${GZIP_BUDGET_BYTES}-byte budget`);
  });
});
