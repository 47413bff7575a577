/**
 * `warren init <dir> [--name <package-name>]`: a new, working Warren project in <dir>.
 *
 * Besides the templates (initTemplates.ts) it writes what `warren codegen` and
 * `warren check --update` would, from the same contracts, so a fresh project passes
 * `npm run codegen -- --check` and `npm run check` before anything is edited.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { generate, writeOutput } from '../../codegen/index.ts';
import { buildLock, serializeLock } from '../../codegen/check/index.ts';
import { isContract, type Contract } from '../contract/defineContract.ts';
import { CONTRACT_FILES, CONTRACTS_ENTRY, GENERATED_DIR, LOCK_FILE, projectFiles, SERVICE_MODULE } from './initTemplates.ts';
import { UsageError } from './loadService.ts';

export const INIT_USAGE = `Usage: warren init <dir> [--name <package-name>]

Creates a Warren project in <dir> (new, or empty): a greeter contract, its handlers, a test,
the generated SDK, a contract lock and a CI workflow. Then: cd <dir> && npm install && npm test

Options:
  --name <package-name>  name in package.json (default: from the folder's name)
  -h, --help             show this help`;

/** What npm accepts as a package name: lowercase, URL-safe, optionally scoped, at most 214 characters. */
const PACKAGE_NAME = /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;

/** A package name made from a folder name, or undefined when nothing usable is left. */
function nameFromFolder(folder: string): string | undefined {
  const name = folder
    .toLowerCase()
    .replace(/[^a-z0-9-._~]+/g, '-')
    .replace(/^[-._]+|[-._]+$/g, '');
  return name === '' ? undefined : name;
}

/**
 * The running Warren's version, from its own package.json: the nearest one above this module
 * named "warren" (two folders up in the repository's src/cli, three in the published dist/src/cli).
 */
export function warrenVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'warren' && typeof pkg.version === 'string') return pkg.version;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('warren init: cannot find the package.json of warren above its own module');
    dir = parent;
  }
}

/**
 * The template contracts, evaluated. The new project has no node_modules yet, so the contract
 * files are copied to a scratch folder with their `zod` and `warren` imports pointed at the
 * copies this Warren runs with, and loaded from there through tsx.
 */
async function templateContracts(): Promise<Contract[]> {
  const targets: Record<string, string> = { zod: import.meta.resolve('zod'), warren: import.meta.resolve('warren') };
  const scratch = mkdtempSync(join(tmpdir(), 'warren-init-'));
  try {
    for (const [path, text] of CONTRACT_FILES) {
      const file = join(scratch, ...path.split('/'));
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text.replace(/from '(zod|warren)'/g, (_, name: string) => `from ${JSON.stringify(targets[name])}`));
    }
    const { tsImport } = await import('tsx/esm/api');
    const mod = (await tsImport(pathToFileURL(join(scratch, ...CONTRACTS_ENTRY.split('/'))).href, import.meta.url)) as { contracts?: unknown };
    const { contracts } = mod;
    if (!Array.isArray(contracts) || !contracts.every(isContract)) throw new Error(`warren init: ${CONTRACTS_ENTRY} of the template exports no contracts`);
    return contracts;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Refuses a target that exists and is not an empty folder. */
function checkTarget(dir: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new UsageError(`${dir} exists and is not a folder: choose another <dir>`);
  const entries = readdirSync(dir);
  if (entries.length > 0) {
    throw new UsageError(`${dir} is not empty (${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}): warren init only writes into a new or empty folder`);
  }
}

/** Runs `warren init` with its arguments (after the word `init`); resolves with the exit code. */
export async function runInit(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { name: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(INIT_USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new UsageError(`${positionals.length === 0 ? 'init needs the folder to create' : `init takes one folder, got ${positionals.length}`}\n\n${INIT_USAGE}`);
  }
  const dir = resolve(positionals[0]!);
  checkTarget(dir);
  const name = values.name ?? nameFromFolder(basename(dir));
  if (name === undefined) throw new UsageError(`cannot make a package name from "${basename(dir)}": pass --name <package-name>`);
  if (!PACKAGE_NAME.test(name) || name.length > 214) {
    throw new UsageError(`Invalid package name "${name}": use lowercase letters, digits, - . _ ~ (optionally @scope/name)`);
  }

  // Everything is computed before the first write, so a failure leaves no half-made project.
  const files = projectFiles({ name, warrenVersion: warrenVersion() });
  const contracts = await templateContracts();
  const generated = generate(contracts, { source: SERVICE_MODULE });
  files.set(LOCK_FILE, serializeLock(buildLock(contracts)));

  for (const [path, text] of files) {
    const file = join(dir, ...path.split('/'));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  writeOutput(join(dir, GENERATED_DIR), generated);

  // Inside the working directory as typed, relative; elsewhere absolute.
  const inside = relative(process.cwd(), dir);
  const shown = inside === '' ? '.' : inside.startsWith('..') ? dir : inside;
  console.log(`warren init: created ${name} in ${shown} (${files.size + generated.size} files)

Next:
  cd ${shown}
  npm install
  npm test
  npm run dev      # ws://127.0.0.1:3000/rpc`);
  return 0;
}
