/** Test helper: generate contracts into a fresh temp directory that tsc treats as ESM. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate, writeOutput } from '../../codegen/index.ts';
import type { Contract } from '../../src/contract/defineContract.ts';
import { ROOT } from '../helpers/paths.ts';

export { ROOT };

export const RUNTIME = join(ROOT, 'packages/warren-client/src/index.ts');

/** Writes the generated files to a new temp dir (with `{"type":"module"}`) and returns its path. */
export function generateInto(contracts: readonly Contract[], prefix = 'warren-codegen-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeOutput(dir, generate(contracts, { source: 'test', runtimeImport: RUNTIME }));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  return dir;
}
