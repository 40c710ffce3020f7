import { chromium, type Page } from '@playwright/test';
import { chromiumLaunchOptions } from '../../chromium.mjs';
import type { BrowserSession, Engine, PageFunction, Win } from '../driver';

function playwrightWin(page: Page): Win {
  return {
    goto: async (url) => void (await page.goto(url)),
    reload: async () => void (await page.reload()),
    url: async () => page.url(),
    click: (selector) => page.click(selector),
    fill: (selector, value) => page.fill(selector, value),
    evaluate: <R, A>(fn: PageFunction<A, R>, arg?: A) => page.evaluate(fn as (arg: A) => Promise<R>, arg as A) as Promise<R>,
    close: () => page.close(),
  };
}

/** Chromium through Playwright, as the rest of the suite drives it (test/chromium.mjs). */
export async function launchChromium(): Promise<Engine> {
  const browser = await chromium.launch({ ...chromiumLaunchOptions, headless: true });
  return {
    name: 'chromium',
    async newSession(): Promise<BrowserSession> {
      const context = await browser.newContext();
      const first = playwrightWin(await context.newPage());
      return {
        first,
        newWindow: async () => playwrightWin(await context.newPage()),
        close: () => context.close(),
      };
    },
    close: () => browser.close(),
  };
}
