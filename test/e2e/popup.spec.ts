import { chromium, type Page } from '@playwright/test';
import { chromiumLaunchOptions } from '../chromium.mjs';
import { expect, openHarness as openOnePage, test, watchErrors, type HarnessOptions, type Stack } from './fixtures';

/** The harness, with the SDK booting in every page of the context: the popup's callback page too. */
async function openHarness(page: Page, stack: Stack, options: HarnessOptions = {}) {
  await page.context().addInitScript((opts) => {
    (window as any).__SPA_OAUTH_TEST_OPTIONS__ = opts;
  }, options);
  await openOnePage(page, stack, options);
}

type Outcome = { ok: true } | { code: string } | undefined;

/**
 * Adds a button whose click calls `sdk.loginWithPopup(options)` (`abortable` passes the signal of
 * `window.abort`), clicks it, and returns the popup. The outcome lands in `window.popupOutcome`.
 */
async function clickLoginWithPopup(page: Page, options: Record<string, unknown> = {}): Promise<Page> {
  await page.evaluate((opts) => {
    const w = window as any;
    document.querySelector('#popup-login')?.remove();
    const button = document.createElement('button');
    button.id = 'popup-login';
    button.textContent = 'Log in with popup';
    button.onclick = () => {
      w.popupOutcome = undefined;
      const { abortable, ...rest } = opts as { abortable?: boolean };
      if (abortable) w.abort = new AbortController();
      w.sdk.loginWithPopup({ ...rest, signal: abortable ? w.abort.signal : undefined }).then(
        () => (w.popupOutcome = { ok: true }),
        (err: any) => {
          w.thrown.push(err);
          w.popupOutcome = { code: err?.code, message: String(err?.message) };
        },
      );
    };
    document.body.append(button);
  }, options);
  const opened = page.context().waitForEvent('page');
  await page.click('#popup-login');
  return opened;
}

const outcome = (page: Page) => page.evaluate(() => (window as any).popupOutcome as Outcome);
const waitForOutcome = (page: Page) => expect.poll(() => outcome(page), { timeout: 20_000 }).not.toBeUndefined();

/** Remembers, in localStorage, whether the callback page in the popup still had its opener. */
async function recordOpenerAtCallback(page: Page) {
  await page.context().addInitScript(() => {
    if (/[?&]code=/.test(location.search)) localStorage.setItem('openerAtCallback', String(window.opener !== null));
  });
}

for (const coop of [false, true]) {
  test(`loginWithPopup() signs this page in without moving it${coop ? ', the server sending COOP same-origin' : ''}`, async ({ page, stack }) => {
    if (coop) stack.auth.setInteraction({ coop: true });
    const errors = watchErrors(page);
    await recordOpenerAtCallback(page);
    await openHarness(page, stack);
    await page.evaluate(() => ((window as any).marker = 'still here'));
    const before = page.url();

    const popup = await clickLoginWithPopup(page);
    await waitForOutcome(page);

    expect(await outcome(page)).toEqual({ ok: true });
    await expect.poll(() => popup.isClosed()).toBe(true);
    expect(page.url()).toBe(before);
    expect(await page.evaluate(() => (window as any).marker)).toBe('still here');
    expect(await page.evaluate(() => [(window as any).sdk.isAuthenticated, (window as any).sdk.user?.sub])).toEqual([true, 'alice']);
    expect(await page.evaluate(() => (window as any).events.map((e: any) => e.type))).toContain('login');
    expect(stack.auth.counts.token.authorization_code).toBe(1);
    // With COOP the callback ran in a page cut off from this one: the result came another way.
    expect(await page.evaluate(() => localStorage.getItem('openerAtCallback'))).toBe(coop ? 'false' : 'true');
    expect(await page.evaluate(() => (window as any).sdk.fetch((window as any).SPA_OAUTH_CONFIG.apiOrigin + '/api/me').then((r: Response) => r.status))).toBe(200);
    expect(errors).toEqual([]);
  });
}

