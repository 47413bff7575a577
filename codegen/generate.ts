/**
 * `generate(contracts, options)`: every output file as text, keyed by its path relative to
 * the output directory. Pure: no I/O, no clock, no randomness, so two runs give the same bytes.
 */
import type { Contract } from '../src/contract/defineContract.ts';
import type { DocumentInfo } from './documentInfo.ts';
import { stripTypes } from './emitJs.ts';
import { buildModel } from './model.ts';
import { renderAsyncApi } from './renderAsyncApi.ts';
import { renderClient } from './renderClient.ts';
import { renderOpenRpc } from './renderOpenRpc.ts';

export interface GenerateOptions {
  /** Module path of the contracts, named in the SDK's banner, e.g. `schemas/index.ts`. */
  source: string;
  /**
   * Import specifier of Warren's client runtime in the generated SDK, as seen from the output directory.
   * @default 'warren-client'
   */
  runtimeImport?: string;
  /** `info` of the OpenRPC and AsyncAPI documents. @default title from the service names, version '1.0.0' */
  info?: DocumentInfo;
  /** The SDK as `client.js` plus `client.d.ts` instead of `client.ts`. @default false */
  js?: boolean;
}

/** JSON text as codegen writes it: two-space indent, a trailing newline, nothing variable. */
function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * Every output file as text, keyed by its path relative to the output directory: `client.ts`
 * (with `js`, `client.js` and `client.d.ts`), `openrpc.json`, `asyncapi.json` and
 * `schemas/<service>.<name>.<kind>.json`.
 * @throws CodegenError for a contract JSON Schema cannot describe, naming message and field
 */
export function generate(contracts: readonly Contract[], options: GenerateOptions): Map<string, string> {
  const model = buildModel(contracts);
  const files = new Map<string, string>();
  const client = { source: options.source, runtimeImport: options.runtimeImport ?? 'warren-client' };
  if (options.js) {
    files.set('client.js', stripTypes(renderClient(model, client)));
    files.set('client.d.ts', renderClient(model, { ...client, declarations: true }));
  } else {
    files.set('client.ts', renderClient(model, client));
  }
  files.set('openrpc.json', jsonText(renderOpenRpc(model, options.info)));
  files.set('asyncapi.json', jsonText(renderAsyncApi(model, options.info)));
  for (const message of model.messages) {
    const { $schema, ...rest } = message.schema;
    files.set(message.file, jsonText({ $schema, title: message.typeName, ...rest }));
  }
  return files;
}
