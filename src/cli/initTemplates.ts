/**
 * The files `warren init` writes, as text. They live in this module, not in a template folder,
 * so they compile into dist with the rest of the CLI and ship with nothing extra.
 *
 * The contract files are kept apart (CONTRACT_FILES): init loads them itself to write the
 * generated SDK and the contract lock, so a fresh project's `codegen --check` and `check` pass.
 */

export interface TemplateOptions {
  /** The package name of the new project. */
  name: string;
  /** The running Warren's version; the project depends on `^` it for warren and warren-client. */
  warrenVersion: string;
}

/** The service module, as the project's scripts name it (also the banner of the generated SDK). */
export const SERVICE_MODULE = 'src/service.ts';
/** Where codegen writes the SDK, schemas and documents, relative to the project. */
export const GENERATED_DIR = 'generated';
/** The contract lock, relative to the project. */
export const LOCK_FILE = 'contracts.lock.json';
/** The contracts module that exports `contracts`, relative to the project. */
export const CONTRACTS_ENTRY = 'contracts/index.ts';

/** The contracts, which import only `zod` and `warren`. */
export const CONTRACT_FILES: ReadonlyMap<string, string> = new Map([
  [
    'contracts/greeter.ts',
    `import { z } from 'zod';
import { defineContract } from 'warren';

/** Languages greeter.greet speaks; any other is the declared error UnsupportedLanguage. */
export const LANGUAGES = ['en', 'fr', 'es'] as const;

export const greeter = defineContract({
  service: 'greeter',
  version: '1.0.0',
  description: 'Greets people by name. Replace it with your own service.',
  methods: {
    greet: {
      description: 'Greets someone by name (named params).',
      input: z.object({
        name: z.string().min(1).max(64).describe('Who to greet'),
        language: z.string().default('en').describe('Language of the greeting: en, fr or es (default en)'),
      }),
      output: z.object({ message: z.string() }),
    },
  },
  events: {
    greeted: {
      description: 'Someone was greeted; subscribe to greeter.greeted to see every greeting.',
      payload: z.object({ name: z.string(), message: z.string() }),
    },
  },
  errors: {
    UnsupportedLanguage: {
      code: 1001,
      message: 'Unsupported language',
      description: 'greeter.greet does not speak the requested language.',
      data: z.object({ language: z.string(), supported: z.array(z.string()) }),
    },
  },
});
`,
  ],
  [
    CONTRACTS_ENTRY,
    `/** Every contract of this project: the single source of truth of its API. */
import { greeter } from './greeter.ts';

export { greeter };
export const contracts = [greeter];
`,
  ],
]);

const HANDLERS = `/** Handlers of the greeter service: implement() checks them against the contract. */
import { implement } from 'warren';
import { greeter, LANGUAGES } from '../contracts/greeter.ts';

const GREETINGS: Record<string, string> = { en: 'Hello', fr: 'Bonjour', es: 'Hola' };

export const greeterService = implement(greeter, {
  async greet({ name, language }, ctx) {
    const greeting = GREETINGS[language];
    if (greeting === undefined) throw ctx.error('UnsupportedLanguage', { language, supported: [...LANGUAGES] });
    const message = \`\${greeting}, \${name}!\`;
    await ctx.emit('greeted', { name, message });
    return { message };
  },
});
`;

const SERVICE = `/**
 * The service module that \`warren serve\`, \`warren codegen\` and \`warren check\` load:
 * the contracts, and the handlers the workers run.
 */
import { contracts } from '../contracts/index.ts';
import { greeterService } from './handlers.ts';

export { contracts };
export const implementations = [greeterService];
`;

const TEST = `/**
 * The greeter over a real gateway and worker on the in-memory transport: the client speaks
 * JSON-RPC over a WebSocket, exactly as it would to \`npm start\`.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { WarrenClient, WarrenError, type WebSocketConstructor } from 'warren-client';
import { Gateway, MemoryTransport, Worker } from 'warren/server';
import WebSocket from 'ws';
import { greeter } from '../contracts/greeter.ts';
import { contracts, implementations } from '../src/service.ts';

const transport = new MemoryTransport();
const worker = new Worker({ transport, implementations });
const gateway = new Gateway({ transport, contracts });
let client: WarrenClient;

before(async () => {
  transport.start();
  await worker.start();
  const { port } = await gateway.listen(0, '127.0.0.1');
  // Node 20 has no global WebSocket; the ws package fills in.
  client = new WarrenClient({ url: \`ws://127.0.0.1:\${port}/rpc\`, WebSocket: WebSocket as unknown as WebSocketConstructor });
});

after(async () => {
  client.close();
  await gateway.close();
  await worker.stop();
  await transport.close();
});

test('greeter.greet greets by name', async () => {
  assert.deepEqual(await client.call('greeter.greet', { name: 'Ada' }), { message: 'Hello, Ada!' });
  assert.deepEqual(await client.call('greeter.greet', { name: 'Ada', language: 'fr' }), { message: 'Bonjour, Ada!' });
});

test('greeter.greet answers the declared error UnsupportedLanguage', async () => {
  const error = await client.call('greeter.greet', { name: 'Ada', language: 'tlh' }).then(
    () => assert.fail('expected UnsupportedLanguage'),
    (err: unknown) => err,
  );
  assert.ok(error instanceof WarrenError);
  assert.equal(error.code, greeter.errors.UnsupportedLanguage.code);
  assert.deepEqual(error.data, { language: 'tlh', supported: ['en', 'fr', 'es'] });
});
`;

