/**
 * The module dependency rules of DESIGN.md ("Which part may import which"), checked by
 * reading the import statements of every source file under src/.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Import {
  specifier: string;
  /** Repo-relative path for a relative specifier, undefined for a package or built-in. */
  target: string | undefined;
}

/** Drops comments so that prose like "imports nothing from 'koa'" is not read as an import. */
function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

const STATIC = /(?:^|[\s;}])(?:import|export)\s[^'"`;]*?\sfrom\s*(['"])([^'"]+)\1/g;
const SIDE_EFFECT = /(?:^|[\s;}])import\s*(['"])([^'"]+)\1/g;
const DYNAMIC = /\bimport\s*\(\s*(['"`])([^'"`]+)\1\s*\)/g;
const DYNAMIC_ANY = /\bimport\s*\(/g;
/** Marks a dynamic import whose argument is not a plain string: it cannot be checked. */
const UNCHECKABLE = '<non-literal dynamic import>';

/** Every import of one source file, relative ones resolved to repo-relative paths. */
function importsOf(file: string, source: string): Import[] {
  const code = stripComments(source);
  const specifiers: string[] = [];
  for (const pattern of [STATIC, SIDE_EFFECT, DYNAMIC]) {
    for (const match of code.matchAll(pattern)) specifiers.push(match[2]!);
  }
  const literalDynamic = [...code.matchAll(DYNAMIC)].length;
  const allDynamic = [...code.matchAll(DYNAMIC_ANY)].length;
  for (let i = literalDynamic; i < allDynamic; i++) specifiers.push(UNCHECKABLE);
  return specifiers.map((specifier) => ({
    specifier,
    target: specifier.startsWith('.') ? path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)) : undefined,
  }));
}

const NETWORK = new Set(['net', 'http', 'https', 'http2', 'tls', 'dgram', 'dns']);

function isNetworkStack(specifier: string): boolean {
  const bare = specifier.replace(/^node:/, '').split('/')[0]!;
  return NETWORK.has(bare) || ['ws', 'amqplib', 'koa'].includes(packageOf(specifier));
}

function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function inside(target: string | undefined, folder: string): boolean {
  return target !== undefined && (target === folder || target.startsWith(`${folder}/`));
}

interface Rule {
  /** The folder whose files the rule constrains. */
  folder: string;
  description: string;
  /** Returns a reason when the import breaks the rule. */
  check(imp: Import): string | undefined;
  /**
   * Returns a reason when a module the folder reaches only through other modules breaks the
   * rule: what a folder may not import directly it may not load by way of a third module.
   */
  reach?(target: string): string | undefined;
}

const CLIENT = 'packages/warren-client/src';
const WIRE = `${CLIENT}/protocol`;
/** The wire protocol as the warren package imports it: warren-client's protocol entry. */
const WIRE_PACKAGE = 'warren-client/protocol';

/**
 * What of codegen the gateway may import, for its discovery document and its web page
 * (GatewayOptions.discovery, .web): the model and the OpenRPC renderer (pure: contracts in, a
 * document out), and the browser bundler, which loads esbuild inside bundleSdk(), so that only
 * a gateway serving a page loads it. Not generate(), the writers or esbuild itself.
 */
const GATEWAY_CODEGEN = new Set(['codegen/model.ts', 'codegen/renderOpenRpc.ts', 'codegen/CodegenError.ts', 'codegen/bundle.ts']);

function transportReach(target: string): string | undefined {
  if (inside(target, 'src/gateway')) return 'the gateway';
  if (inside(target, 'src/worker')) return 'the worker';
  if (target === 'src/contract/implement.ts') return "the contract's implement (handlers)";
  return undefined;
}

const RULES: Rule[] = [
  {
    folder: WIRE,
    description: 'the wire protocol imports nothing else of Warren, nothing of the network stack, no zod',
    check({ specifier, target }) {
      if (specifier === UNCHECKABLE) return 'dynamic import that cannot be checked';
      if (target !== undefined) return inside(target, WIRE) ? undefined : `outside ${WIRE}`;
      if (isNetworkStack(specifier)) return 'network stack';
      if (packageOf(specifier) === 'zod') return 'zod';
      return undefined;
    },
  },
  {
    folder: 'src/protocol',
    description: 'the AMQP mapping imports only the wire protocol, nothing of the network stack, no zod',
    check({ specifier, target }) {
      if (specifier === UNCHECKABLE) return 'dynamic import that cannot be checked';
      if (target !== undefined) return inside(target, 'src/protocol') ? undefined : 'outside src/protocol';
      if (specifier === WIRE_PACKAGE) return undefined;
      if (isNetworkStack(specifier)) return 'network stack';
      if (packageOf(specifier) === 'zod') return 'zod';
      return undefined;
    },
  },
  {
    folder: 'src/contract',
    description: 'the contract API imports zod and the protocol, nothing more',
    check({ specifier, target }) {
      if (specifier === UNCHECKABLE) return 'dynamic import that cannot be checked';
      if (target !== undefined) {
        return inside(target, 'src/contract') || inside(target, 'src/protocol') ? undefined : 'outside src/contract and src/protocol';
      }
      return packageOf(specifier) === 'zod' || specifier === WIRE_PACKAGE ? undefined : 'a package other than zod';
    },
  },
  {
    folder: CLIENT,
    description: 'the client runtime imports only itself and the wire protocol (no package, no node:)',
    check({ specifier, target }) {
      if (specifier === UNCHECKABLE) return 'dynamic import that cannot be checked';
      if (target !== undefined) return inside(target, CLIENT) ? undefined : `outside ${CLIENT}`;
      return 'a package or Node built-in';
    },
  },
  {
    folder: 'src/transport',
    description: 'transports know nothing of the gateway, the worker or handlers',
    check({ target }) {
      return target === undefined ? undefined : transportReach(target);
    },
    reach: transportReach,
  },
  {
    folder: 'src/gateway',
    description: 'the gateway never imports the worker, the CLI or examples (handlers); of codegen only the OpenRPC renderer and the bundler',
    reach(target) {
      if (inside(target, 'src/worker')) return 'the worker';
      if (inside(target, 'src/cli')) return 'the CLI';
      if (inside(target, 'examples')) return 'examples/';
      return undefined;
    },
    check({ specifier, target }) {
      if (inside(target, 'src/worker')) return 'the worker';
      if (inside(target, 'src/cli')) return 'the CLI';
      if (inside(target, 'examples')) return 'examples/';
      if (inside(target, 'codegen') && !GATEWAY_CODEGEN.has(target!)) return 'codegen beyond the OpenRPC renderer and the bundler';
      if (packageOf(specifier) === 'esbuild') return 'esbuild, which only codegen/bundle.ts loads, when a page is served';
      return undefined;
    },
  },
  {
    folder: 'src/worker',
    description: 'the worker never imports the gateway',
    check({ target }) {
      return inside(target, 'src/gateway') ? 'the gateway' : undefined;
    },
    reach: (target) => (inside(target, 'src/gateway') ? 'the gateway' : undefined),
  },
  {
    folder: 'generated',
    description: 'the generated SDK imports only the client runtime (warren-client)',
    check({ specifier, target }) {
      if (specifier === UNCHECKABLE) return 'dynamic import that cannot be checked';
      if (target !== undefined) return inside(target, 'generated') ? undefined : 'outside generated/';
      return specifier === 'warren-client' ? undefined : 'a package other than warren-client';
    },
  },
];

/** Every broken rule for one file, as printable lines. */
function violationsOf(file: string, source: string, read: (file: string) => string | undefined = readSource): string[] {
  const found: string[] = [];
  for (const rule of RULES) {
    if (!inside(file, rule.folder)) continue;
    for (const imp of importsOf(file, source)) {
      const reason = rule.check(imp);
      if (reason) found.push(`${file}: import '${imp.specifier}' reaches ${reason} (rule: ${rule.description})`);
    }
    if (!rule.reach) continue;
    for (const [target, chain] of reachedThrough(file, source, read)) {
      const reason = rule.reach(target);
      if (reason) found.push(`${file}: ${chain.join(' → ')} reaches ${reason} (rule: ${rule.description})`);
    }
  }
  return found;
}

function readSource(file: string): string | undefined {
  try {
    return readFileSync(path.join(ROOT, file), 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Every module `file` loads by way of another module (not the ones it imports itself), with
 * the chain of imports that reaches it. Relative imports only, type imports included: a type
 * is knowledge of the module that defines it.
 */
function reachedThrough(file: string, source: string, read: (file: string) => string | undefined): Map<string, string[]> {
  const direct = importsOf(file, source).flatMap((imp) => (imp.target === undefined ? [] : [imp.target]));
  const chains = new Map<string, string[]>(direct.map((target) => [target, [file, target]]));
  const reached = new Map<string, string[]>();
  const queue = [...direct];
  while (queue.length > 0) {
    const current = queue.shift()!;
    const text = read(current);
    if (text === undefined) continue;
    for (const imp of importsOf(current, text)) {
      if (imp.target === undefined || chains.has(imp.target) || imp.target === file) continue;
      const chain = [...chains.get(current)!, imp.target];
      chains.set(imp.target, chain);
      reached.set(imp.target, chain);
      queue.push(imp.target);
    }
  }
  return reached;
}

function sourceFiles(folder: string): string[] {
  const entries = readdirSync(path.join(ROOT, folder), { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && /\.(ts|mts|js|mjs)$/.test(entry.name))
    .map((entry) => path.posix.join(path.relative(ROOT, entry.parentPath).split(path.sep).join('/'), entry.name))
    .sort();
}

describe('importsOf(file, source)', () => {
  it('reads static, type-only, multi-line, re-export, side-effect and dynamic imports', () => {
    const source = [
      "import { a } from './a.ts';",
      "import type { B } from '../b/b.ts';",
      'import {',
      '  c,',
      '  d,',
      "} from 'zod';",
      "export { e } from './e.ts';",
      "export * from 'node:net';",
      "import 'koa';",
      "const f = await import('ws');",
      'const g = await import(name);',
      "// import { h } from 'commented-out';",
      "/* import { i } from 'also-commented'; */",
      "const url = 'ws://host/rpc'; // not an import from 'x'",
    ].join('\n');
    assert.deepEqual(
      importsOf('src/x/file.ts', source).map((imp) => imp.specifier).sort(),
      ['../b/b.ts', './a.ts', './e.ts', UNCHECKABLE, 'koa', 'node:net', 'ws', 'zod'].sort(),
    );
    assert.equal(importsOf('src/x/file.ts', "import { a } from '../protocol/codes.ts';")[0]!.target, 'src/protocol/codes.ts');
  });

  it('finds the imports of a real file', () => {
    const file = 'src/gateway/Gateway.ts';
    const specifiers = importsOf(file, readFileSync(path.join(ROOT, file), 'utf8')).map((imp) => imp.specifier);
    assert.ok(specifiers.includes('koa'), specifiers.join(', '));
    assert.ok(specifiers.includes('ws'), specifiers.join(', '));
  });
});

describe('violationsOf(file, source)', () => {
  /** The rules on the imports of `source` alone: no module it names is read from disk. */
  const direct = (file: string, source: string) => violationsOf(file, source, () => undefined);

  it('flags a synthetic source that breaks the rules', () => {
    const protocol = direct(
      'src/protocol/bad.ts',
      [
        "import net from 'node:net';",
        "import { createServer } from 'http';",
        "import type { z } from 'zod';",
        "import { Gateway } from '../gateway/Gateway.ts';",
        "import { ok } from './codes.ts';",
        "const m = await import(somewhere);",
      ].join('\n'),
    );
    assert.equal(protocol.length, 5, protocol.join('\n'));
    assert.ok(protocol.every((line) => line.startsWith('src/protocol/bad.ts: import ')));
    assert.ok(protocol.some((line) => line.includes("'node:net'")));
    assert.ok(protocol.some((line) => line.includes("'../gateway/Gateway.ts'")));

    assert.equal(direct(`${CLIENT}/bad.ts`, "import { z } from 'zod';\nimport x from 'node:events';").length, 2);
    assert.equal(direct(`${CLIENT}/bad.ts`, "import { Gateway } from '../../../src/gateway/Gateway.ts';").length, 1);
    assert.equal(direct(`${CLIENT}/ok.ts`, "import { ErrorCode } from './protocol/codes.ts';").length, 0);
    // The wire protocol is inside the client runtime: one import out of it breaks both rules.
    assert.equal(direct(`${WIRE}/bad.ts`, "import { Call } from '../../../../src/protocol/call.ts';").length, 2);
    assert.equal(direct('src/protocol/ok.ts', "import { ErrorCode } from 'warren-client/protocol';").length, 0);
    assert.equal(direct('src/contract/bad.ts', "import pino from 'pino';\nimport type { T } from '../transport/Transport.ts';").length, 2);
    assert.equal(direct('src/contract/ok.ts', "import { z } from 'zod';\nimport { ErrorCode } from '../protocol/codes.ts';").length, 0);
    assert.equal(direct('src/transport/bad.ts', "import type { Handlers } from '../contract/implement.ts';").length, 1);
    assert.equal(direct('src/transport/bad.ts', "import { Session } from '../gateway/Session.ts';").length, 1);
    assert.equal(direct('src/gateway/bad.ts', "import { Worker } from '../worker/Worker.ts';").length, 1);
    assert.equal(direct('src/gateway/bad.ts', "import service from '../../examples/chat/service.ts';").length, 1);
    assert.equal(direct('src/gateway/bad.ts', "import { UsageError } from '../cli/loadService.ts';").length, 1);
    assert.equal(direct('src/gateway/bad.ts', "import { generate } from '../../codegen/index.ts';\nimport * as esbuild from 'esbuild';").length, 2);
    assert.equal(direct('src/gateway/ok.ts', "import { renderOpenRpc } from '../../codegen/renderOpenRpc.ts';\nimport { bundleSdk } from '../../codegen/bundle.ts';").length, 0);
    assert.equal(direct('generated/client.ts', "import { WarrenClient } from 'warren-client';").length, 0);
    assert.equal(direct('generated/client.ts', "import { Gateway } from 'warren/server';\nimport { x } from '../src/index.ts';").length, 2);
    assert.equal(direct('src/worker/bad.ts', "import type { Gateway } from '../gateway/Gateway.ts';").length, 1);
  });
});

describe('violationsOf(file, source, read): modules reached through others', () => {
  it('flags a transport that reaches handlers by way of a third module, naming the chain', () => {
    const sources = new Map([
      ['src/x/helper.ts', "import type { Handlers } from '../contract/implement.ts';\nexport type H = Handlers;"],
      ['src/contract/implement.ts', 'export type Handlers = object;'],
    ]);
    const found = violationsOf('src/transport/bad.ts', "import type { H } from '../x/helper.ts';", (file) => sources.get(file));
    assert.equal(found.length, 1, found.join('\n'));
    assert.match(found[0]!, /src\/transport\/bad\.ts → src\/x\/helper\.ts → src\/contract\/implement\.ts reaches the contract's implement/);
    const clean = violationsOf('src/transport/ok.ts', "import type { H } from '../x/other.ts';", (file) => (file === 'src/x/other.ts' ? 'export type H = 1;' : undefined));
    assert.deepEqual(clean, []);
  });
});

describe('import rules (DESIGN.md)', () => {
  for (const rule of RULES) {
    it(`${rule.folder}: ${rule.description}`, () => {
      const files = sourceFiles(rule.folder);
      assert.ok(files.length > 0, `no source files under ${rule.folder}`);
      const violations = files.flatMap((file) => violationsOf(file, readFileSync(path.join(ROOT, file), 'utf8')));
      assert.deepEqual(violations, [], `\n${violations.join('\n')}`);
    });
  }
});

/**
 * Runtime import cycles. Two modules that import values from each other depend on evaluation
 * order: whichever loads second sees the other's bindings before they are initialised. Only
 * imports that survive compilation count: `import type` and `export type` are erased, while
 * `import { type A } from` stays (as a bare import, under verbatimModuleSyntax), and so do
 * re-exports and side-effect imports. A dynamic import() runs after both modules have loaded,
 * so it does not count either.
 */
const CYCLE_ROOTS = ['src', 'codegen', CLIENT];

const VALUE_STATEMENT = /(?:^|[\s;}])(?:import|export)\s+(type\s+)?[^'"`;]*?\sfrom\s*(['"])([^'"]+)\2/g;

/** The repo-relative files that one source file imports at runtime through relative specifiers. */
function runtimeImportsOf(file: string, source: string): string[] {
  const code = stripComments(source);
  const specifiers: string[] = [];
  for (const match of code.matchAll(VALUE_STATEMENT)) if (match[1] === undefined) specifiers.push(match[3]!);
  for (const match of code.matchAll(SIDE_EFFECT)) specifiers.push(match[2]!);
  return [
    ...new Set(
      specifiers.filter((specifier) => specifier.startsWith('.')).map((specifier) => path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier))),
    ),
  ].sort();
}

/**
 * Every cycle of the graph, one per strongly connected component (Tarjan's algorithm), each
 * written as a path that starts and ends at the component's first file in sort order.
 */
function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const edges = (file: string) => (graph.get(file) ?? []).filter((target) => graph.has(target));
  const visit = (file: string) => {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const target of edges(file)) {
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file)!, index.get(target)!));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || edges(file).includes(file)) components.push(component.sort());
  };
  for (const file of [...graph.keys()].sort()) if (!index.has(file)) visit(file);
  // A shortest way round each component, found breadth-first from its first file back to it.
  return components
    .map((component) => {
      const members = new Set(component);
      const start = component[0]!;
      const previous = new Map<string, string>();
      const queue = [start];
      while (queue.length > 0 && !previous.has(start)) {
        const file = queue.shift()!;
        for (const target of edges(file)) {
          if (!members.has(target) || previous.has(target)) continue;
          previous.set(target, file);
          queue.push(target);
        }
      }
      const cycle = [start];
      for (let file = previous.get(start)!; file !== start; file = previous.get(file)!) cycle.unshift(file);
      return [start, ...cycle];
    })
    .sort((a, b) => a[0]!.localeCompare(b[0]!));
}

