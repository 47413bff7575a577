/**
 * Loads a service module: it exports `contracts`, for workers `implementations`, and
 * optionally `web` (a page the gateway serves) and the gateway's access hooks `authenticate`,
 * `authorize` and `authorizeSubscribe` (GatewayOptions: who a caller is, which calls and which
 * subscriptions it may make). Without the hooks every caller is anonymous and allowed.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isContract, type Contract } from '../contract/defineContract.ts';
import type { Implementation } from '../contract/implement.ts';
import type { GatewayOptions } from '../gateway/GatewayOptions.ts';
import type { WebOptions } from '../gateway/webPage.ts';

/** The gateway hooks a service module may export, under the names GatewayOptions gives them. */
export type AccessHooks = Pick<GatewayOptions, 'authenticate' | 'authorize' | 'authorizeSubscribe'>;

const HOOKS = {
  authenticate: '(request) => principal | null, throwing to refuse the upgrade with 401',
  authorize: '(principal, { wireName, spec, params }) => boolean',
  authorizeSubscribe: '(principal, { event, topic, spec }) => boolean',
} as const;

export interface ServiceModule {
  contracts: Contract[];
  implementations: Implementation[];
  /** The module's `web` export, its paths resolved against the module's folder. */
  web: WebOptions | undefined;
  /** The module's `authenticate`, `authorize` and `authorizeSubscribe` exports, those it has. */
  access: AccessHooks;
}

export class UsageError extends Error {}

const TYPESCRIPT = /\.[mc]?tsx?$/;
let typescriptLoader: Promise<void> | undefined;

/**
 * Warren itself runs as compiled JavaScript; a service module written in TypeScript is the one
 * thing that needs a loader. tsx is registered once, the first time such a module is loaded.
 */
function registerTypeScript(): Promise<void> {
  typescriptLoader ??= import('tsx/esm/api').then(({ register }) => {
    register();
  });
  return typescriptLoader;
}

export async function loadService(path: string, needImplementations: boolean): Promise<ServiceModule> {
  const file = resolve(path);
  if (!existsSync(file)) throw new UsageError(`Service module not found: ${file}`);
  let mod: Record<string, unknown>;
  try {
    if (TYPESCRIPT.test(file)) await registerTypeScript();
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
  return { contracts, implementations, web: webOf(mod.web, file), access: accessOf(mod, file) };
}

function accessOf(mod: Record<string, unknown>, file: string): AccessHooks {
  const access: Record<string, unknown> = {};
  for (const [name, shape] of Object.entries(HOOKS)) {
    const hook = mod[name];
    if (hook === undefined) continue;
    if (typeof hook !== 'function') throw new UsageError(`${file}: "${name}" must be a function ${shape}, got ${typeof hook}`);
    access[name] = hook;
  }
  return access as AccessHooks;
}

function webOf(web: unknown, file: string): WebOptions | undefined {
  if (web === undefined) return undefined;
  const { root, sdk } = (web ?? {}) as Partial<Record<keyof WebOptions, unknown>>;
  if (typeof root !== 'string' || typeof sdk !== 'string') {
    throw new UsageError(`${file}: "web" must be { root: <folder of index.html>, sdk: <generated client.ts> }`);
  }
  return { root: resolve(dirname(file), root), sdk: resolve(dirname(file), sdk) };
}
