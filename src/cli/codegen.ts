/**
 * The CLI's codegen wiring: the `warren codegen` command, and the discovery documents the
 * gateway serves (`GET /openrpc.json`, `rpc.discover`). The gateway itself never imports
 * codegen; the CLI hands it a middleware and a builtin.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import type Koa from 'koa';
import {
  buildModel,
  CodegenError,
  compareOutput,
  formatDifferences,
  generate,
  readOutput,
  renderOpenRpc,
  writeOutput,
} from '../../codegen/index.ts';
import type { Contract } from '../contract/defineContract.ts';
import type { Logger } from '../contract/implement.ts';
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

export interface Discovery {
  /** For GatewayOptions.builtins: `rpc.discover` answers the OpenRPC document. */
  builtins: ReadonlyMap<string, () => unknown>;
  /** For GatewayOptions.middleware: `GET /openrpc.json`. */
  middleware: Koa.Middleware[];
  /** Names the gateway's real address in the document's `servers`, once it listens. */
  setServerUrl(url: string): void;
}

/**
 * The OpenRPC document of `contracts`, computed once, served over HTTP and JSON-RPC.
 * Contracts codegen refuses still serve: the document is then left out, with a warning.
 */
export function discovery(contracts: readonly Contract[], log: Logger): Discovery {
  let document: Record<string, unknown>;
  try {
    document = renderOpenRpc(buildModel(contracts)) as Record<string, unknown>;
  } catch (err) {
    if (!(err instanceof CodegenError)) throw err;
    log.warn({ err: err.message }, 'no OpenRPC document: the contracts cannot be described');
    return { builtins: new Map(), middleware: [], setServerUrl() {} };
  }
  let text = JSON.stringify(document);
  const serve: Koa.Middleware = async (ctx, next) => {
    if (ctx.path !== '/openrpc.json' || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
    // Lets browser tools such as the OpenRPC playground read the document.
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.type = 'application/json';
    ctx.body = text;
  };
  return {
    builtins: new Map([['rpc.discover', () => document]]),
    middleware: [serve],
    setServerUrl(url) {
      document = { ...document, servers: [{ name: 'this gateway', url }] };
      text = JSON.stringify(document);
    },
  };
}
