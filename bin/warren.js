#!/usr/bin/env node
// The `warren` command. It runs Warren's compiled JavaScript (dist/); a TypeScript service
// module is loaded through tsx, which the CLI registers when it meets one.
//
// In a checkout of Warren run with `--conditions=warren-source`, `#cli` names the TypeScript
// source instead, and tsx is registered first so that Node can load it.
const cli = import.meta.resolve('#cli');
if (cli.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(cli);
