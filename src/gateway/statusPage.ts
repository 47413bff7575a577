/**
 * The gateway's live status page (GatewayOptions.status): `GET /status`, an HTML page that
 * polls `GET /status.json` once a second. Both are drawn from the gateway's metrics registry
 * by GatewayStatus; neither sends a CORS header, so a page of another origin cannot read them.
 */
import type Koa from 'koa';
import type { GatewayStatus } from '../metrics/GatewayStatus.ts';
import { STATUS_CSP, STATUS_HTML } from './statusHtml.ts';

export const STATUS_PATH = '/status';
export const STATUS_JSON_PATH = '/status.json';

/** GET and HEAD of the page and its JSON; everything else goes on to the next middleware. */
export function statusMiddleware(status: GatewayStatus): Koa.Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    if (ctx.path === STATUS_PATH) {
      ctx.type = 'text/html; charset=utf-8';
      ctx.set('Content-Security-Policy', STATUS_CSP);
      ctx.body = STATUS_HTML;
    } else if (ctx.path === STATUS_JSON_PATH) {
      ctx.type = 'application/json; charset=utf-8';
      ctx.body = await status.report();
    } else {
      return next();
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.set('X-Content-Type-Options', 'nosniff');
  };
}
