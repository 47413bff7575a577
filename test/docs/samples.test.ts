/**
 * The TypeScript samples of README.md and docs/*.md compile, against the packages as a user
 * imports them (`warren`, `warren/server`, `warren-client`, ...), never against `../src`.
 *
 * How a page's samples become modules. Each ```ts / ```typescript block is its own module, so a
 * sample reads as a file a user could paste. A block whose first line is a comment naming a file,
 * `// src/contracts.ts`, is written at that path in its page's folder, so a later block of the
 * same page imports it the way the user's project would (`from './contracts.ts'`). Other blocks
 * are written as `sample-<line>.ts` at the page folder's top. Each page has its own folder, so
 * pages cannot see each other's files. A page whose samples import `generated/client.ts` gets
 * an SDK there, written by the documented command, `warren codegen --service <module> --out
 * generated`: from the page's own service module `src/service.ts` when it has one, else from
 * the example service's contracts (`schemas/index.ts`).
 *
 * A block marked `no-check` in its fence (```ts no-check) is a fragment or pseudo-code: it is
 * counted and skipped, and most blocks must be checked.
 *
 * The folder is made inside the repository (`.scratch/`, git-ignored), so package names resolve
 * as in an app: `warren` through the repository's self-reference, `warren-client`, zod and ws
 * through its node_modules. The `warren-source` condition points them at the TypeScript sources.
 * The repository's own tsc checks every sample in one run; an error names the page and line.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT } from '../helpers/paths.ts';
import { promisify } from 'node:util';

const run = promisify(execFile);
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const CLI = join(ROOT, 'bin/warren.js');
const EXAMPLE_CONTRACTS = join(ROOT, 'schemas/index.ts');

interface Sample {
  /** The page, relative to the repository: `docs/cli.md`. */
  doc: string;
  /** 1-based line in the page of the block's first line of code. */
  line: number;
  lang: string;
  check: boolean;
  code: string;
  /** Path inside the page's folder. */
  file: string;
}

const posix = (path: string) => path.split(sep).join('/');

/** README.md and every Markdown page under docs/, as repository-relative paths. */
function pages(): string[] {
  const found = ['README.md'];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md')) found.push(path);
    }
  };
  if (existsSync(join(ROOT, 'docs'))) walk('docs');
  return found.sort();
}

const FENCE = /^([ \t]*)(`{3,}|~{3,})[ \t]*(.*)$/;
const FILE_COMMENT = /^\/\/\s*(\S+\.(?:ts|tsx|mts))\s*$/;

/** Every fenced block of a page with its info string; indented fences (in lists) are unindented. */
function blocks(doc: string): { info: string; line: number; code: string }[] {
  const lines = readFileSync(join(ROOT, doc), 'utf8').split('\n');
  const found: { info: string; line: number; code: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, info] = open as unknown as [string, string, string, string];
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = FENCE.exec(lines[j]!);
      if (close && close[2]!.startsWith(fence[0]!) && close[2]!.length >= fence.length && close[3] === '') break;
      body.push(lines[j]!.startsWith(indent) ? lines[j]!.slice(indent.length) : lines[j]!.trimStart());
    }
    assert.ok(j < lines.length, `${doc}:${i + 1}: code fence never closed`);
    found.push({ info: info.trim(), line: i + 2, code: `${body.join('\n')}\n` });
    i = j;
  }
  return found;
}

function samplesOf(doc: string): Sample[] {
  const samples: Sample[] = [];
  for (const block of blocks(doc)) {
    const [lang = '', ...flags] = block.info.split(/\s+/);
    if (lang !== 'ts' && lang !== 'typescript') continue;
    const named = FILE_COMMENT.exec(block.code.split('\n')[0]!);
    samples.push({
      doc,
      line: block.line,
      lang,
      check: !flags.includes('no-check'),
      code: block.code,
      file: named ? posix(named[1]!).replace(/^\.\//, '') : `sample-${block.line}.ts`,
    });
  }
  return samples;
}

/** The folder of a page's samples: `docs/cli.md` → `docs-cli`. */
const folderOf = (doc: string) => doc.replace(/\.md$/, '').replace(/[/\\]/g, '-');

/** Import specifiers of a module: static, side-effect, dynamic and `export … from`. */
function importsOf(code: string): string[] {
  const text = code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const specifiers: string[] = [];
  for (const pattern of [/\b(?:import|export)\s[^'"`;]*?\bfrom\s*(['"])([^'"]+)\1/g, /\bimport\s*(['"])([^'"]+)\1/g, /\bimport\s*\(\s*(['"])([^'"]+)\1\s*\)/g]) {
    for (const match of text.matchAll(pattern)) specifiers.push(match[2]!);
  }
  return specifiers;
}

