/**
 * The SDK for teams that do not compile TypeScript (`warren codegen --js`): `client.js`, the
 * SDK's `client.ts` with its types stripped by esbuild, and `client.d.ts`, its declarations
 * rendered from the same model. Both carry the banner that marks codegen's output.
 */
import { createRequire } from 'node:module';

type Esbuild = typeof import('esbuild');

let esbuild: Esbuild | undefined;

/** esbuild, loaded the first time JavaScript is emitted, so that serving never loads it. */
function loadEsbuild(): Esbuild {
  esbuild ??= createRequire(import.meta.url)('esbuild') as Esbuild;
  return esbuild;
}

/** `client.ts`'s text as an ES module with no types; the banner line is kept first. */
export function stripTypes(clientTs: string): string {
  const newline = clientTs.indexOf('\n');
  const banner = clientTs.slice(0, newline + 1);
  const { code } = loadEsbuild().transformSync(clientTs.slice(newline + 1), {
    loader: 'ts',
    format: 'esm',
    target: 'es2022',
    legalComments: 'none',
    charset: 'utf8',
  });
  return `${banner}\n${code}`;
}
