import type { BrowserContext, Page } from '@playwright/test';
import { expect, loginOnHarness, test, type Stack } from './fixtures';

// Issue 10 section 2: proofs and ID-token checks use the server's clock, estimated from its Date
// headers (when CORS lets the page read them) and the iat of the ID token the login returned.

const DPOP = { dpop: true };

/** A paused page clock `minutes` away from the real one (the servers keep real time). */
async function offsetPageClock(context: BrowserContext, minutes: number) {
  const time = Date.now() + minutes * 60_000;
  await context.clock.install({ time });
  await context.clock.pauseAt(time + 1000);
}

const apiStatus = (page: Page, stack: Stack) =>
  page.evaluate((api) => (window as any).sdk.fetch(`${api}/api/me`).then((r: Response) => r.status), stack.api.origin);

const grants = (stack: Stack, type: string) =>
  stack.auth.tokenRequests().filter((r) => r.grant_type === type).map((r) => r.status);

for (const minutes of [10, -10]) {
  for (const dateReadable of [true, false]) {
    test(`DPoP with the page clock ${minutes} min off, server Date ${dateReadable ? 'readable' : 'hidden by CORS'}: login, API call and refresh succeed`, async ({ page, context, stack }) => {
      stack.auth.setAccessTokenTtl(60);
      stack.auth.setExposeDate(dateReadable);
      await offsetPageClock(context, minutes);
      await loginOnHarness(page, stack, DPOP);
      expect(await page.evaluate(() => (window as any).bootError)).toBeUndefined();
      // A readable Date set the clock at login(), so the callback's one request is the code
      // exchange. Hidden, the server's nonce challenge rescues the first proof, and the ID token's
      // iat sets the clock for every proof after it.
      expect(grants(stack, 'authorization_code')).toEqual(dateReadable ? [200] : [400, 200]);
      expect(await apiStatus(page, stack)).toBe(200);

      // Into the refresh window (under 30 s left), still within the API's 60 s iat window.
      const pageNow = await page.evaluate(() => Date.now());
      await context.clock.setSystemTime(pageNow + 45_000);
      expect(await apiStatus(page, stack)).toBe(200);
      expect(grants(stack, 'refresh_token')).toEqual([200]);
      expect(stack.api.requests.filter((r) => r.method === 'GET').map((r) => r.status)).toEqual([200, 200]);
    });
  }
}

test('the clock survives a reload with the cached metadata: the first call after it needs no retry', async ({ page, context, stack }) => {
  await offsetPageClock(context, -10);
  await loginOnHarness(page, stack, DPOP);
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  expect(await apiStatus(page, stack)).toBe(200);
  expect(stack.api.requests.filter((r) => r.method === 'GET').map((r) => r.status)).toEqual([200]);
});

test('a Date from a cache (with an Age) never moves the clock', async ({ page, stack }) => {
  stack.auth.setExposeDate(true);
  const hourAgo = new Date(Date.now() - 3600_000).toUTCString();
  for (const path of ['/.well-known/openid-configuration', '/jwks']) {
    await page.route(`${stack.auth.issuer}${path}`, async (route) => {
      const response = await route.fetch();
      await route.fulfill({
        response,
        headers: { ...response.headers(), date: hourAgo, age: '3600', 'access-control-expose-headers': 'Date, Age' },
      });
    });
  }
  await loginOnHarness(page, stack, DPOP);
  // Had the stale Date moved the clock by an hour, the first proof would need the nonce rescue.
  expect(grants(stack, 'authorization_code')).toEqual([200]);
  expect(await apiStatus(page, stack)).toBe(200);
});

test('ID-token time checks use the server clock: a page 70 min ahead still accepts a fresh ID token', async ({ page, context, stack }) => {
  stack.auth.setExposeDate(true);
  await offsetPageClock(context, 70);
  await loginOnHarness(page, stack);
  expect(await page.evaluate(() => (window as any).bootError)).toBeUndefined();
  expect(await page.evaluate(() => (window as any).sdk.user?.sub)).toBe('alice');
});
