/**
 * What `npm publish` would upload, read from `npm pack --dry-run` (no install, no tarball):
 * each package ships its compiled code, declarations and the sources those declarations map
 * to, and nothing of the repository's own tooling; every path its package.json names is in
 * the package; the dependency graph is the one users are promised (zod is the app's own copy,
 * warren-client depends on nothing).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { before, describe, it } from 'node:test';
import { packList, ROOT, type PackedFile } from '../helpers/packages.ts';

interface Manifest {
  name: string;
  version: string;
  license?: string;
  type?: string;
  main?: string;
  types?: string;
  bin?: Record<string, string>;
  files?: string[];
  engines?: Record<string, string>;
  repository?: { type?: string; url?: string; directory?: string };
  exports?: Record<string, string | Record<string, string>>;
  imports?: Record<string, Record<string, string>>;
  typesVersions?: Record<string, Record<string, string[]>>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const CLIENT_DIR = 'packages/warren-client';

function manifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as Manifest;
}

/** `./dist/x.js` → `dist/x.js`, the form npm pack lists paths in. */
function packed(path: string): string {
  return posix.normalize(path).replace(/^\.\//, '');
}

/** Repository tooling and scratch output that must never reach a user's node_modules. */
const FORBIDDEN: { what: string; test: (path: string) => boolean }[] = [
  { what: 'test/', test: (p) => p.split('/').includes('test') },
  { what: 'bench/', test: (p) => p.split('/').includes('bench') },
  { what: '.ci/', test: (p) => p.split('/').includes('.ci') },
  { what: 'examples/', test: (p) => p.split('/').includes('examples') },
  { what: 'generated/', test: (p) => p.split('/')[0] === 'generated' },
  { what: 'schemas/', test: (p) => p.split('/')[0] === 'schemas' },
  { what: '.scratch/', test: (p) => p.split('/').includes('.scratch') },
  { what: 'node_modules', test: (p) => p.split('/').includes('node_modules') },
  { what: 'isolate-*.log', test: (p) => /(^|\/)isolate-[^/]*\.log$/.test(p) },
  { what: '*.cpuprofile', test: (p) => p.endsWith('.cpuprofile') },
  { what: '*.tgz', test: (p) => p.endsWith('.tgz') },
];

function assertNothingForbidden(name: string, paths: string[]): void {
  for (const { what, test } of FORBIDDEN) {
    const found = paths.filter(test);
    assert.deepEqual(found, [], `${name} ships ${what}: ${found.join(', ')}`);
  }
}

/** Every file a package.json points at: exports (all conditions), imports, main, types, typesVersions, bin. */
function namedFiles(pkg: Manifest): { field: string; path: string }[] {
  const named: { field: string; path: string }[] = [];
  for (const [entry, target] of Object.entries(pkg.exports ?? {})) {
    if (typeof target === 'string') named.push({ field: `exports["${entry}"]`, path: target });
    else for (const [condition, path] of Object.entries(target)) named.push({ field: `exports["${entry}"].${condition}`, path });
  }
  for (const [entry, target] of Object.entries(pkg.imports ?? {})) {
    for (const [condition, path] of Object.entries(target)) named.push({ field: `imports["${entry}"].${condition}`, path });
  }
  if (pkg.main) named.push({ field: 'main', path: pkg.main });
  if (pkg.types) named.push({ field: 'types', path: pkg.types });
  for (const [range, map] of Object.entries(pkg.typesVersions ?? {})) {
    for (const [entry, paths] of Object.entries(map)) for (const path of paths) named.push({ field: `typesVersions["${range}"].${entry}`, path });
  }
  for (const [command, path] of Object.entries(pkg.bin ?? {})) named.push({ field: `bin.${command}`, path });
  return named;
}

/**
 * Each entry of `exports` (but ./package.json) resolves for TypeScript and for Node: a
 * `types` condition before `default`, which comes last (conditions match in order, so a
 * `default` ahead of `types` would hide the declarations).
 */
function assertExportConditions(pkg: Manifest): void {
  assert.ok(pkg.exports && Object.keys(pkg.exports).length > 0, `${pkg.name}: no exports`);
  assert.equal(pkg.exports['./package.json'], './package.json', `${pkg.name}: exports "./package.json"`);
  for (const [entry, target] of Object.entries(pkg.exports)) {
    if (entry === './package.json') continue;
    assert.equal(typeof target, 'object', `${pkg.name} exports["${entry}"] must be a conditions object`);
    const conditions = Object.keys(target as Record<string, string>);
    assert.ok(conditions.includes('types'), `${pkg.name} exports["${entry}"] has no "types" condition`);
    assert.ok(conditions.includes('default'), `${pkg.name} exports["${entry}"] has no "default" condition`);
    assert.equal(conditions.at(-1), 'default', `${pkg.name} exports["${entry}"]: "default" must come last`);
    const { types, default: js } = target as Record<string, string>;
    assert.match(types!, /\.d\.ts$/, `${pkg.name} exports["${entry}"].types`);
    assert.match(js!, /\.js$/, `${pkg.name} exports["${entry}"].default`);
    assert.equal(types!.replace(/\.d\.ts$/, ''), js!.replace(/\.js$/, ''), `${pkg.name} exports["${entry}"]: types and default name the same module`);
  }
}

/** Every file named in package.json is in the package; the warren-source sources ship too. */
function assertNamedFilesShip(pkg: Manifest, paths: Set<string>): void {
  for (const { field, path } of namedFiles(pkg)) {
    assert.ok(paths.has(packed(path)), `${pkg.name} ${field} names ${path}, which is not in the package`);
  }
  const sources = namedFiles(pkg).filter(({ field }) => field.endsWith('.warren-source'));
  assert.ok(sources.length > 0, `${pkg.name}: no warren-source condition`);
  for (const { path } of sources) assert.match(path, /\.ts$/, `${pkg.name}: warren-source names a .ts source`);
}

/**
 * Compiled output matches the sources it came from: every dist/*.js has its .d.ts, .d.ts.map
 * and source .ts in the package (a stale dist/ file with no source would fail), and every
 * source a map points at ships, so "go to definition" in a user's editor lands on real code.
 */
function assertDistMatchesSources(name: string, paths: Set<string>, dir: string, sourceOf: (js: string) => string): void {
  const js = [...paths].filter((p) => p.startsWith('dist/') && p.endsWith('.js'));
  assert.ok(js.length > 0, `${name}: no dist/*.js`);
  for (const file of js) {
    const base = file.replace(/\.js$/, '');
    for (const companion of [`${base}.d.ts`, `${base}.d.ts.map`, `${base}.js.map`]) {
      assert.ok(paths.has(companion), `${name}: ${file} ships without ${companion}`);
    }
    assert.ok(paths.has(sourceOf(file)), `${name}: ${file} has no source ${sourceOf(file)} in the package (stale build output?)`);
  }
  for (const map of [...paths].filter((p) => p.endsWith('.map'))) {
    // The packed files are the working tree's files, so the map's text is read from there.
    const { sources } = JSON.parse(readFileSync(join(ROOT, dir, map), 'utf8')) as { sources: string[] };
    for (const source of sources) {
      const target = posix.normalize(posix.join(posix.dirname(map), source));
      assert.ok(paths.has(target), `${name}: ${map} points at ${source}, which is not in the package`);
    }
  }
}

describe('the packed warren package', () => {
  let files: PackedFile[];
  let paths: Set<string>;
  const pkg = manifest('.');
  const client = manifest(CLIENT_DIR);

  before(async () => {
    files = await packList();
    paths = new Set(files.map((f) => f.path));
  });

  it('ships dist/ (.js, .d.ts, .d.ts.map), bin/warren.js, README.md, LICENSE and package.json', () => {
    for (const file of ['bin/warren.js', 'README.md', 'LICENSE', 'package.json', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/index.d.ts.map']) {
      assert.ok(paths.has(file), `warren does not ship ${file}`);
    }
    assertDistMatchesSources('warren', paths, '.', (js) => js.replace(/^dist\//, '').replace(/\.js$/, '.ts'));
    // Nothing at the top but what package.json's `files` names and the package.json npm adds:
    // the sources (src/, codegen/) ship for the warren-source condition and the declaration maps.
    const top = new Set([...paths].map((p) => p.split('/')[0]!));
    const allowed = new Set([...(pkg.files ?? []), 'package.json']);
    assert.deepEqual([...top].filter((name) => !allowed.has(name)), [], 'warren ships only what `files` names');
    for (const folder of ['dist', 'bin', 'src', 'codegen']) assert.ok(top.has(folder), `warren ships ${folder}/`);
  });

  it('ships no tests, benchmarks, CI scripts, examples, generated code, schemas, profiles, scratch files or node_modules', () => {
    assertNothingForbidden('warren', [...paths]);
  });

  it('package.json: MIT, files, engines, repository, and exports with types + default whose files all ship', () => {
    assert.equal(pkg.name, 'warren');
    assert.equal(pkg.license, 'MIT');
    assert.equal(pkg.type, 'module');
    assert.ok(Array.isArray(pkg.files) && pkg.files.includes('dist') && pkg.files.includes('bin'), 'files lists dist and bin');
    assert.match(pkg.engines?.node ?? '', /^>=\s*20/, 'engines.node');
    assert.equal(pkg.repository?.type, 'git');
    assert.match(pkg.repository?.url ?? '', /^git\+https:\/\/.+\.git$/, 'repository.url');
    assert.deepEqual(Object.keys(pkg.exports ?? {}).sort(), ['.', './check', './client', './codegen', './package.json', './server']);
    assertExportConditions(pkg);
    assertNamedFilesShip(pkg, paths);
    assert.equal(pkg.bin?.warren, './bin/warren.js');
  });

  it('zod is a peer dependency, and warren-client a dependency at exactly the client package’s version', () => {
    assert.ok(pkg.peerDependencies?.zod, 'zod in peerDependencies');
    assert.equal(pkg.dependencies?.zod, undefined, 'zod must not be in dependencies: the app brings its own');
    assert.equal(pkg.dependencies?.['warren-client'], client.version, 'warren-client pinned to the client package’s version');
  });
});

describe('the packed warren-client package', () => {
  let paths: Set<string>;
  const client = manifest(CLIENT_DIR);

  before(async () => {
    paths = new Set((await packList('warren-client')).map((f) => f.path));
  });

  it('ships only dist/, src/, README.md, LICENSE and package.json', () => {
    const top = new Set([...paths].map((p) => p.split('/')[0]!));
    for (const file of ['README.md', 'LICENSE', 'package.json']) assert.ok(paths.has(file), `warren-client does not ship ${file}`);
    assert.deepEqual([...top].sort(), ['LICENSE', 'README.md', 'dist', 'package.json', 'src']);
    assertDistMatchesSources('warren-client', paths, CLIENT_DIR, (js) => js.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts'));
    assertNothingForbidden('warren-client', [...paths]);
  });

  it('package.json: MIT, files, engines, repository, exports whose files all ship, and no dependencies at all', () => {
    assert.equal(client.name, 'warren-client');
    assert.equal(client.license, 'MIT');
    assert.equal(client.type, 'module');
    assert.deepEqual([...(client.files ?? [])].sort(), ['LICENSE', 'README.md', 'dist', 'src']);
    assert.match(client.engines?.node ?? '', /^>=\s*20/, 'engines.node');
    assert.equal(client.repository?.type, 'git');
    assert.match(client.repository?.url ?? '', /^git\+https:\/\/.+\.git$/, 'repository.url');
    assert.equal(client.repository?.directory, CLIENT_DIR, 'repository.directory');
    assert.deepEqual(Object.keys(client.exports ?? {}).sort(), ['.', './package.json', './protocol']);
    assertExportConditions(client);
    assertNamedFilesShip(client, paths);
    assert.equal(client.dependencies, undefined, 'warren-client has no dependencies');
    assert.equal(client.peerDependencies, undefined, 'warren-client has no peerDependencies');
    assert.equal((client as { optionalDependencies?: unknown }).optionalDependencies, undefined, 'warren-client has no optionalDependencies');
  });

  it('both packages share one repository and license', () => {
    const warren = manifest('.');
    assert.equal(client.repository?.url, warren.repository?.url);
    assert.equal(client.license, warren.license);
  });
});
