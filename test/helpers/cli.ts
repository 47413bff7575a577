/**
 * One `warren` command run to its end, for tests of what the CLI prints and the exit code it
 * gives; and temp folders that are removed after the test file.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { ROOT } from './paths.ts';

export { ROOT };

const WARREN = join(ROOT, 'bin/warren.js');

export interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs `warren <args>` in `cwd` and resolves with its exit status and output; never rejects. */
export function runWarren(args: string[], cwd = ROOT): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [WARREN, ...args], { cwd, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      done({ status: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

/** A maker of new temp folders named `<prefix>…`, all removed after the test file. */
export function tempFolders(prefix: string): () => string {
  const made: string[] = [];
  after(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    made.push(dir);
    return dir;
  };
}
