/**
 * The published shape of Warren: both packages packed into tarballs, exactly as `npm publish`
 * would upload them, and a fresh app outside this repository that installs them.
 *
 * Packing uses the compiled `dist/` folders that `npm run build` wrote (`npm test` builds
 * first), so the tests see the same files a user's `npm install warren` brings.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './paths.ts';

const run = promisify(execFile);

export { ROOT };

/** An environment for child processes that run as a user's app would: no test-only loader or condition. */
export function appEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;
  return env;
}

export interface PackedFile {
  path: string;
  size: number;
}

export interface Packed {
  /** Absolute path of the .tgz. */
  tarball: string;
  /** Compressed size in bytes. */
  size: number;
  unpackedSize: number;
  files: PackedFile[];
}

export interface Tarballs {
  warren: Packed;
  client: Packed;
  /** The folder that holds both tarballs; remove it when done. */
  dir: string;
}

function assertBuilt(): void {
  for (const file of ['dist/src/index.js', 'dist/src/cli/main.js', 'packages/warren-client/dist/index.js']) {
    if (!existsSync(join(ROOT, file))) throw new Error(`${file} is missing: run "npm run build" before the package tests`);
  }
}

async function pack(workspace: string | undefined, destination: string): Promise<Packed> {
  const args = ['pack', '--json', '--ignore-scripts', '--pack-destination', destination, ...(workspace ? ['--workspace', workspace] : [])];
  const { stdout } = await run('npm', args, { cwd: ROOT, env: appEnv(), maxBuffer: 16 * 1024 * 1024 });
  const [entry] = JSON.parse(stdout) as { filename: string; size: number; unpackedSize: number; files: PackedFile[] }[];
  if (!entry) throw new Error(`npm pack printed no entry: ${stdout}`);
  return { tarball: join(destination, entry.filename), size: entry.size, unpackedSize: entry.unpackedSize, files: entry.files };
}

/** Packs `warren` and `warren-client` into a new temp folder. */
export async function packWarren(): Promise<Tarballs> {
  assertBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'warren-tarballs-'));
  const client = await pack('warren-client', dir);
  const warren = await pack(undefined, dir);
  return { warren, client, dir };
}

/** Lists what `npm pack` would ship, without writing a tarball. */
export async function packList(workspace?: string): Promise<PackedFile[]> {
  const args = ['pack', '--dry-run', '--json', '--ignore-scripts', ...(workspace ? ['--workspace', workspace] : [])];
  const { stdout } = await run('npm', args, { cwd: ROOT, env: appEnv(), maxBuffer: 16 * 1024 * 1024 });
  const [entry] = JSON.parse(stdout) as { files: PackedFile[] }[];
  if (!entry) throw new Error(`npm pack printed no entry: ${stdout}`);
  return entry.files;
}

/** Runs npm in `cwd` as a user would, with no test-only loader; rejects with npm's output. */
export async function npm(cwd: string, args: string[], timeoutMs = 300_000): Promise<string> {
  try {
    const { stdout } = await run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd,
      env: appEnv(),
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    throw new Error(`npm ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}${stderr ?? ''}`, { cause: err });
  }
}

/** A new empty app folder outside the repository, with a package.json of its own. */
export function tempApp(prefix: string, pkg: Record<string, unknown> = {}): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module', ...pkg }, null, 2)}\n`);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
