/**
 * The example's chat page in real headless Chromium, against `warren serve` (memory transport,
 * state in a PostgreSQL database of this file's, so a restart keeps the rooms): the page loads
 * the bundled SDK from /sdk.js and talks over the browser's own WebSocket, its token in
 * `?token=`. Two pages sign in, see each other join and leave, the live member count, their
 * own messages apart from the other's, a validation issue, and the connection state across a
 * restart of the server on the same port.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chat } from '../../schemas/chat.ts';
import { launchChromium, needsChromium } from '../helpers/browser.ts';
import { freePort } from '../helpers/clients.ts';
import { needsPostgres, temporaryDatabase } from '../helpers/postgres.ts';
import { startWarren, type WarrenProcess } from '../helpers/processes.ts';
import { ROOT } from '../helpers/paths.ts';

const WAIT = { timeout: 15_000 };
const chromium = needsChromium();
const postgres = await needsPostgres();

describe('the example chat page (GET /)', chromium.skip ? chromium : postgres, () => {
  const database = temporaryDatabase('warren_page');
  let server: WarrenProcess;
  let port: number;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  /** Uncaught errors and console errors of every page: a working page has none, but for the restart's refused connections. */
  const pageErrors: string[] = [];

  const serve = () =>
    startWarren('serve', {
      service: join(ROOT, 'examples/chat/service.ts'),
      transport: 'memory',
      args: ['--port', String(port)],
      env: { DATABASE_URL: database.url },
    });

  before(async () => {
    port = await freePort();
    server = await serve();
    browser = await launchChromium();
  });
  after(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await server?.stop();
  });

  /** A fresh browser profile (its own storage) on the page, signed in as `user`. */
  async function signIn(user: string): Promise<Page> {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(`${user}: ${err.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && !/WebSocket connection/.test(message.text())) pageErrors.push(`${user}: ${message.text()}`);
    });
    const response = await page.goto(`${server.http}/`);
    assert.equal(response?.status(), 200);
    await page.waitForSelector('#status[data-state="open"]', WAIT);
    await page.fill('#name', user);
    await page.click('#signin-button');
    await page.locator('#me', { hasText: user }).waitFor(WAIT);
    await page.waitForSelector('#status[data-state="open"]', WAIT);
    assert.equal(await page.locator('#signin').isHidden(), true);
    return page;
  }

  async function joinRoom(page: Page, room: string): Promise<void> {
    await page.fill('#room', room);
    await page.click('#join-button');
    await page.waitForSelector(`#chat[data-joined="${room}"]`, WAIT);
    assert.equal(await page.locator('#join').isHidden(), true, 'the join form hides once joined');
  }

  const count = (page: Page, n: number) => page.waitForSelector(`#members[data-count="${n}"]`, WAIT);

  it('two pages: each other joining and leaving, the member count, own messages apart', async () => {
    const room = `room-${process.pid}`;
    const ann = await signIn('ann');
    await joinRoom(ann, room);
    await count(ann, 1);
    const bob = await signIn('bob');
    await joinRoom(bob, room);
    await count(bob, 2);
    await ann.locator('#messages li.notice', { hasText: 'bob joined' }).waitFor(WAIT);
    await count(ann, 2);

    await ann.fill('#text', 'hello from ann');
    await ann.click('#send-button');
    const onBob = bob.locator('#messages li', { hasText: 'hello from ann' });
    await onBob.waitFor(WAIT);
    assert.equal(await onBob.locator('.user').textContent(), 'ann');
    assert.equal(await onBob.evaluate((li) => li.classList.contains('mine')), false);
    // The sender sees it once, as its own, although it arrives both as the reply and as the event.
    const onAnn = ann.locator('#messages li:not(.notice)', { hasText: 'hello from ann' });
    await onAnn.waitFor(WAIT);
    assert.equal(await onAnn.evaluate((li) => li.classList.contains('mine')), true);
    assert.equal(await ann.locator('#messages li:not(.notice)').count(), 1);

    await bob.fill('#text', 'hi ann');
    await bob.click('#send-button');
    await ann.locator('#messages li', { hasText: 'hi ann' }).waitFor(WAIT);
    assert.deepEqual(await ann.locator('#messages li.mine .text').allTextContents(), ['hello from ann']);
    assert.deepEqual(await bob.locator('#messages li.mine .text').allTextContents(), ['hi ann']);

    await bob.click('#leave-button');
    await bob.waitForSelector('#join:not([hidden])', WAIT);
    assert.equal(await bob.locator('#chat').isHidden(), true);
    await ann.locator('#messages li.notice', { hasText: 'bob left' }).waitFor(WAIT);
    await count(ann, 1);
    assert.equal(await bob.locator('#error').isHidden(), true);
    assert.deepEqual(pageErrors, []);
  });

  it('a message over 500 characters shows the -32602 validation issue', async () => {
    const page = await signIn('carol');
    await joinRoom(page, `long-${process.pid}`);
    const text = 'x'.repeat(501);
    const issue = chat.methods.send!.input.safeParse({ room: 'r', text }).error!.issues[0]!;
    await page.fill('#text', text);
    await page.click('#send-button');
    const error = page.locator('#error[data-code="-32602"]');
    await error.waitFor(WAIT);
    assert.equal(await error.textContent(), `${issue.path.join('.')}: ${issue.message}`);
    assert.equal(await page.locator('#messages li:not(.notice)').count(), 0);

    // The next valid message clears the error.
    await page.fill('#text', 'short');
    await page.click('#send-button');
    await page.locator('#messages li', { hasText: 'short' }).waitFor(WAIT);
    await page.locator('#error').waitFor({ state: 'hidden', ...WAIT });
    assert.deepEqual(pageErrors, []);
  });

  it('shows the connection state across a server restart, and goes on where it was', async () => {
    const room = `restart-${process.pid}`;
    const dan = await signIn('dan');
    await joinRoom(dan, room);
    const eve = await signIn('eve');
    await joinRoom(eve, room);
    await server.stop();
    await dan.waitForSelector('#status[data-state="reconnecting"]', WAIT);
    assert.match((await dan.locator('#status').textContent()) ?? '', /Reconnecting/);
    server = await serve();
    await dan.waitForSelector('#status[data-state="open"]', WAIT);
    await eve.waitForSelector('#status[data-state="open"]', WAIT);
    assert.equal(await dan.locator('#status').textContent(), 'Connected');
    // The same user, the same room, its subscription back: a message crosses as before.
    assert.equal(await dan.locator('#me').textContent(), 'dan');
    await dan.fill('#text', 'after the restart');
    await dan.click('#send-button');
    await eve.locator('#messages li', { hasText: 'after the restart' }).waitFor(WAIT);
    assert.deepEqual(pageErrors, []);
  });
});