const TSCONFIG = `{
  "compilerOptions": {
    "target": "ES2022",
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "strict": true,
    "noUncheckedIndexedAccess": true,
    "verbatimModuleSyntax": true,
    "skipLibCheck": true,
    "rewriteRelativeImportExtensions": true,
    "rootDir": ".",
    "outDir": "dist",
    "types": ["node"]
  },
  "include": ["contracts", "src", "test"]
}
`;

const CI = `# Fails when the committed SDK or contract lock is stale, when a contract change breaks
# clients (warren check), or when a test fails. Commit package-lock.json for \`npm ci\`.
name: ci
on:
  push:
  pull_request:
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - run: npm ci
      - run: npm run codegen -- --check
      - run: npm run check
      - run: npm run build
      - run: npm test
`;

const GITIGNORE = `node_modules
dist
`;

function packageJson({ name, warrenVersion }: TemplateOptions): string {
  const pkg = {
    name,
    version: '0.1.0',
    private: true,
    type: 'module',
    engines: { node: '>=20' },
    scripts: {
      dev: `warren serve --service ${SERVICE_MODULE}`,
      build: 'tsc',
      start: 'npm run build && warren serve --service dist/src/service.js',
      codegen: `warren codegen --service ${SERVICE_MODULE} --out ${GENERATED_DIR}`,
      check: `warren check --service ${SERVICE_MODULE} --lock ${LOCK_FILE} --locked`,
      'check:update': `warren check --service ${SERVICE_MODULE} --lock ${LOCK_FILE} --update`,
      test: 'node --import tsx --test test/*.test.ts',
    },
    dependencies: {
      warren: `^${warrenVersion}`,
      'warren-client': `^${warrenVersion}`,
      zod: '^4.0.0',
    },
    devDependencies: {
      '@types/node': '^20.0.0',
      '@types/ws': '^8.18.0',
      tsx: '^4.20.0',
      typescript: '~5.9.3',
      ws: '^8.18.0',
    },
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

function readme({ name }: TemplateOptions): string {
  return `# ${name}

A [Warren](https://github.com/warren-rpc/warren) service: typed JSON-RPC 2.0 over WebSocket,
its API written once as zod contracts.

## Commands

\`\`\`sh
npm install
npm run dev                # gateway + workers in one process, TypeScript loaded on the fly
npm test                   # the tests in test/, against a real gateway on the in-memory transport
npm run build              # tsc into dist/
npm start                  # build, then serve dist/src/service.js
npm run codegen            # regenerate generated/ (SDK, JSON Schemas, OpenRPC, AsyncAPI)
npm run check              # fail on contract changes that break clients, or a stale lock
npm run check:update       # accept the contract changes into contracts.lock.json
\`\`\`

The server logs \`gateway listening on ws://127.0.0.1:3000/rpc\`; \`PORT\` changes the port
(\`PORT=0\` picks a free one). It runs on the embedded in-memory transport; set \`AMQP_URL\`
to route calls through RabbitMQ instead. Try a call:

\`\`\`sh
node -e '
const ws = new (require("ws"))("ws://127.0.0.1:3000/rpc");
ws.on("open", () => ws.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "greeter.greet", params: { name: "Ada" } })));
ws.on("message", (m) => { console.log(String(m)); ws.close(); });'
# {"jsonrpc":"2.0","id":1,"result":{"message":"Hello, Ada!"}}
\`\`\`

## Layout

\`\`\`
contracts/          the API: zod contracts (greeter.ts), all of them listed in index.ts
src/handlers.ts     the handlers, bound to their contract with implement()
src/service.ts      the module warren serve / codegen / check load: contracts + implementations
test/               node:test tests
generated/          codegen output, committed: client.ts imports only warren-client
contracts.lock.json the contracts as last released, for npm run check
.github/workflows/  CI: codegen --check, check, build, test
\`\`\`

## Where to go next

- Add a method: declare it in \`contracts/greeter.ts\`, implement it in \`src/handlers.ts\`
  (tsc tells you what is missing), then \`npm run codegen\` and \`npm run check:update\`, and
  commit \`generated/\` and \`contracts.lock.json\` with the change. CI fails when you forget.
- Call it from a browser or another Node app with the generated SDK:
  \`connect({ url })\` from \`generated/client.ts\` gives \`api.greeter.greet({ name })\`, typed.
- A breaking change (a removed method, a new required param) fails \`npm run check\` unless
  the contract's \`version\` major goes up.
- Scale out: \`warren gateway\` and \`warren worker\` run apart, over RabbitMQ (\`AMQP_URL\`).
`;
}

/** Every file of a new project except the generated ones, keyed by its path relative to the project. */
export function projectFiles(options: TemplateOptions): Map<string, string> {
  return new Map([
    ['package.json', packageJson(options)],
    ['tsconfig.json', TSCONFIG],
    ['.gitignore', GITIGNORE],
    ['README.md', readme(options)],
    ['.github/workflows/ci.yml', CI],
    ...CONTRACT_FILES,
    ['src/handlers.ts', HANDLERS],
    [SERVICE_MODULE, SERVICE],
    ['test/greeter.test.ts', TEST],
  ]);
}
