/**
 * The SDK's unknown case, at compile time: a contract with an open enum, an open literal and an
 * open discriminated union is generated into a temp folder, and client code against it is
 * compiled with tsc. Code that handles the unknown case compiles; an exhaustive switch that
 * forgets it, or code that treats an open enum as closed, does not; closed ones stay exact.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { z } from 'zod';
import { defineContract } from '../../src/contract/defineContract.ts';
import { generateInto, ROOT } from './generateInto.ts';

const circle = z.object({ kind: z.literal('circle'), r: z.number() });
const square = z.object({ kind: z.literal('square'), side: z.number() });

const shapes = defineContract({
  service: 'shapes',
  methods: {
    get: {
      input: z.object({ status: z.enum(['open', 'paid']).meta({ open: true }) }),
      output: z.object({
        status: z.enum(['open', 'paid']).meta({ open: true }),
        closed: z.enum(['open', 'paid']),
        version: z.literal(2).meta({ open: true }),
        shape: z.discriminatedUnion('kind', [circle, square]).meta({ open: true }),
        exact: z.discriminatedUnion('kind', [circle, square]),
      }),
    },
  },
});

const dir = generateInto([shapes], 'warren-open-types-');
after(() => rmSync(dir, { recursive: true, force: true }));

const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

/** Compiles `lines` against the generated SDK with test/types' settings. */
function compile(lines: string[]): { status: number | null; output: string } {
  writeFileSync(join(dir, 'use.typecheck.ts'), `${lines.join('\n')}\n`);
  const tsconfig = { extends: join(ROOT, 'test/types/tsconfig.json'), compilerOptions: { typeRoots: [join(ROOT, 'node_modules/@types')] }, include: [], files: ['use.typecheck.ts'] };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
  const result = spawnSync(process.execPath, [TSC, '--noEmit', '-p', dir], { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const HEADER = [
  "import type { ShapesGetOutput, ShapesGetInput, UnknownTag } from './client.ts';",
  'type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;',
  'declare function expectType<T extends true>(): void;',
  'declare const out: ShapesGetOutput;',
];

describe('the SDK types of open enums and unions', () => {
  it('declares UnknownTag once, and an unknown case only where the contract is open (and only in results)', () => {
    const sdk = readFileSync(join(dir, 'client.ts'), 'utf8');
    assert.equal(sdk.match(/export type UnknownTag = typeof unknownTag;/g)?.length, 1);
    assert.match(sdk, /status: "open" \| "paid" \| \(string & \{\}\);/);
    assert.match(sdk, /closed: "open" \| "paid";/);
    assert.match(sdk, /version: 2 \| \(number & \{\}\);/);
    assert.match(sdk, /\| \{ kind: UnknownTag; \[key: string\]: unknown \};/);
    assert.match(sdk, /export interface ShapesGetInput \{\n {2}status: "open" \| "paid";\n\}/);
  });

  it('compiles client code that handles the unknown cases; known cases narrow as before', () => {
    const { status, output } = compile([
      ...HEADER,
      "expectType<Equal<ShapesGetOutput['closed'], 'open' | 'paid'>>();",
      "expectType<Equal<ShapesGetInput['status'], 'open' | 'paid'>>();",
      // A value added to the enum later is a string the type holds.
      "export const later: ShapesGetOutput['status'] = 'refunded';",
      "export const known: ShapesGetOutput['status'] = 'open';",
      'export function area(s: ShapesGetOutput["shape"]): number {',
      '  switch (s.kind) {',
      "    case 'circle': return Math.PI * s.r * s.r;",
      "    case 'square': return s.side * s.side;",
      '    default: {',
      '      expectType<Equal<typeof s.kind, UnknownTag>>();',
      '      return String(s.kind).length;',
      '    }',
      '  }',
      '}',
      'export function exact(s: ShapesGetOutput["exact"]): number {',
      '  switch (s.kind) {',
      "    case 'circle': return s.r;",
      "    case 'square': return s.side;",
      '    default: { const n: never = s; return n; }',
      '  }',
      '}',
      'export const v: number = out.version;',
    ]);
    assert.equal(status, 0, output);
  });

  it('rejects an exhaustive switch over an open union that forgets the unknown variant', () => {
    const { status, output } = compile([
      ...HEADER,
      'export function area(s: ShapesGetOutput["shape"]): number {',
      '  switch (s.kind) {',
      "    case 'circle': return s.r;",
      "    case 'square': return s.side;",
      '    default: { const n: never = s; return n; }',
      '  }',
      '}',
    ]);
    assert.notEqual(status, 0);
    assert.match(output, /TS2322: Type '\{ \[key: string\]: unknown; kind: unique symbol; \}' is not assignable to type 'never'/);
  });

  it('rejects code that treats an open enum as closed, and an unknown value in a closed enum', () => {
    const open = compile([...HEADER, "export const n: 'open' | 'paid' = out.status;"]);
    assert.notEqual(open.status, 0);
    assert.match(open.output, /TS2322/);
    const closed = compile([...HEADER, "export const c: ShapesGetOutput['closed'] = 'refunded';"]);
    assert.notEqual(closed.status, 0);
    assert.match(closed.output, /TS2322/);
  });
});
