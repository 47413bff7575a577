/**
 * Warren as a user gets it: both packages packed into tarballs and installed with npm into a
 * fresh app outside this repository, next to the app's own zod, TypeScript, ws and Node types.
 * The app is plain: strict NodeNext TypeScript, no .ts import extensions, skipLibCheck off
 * (so Warren's shipped .d.ts files are type-checked under the app's settings, not ours), and
 * it imports only the package names `warren` and `warren-client`, never this repo's sources.
 *
 * Everything the app runs is compiled JavaScript started with plain node and an environment
 * without NODE_OPTIONS (appEnv): no tsx, no `warren-source` condition. Only `warren codegen`
 * loads the TypeScript service module, through the tsx that warren depends on.
 *
 * The steps share one install and build, in order: codegen + tsc; a deliberately wrong call
 * that must not compile; `warren serve` with the compiled client app; the SDK bundled for a
 * browser page in Chromium; one call over RabbitMQ through separate gateway and worker
 * processes.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, relative, sep } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { brokerAvailable, needsBroker, queueState, uniqueName, withChannel } from '../helpers/broker.ts';
import { launchChromium, needsChromium } from '../helpers/browser.ts';
import { appEnv, npm, packWarren, tempApp, type Tarballs } from '../helpers/packages.ts';
import { waitReady } from '../helpers/processes.ts';

/**
 * The service's name is unique to this run: its RabbitMQ queues (`warren.rpc.<service>.*`)
 * cannot collide with another run's on the shared broker. The SDK's namespace and error guard
 * are named after it.
 */
const SERVICE = uniqueName('greet');
const PASCAL = SERVICE[0]!.toUpperCase() + SERVICE.slice(1);
const METHODS = ['hello', 'reserve'] as const;

/** Skipped locally without RabbitMQ; with CI=true a missing broker fails the test instead. */
const BROKER = await needsBroker();

const INSTALL_TIMEOUT_MS = 300_000;
const TSC_TIMEOUT_MS = 180_000;
const READY_TIMEOUT_MS = 30_000;
const CLIENT_TIMEOUT_MS = 30_000;

// --- the app's sources, as a user would write them ---------------------------------------------

const CONTRACTS_TS = `import { z } from 'zod';
import { defineContract } from 'warren';

export const greet = defineContract({
  service: '${SERVICE}',
  description: 'Greets people and hands out name reservations.',
  methods: {
    hello: {
      description: 'A greeting for name (named params).',
      input: z.object({ name: z.string().min(1), excited: z.boolean().optional() }),
      output: z.string(),
    },
    reserve: {
      description: 'Reserves a name; every name is already taken.',
      input: z.object({ name: z.string() }),
      output: z.object({ ticket: z.number().int() }),
    },
  },
  errors: {
    NameTaken: {
      code: 4001,
      message: 'Name taken',
      data: z.object({ name: z.string(), suggestions: z.array(z.string()) }),
    },
  },
});

export const contracts = [greet];
`;

const SERVICE_TS = `import { implement } from 'warren';
import { contracts, greet } from './contracts.js';

export { contracts };

export const implementations = [
  implement(greet, {
    hello({ name, excited }) {
      return \`Hello, \${name}\${excited ? '!' : '.'}\`;
    },
    reserve({ name }, ctx) {
      throw ctx.error('NameTaken', { name, suggestions: [\`\${name}2\`, \`\${name}_\`] });
    },
  }),
];
`;

/**
 * The compiled client app: one call that returns, one that fails with the declared error,
 * each printed as a JSON line. The guard types `err.data`, so `suggestions[0]` is a string.
 */
const CLIENT_APP_TS = `import WebSocket from 'ws';
import { connect, is${PASCAL}NameTaken as isNameTaken } from './generated/client.js';

const url = process.argv[2];
if (!url) throw new Error('usage: node dist/client-app.js <ws://host:port/rpc>');

const api = connect({ url, WebSocket, reconnect: false, timeoutMs: 10_000 });
try {
  const greeting: string = await api.${SERVICE}.hello({ name: 'Ada', excited: true });
  console.log(JSON.stringify({ greeting }));
  try {
    await api.${SERVICE}.reserve({ name: 'Ada' });
    console.log(JSON.stringify({ reserved: true }));
  } catch (err) {
    if (!isNameTaken(err)) throw err;
    const first: string | undefined = err.data.suggestions[0];
    console.log(JSON.stringify({ code: err.code, message: err.message, data: err.data, first }));
  }
} finally {
  api.$client.close();
}
`;

