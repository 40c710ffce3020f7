// Chromium as playwright.config.ts launches it, and the few page moves every scenario makes.
import { chromium } from '@playwright/test';
import { chromiumLaunchOptions } from '../test/chromium.mjs';

const SETTLE_TIMEOUT_MS = 20_000;

export function launchChromium() {
  return chromium.launch({ headless: true, ...chromiumLaunchOptions });
}

const SETTLED_PREFIX = 'bench-settled ';

/**
 * Runs `action` (a navigation, or a call that leads to one) and returns the state the bench page
 * settles in next (see pages/common.js). The page reports it on the console, so nothing is
 * evaluated in the page while it is being timed.
 */
async function settleAfter(page, action) {
  const message = page.waitForEvent('console', {
    predicate: (msg) => msg.text().startsWith(SETTLED_PREFIX),
    timeout: SETTLE_TIMEOUT_MS,
  });
  const [settled] = await Promise.all([message, action()]);
  return JSON.parse(settled.text().slice(SETTLED_PREFIX.length));
}

export async function expectState(page, expected, action) {
  const result = await settleAfter(page, action);
  if (result.state !== expected) {
    throw new Error(`page ${page.url()} settled as "${result.state}", expected "${expected}"${result.error ? `: ${result.error}` : ''}`);
  }
  return result;
}

/** Opens the bench page and runs the SDK's login redirect; with `hold`, stops on the unhandled callback URL. */
export async function login(page, pageUrl, { hold = false } = {}) {
  await expectState(page, 'anonymous', () => page.goto(pageUrl));
  return expectState(page, hold ? 'held' : 'authenticated', () =>
    page.evaluate((holdCallback) => {
      if (holdCallback) sessionStorage.setItem('bench-hold', '1');
      bench.login();
    }, hold),
  );
}
