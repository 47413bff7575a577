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
  return NETWORK.has(bare) || ['ws', 'amqplib', 'amqp-connection-manager', 'koa'].includes(packageOf(specifier));
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
}

const CLIENT = 'packages/warren-client/src';
const WIRE = `${CLIENT}/protocol`;
/** The wire protocol as the warren package imports it: warren-client's protocol entry. */
const WIRE_PACKAGE = 'warren-client/protocol';

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
      if (inside(target, 'src/gateway')) return 'the gateway';
      if (inside(target, 'src/worker')) return 'the worker';
      if (target === 'src/contract/implement.ts') return "the contract's implement (handlers)";
      return undefined;
    },
  },
  {
    folder: 'src/gateway',
    description: 'the gateway never imports the worker or examples (handlers)',
    check({ target }) {
      if (inside(target, 'src/worker')) return 'the worker';
      if (inside(target, 'examples')) return 'examples/';
      return undefined;
    },
  },
  {
    folder: 'src/worker',
    description: 'the worker never imports the gateway',
    check({ target }) {
      return inside(target, 'src/gateway') ? 'the gateway' : undefined;
    },
  },
];

/** Every broken rule for one file, as printable lines. */
function violationsOf(file: string, source: string): string[] {
  const found: string[] = [];
  for (const rule of RULES) {
    if (!inside(file, rule.folder)) continue;
    for (const imp of importsOf(file, source)) {
      const reason = rule.check(imp);
      if (reason) found.push(`${file}: import '${imp.specifier}' reaches ${reason} (rule: ${rule.description})`);
    }
  }
  return found;
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
  it('flags a synthetic source that breaks the rules', () => {
    const protocol = violationsOf(
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

    assert.equal(violationsOf(`${CLIENT}/bad.ts`, "import { z } from 'zod';\nimport x from 'node:events';").length, 2);
    assert.equal(violationsOf(`${CLIENT}/bad.ts`, "import { Gateway } from '../../../src/gateway/Gateway.ts';").length, 1);
    assert.equal(violationsOf(`${CLIENT}/ok.ts`, "import { ErrorCode } from './protocol/codes.ts';").length, 0);
    // The wire protocol is inside the client runtime: one import out of it breaks both rules.
    assert.equal(violationsOf(`${WIRE}/bad.ts`, "import { Call } from '../../../../src/protocol/call.ts';").length, 2);
    assert.equal(violationsOf('src/protocol/ok.ts', "import { ErrorCode } from 'warren-client/protocol';").length, 0);
    assert.equal(violationsOf('src/contract/bad.ts', "import pino from 'pino';\nimport type { T } from '../transport/Transport.ts';").length, 2);
    assert.equal(violationsOf('src/contract/ok.ts', "import { z } from 'zod';\nimport { ErrorCode } from '../protocol/codes.ts';").length, 0);
    assert.equal(violationsOf('src/transport/bad.ts', "import type { Handlers } from '../contract/implement.ts';").length, 1);
    assert.equal(violationsOf('src/transport/bad.ts', "import { Session } from '../gateway/Session.ts';").length, 1);
    assert.equal(violationsOf('src/gateway/bad.ts', "import { Worker } from '../worker/Worker.ts';").length, 1);
    assert.equal(violationsOf('src/gateway/bad.ts', "import service from '../../examples/chat/service.ts';").length, 1);
    assert.equal(violationsOf('src/worker/bad.ts', "import type { Gateway } from '../gateway/Gateway.ts';").length, 1);
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