/** Two deliberate type errors, one on each side of the contract, each on a marked line. */
const WRONG_TS = `import { implement } from 'warren';
import { greet } from './contracts.js';
import { connect } from './generated/client.js';

const api = connect({ url: 'ws://127.0.0.1:1/rpc' });
await api.${SERVICE}.hello({ name: 42 }); // WRONG-CALL: name is a string
export const wrong = implement(greet, {
  hello: ({ name }) => name.length, // WRONG-HANDLER: hello returns a string
  reserve: () => ({ ticket: 1 }),
});
`;

/** Every entry point of both packages, so tsc checks all their shipped declarations. */
const ENTRIES_TS = `import * as root from 'warren';
import * as server from 'warren/server';
import * as client from 'warren/client';
import * as codegen from 'warren/codegen';
import * as check from 'warren/check';
import * as runtime from 'warren-client';
import * as protocol from 'warren-client/protocol';

export const entries = { root, server, client, codegen, check, runtime, protocol };
`;

/** A plain strict NodeNext project: no allowImportingTsExtensions, no skipLibCheck. */
const TSCONFIG = {
  compilerOptions: {
    strict: true,
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    target: 'ES2022',
    outDir: 'dist',
    skipLibCheck: false,
  },
  include: ['contracts.ts', 'service.ts', 'client-app.ts', 'generated/**/*.ts'],
};

/** The browser page: imports the bundled SDK, calls hello, and shows the answer. */
const INDEX_HTML = `<!doctype html>
<html>
  <head><meta charset="utf-8"><title>warren consumer</title><link rel="icon" href="data:,"></head>
  <body>
    <p id="out">pending</p>
    <script type="module">
      import { connect } from './sdk.js';
      const out = document.getElementById('out');
      const api = connect({ url: new URLSearchParams(location.search).get('ws'), reconnect: false });
      try {
        out.textContent = await api.${SERVICE}.hello({ name: 'Browser' });
        out.dataset.state = 'ok';
      } catch (err) {
        out.textContent = String(err && err.message);
        out.dataset.state = 'error';
      } finally {
        api.$client.close();
      }
    </script>
  </body>
</html>
`;

// --- running things in the app -----------------------------------------------------------------

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command in the app as the user would (appEnv: no NODE_OPTIONS); never rejects. */
function runIn(cwd: string, file: string, args: string[], timeoutMs: number): Promise<Result> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, env: appEnv(), timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

function describeResult(what: string, result: Result): string {
  return `${what} exited with ${result.code}:\n${result.stdout}${result.stderr}`;
}

interface AppProcess {
  child: ChildProcess;
  output: string[];
  /** The `ws://…/rpc` URL a gateway logged. */
  url: string | undefined;
  http: string | undefined;
}

