/**
 * The gateway's status page in real headless Chromium, against `warren serve --status` on the
 * memory transport: the page is opened before any call, calls (some failing) are made while it
 * is open, and the page must show them live: calls per second and a p50 for the method, the
 * error codes' rows, the connection count. Then a screenshot: written to docs/images/status.png
 * with WARREN_UPDATE_SCREENSHOTS=1, otherwise to a temp folder and checked to be a real PNG.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, needsChromium } from '../helpers/browser.ts';
import { tempFolders } from '../helpers/cli.ts';
import { FrameSocket } from '../helpers/FrameSocket.ts';
import { logLines, startWarren, type WarrenProcess } from '../helpers/processes.ts';
import { ROOT } from '../helpers/paths.ts';
import { TESTKIT_ENV } from '../helpers/testkit.ts';

const WAIT = { timeout: 15_000 };
const SERVICE = 'shop';
const m = (name: string) => `${SERVICE}.${name}`;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('the status page (GET /status of warren serve --status)', needsChromium(), () => {
  let server: WarrenProcess;
  let browser: Browser;
  let page: Page;
  const sockets: FrameSocket[] = [];
  /** Uncaught errors and console errors (a CSP refusal among them): a working page has none. */
  const pageErrors: string[] = [];
  const tempDir = tempFolders('warren-status-');

  before(async () => {
    server = await startWarren('serve', {
      service: join(ROOT, 'test/helpers/testkitService.ts'),
      transport: 'memory',
      args: ['--status'],
      env: { [TESTKIT_ENV]: SERVICE },
    });
    browser = await launchChromium();
  });
  after(async () => {
    for (const socket of sockets) socket.close();
    await browser?.close();
    await server?.stop();
  });

  const text = async (selector: string) => (await page.locator(selector).textContent())?.trim() ?? '';
  /** Waits until the page has rendered a report for which `holds` is true of the element's text. */
  async function shows(selector: string, holds: (text: string) => boolean, what: string): Promise<string> {
    const until = Date.now() + WAIT.timeout;
    let last = '';
    while (Date.now() < until) {
      if ((await page.locator(selector).count()) > 0 && holds((last = await text(selector)))) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${what}: "${selector}" shows "${last}"`);
  }

  it('shows calls made while it is open: calls/s, p50, error codes, connections', async () => {
    assert.equal(logLines(server, 'status page on')[0]?.status, `${server.http}/status`);
    const context = await browser.newContext({ viewport: { width: 1100, height: 820 } });
    page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    const response = await page.goto(`${server.http}/status`);
    assert.equal(response?.status(), 200);
    await page.waitForSelector('#live[data-state="live"]', WAIT);
    // Before any call: nobody connected, no method in the window.
    assert.equal(await text('#connections'), '0');
    assert.equal(await page.locator('#methods tr[data-method]').count(), 0);
    const updatesBefore = Number(await page.locator('body').getAttribute('data-updates'));

    const socket = await FrameSocket.open(server.url!);
    sockets.push(socket);
    let id = 0;
    const call = (method: string, params: unknown) => socket.request({ jsonrpc: '2.0', id: ++id, method, params });
    assert.equal((await call('rpc.subscribe', { event: m('shouted') })).result, true);
    for (let i = 0; i < 40; i++) {
      assert.ok((await call(m('echo'), { value: i })).result);
      if (i % 4 === 0) assert.equal((await call(m('add'), [i, 1])).result, i + 1);
      if (i % 10 === 0) assert.equal((await call(m('add'), ['not a number'])).error.code, -32602);
      if (i % 20 === 0) assert.equal((await call(m('fail'), { reason: 'out of stock' })).error.code, 4001);
      if (i % 8 === 0) assert.ok((await call(m('sleep'), { ms: 3 + (i % 5), id: `s${i}` })).result);
    }

    const echo = `#methods tr[data-method="${m('echo')}"]`;
    const rate = await shows(`${echo} td.per-second`, (t) => Number(t) > 0, 'calls per second of echo');
    assert.ok(Number(rate) > 0, rate);
    // Counts over the window (10 s): exact ones are the loopback test's; here, they are there.
    const within = (max: number) => (t: string) => Number(t) > 0 && Number(t) <= max;
    await shows(`${echo} td.calls`, within(40), 'echo calls in the window');
    assert.match(await text(`${echo} td.p50`), /^\d+(\.\d+)? m?s$/);
    assert.match(await text(`${echo} td.p99`), /^\d+(\.\d+)? m?s$/);
    assert.ok(within(4)(await text(`#methods tr[data-method="${m('add')}"] td.errors`)));
    await shows('#codes tr[data-code="-32602"] td.answers', within(4), 'the -32602 row');
    assert.equal(await text('#codes tr[data-code="-32602"] td.name'), 'INVALID_PARAMS');
    assert.ok(within(2)(await text('#codes tr[data-code="4001"] td.answers')));
    assert.equal(await text('#codes tr[data-code="4001"] td.name'), 'Refused');
    assert.equal(await page.locator('#codes tr[data-code="4001"]').getAttribute('class'), 'error');
    assert.equal(await text('#connections'), '1');
    assert.equal(await text('#subscriptions'), '1');
    assert.ok(Number(await text('#calls-per-second')) > 0);
    assert.equal(await text('#transport'), 'ready');
    assert.equal(await text('#transport-kind'), 'memory');
    assert.equal(await text('#reconnects'), '0');
    assert.equal(await page.locator('#transport').getAttribute('data-ready'), 'true');
    assert.ok(Number(await page.locator('body').getAttribute('data-updates')) > updatesBefore, 'the page polled again');
    assert.deepEqual(pageErrors, []);

    const update = process.env.WARREN_UPDATE_SCREENSHOTS === '1';
    const file = update ? join(ROOT, 'docs/images/status.png') : join(tempDir(), 'status.png');
    if (update) mkdirSync(join(ROOT, 'docs/images'), { recursive: true });
    await page.screenshot({ path: file, fullPage: true });
    const png = readFileSync(file);
    assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE);
    assert.equal(png.toString('latin1', 12, 16), 'IHDR');
    assert.equal(png.readUInt32BE(16), 1100, 'width');
    assert.ok(statSync(file).size > 20_000, `a screenshot of a filled page, not a blank one: ${statSync(file).size} bytes`);
    await context.close();
  });
});
