// Chromium as playwright.config.ts launches it, and the few page moves every scenario makes.
import { chromium } from '@playwright/test';
import { chromiumLaunchOptions } from '../test/chromium.mjs';

const SETTLE_TIMEOUT_MS = 20_000;

export function launchChromium() {
  return chromium.launch({ headless: true, ...chromiumLaunchOptions });
}

/** Waits until the bench page has settled (see pages/common.js) and returns its state. */
export async function settled(page) {
  await page.waitForSelector('html[data-bench-state]', { state: 'attached', timeout: SETTLE_TIMEOUT_MS });
  return page.evaluate(() => ({ state: bench.state, startedAt: bench.startedAt, networkMs: bench.networkMs, authenticatedAt: bench.authenticatedAt, error: bench.error }));
}

export async function expectState(page, expected) {
  const result = await settled(page);
  if (result.state !== expected) {
    throw new Error(`page ${page.url()} settled as "${result.state}", expected "${expected}"${result.error ? `: ${result.error}` : ''}`);
  }
  return result;
}

/** Opens the bench page and runs the SDK's login redirect; with `hold`, stops on the unhandled callback URL. */
export async function login(page, pageUrl, { hold = false } = {}) {
  await page.goto(pageUrl);
  await expectState(page, 'anonymous');
  await page.evaluate((holdCallback) => {
    if (holdCallback) sessionStorage.setItem('bench-hold', '1');
    bench.login();
  }, hold);
  return expectState(page, hold ? 'held' : 'authenticated');
}