/** A page's text without its fenced blocks. */
function withoutCode(text: string): string {
  const kept: string[] = [];
  let fence: string | undefined;
  for (const line of text.split('\n')) {
    const match = FENCE.exec(line);
    if (fence === undefined && match) fence = match[2]!;
    else if (fence !== undefined && match && match[2]!.startsWith(fence) && match[3] === '') fence = undefined;
    else if (fence === undefined) kept.push(line);
  }
  return kept.join('\n');
}

/** The anchors GitHub gives a page's headings: lowercased, punctuation dropped, spaces to dashes, repeats numbered. */
function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const counts = new Map<string, number>();
  for (const match of withoutCode(text).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = match[1]!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const seen = counts.get(slug) ?? 0;
    counts.set(slug, seen + 1);
    anchors.add(seen === 0 ? slug : `${slug}-${seen}`);
  }
  return anchors;
}

const ALL = pages().flatMap(samplesOf);
const CHECKED = ALL.filter((s) => s.check);

describe('the TypeScript samples in README.md and docs/', () => {
  let dir: string;

  before(() => {
    mkdirSync(join(ROOT, '.scratch'), { recursive: true });
    dir = mkdtempSync(join(ROOT, '.scratch', 'docs-samples-'));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('are mostly checked: a skipped block is marked no-check in its fence', (t) => {
    const skipped = ALL.filter((s) => !s.check);
    t.diagnostic(`${CHECKED.length} checked, ${skipped.length} skipped (no-check): ${skipped.map((s) => `${s.doc}:${s.line}`).join(', ') || 'none'}`);
    assert.ok(CHECKED.length > 0, 'no TypeScript sample found');
    assert.ok(CHECKED.length > skipped.length, `${CHECKED.length} checked, ${skipped.length} skipped: most samples must be checked`);
  });

  it('import Warren by its package names, and nothing relative outside their own page', () => {
    const problems: string[] = [];
    for (const sample of ALL) {
      const page = resolve('/', folderOf(sample.doc));
      for (const specifier of importsOf(sample.code)) {
        if (/(^|\/)src\//.test(specifier) && specifier.startsWith('.')) problems.push(`${sample.doc}:${sample.line}: imports "${specifier}": use the package name (warren, warren/server, warren-client, ...)`);
        else if (specifier.startsWith('.')) {
          const target = resolve(page, dirname(sample.file), specifier);
          if (relative(page, target).startsWith('..')) problems.push(`${sample.doc}:${sample.line}: imports "${specifier}", outside the page's own samples`);
        } else if (specifier.startsWith('/')) problems.push(`${sample.doc}:${sample.line}: imports the absolute path "${specifier}"`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('name each file once per page', () => {
    const seen = new Map<string, Sample>();
    const clashes: string[] = [];
    for (const sample of CHECKED) {
      const key = `${folderOf(sample.doc)}/${sample.file}`;
      const earlier = seen.get(key);
      if (earlier) clashes.push(`${sample.doc}:${sample.line} and line ${earlier.line} both write ${sample.file}`);
      seen.set(key, sample);
    }
    assert.deepEqual(clashes, []);
  });

  it('compile under a strict tsconfig, resolving the package names', { timeout: 240_000 }, async () => {
    const byPath = new Map<string, Sample>();
    for (const sample of CHECKED) {
      const path = join(dir, folderOf(sample.doc), sample.file);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, sample.code);
      byPath.set(posix(relative(dir, path)), sample);
    }
    // An SDK for the pages that call one, written by `warren codegen` itself.
    const failures: string[] = [];
    for (const doc of new Set(CHECKED.map((s) => s.doc))) {
      const folder = folderOf(doc);
      const samples = CHECKED.filter((s) => s.doc === doc);
      if (!samples.some((s) => importsOf(s.code).some((spec) => /(^|\/)generated\/client\.[jt]s$/.test(spec)))) continue;
      const own = join(dir, folder, 'src/service.ts');
      const service = existsSync(own) ? own : EXAMPLE_CONTRACTS;
      await run(process.execPath, [CLI, 'codegen', '--service', service, '--out', join(dir, folder, 'generated')], { cwd: ROOT }).catch(
        (err: { stderr?: string; message: string }) => {
          const what = existsSync(own) ? `its sample src/service.ts (line ${samples.find((s) => s.file === 'src/service.ts')!.line})` : 'schemas/index.ts';
          failures.push(`${doc}: warren codegen from ${what} failed: ${(err.stderr || err.message).trim().split(dir).join('<samples>')}`);
        },
      );
    }
    writeFileSync(
      join(dir, 'tsconfig.json'),
      `${JSON.stringify(
        {
          compilerOptions: {
            // The tsconfig of a `warren init` project: strict, NodeNext, and relative `.ts` imports
            // that tsc rewrites to `.js` when it emits. No custom condition: Warren's types are the
            // compiled declarations of dist/, as an app that installed the packages sees them.
            strict: true,
            noUncheckedIndexedAccess: true,
            verbatimModuleSyntax: true,
            target: 'ES2022',
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            rewriteRelativeImportExtensions: true,
            noEmit: true,
            skipLibCheck: true,
            lib: ['ES2022', 'DOM'],
            types: ['node'],
          },
          include: ['**/*.ts'],
        },
        null,
        2,
      )}\n`,
    );
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    const result = await run(process.execPath, [TSC, '-p', dir, '--pretty', 'false'], { cwd: ROOT, env, maxBuffer: 64 * 1024 * 1024 }).then(
      () => '',
      (err: { stdout?: string; stderr?: string; message: string }) => `${err.stdout ?? ''}${err.stderr ?? ''}` || err.message,
    );
    // tsc's `file(line,col): error …`, its file mapped back to the page and line of the sample.
    const locate = (line: string) => {
      const match = /^(.+?)\((\d+),(\d+)\): (error .*)$/.exec(line);
      if (!match) return line;
      const sample = byPath.get(posix(relative(dir, resolve(ROOT, match[1]!))));
      if (!sample) return `${posix(relative(ROOT, resolve(ROOT, match[1]!)))}:${match[2]}: ${match[4]}`;
      return `${sample.doc}:${sample.line + Number(match[2]) - 1} (sample ${sample.file}, column ${match[3]}): ${match[4]}`;
    };
    const errors = [...failures, ...result.split('\n').filter((line) => line.trim() !== '').map(locate)];
    assert.deepEqual(errors, [], `samples that do not compile:\n${errors.join('\n')}`);
  });
});

describe('the README', () => {
  it('links to every page under docs/', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const missing = pages()
      .filter((p) => p !== 'README.md')
      .filter((p) => !readme.includes(`](${p})`) && !readme.includes(`](${p}#`) && !readme.includes(`](./${p})`));
    assert.ok(pages().length > 1, 'no docs/ pages');
    assert.deepEqual(missing, [], 'README.md does not link to these pages');
  });

  it('and the pages link only to files and headings that exist', () => {
    const broken: string[] = [];
    for (const doc of pages()) {
      for (const match of withoutCode(readFileSync(join(ROOT, doc), 'utf8')).matchAll(/\]\(([^)\s]+)\)/g)) {
        const [path = '', anchor] = match[1]!.split('#');
        if (/^[a-z][a-z0-9+.-]*:/i.test(path)) continue;
        const target = path === '' ? join(ROOT, doc) : resolve(ROOT, dirname(doc), path);
        if (!existsSync(target)) broken.push(`${doc}: ${match[1]} (no such file)`);
        else if (anchor !== undefined && target.endsWith('.md') && !anchorsOf(readFileSync(target, 'utf8')).has(anchor)) {
          broken.push(`${doc}: ${match[1]} (no such heading)`);
        }
      }
    }
    assert.deepEqual(broken, []);
  });
});