for (const lookBack of [false, true]) {
  const title = lookBack
    ? 'with COOP, going back to the page for a moment while the popup stays open is not a close: the login still succeeds'
    : 'with COOP, popup.closed reads true while the user is still on the server page, and the login still succeeds';
  test(title, async ({ page, stack }) => {
    stack.auth.setInteraction({ coop: true, loginPage: 'hold' });
    const errors = watchErrors(page);
    // The page's own handle on the popup, to watch what the SDK sees.
    await page.addInitScript(() => {
      const open = window.open.bind(window);
      window.open = (...args: Parameters<typeof window.open>) => ((window as any).popupHandle = open(...args));
    });
    await openHarness(page, stack);

    const popup = await clickLoginWithPopup(page);
    await popup.waitForURL(/\/interaction\//);
    await expect.poll(() => page.evaluate(() => (window as any).popupHandle.closed)).toBe(true);
    if (lookBack) {
      // The user looks at the page for a second (two of the SDK's polls), then finishes in the popup.
      await page.bringToFront();
      await expect.poll(() => page.evaluate(() => document.hasFocus())).toBe(true);
      await page.waitForTimeout(1000);
      await popup.bringToFront();
    }
    expect(await outcome(page)).toBeUndefined();
    await popup.click('#continue');
    await waitForOutcome(page);

    expect(await outcome(page)).toEqual({ ok: true });
    expect(stack.auth.counts.token.authorization_code).toBe(1);
    expect(errors).toEqual([]);
  });
}

test('a popup the user closes on the server page rejects with popup_closed; a second attempt succeeds', async ({ page, stack }) => {
  stack.auth.setInteraction({ loginPage: 'hold' });
  const errors = watchErrors(page);
  await openHarness(page, stack);

  const popup = await clickLoginWithPopup(page);
  await popup.waitForURL(/\/interaction\//);
  await popup.close();
  await waitForOutcome(page);
  expect(await outcome(page)).toMatchObject({ code: 'popup_closed' });
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(false);

  stack.auth.setInteraction({});
  await clickLoginWithPopup(page);
  await waitForOutcome(page);
  expect(await outcome(page)).toEqual({ ok: true });
  expect(stack.auth.counts.token.authorization_code).toBe(1);
  expect(errors).toEqual([]);
});

test('aborting the signal closes the popup and rejects with aborted; a second attempt succeeds', async ({ page, stack }) => {
  stack.auth.setInteraction({ loginPage: 'hold' });
  const errors = watchErrors(page);
  await openHarness(page, stack);

  const popup = await clickLoginWithPopup(page, { abortable: true });
  await popup.waitForURL(/\/interaction\//);
  await page.evaluate(() => (window as any).abort.abort());
  await waitForOutcome(page);
  expect(await outcome(page)).toMatchObject({ code: 'aborted' });
  await expect.poll(() => popup.isClosed()).toBe(true);

  stack.auth.setInteraction({});
  await clickLoginWithPopup(page);
  await waitForOutcome(page);
  expect(await outcome(page)).toEqual({ ok: true });
  expect(stack.auth.counts.token.authorization_code).toBe(1);
  expect(errors).toEqual([]);
});

test('no result within timeoutMs rejects with popup_timeout and closes the popup; a second attempt succeeds', async ({ page, stack }) => {
  stack.auth.setInteraction({ loginPage: 'hold' });
  const errors = watchErrors(page);
  await openHarness(page, stack);

  const popup = await clickLoginWithPopup(page, { timeoutMs: 1000 });
  await waitForOutcome(page);
  expect(await outcome(page)).toMatchObject({ code: 'popup_timeout' });
  await expect.poll(() => popup.isClosed()).toBe(true);
  expect(stack.auth.counts.token.authorization_code ?? 0).toBe(0);

  stack.auth.setInteraction({});
  await clickLoginWithPopup(page);
  await waitForOutcome(page);
  expect(await outcome(page)).toEqual({ ok: true });
  expect(stack.auth.counts.token.authorization_code).toBe(1);
  expect(errors).toEqual([]);
});

test('a popup the browser blocks (no click) rejects with popup_blocked; from a click it works', async ({ stack }) => {
  // Playwright turns Chromium's popup blocker off; this browser keeps it on.
  const browser = await chromium.launch({ ...chromiumLaunchOptions, headless: true, ignoreDefaultArgs: ['--disable-popup-blocking'] });
  try {
    const page = await (await browser.newContext()).newPage();
    const errors = watchErrors(page);
    // Called once the SDK is ready, with no click ever made in this page (page.evaluate counts as one).
    await page.addInitScript(() => {
      const w = window as any;
      const timer = setInterval(() => {
        // A Playwright evaluation (its polling too, on a loaded machine) gives the page a user
        // activation that lasts seconds: wait until there is none, so the call really has no click.
        if (!w.sdk || navigator.userActivation?.isActive) return;
        clearInterval(timer);
        w.sdk.loginWithPopup().then(
          () => (w.blocked = 'resolved'),
          (err: any) => (w.blocked = err.code),
        );
      }, 20);
    });
    await openHarness(page, stack);
    const blocked = await (await page.waitForFunction(() => (window as any).blocked)).jsonValue();
    expect(blocked).toBe('popup_blocked');
    expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(false);

    await clickLoginWithPopup(page);
    await waitForOutcome(page);
    expect(await outcome(page)).toEqual({ ok: true });
    expect(stack.auth.counts.token.authorization_code).toBe(1);
    expect(errors).toEqual([]);
  } finally {
    await browser.close();
  }
});
