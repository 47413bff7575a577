/**
 * The example's chat page in real headless Chromium, against `warren serve` on the memory
 * transport: the page loads the bundled SDK from /sdk.js and talks over the browser's own
 * WebSocket. Two pages join one room; one sends, the other shows it live; a too-long
 * message shows the -32602 issue.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chat } from '../../schemas/chat.ts';
import { launchChromium, needsChromium } from '../helpers/browser.ts';
import { startWarren, type WarrenProcess } from '../helpers/processes.ts';
import { ROOT } from '../helpers/paths.ts';

const WAIT = { timeout: 15_000 };

describe('the example chat page (GET /)', needsChromium(), () => {
  let server: WarrenProcess;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  /** Uncaught errors and console errors of every page: a working page has none. */
  const pageErrors: string[] = [];

  before(async () => {
    server = await startWarren('serve', { service: join(ROOT, 'examples/chat/service.ts'), transport: 'memory' });
    browser = await launchChromium();
  });
  after(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await server?.stop();
  });

  /** A fresh browser profile (its own cookies and storage) on the page, joined to `room` as `user`. */
  async function joinAs(user: string, room: string): Promise<Page> {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(`${user}: ${err.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`${user}: ${message.text()}`);
    });
    const response = await page.goto(`${server.http}/`);
    assert.equal(response?.status(), 200);
    await page.waitForSelector('#status[data-state="open"]', WAIT);
    await page.fill('#user', user);
    await page.fill('#room', room);
    await page.click('#join-button');
    await page.waitForSelector(`#chat[data-joined="${room}"]`, WAIT);
    return page;
  }

  it('two pages in one room: a message sent on one appears live on the other', async () => {
    const room = `room-${process.pid}`;
    const ann = await joinAs('ann', room);
    const bob = await joinAs('bob', room);
    await ann.fill('#text', 'hello from ann');
    await ann.click('#send-button');
    const seen = bob.locator('#messages li', { hasText: 'hello from ann' });
    await seen.waitFor(WAIT);
    assert.equal(await seen.locator('.user').textContent(), 'ann');
    // The sender sees it once, although it arrives both as the reply and as the event.
    await ann.locator('#messages li', { hasText: 'hello from ann' }).waitFor(WAIT);
    assert.equal(await ann.locator('#messages li').count(), 1);

    await bob.fill('#text', 'hi ann');
    await bob.click('#send-button');
    await ann.locator('#messages li', { hasText: 'hi ann' }).waitFor(WAIT);
    assert.deepEqual(await ann.locator('#messages li .text').allTextContents(), ['hello from ann', 'hi ann']);
    assert.equal(await bob.locator('#error').isHidden(), true);
    assert.deepEqual(pageErrors, []);
  });

  it('a message over 500 characters shows the -32602 validation issue', async () => {
    const page = await joinAs('carol', `long-${process.pid}`);
    const text = 'x'.repeat(501);
    const issue = chat.methods.send!.input.safeParse({ room: 'r', user: 'carol', text }).error!.issues[0]!;
    await page.fill('#text', text);
    await page.click('#send-button');
    const error = page.locator('#error[data-code="-32602"]');
    await error.waitFor(WAIT);
    assert.equal(await error.textContent(), `${issue.path.join('.')}: ${issue.message}`);
    assert.equal(await page.locator('#messages li').count(), 0);

    // The next valid message clears the error.
    await page.fill('#text', 'short');
    await page.click('#send-button');
    await page.locator('#messages li', { hasText: 'short' }).waitFor(WAIT);
    await page.locator('#error').waitFor({ state: 'hidden', ...WAIT });
    assert.deepEqual(pageErrors, []);
  });
});
