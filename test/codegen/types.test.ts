/**
 * Type-level tests: compiles test/types (the generated SDK, and defineContract's orderBy typing,
 * the latter also against the emitted declarations in dist) with tsc, and proves the harness can
 * fail: a fixture whose `@ts-expect-error` line is actually valid must not compile.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from './generateInto.ts';

const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

function tsc(project: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [TSC, '--noEmit', '-p', project], { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const CLIENT = JSON.stringify(join(ROOT, 'generated/client.ts'));

/** Compiles one temp file with test/types' settings, outside the repo. */
function compileFixture(lines: string[]): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'warren-types-'));
  try {
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
    writeFileSync(join(dir, 'fixture.typecheck.ts'), `${lines.join('\n')}\n`);
    const tsconfig = {
      extends: join(ROOT, 'test/types/tsconfig.json'),
      compilerOptions: { typeRoots: [join(ROOT, 'node_modules/@types')] },
      include: [],
      files: ['fixture.typecheck.ts'],
    };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
    return tsc(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('tsc --noEmit -p test/types (the generated SDK and contracts at compile time)', () => {
  it('accepts right uses, rejects every @ts-expect-error line, infers outputs exactly', () => {
    const { status, output } = tsc(join(ROOT, 'test/types'));
    assert.equal(status, 0, output);
  });

  it('types orderBy from the published declarations too (dist, as built by npm run build)', () => {
    // Without the warren-source condition `warren` resolves to dist/src/index.d.ts: what a user
    // of the package compiles against, so this fails if declaration emit loses the typing.
    const { status, output } = tsc(join(ROOT, 'test/types/tsconfig.dist.json'));
    assert.equal(status, 0, output);
  });

  it('fails when an @ts-expect-error line is in fact valid', () => {
    const { status, output } = compileFixture([
      `import type { Api } from ${CLIENT};`,
      'declare const api: Api;',
      '// @ts-expect-error this call is correct, so the directive is unused',
      'export const sum = api.math.add([1, 2]);',
    ]);
    assert.notEqual(status, 0);
    assert.match(output, /TS2578: Unused '@ts-expect-error' directive/);
  });

  it('fails when an exact-type assertion does not hold', () => {
    const { status, output } = compileFixture([
      `import type { MathAddOutput } from ${CLIENT};`,
      'type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;',
      'declare function expectType<T extends true>(): void;',
      'expectType<Equal<MathAddOutput, number | string>>();',
    ]);
    assert.notEqual(status, 0);
    assert.match(output, /TS2344/);
  });
});
