/**
 * `npm run build:browser`: writes the browser bundle of a generated SDK to a file, for
 * publishing or for a page served by something other than Warren. `warren serve` does not
 * need it: it bundles the example's SDK in memory at start-up.
 *
 *   node --import tsx codegen/buildBrowser.ts [--entry generated/client.ts] [--out dist/warren-sdk.js]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { BundleError, bundleSdk } from './bundle.ts';

const { values } = parseArgs({
  options: {
    entry: { type: 'string', default: 'generated/client.ts' },
    out: { type: 'string', default: 'dist/warren-sdk.js' },
  },
});

try {
  const bundle = await bundleSdk({ entry: values.entry });
  mkdirSync(dirname(values.out), { recursive: true });
  writeFileSync(values.out, bundle.code);
  console.log(`build:browser: wrote ${values.out}: ${bundle.bytes} bytes, ${bundle.gzipBytes} gzipped, ${bundle.inputs.length} modules`);
} catch (err) {
  if (!(err instanceof BundleError)) throw err;
  console.error(`build:browser: ${err.message}`);
  process.exitCode = 1;
}
