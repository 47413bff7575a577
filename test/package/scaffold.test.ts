/**
 * `npx warren init my-api` as a user meets it: the `warren` command of the packed tarball
 * scaffolds a project outside this repository, and that project installs from npm, passes its
 * own tests, its CI workflow's steps, builds, and serves a JSON-RPC call with `npm start`.
 *
 * Slow (several real `npm install`s); needs `npm run build` first and the npm registry for
 * the project's other dependencies.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { appEnv, npm, packWarren, ROOT, tempApp, type Tarballs } from '../helpers/packages.ts';

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** The files `warren init` writes, besides generated/. */
const SCAFFOLD = [
  '.github/workflows/ci.yml',
  '.gitignore',
  'README.md',
  'contracts.lock.json',
  'contracts/greeter.ts',
  'contracts/index.ts',
  'package.json',
  'src/handlers.ts',
  'src/service.ts',
  'test/greeter.test.ts',
  'tsconfig.json',
];

interface Run {
  status: number | null;
  output: string;
}

/** Runs one shell command line in `cwd` as CI would, bounded by `timeoutMs`; never rejects. */
function shell(cwd: string, line: string, timeoutMs = 300_000): Promise<Run> {
  return new Promise((done) => {
    execFile('sh', ['-c', line], { cwd, env: appEnv(), timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const status = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      done({ status, output: `$ ${line}\n${stdout}${stderr}` });
    });
  });
}

/** Every file under `dir`, relative with `/` separators, sorted; node_modules and dist left out. */
function listFiles(dir: string): string[] {
  const entries = readdirSync(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .filter((path) => !/^(node_modules|dist)\//.test(path))
    .sort();
}

/** Sends one JSON-RPC frame and resolves with the first frame back. */
function callOnce(url: string, frame: object, timeoutMs = 10_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error(`no answer from ${url} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('open', () => socket.send(JSON.stringify(frame)));
    socket.on('message', (data) => {
      clearTimeout(timer);
      socket.close();
      resolve(JSON.parse(String(data)));
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** `npm start` with PORT=0, in its own process group so the whole tree (npm, sh, warren) can be stopped. */
function npmStart(cwd: string, timeoutMs = 180_000): { child: ChildProcess; url: Promise<string>; output: () => string } {
  const child = spawn('npm', ['start'], { cwd, env: appEnv({ PORT: '0' }), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not listen within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += String(chunk);
      const found = /gateway listening on (ws:\/\/[^\s"]+)/.exec(output);
      if (found?.[1]) {
        clearTimeout(timer);
        resolve(found[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code} before listening:\n${output}`));
    });
  });
  return { child, url, output: () => output };
}

/** Stops a process group started detached: SIGTERM, then SIGKILL after `graceMs`. */
async function stopGroup(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(-child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }, graceMs);
  await exited;
  clearTimeout(timer);
}

describe('warren init from the packed tarball', () => {
  let tarballs: Tarballs | undefined;
  let tool: { dir: string; remove(): void } | undefined;
  let parent: string | undefined;
  let started: ChildProcess | undefined;
  let app = '';
  /** Set once the project installed: the later tests need it, and are skipped without it. */
  let installed = false;

  before(async () => {
    tarballs = await packWarren();
    // A folder that holds the published `warren` command, as `npx warren` would fetch it.
    tool = tempApp('warren-init-tool-');
    await npm(tool.dir, ['install', tarballs.client.tarball, tarballs.warren.tarball]);
    parent = mkdtempSync(join(tmpdir(), 'warren-init-'));
    app = join(parent, 'my-api');
  });

  after(async () => {
    if (started) await stopGroup(started);
    tool?.remove();
    if (parent) rmSync(parent, { recursive: true, force: true });
    if (tarballs) rmSync(tarballs.dir, { recursive: true, force: true });
  });

  test('makes a project whose npm test passes', async () => {
    const t0 = performance.now();
    const init = await shell(parent!, `${JSON.stringify(join(tool!.dir, 'node_modules/.bin/warren'))} init my-api`, 60_000);
    assert.equal(init.status, 0, init.output);
    assert.match(init.output, /created my-api/);

    const files = listFiles(app);
    assert.deepEqual(
      files.filter((path) => !path.startsWith('generated/')),
      SCAFFOLD,
    );
    assert.ok(files.includes('generated/client.ts') && files.includes('generated/openrpc.json'), files.join('\n'));
    const pkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as { name: string; dependencies: Record<string, string> };
    assert.equal(pkg.name, 'my-api');
    assert.deepEqual(pkg.dependencies, { warren: `^${VERSION}`, 'warren-client': `^${VERSION}`, zod: '^4.0.0' });

    // The registry does not have this version of warren and warren-client yet: take both from the
    // tarballs. Everything else comes from the npm registry.
    await npm(app, ['pkg', 'set', `dependencies.warren=file:${tarballs!.warren.tarball}`, `dependencies.warren-client=file:${tarballs!.client.tarball}`]);
    await npm(app, ['install']);
    installed = true;
    const run = await shell(app, 'npm test', 120_000);
    assert.equal(run.status, 0, run.output);
    assert.match(run.output, /# pass 2\n/);
    console.log(`warren init -> passing npm test: ${Math.round(performance.now() - t0)} ms`);
  });

  test('passes the steps of its CI workflow as scaffolded', async (t) => {
    if (!installed) return t.skip('the project was not made and installed');
    const workflow = readFileSync(join(app, '.github/workflows/ci.yml'), 'utf8');
    const steps = [...workflow.matchAll(/^\s*- run: (.+)$/gm)].map((match) => match[1]!.trim());
    for (const step of ['npm ci', 'npm run codegen -- --check', 'npm run check', 'npm test']) {
      assert.ok(steps.includes(step), `ci.yml runs "${step}": ${steps.join(', ')}`);
    }
    for (const step of steps) {
      const run = await shell(app, step);
      assert.equal(run.status, 0, run.output);
    }
  });

  test('npm start builds and answers a JSON-RPC call over WebSocket', async (t) => {
    if (!installed) return t.skip('the project was not made and installed');
    const server = npmStart(app);
    started = server.child;
    const url = await server.url;
    assert.match(url, /^ws:\/\/127\.0\.0\.1:\d+\/rpc$/);
    const answer = await callOnce(url, { jsonrpc: '2.0', id: 1, method: 'greeter.greet', params: { name: 'Ada', language: 'es' } });
    assert.deepEqual(answer, { jsonrpc: '2.0', id: 1, result: { message: 'Hola, Ada!' } });
    await stopGroup(server.child);
    started = undefined;
  });
});
