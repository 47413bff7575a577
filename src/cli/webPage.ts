/**
 * A service's web page, served by the gateway's HTTP side: the static files of one folder,
 * plus `/sdk.js`, the service's generated SDK bundled for the browser at start-up. The
 * gateway never imports this; the CLI hands it over as a Koa middleware.
 *
 * Files are read once, at start-up, and only by their own names: a request can reach
 * nothing but the top-level files of the folder, whatever its path says.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type Koa from 'koa';
import { BundleError, bundleSdk } from '../../codegen/bundle.ts';
import type { Logger } from '../contract/implement.ts';
import { UsageError } from './loadService.ts';

/** What a service module exports as `web` to have `warren serve` / `warren gateway` serve a page. */
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
    throw new UsageError(`web.root must be a readable folder: ${(err as Error).message}`);
  }
  const assets = new Map<string, Asset>();
  for (const name of names.sort()) {
    const type = TYPES[extname(name).toLowerCase()];
    const file = join(root, name);
    if (!type || name.startsWith('.') || !statSync(file).isFile()) continue;
    assets.set(`/${name}`, { type, body: readFileSync(file) });
  }
  if (!assets.has('/index.html')) throw new UsageError(`web.root must hold an index.html: ${root}`);
  if (assets.has(SDK_PATH)) throw new UsageError(`web.root must not hold a file named ${SDK_PATH.slice(1)}: Warren serves the SDK there`);
  return assets;
}

/** Reads the page, bundles the SDK, and returns the middleware that serves both. */
export async function webPage(options: WebOptions, log: Logger): Promise<Koa.Middleware> {
  const assets = readRoot(options.root);
  let bundle;
  try {
    bundle = await bundleSdk({ entry: options.sdk });
  } catch (err) {
    // The page was asked for: a gateway without it would look healthy and serve a 404.
    if (err instanceof BundleError) throw new UsageError(`web page: ${err.message}`);
    throw err;
  }
  assets.set(SDK_PATH, { type: TYPES['.js']!, body: bundle.code });
  log.info({ root: options.root, files: [...assets.keys()], sdkBytes: bundle.bytes, sdkGzipBytes: bundle.gzipBytes }, 'web page ready');
  return async (ctx, next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    const asset = assets.get(ctx.path === '/' ? '/index.html' : ctx.path);
    if (!asset) return next();
    ctx.type = asset.type;
    ctx.set('Cache-Control', 'no-cache');
    ctx.set('X-Content-Type-Options', 'nosniff');
    if (asset.type.startsWith('text/html')) ctx.set('Content-Security-Policy', CSP);
    ctx.body = asset.body;
  };
}