describe('warren installed from its tarballs into an app outside the repository', () => {
  let tarballs: Tarballs | undefined;
  let app: { dir: string; remove(): void } | undefined;
  const children = new Set<AppProcess>();
  let browser: Browser | undefined;
  let web: Server | undefined;
  let amqpUsed = false;

  const dir = () => {
    assert.ok(app, 'the app was not installed (see the before hook)');
    return app.dir;
  };
  const bin = (name: string) => join(dir(), 'node_modules', '.bin', name);

  /**
   * Starts `node_modules/.bin/warren <command>` in the app and resolves once it logs its ready
   * line (the gateway's URL, or the worker's "worker consuming"); bounded by READY_TIMEOUT_MS.
   */
  function startCli(command: 'serve' | 'gateway' | 'worker', args: string[]): Promise<AppProcess> {
    const child = spawn(bin('warren'), [command, ...args], {
      cwd: dir(),
      env: appEnv({ LOG_LEVEL: 'info' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const proc: AppProcess = { child, output: [], url: undefined, http: undefined };
    children.add(proc);
    const ready = command === 'worker' ? 'worker consuming' : 'gateway listening';
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`warren ${command} not ready within ${READY_TIMEOUT_MS} ms:\n${proc.output.join('')}`));
      }, READY_TIMEOUT_MS);
      let partial = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        proc.output.push(String(chunk));
        const lines = (partial + String(chunk)).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          if (!line.includes(ready)) continue;
          if (command !== 'worker') {
            let url: string | undefined;
            try {
              url = (JSON.parse(line) as { url?: string }).url;
            } catch {
              continue;
            }
            if (!url) continue;
            proc.url = url;
            proc.http = url.replace(/^ws/, 'http').replace(/\/rpc$/, '');
          }
          clearTimeout(timer);
          resolve(proc);
        }
      });
      child.stderr!.on('data', (chunk: Buffer) => proc.output.push(String(chunk)));
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`warren ${command} exited (${code ?? signal}) before it was ready:\n${proc.output.join('')}`));
      });
    });
  }

  async function stop(proc: AppProcess): Promise<void> {
    children.delete(proc);
    const { child } = proc;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
    await exited;
    clearTimeout(timer);
  }

  /** Runs the compiled client app against `url` with plain node; parses its JSON lines. */
  async function runClientApp(url: string): Promise<Record<string, unknown>[]> {
    const result = await runIn(dir(), process.execPath, ['dist/client-app.js', url], CLIENT_TIMEOUT_MS);
    assert.equal(result.code, 0, describeResult('node dist/client-app.js', result));
    return result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  function assertClientAppOutput(lines: Record<string, unknown>[]): void {
    assert.deepEqual(lines, [
      { greeting: 'Hello, Ada!' },
      { code: 4001, message: 'Name taken', data: { name: 'Ada', suggestions: ['Ada2', 'Ada_'] }, first: 'Ada2' },
    ]);
  }

  /** `warren codegen` then one `tsc -p .`; shared by every step that needs the compiled app. */
  let built: Promise<{ codegen: Result; tsc: Result }> | undefined;
  function build(): Promise<{ codegen: Result; tsc: Result }> {
    built ??= (async () => {
      const codegen = await runIn(dir(), bin('warren'), ['codegen', '--service', 'service.ts', '--out', 'generated'], 120_000);
      if (codegen.code !== 0) return { codegen, tsc: { code: null, stdout: '', stderr: 'not run: codegen failed' } };
      const tsc = await runIn(dir(), bin('tsc'), ['-p', '.', '--pretty', 'false'], TSC_TIMEOUT_MS);
      return { codegen, tsc };
    })();
    return built;
  }
  async function compiled(): Promise<void> {
    const { codegen, tsc } = await build();
    assert.equal(codegen.code, 0, describeResult('warren codegen', codegen));
    assert.equal(tsc.code, 0, describeResult('tsc -p .', tsc));
  }

  /** One `warren serve` on the memory transport, shared by the Node and browser clients. */
  let served: Promise<AppProcess> | undefined;
  function serve(): Promise<AppProcess> {
    served ??= compiled().then(() => startCli('serve', ['--service', 'dist/service.js', '--port', '0', '--transport', 'memory']));
    return served;
  }

  before(async () => {
    tarballs = await packWarren();
    console.log(
      `packed: ${tarballs.warren.tarball.split(sep).at(-1)} ${tarballs.warren.size} bytes (unpacked ${tarballs.warren.unpackedSize}, ${tarballs.warren.files.length} files); ` +
        `${tarballs.client.tarball.split(sep).at(-1)} ${tarballs.client.size} bytes (unpacked ${tarballs.client.unpackedSize}, ${tarballs.client.files.length} files)`,
    );
    app = tempApp('warren-consumer-');
    // The tarballs by path, the rest from the registry, as a user's first install would.
    await npm(
      app.dir,
      ['install', tarballs.warren.tarball, tarballs.client.tarball, 'zod@^4', 'typescript@~5.9.3', 'ws', '@types/ws', '@types/node@^20'],
      INSTALL_TIMEOUT_MS,
    );
    const files: Record<string, string> = {
      'contracts.ts': CONTRACTS_TS,
      'service.ts': SERVICE_TS,
      'client-app.ts': CLIENT_APP_TS,
      'wrong.ts': WRONG_TS,
      'entries.ts': ENTRIES_TS,
      'tsconfig.json': `${JSON.stringify(TSCONFIG, null, 2)}\n`,
      'tsconfig.wrong.json': `${JSON.stringify({ extends: './tsconfig.json', compilerOptions: { noEmit: true }, include: ['wrong.ts'] }, null, 2)}\n`,
      'tsconfig.entries.json': `${JSON.stringify({ extends: './tsconfig.json', compilerOptions: { noEmit: true }, include: ['entries.ts'] }, null, 2)}\n`,
      'web/index.html': INDEX_HTML,
    };
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(app.dir, name)), { recursive: true });
      writeFileSync(join(app.dir, name), text);
    }
  });

  after(async () => {
    await Promise.allSettled([...children].map(stop));
    await browser?.close().catch(() => {});
    web?.closeAllConnections();
    await new Promise<void>((resolve) => (web ? web.close(() => resolve()) : resolve()));
    if (amqpUsed && (await brokerAvailable())) {
      await withChannel(async (channel) => {
        for (const method of METHODS) await channel.deleteQueue(`warren.rpc.${SERVICE}.${method}`);
      }).catch((err: unknown) => console.error(`could not delete the test's queues: ${String(err)}`));
    }
    app?.remove();
    if (tarballs) rmSync(tarballs.dir, { recursive: true, force: true });
  });

  it('installs warren from the tarball, not a link into this repository', () => {
    const installed = realpathSync(join(dir(), 'node_modules', 'warren'));
    assert.equal(relative(dir(), installed).split(sep)[0], 'node_modules', `warren resolves to ${installed}`);
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    assert.ok(existsSync(join(dir(), 'node_modules', 'warren-client', 'dist', 'index.js')));
    assert.ok(pkg.dependencies['warren-client'], 'warren depends on warren-client');
    assert.equal(existsSync(join(installed, 'test')), false, 'no test/ in the installed package');
  });

  it('warren codegen writes the SDK, and tsc builds contracts, service, SDK and client app under strict NodeNext with skipLibCheck off', async () => {
    await compiled();
    for (const file of ['generated/client.ts', 'generated/openrpc.json', 'generated/asyncapi.json']) {
      assert.ok(existsSync(join(dir(), file)), `codegen wrote ${file}`);
    }
    const sdk = readFileSync(join(dir(), 'generated/client.ts'), 'utf8');
    assert.match(sdk, /from 'warren-client'/, 'the SDK imports the warren-client package');
    for (const file of ['dist/contracts.js', 'dist/service.js', 'dist/client-app.js', 'dist/generated/client.js']) {
      assert.ok(existsSync(join(dir(), file)), `tsc wrote ${file}`);
    }
  });

  it("the declarations of every entry point (warren, /server, /client, /codegen, /check, warren-client, /protocol) compile under the app's settings", async () => {
    const tsc = await runIn(dir(), bin('tsc'), ['-p', 'tsconfig.entries.json', '--pretty', 'false'], TSC_TIMEOUT_MS);
    assert.equal(tsc.code, 0, describeResult('tsc -p tsconfig.entries.json', tsc));
  });

  it('a wrong input type does not compile: tsc fails and names the file and line of each wrong use', async () => {
    await compiled();
    const lineOf = (marker: string) => WRONG_TS.split('\n').findIndex((line) => line.includes(marker)) + 1;
    const tsc = await runIn(dir(), bin('tsc'), ['-p', 'tsconfig.wrong.json', '--pretty', 'false'], TSC_TIMEOUT_MS);
    assert.notEqual(tsc.code, 0, describeResult('tsc -p tsconfig.wrong.json (expected to fail)', tsc));
    const errors = tsc.stdout.split('\n').filter((line) => /error TS\d+/.test(line));
    // Exactly the two planted errors: anything else would mean the file fails for another reason.
    assert.equal(errors.length, 2, describeResult('tsc -p tsconfig.wrong.json', tsc));
    assert.match(errors[0]!, new RegExp(`^wrong\\.ts\\(${lineOf('WRONG-CALL')},\\d+\\): error TS2322: Type 'number' is not assignable to type 'string'`));
    assert.match(errors[1]!, new RegExp(`^wrong\\.ts\\(${lineOf('WRONG-HANDLER')},\\d+\\): error TS2322: Type 'number' is not assignable to type 'string`));
  });

  it('warren serve runs the compiled service with plain node, and the compiled client app gets the result and the declared error', async () => {
    await compiled();
    // Plain JavaScript all the way: the installed package's bin, the .js module tsc wrote, and an
    // environment without NODE_OPTIONS. The CLI registers tsx only for a .ts service module or
    // when `#cli` resolves to a .ts source (the warren-source condition); neither holds here.
    assert.equal(realpathSync(bin('warren')), realpathSync(join(dir(), 'node_modules/warren/bin/warren.js')));
    assert.ok(existsSync(join(dir(), 'dist/service.js')), 'tsc wrote dist/service.js');
    assert.equal(appEnv().NODE_OPTIONS, undefined);
    const server = await serve();
    assert.match(server.output.join(''), new RegExp(`"methods":\\["${SERVICE}\\.hello","${SERVICE}\\.reserve"\\]`));
    assertClientAppOutput(await runClientApp(server.url!));
  });

  it('warren bundle makes a browser module of the SDK; a page in Chromium imports it and calls the gateway', needsChromium(), async () => {
    await compiled();
    const bundle = await runIn(dir(), bin('warren'), ['bundle', '--entry', 'generated/client.ts', '--out', 'web/sdk.js'], 60_000);
    assert.equal(bundle.code, 0, describeResult('warren bundle', bundle));
    const code = readFileSync(join(dir(), 'web/sdk.js'), 'utf8');
    assert.doesNotMatch(code, /\bfrom\s*["'][^./]/, 'the bundle imports no package');
    console.log(`browser SDK bundle: ${bundle.stdout.trim()}`);

    // The page and the bundle come from a static server of the test's own, on another port
    // than the gateway: a page hosted anywhere, talking to the gateway over WebSocket.
    const types: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };
    web = createServer((request, response) => {
      const path = (request.url ?? '/').split('?', 1)[0] === '/' ? 'index.html' : (request.url ?? '').split('?', 1)[0]!.slice(1);
      const file = join(dir(), 'web', path);
      if (path.includes('..') || !existsSync(file)) return void response.writeHead(404).end();
      response.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
    });
    await new Promise<void>((resolve) => web!.listen(0, '127.0.0.1', resolve));
    const page = `http://127.0.0.1:${(web.address() as AddressInfo).port}/`;

    const server = await serve();
    browser = await launchChromium();
    const tab = await browser.newPage();
    const pageErrors: string[] = [];
    tab.on('pageerror', (err) => pageErrors.push(err.message));
    tab.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    await tab.goto(`${page}?ws=${encodeURIComponent(server.url!)}`);
    await tab.waitForSelector('#out[data-state]', { timeout: 15_000 });
    assert.deepEqual(
      await tab.evaluate(() => {
        const out = document.getElementById('out')!;
        return { state: out.dataset.state, text: out.textContent };
      }),
      { state: 'ok', text: 'Hello, Browser.' },
    );
    assert.deepEqual(pageErrors, []);
  });

  it('over RabbitMQ: warren gateway and warren worker as separate processes serve a call of the compiled client app', BROKER, async () => {
    await compiled();
    amqpUsed = true;
    const service = ['--service', 'dist/service.js', '--transport', 'amqp'];
    const worker = await startCli('worker', service);
    const gateway = await startCli('gateway', [...service, '--port', '0']);
    await waitReady(gateway.http!);
    // The worker consumes the method's queue on the broker; the gateway only publishes to it.
    const { consumers } = await queueState(`warren.rpc.${SERVICE}.hello`);
    assert.equal(consumers, 1, 'the one worker process consumes greet.hello');
    assertClientAppOutput(await runClientApp(gateway.url!));
    assert.equal((await queueState(`warren.rpc.${SERVICE}.hello`)).messages, 0, 'no call left in the queue');
    await stop(gateway);
    await stop(worker);
  });

  it('require("warren-client") from CommonJS on this Node: recorded, not asserted', async (t) => {
    const script = "const c = require('warren-client'); console.log(typeof c.WarrenClient, Object.keys(c).join(','))";
    const result = await runIn(dir(), process.execPath, ['-e', script], 30_000);
    t.diagnostic(`node ${process.version} require('warren-client'): exit ${result.code}; ${(result.stdout + result.stderr).trim().replace(/\s+/g, ' ')}`);
  });
});
