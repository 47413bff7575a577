/**
 * Headless Chromium for browser tests: Debian's `chromium` package driven by playwright-core,
 * never a downloaded browser. Locally a test that needs it is skipped (with a reason) when
 * it is absent; with CI=true it runs and fails instead, as needsBroker() does for RabbitMQ.
 */
import { accessSync, constants } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** The browser binary. @default /usr/bin/chromium (apt-get install chromium), CHROMIUM_PATH overrides */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Headless without a GPU, a sandbox (tests often run as root) or background traffic: no
 * QUIC, updates, sync or first-run requests leave the machine.
 */
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function chromiumInstalled(): boolean {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Options for node:test's describe/it: `{ skip }` locally without Chromium, `{}` otherwise and always in CI. */
export function needsChromium(): { skip?: string } {
  if (process.env.CI === 'true' || chromiumInstalled()) return {};
  return { skip: `Chromium not found at ${CHROMIUM_PATH} (apt-get install -y chromium, or set CHROMIUM_PATH)` };
}

/** Launches headless Chromium; close it in an after() hook. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS, timeout: 60_000 });
}
