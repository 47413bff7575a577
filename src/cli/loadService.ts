/** Loads a service module: it exports `contracts` and, for workers, `implementations`. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isContract, type Contract } from '../contract/defineContract.ts';
import type { Implementation } from '../contract/implement.ts';

export interface ServiceModule {
  contracts: Contract[];
  implementations: Implementation[];
}

export class UsageError extends Error {}

export async function loadService(path: string, needImplementations: boolean): Promise<ServiceModule> {
  const file = resolve(path);
  if (!existsSync(file)) throw new UsageError(`Service module not found: ${file}`);
  let mod: Record<string, unknown>;
  try {
    mod = await import(pathToFileURL(file).href);
  } catch (err) {
    throw new UsageError(`Could not load service module ${file}: ${(err as Error).message}`);
  }
  const contracts = mod.contracts;
  if (!Array.isArray(contracts) || contracts.length === 0 || !contracts.every(isContract)) {
    throw new UsageError(`${file} must export "contracts": a non-empty array of defineContract(...) values`);
  }
  const implementations = (mod.implementations ?? []) as Implementation[];
  if (needImplementations && (!Array.isArray(implementations) || implementations.length === 0)) {
    throw new UsageError(`${file} must export "implementations": an array of implement(...) values`);
  }
  return { contracts, implementations };
}
