/**
 * `warren codegen`: the SDK, JSON Schemas and API documents of a service module, written or
 * checked against the committed output. (The gateway serves the OpenRPC document itself:
 * GatewayOptions.discovery.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { CodegenError, compareOutput, formatDifferences, generate, readOutput, writeOutput } from '../../codegen/index.ts';
import { loadService, UsageError } from './loadService.ts';

export interface CodegenArgs {
  service?: string;
  out?: string;
  'runtime-import'?: string;
  check?: boolean;
  js?: boolean;
}

const posix = (path: string) => path.split(sep).join('/');

/**
 * `warren codegen --service <module> --out <dir> [--runtime-import <specifier>] [--js] [--check]`.
 * Resolves with the process exit code: 1 when the contracts cannot be generated, or when
 * `--check` finds the committed output stale.
 */
export async function runCodegen(args: CodegenArgs): Promise<number> {
  if (!args.service) throw new UsageError('--service <module> is required');
  if (!args.out) throw new UsageError('--out <dir> is required');
  const { contracts } = await loadService(args.service, false);
  try {
    const files = generate(contracts, {
      source: posix(relative(process.cwd(), resolve(args.service))),
      ...(args['runtime-import'] === undefined ? {} : { runtimeImport: args['runtime-import'] }),
      js: args.js ?? false,
    });
    return args.check ? check(args.out, files) : write(args.out, files);
  } catch (err) {
    if (!(err instanceof CodegenError)) throw err;
    console.error(err.message);
    return 1;
  }
}

function write(out: string, files: ReadonlyMap<string, string>): number {
  writeOutput(out, files);
  console.log(`warren codegen: wrote ${files.size} files to ${out}`);
  return 0;
}

/** Regenerates into a scratch directory through the same writer, then compares the trees. */
function check(out: string, files: ReadonlyMap<string, string>): number {
  const scratch = mkdtempSync(join(tmpdir(), 'warren-codegen-'));
  try {
    writeOutput(scratch, files);
    const differences = compareOutput(readOutput(out), readOutput(scratch));
    if (differences.length > 0) {
      console.error(formatDifferences(out, differences));
      return 1;
    }
    console.log(`warren codegen: ${out} is up to date (${files.size} files)`);
    return 0;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
