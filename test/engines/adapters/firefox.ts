import { existsSync } from 'node:fs';
import puppeteer, { type Page } from 'puppeteer-core';
import type { BrowserSession, Engine, PageFunction, Win } from '../driver';

export const FIREFOX_PATH = process.env.FIREFOX_PATH || '/usr/bin/firefox-esr';

function puppeteerWin(page: Page): Win {
  return {
    goto: async (url) => void (await page.goto(url)),
    reload: async () => void (await page.reload()),
    url: async () => page.url(),
    click: (selector) => page.click(selector),
    fill: async (selector, value) => {
      await page.locator(selector).fill(value);
    },
    evaluate: <R, A>(fn: PageFunction<A, R>, arg?: A) => page.evaluate(fn as (arg: A) => Promise<R>, arg as A) as Promise<R>,
    close: () => page.close(),
  };
}

/** Firefox ESR through puppeteer-core over WebDriver BiDi, headless; each session a user context. */
export async function launchFirefox(): Promise<Engine> {
  if (!existsSync(FIREFOX_PATH)) {
    throw new Error(`Firefox ESR is not at ${FIREFOX_PATH}: install it (apt-get install firefox-esr, as .ci/run does) or set FIREFOX_PATH`);
  }
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless: true,
    // No updates, telemetry or first-run pages on a machine without internet.
    extraPrefsFirefox: { 'app.update.enabled': false, 'datareporting.policy.dataSubmissionEnabled': false },
  });
  return {
    name: 'firefox',
    async newSession(): Promise<BrowserSession> {
      const context = await browser.createBrowserContext();
      const first = puppeteerWin(await context.newPage());
      return {
        first,
        newWindow: async () => puppeteerWin(await context.newPage()),
        close: () => context.close(),
      };
    },
    close: () => browser.close(),
  };
}
