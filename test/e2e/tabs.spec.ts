import type { BrowserContext, Page } from '@playwright/test';
import { expect, loginOnHarness, openHarness, openSecondTab, pauseClock, settle, test } from './fixtures';

const TTL_SECONDS = 60;


/** Lets a page report itself hidden or visible, as a background tab would. */
async function controllableVisibility(context: BrowserContext) {
  await context.addInitScript(() => {
    Object.defineProperty(Document.prototype, 'visibilityState', {
      configurable: true,
      get: () => ((window as any).__hidden ? 'hidden' : 'visible'),
    });
  });
}

function setHidden(page: Page, hidden: boolean) {
  return page.evaluate((value) => {
    (window as any).__hidden = value;
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

const refreshEvents = (page: Page) => page.evaluate(() => (window as any).events.filter((e: any) => e.type === 'refresh').length);

test('visible tabs refresh ahead of expiry on their own, and two tabs’ timers make one refresh', async ({ page, context, stack }) => {
  stack.auth.setAccessTokenTtl(TTL_SECONDS);
  await pauseClock(context);
  await loginOnHarness(page, stack);
  const second = await openSecondTab(context, stack);
  // Due at expiry minus the 30 s leeway; no call is made, only time passes.
  await context.clock.runFor((TTL_SECONDS - 29) * 1000);
  await expect.poll(() => stack.auth.counts.token.refresh_token ?? 0).toBe(1);
  await expect.poll(async () => (await refreshEvents(page)) + (await refreshEvents(second))).toBe(1);
  // The tab that did not refresh picked the new token up from the other.
  const tokens = await Promise.all([page, second].map((tab) => tab.evaluate(() => (window as any).sdk.getAccessToken())));
  expect(tokens[0]).toBe(tokens[1]);
  expect(stack.auth.counts.token.refresh_token).toBe(1);
});

test('a hidden tab does not refresh on its own; it catches up when it becomes visible', async ({ page, context, stack }) => {
  stack.auth.setAccessTokenTtl(TTL_SECONDS);
  await controllableVisibility(context);
  await pauseClock(context);
  await loginOnHarness(page, stack);
  await setHidden(page, true);
  await context.clock.runFor((TTL_SECONDS + 5) * 1000);
  await settle(page);
  expect(stack.auth.counts.token.refresh_token ?? 0).toBe(0);
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(true);

  await setHidden(page, false);
  await context.clock.runFor(100);
  await expect.poll(() => stack.auth.counts.token.refresh_token ?? 0).toBe(1);
});

test('after a failed automatic refresh, the online event retries at once', async ({ page, context, stack }) => {
  stack.auth.setAccessTokenTtl(TTL_SECONDS);
  await pauseClock(context);
  await loginOnHarness(page, stack);
  stack.auth.setOutage('down');
  await context.clock.runFor((TTL_SECONDS - 29) * 1000);
  await expect
    .poll(() => page.evaluate(() => (window as any).events.find((e: any) => e.type === 'error')?.error.code))
    .toBe('network_error');
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(true);

  stack.auth.setOutage(null);
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await context.clock.runFor(100);
  await expect.poll(() => refreshEvents(page)).toBe(1);
  // The failed attempt never reached the provider ('down' drops the connection).
  expect(stack.auth.counts.token.refresh_token).toBe(1);
});

test('a login in one tab reaches the others without a reload', async ({ page, context, stack }) => {
  const second = await openSecondTab(context, stack);
  expect(await second.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(false);
  await loginOnHarness(page, stack);
  await expect.poll(() => second.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(true);
  expect(await second.evaluate(() => (window as any).sdk.user.sub)).toBe('alice');
  expect(await second.evaluate(() => (window as any).events.map((e: any) => e.type))).toContain('login');
});

const MAX_TIMER_MS = 2 ** 31 - 1;
const THIRTY_DAYS = 30 * 24 * 60 * 60;

test('the refresh timer never asks setTimeout for more than 2^31 - 1 ms', async ({ page, context, stack }) => {
  // Playwright's fake clock runs a longer delay after 1 ms, like browsers, so the delay the SDK
  // asks for is read off the real setTimeout instead.
  await context.addInitScript(() => {
    const setTimeoutImpl = window.setTimeout;
    const delays: number[] = ((window as any).__timerDelays = []);
    window.setTimeout = ((handler: TimerHandler, delay?: number, ...rest: unknown[]) => {
      delays.push(Number(delay ?? 0));
      return setTimeoutImpl(handler, delay, ...rest);
    }) as typeof window.setTimeout;
  });
  stack.auth.setAccessTokenTtl(THIRTY_DAYS);
  await loginOnHarness(page, stack);
  const longest = await page.evaluate(() => Math.max(...(window as any).__timerDelays));
  expect(longest).toBe(MAX_TIMER_MS);
});

test('a token that lives longer than a timer can wait (24.8 days) is not refreshed early', async ({ page, context, stack }) => {
  stack.auth.setAccessTokenTtl(THIRTY_DAYS);
  await pauseClock(context);
  await loginOnHarness(page, stack);
  await context.clock.runFor(5_000);
  await settle(page);
  expect(stack.auth.counts.token.refresh_token ?? 0).toBe(0);
  // The capped timer wakes up after 2^31 - 1 ms, days before the refresh is due, and re-arms.
  await context.clock.runFor(MAX_TIMER_MS);
  await settle(page);
  expect(stack.auth.counts.token.refresh_token ?? 0).toBe(0);
  expect(await refreshEvents(page)).toBe(0);
});

test('a tab hidden before another tab signs in arms no refresh timer from that message', async ({ page, context, stack }) => {
  stack.auth.setAccessTokenTtl(TTL_SECONDS);
  await controllableVisibility(context);
  await pauseClock(context);
  await openHarness(page, stack);
  await setHidden(page, true);
  const other = await context.newPage();
  await loginOnHarness(other, stack);
  // The hidden tab took the new session from the message (its login event proves it) ...
  await expect.poll(() => page.evaluate(() => (window as any).events.map((e: any) => e.type))).toEqual(['login']);
  // ... and with the tab that signed in gone, nothing else could refresh.
  await other.close();
  await context.clock.runFor((TTL_SECONDS + 5) * 1000);
  await settle(page);
  expect(stack.auth.counts.token.refresh_token ?? 0).toBe(0);

  await setHidden(page, false);
  await context.clock.runFor(100);
  await expect.poll(() => stack.auth.counts.token.refresh_token ?? 0).toBe(1);
});

test('automatic refresh retries back off: 1 s after the first failure, then 2 s', async ({ page, context, stack }) => {
  stack.auth.setAccessTokenTtl(TTL_SECONDS);
  await pauseClock(context);
  await loginOnHarness(page, stack);
  stack.auth.setOutage('down');
  const failures = () => page.evaluate(() => (window as any).events.filter((e: any) => e.type === 'error').length);
  await context.clock.runFor((TTL_SECONDS - 29) * 1000);
  await expect.poll(failures).toBe(1);
  await context.clock.runFor(999);
  await settle(page);
  expect(await failures()).toBe(1);
  await context.clock.runFor(1);
  await expect.poll(failures).toBe(2);
  await context.clock.runFor(1999);
  await settle(page);
  expect(await failures()).toBe(2);
  await context.clock.runFor(1);
  await expect.poll(failures).toBe(3);
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(true);
});