describe('the example chat page after a restart of a server that keeps its rooms in memory', needsChromium(), () => {
  let server: WarrenProcess;
  let port: number;
  let browser: Browser;
  const serve = () => startWarren('serve', { service: join(ROOT, 'examples/chat/service.ts'), transport: 'memory', args: ['--port', String(port)] });

  before(async () => {
    port = await freePort();
    server = await serve();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('says the room was forgotten, shows the join form again, and works once joined again', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${server.http}/`);
    await page.waitForSelector('#status[data-state="open"]', WAIT);
    await page.fill('#name', 'fay');
    await page.click('#signin-button');
    await page.locator('#me', { hasText: 'fay' }).waitFor(WAIT);
    const room = `mem-${process.pid}`;
    await page.fill('#room', room);
    await page.click('#join-button');
    await page.waitForSelector(`#chat[data-joined="${room}"]`, WAIT);
    await server.stop();
    server = await serve();
    // The new process has no members: the re-subscription is refused, and the page starts over.
    await page.locator('#error', { hasText: 'forgot the room' }).waitFor(WAIT);
    await page.waitForSelector('#join:not([hidden])', WAIT);
    await page.waitForSelector('#status[data-state="open"]', WAIT);
    assert.equal(await page.locator('#me').textContent(), 'fay');
    await page.click('#join-button');
    await page.waitForSelector(`#chat[data-joined="${room}"]`, WAIT);
    await page.fill('#text', 'back again');
    await page.click('#send-button');
    await page.locator('#messages li.mine', { hasText: 'back again' }).waitFor(WAIT);
  });
});
