/**
 * `warren bundle --entry <sdk> --out <file>`: the browser bundle of a generated SDK, written to
 * a file for a page that something other than Warren serves. The SDK may import its client
 * runtime by package name (`warren-client` or `warren/client`); see codegen/bundle.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BundleError, bundleSdk } from '../../codegen/bundle.ts';
import { UsageError } from './loadService.ts';

export const BUNDLE_USAGE = `Usage: warren bundle --entry <sdk> --out <file> [--no-minify] [--target <es2022>]

  --entry <sdk>      the generated SDK: client.ts, or client.js from codegen --js
  --out <file>       where to write the ES module (its folder is created)
  --no-minify        keep whitespace and names, for reading the bundle
  --target <t>       the oldest JavaScript the bundle may need (esbuild target, default es2022)`;

/** Resolves with the exit code: 0 written, 1 when the SDK does not bundle. */
export async function runBundle(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      entry: { type: 'string' },
      out: { type: 'string' },
      'no-minify': { type: 'boolean' },
      target: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(BUNDLE_USAGE);
    return 0;
  }
  if (!values.entry) throw new UsageError(`--entry <sdk> is required\n\n${BUNDLE_USAGE}`);
  if (!values.out) throw new UsageError(`--out <file> is required\n\n${BUNDLE_USAGE}`);
  try {
    const bundle = await bundleSdk({
      entry: values.entry,
      minify: !values['no-minify'],
      ...(values.target === undefined ? {} : { target: values.target }),
    });
    const out = resolve(values.out);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, bundle.code);
    console.log(`warren bundle: wrote ${values.out}: ${bundle.bytes} bytes, ${bundle.gzipBytes} gzipped, ${bundle.inputs.length} modules`);
    return 0;
  } catch (err) {
    if (!(err instanceof BundleError)) throw err;
    console.error(`warren bundle: ${err.message}`);
    return 1;
  }
}
