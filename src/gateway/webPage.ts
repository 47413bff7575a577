/**
 * The gateway's web page (GatewayOptions.web): the static files of one folder, plus `/sdk.js`,
 * the service's generated SDK bundled for the browser.
 *
 * The folder is read when the gateway is built, and a bad one refused there with a TypeError
 * naming `web.root`. The SDK is bundled in listen(): esbuild, which bundleSdk loads on its
 * first call, loads only in a gateway that serves a page.
 *
 * Files are read once, and only by their own names: a request can reach nothing but the
 * top-level files of the folder, whatever its path says.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type Koa from 'koa';
import { bundleSdk } from '../../codegen/bundle.ts';
import type { Logger } from '../contract/implement.ts';

/** A page for the gateway to serve; also what a service module exports as `web` for the CLI. */
export interface WebOptions {
  /** Folder of the page: index.html and its other files (top level only). */
  root: string;
  /** The service's generated SDK (e.g. generated/client.ts), served bundled at /sdk.js. */
  sdk: string;
}

/** URL path of the bundled SDK; the page imports it as `./sdk.js`. */
export const SDK_PATH = '/sdk.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The page's own scripts and the socket to the gateway: nothing else loads. `connect-src
 * 'self'` covers ws:// and wss:// to the page's own host and port (CSP Level 3).
 */
const CSP = "default-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

interface Asset {
  type: string;
  body: Buffer | string;
}

function readRoot(root: string): Map<string, Asset> {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch (err) {
    throw new TypeError(`web.root must be a readable folder: ${(err as Error).message}`);
  }
  const assets = new Map<string, Asset>();
  for (const name of names.sort()) {
    const type = TYPES[extname(name).toLowerCase()];
    const file = join(root, name);
    if (!type || name.startsWith('.') || !statSync(file).isFile()) continue;
    assets.set(`/${name}`, { type, body: readFileSync(file) });
  }
  if (!assets.has('/index.html')) throw new TypeError(`web.root must hold an index.html: ${root}`);
  if (assets.has(SDK_PATH)) throw new TypeError(`web.root must not hold a file named ${SDK_PATH.slice(1)}: Warren serves the SDK there`);
  return assets;
}

export class WebPage {
  readonly #options: WebOptions;
  readonly #log: Logger;
  readonly #assets: Map<string, Asset>;
  #bundled: Promise<void> | undefined;

  /** Reads the folder; throws a TypeError naming `web.root` when it cannot serve as a page. */
  constructor(options: WebOptions, log: Logger) {
    this.#options = options;
    this.#log = log;
    this.#assets = readRoot(options.root);
  }

  /**
   * Bundles the SDK, once; until it resolves `/sdk.js` is not served. Rejects with codegen's
   * BundleError, which names the SDK, when it does not bundle.
   */
  prepare(): Promise<void> {
    return (this.#bundled ??= bundleSdk({ entry: this.#options.sdk }).then((bundle) => {
      this.#assets.set(SDK_PATH, { type: TYPES['.js']!, body: bundle.code });
      const { root } = this.#options;
      this.#log.info({ root, files: [...this.#assets.keys()], sdkBytes: bundle.bytes, sdkGzipBytes: bundle.gzipBytes }, 'web page ready');
    }));
  }

  /** GET and HEAD of the page's files; everything else goes on to the next middleware. */
  readonly middleware: Koa.Middleware = async (ctx, next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    const asset = this.#assets.get(ctx.path === '/' ? '/index.html' : ctx.path);
    if (!asset) return next();
    ctx.type = asset.type;
    ctx.set('Cache-Control', 'no-cache');
    ctx.set('X-Content-Type-Options', 'nosniff');
    if (asset.type.startsWith('text/html')) ctx.set('Content-Security-Policy', CSP);
    ctx.body = asset.body;
  };
}
