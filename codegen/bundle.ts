/**
 * The browser bundle of a generated SDK: the SDK and Warren's client runtime in one minified
 * ES module with nothing left to import, built in memory by esbuild.
 *
 * The SDK may import Warren's client runtime (`warren-client`, or `warren/client` which
 * re-exports it), resolved from the SDK's folder as Node would, and relative modules. Any
 * other bare import (a package or a Node built-in) fails the build instead of being bundled
 * or left external: the SDK promises to run on the browser's own WebSocket with no runtime
 * dependency, and this is where that promise is kept.
 */
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface BundleOptions {
  /** The generated SDK's entry module, e.g. `generated/client.ts`. */
  entry: string;
  /** Minify whitespace, identifiers and syntax. @default true */
  minify?: boolean;
  /** esbuild target: the oldest JavaScript the bundle may need. @default 'es2022' */
  target?: string;
}

export interface Bundle {
  /** The ES module's text. */
  code: string;
  /** Size of `code` in UTF-8 bytes. */
  bytes: number;
  /** Size of `code` after gzip (level 9), as a server would send it compressed. */
  gzipBytes: number;
  /** The absolute path of every module in the bundle, sorted. */
  inputs: string[];
}

/** The error a bundle build fails with; its message lists esbuild's messages. */
export class BundleError extends Error {}

type Esbuild = typeof import('esbuild');

/** The bare imports a browser SDK may make: Warren's client runtime, by either name. */
export const CLIENT_RUNTIME = ['warren-client', 'warren/client'] as const;

async function loadEsbuild(): Promise<Esbuild> {
  try {
    return await import('esbuild');
  } catch (err) {
    throw new BundleError(`esbuild is needed to bundle the SDK (a dependency of warren): ${(err as Error).message}`);
  }
}

/** Bundles the SDK at `options.entry` with the client runtime it imports. Writes nothing. */
export async function bundleSdk(options: BundleOptions): Promise<Bundle> {
  if (typeof options.entry !== 'string' || options.entry === '') throw new TypeError('entry must be a path to the SDK module');
  const minify = options.minify ?? true;
  if (typeof minify !== 'boolean') throw new TypeError('minify must be a boolean');
  const target = options.target ?? 'es2022';
  if (typeof target !== 'string' || target === '') throw new TypeError('target must be an esbuild target such as es2022');
  const esbuild = await loadEsbuild();
  let result;
  try {
    result = await esbuild.build({
      entryPoints: [resolve(options.entry)],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target,
      minify,
      metafile: true,
      legalComments: 'none',
      charset: 'utf8',
      logLevel: 'silent',
      plugins: [
        {
          name: 'warren-no-packages',
          setup(build) {
            build.onResolve({ filter: /^[^./]/ }, (args) =>
              (CLIENT_RUNTIME as readonly string[]).includes(args.path)
                ? undefined
                : {
                    errors: [
                      {
                        text: `"${args.path}" is a package or a Node built-in; the browser SDK may import only ${CLIENT_RUNTIME.join(' or ')} and relative modules`,
                      },
                    ],
                  },
            );
          },
        },
      ],
    });
  } catch (err) {
    const messages = (err as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors;
    if (!messages) throw err;
    const lines = messages.map((m) => (m.location ? `${m.location.file}:${m.location.line}: ${m.text}` : m.text));
    throw new BundleError(`Cannot bundle ${options.entry}:\n  ${lines.join('\n  ')}`);
  }
  const output = result.outputFiles[0];
  if (!output) throw new BundleError(`Cannot bundle ${options.entry}: esbuild produced no output`);
  const code = output.text;
  // esbuild names inputs relative to its working directory (absWorkingDir, the cwd).
  const inputs = Object.keys(result.metafile.inputs)
    .map((input) => resolve(input))
    .sort();
  return { code, bytes: output.contents.byteLength, gzipBytes: gzipSync(output.contents, { level: 9 }).byteLength, inputs };
}
