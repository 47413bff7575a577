#!/usr/bin/env node
// The `warren` command. It runs Warren's compiled JavaScript; a TypeScript service module is
// loaded through tsx, registered on demand by the CLI (src/cli/loadService.ts).
await import('#cli');