describe('runtime import cycles', () => {
  it('runtimeImportsOf counts value imports, re-exports and side-effect imports, not type-only or dynamic ones', () => {
    const source = [
      "import { a } from './a.ts';",
      "import type { B } from './b.ts';",
      "import { type C } from './c.ts';",
      "export { d } from '../d.ts';",
      "export type { E } from './e.ts';",
      "export * from './f.ts';",
      "import './g.ts';",
      "import { z } from 'zod';",
      "const h = await import('./h.ts');",
      "// import { i } from './i.ts';",
    ].join('\n');
    assert.deepEqual(runtimeImportsOf('src/x/file.ts', source), ['src/d.ts', 'src/x/a.ts', 'src/x/c.ts', 'src/x/f.ts', 'src/x/g.ts']);
  });

  it('importCycles finds each cycle once, as a path, and nothing in a graph without one', () => {
    const graph = new Map<string, string[]>([
      ['a', ['b']],
      ['b', ['c', 'outside']],
      ['c', ['a']],
      ['d', ['e']],
      ['e', ['d', 'a']],
      ['f', ['f']],
      ['g', ['a']],
    ]);
    assert.deepEqual(importCycles(graph), [['a', 'b', 'c', 'a'], ['d', 'e', 'd'], ['f', 'f']]);
    assert.deepEqual(importCycles(new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]])), []);
  });

  it('a type-only import back does not make a cycle; a value import back does', () => {
    const graphOf = (back: string) =>
      new Map([
        ['codegen/model.ts', runtimeImportsOf('codegen/model.ts', "import { nameDefinitions } from './definitions.ts';")],
        ['codegen/definitions.ts', runtimeImportsOf('codegen/definitions.ts', back)],
      ]);
    assert.deepEqual(importCycles(graphOf("import type { Message } from './model.ts';")), []);
    assert.deepEqual(importCycles(graphOf("import { buildModel } from './model.ts';")), [['codegen/definitions.ts', 'codegen/model.ts', 'codegen/definitions.ts']]);
  });

  it(`no runtime import cycle under ${CYCLE_ROOTS.join(', ')}`, () => {
    const graph = new Map<string, string[]>();
    for (const root of CYCLE_ROOTS) {
      for (const file of sourceFiles(root)) graph.set(file, runtimeImportsOf(file, readFileSync(path.join(ROOT, file), 'utf8')));
    }
    assert.ok(graph.size > 50, `only ${graph.size} source files found`);
    const cycles = importCycles(graph).map((cycle) => cycle.join(' → '));
    assert.deepEqual(cycles, [], `\n${cycles.join('\n')}`);
  });
});
