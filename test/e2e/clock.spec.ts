import type { BrowserContext, Page } from '@playwright/test';
import { expect, loginOnHarness, openHarness, readSdkRecord, test, type Stack } from './fixtures';

// Issue 19 section 1: proofs and ID-token checks use the server's clock, on a stock server (CORS
// hides Date, no DPoP nonces). The page takes the time from its own origin (a same-origin HEAD,
// every header readable) before its first proof; an ID token's iat corrects its own time checks.
// An estimate never outlives its evidence, and never turns a server's 200 into a logout.

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

const apiCalls = (stack: Stack) => stack.api.requests.filter((r) => r.method === 'GET').map((r) => r.status);

/** Every request the context's pages send to the app's own origin with HEAD (the clock samples). */
function recordClockSamples(context: BrowserContext, stack: Stack): string[] {
  const samples: string[] = [];
  context.on('request', (request) => {
    if (request.method() === 'HEAD' && request.url().startsWith(stack.app.origin)) samples.push(request.url());
  });
  return samples;
}

/** Moves the page clock into the refresh window of a 60-second token (under 30 s left). */
async function intoRefreshWindow(page: Page, context: BrowserContext) {
  await context.clock.setSystemTime((await page.evaluate(() => Date.now())) + 45_000);
}

/** Calls login() in the page as it is (no reload, so what this page learned is kept) and waits for the callback. */
async function loginFromHere(page: Page) {
  await page.evaluate(() => {
    delete document.body.dataset.ready;
    void (window as any).sdk.login();
  });
  await page.waitForURL(/\/harness\.html\?.*code=/);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
}

for (const minutes of [10, -10]) {
  for (const friendly of [false, true]) {
    const server = friendly ? 'a server that exposes Date and sends nonces' : 'a stock server';
    test(`DPoP, page clock ${minutes} min off, ${server}: login, API call, refresh and reload succeed`, async ({ page, context, stack }) => {
      stack.auth.setAccessTokenTtl(60);
      stack.auth.setExposeDate(friendly);
      stack.auth.setDpopNonces(friendly);
      const samples = recordClockSamples(context, stack);
      await offsetPageClock(context, minutes);
      await loginOnHarness(page, stack, DPOP);
      expect(await page.evaluate(() => (window as any).bootError)).toBeUndefined();
      // The callback's one request to the authorization server is the code exchange.
      expect(grants(stack, 'authorization_code')).toEqual([200]);
      expect(await apiStatus(page, stack)).toBe(200);

      await intoRefreshWindow(page, context);
      expect(await apiStatus(page, stack)).toBe(200);
      expect(grants(stack, 'refresh_token')).toEqual([200]);

      await page.reload();
      await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
      expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(true);
      expect(await apiStatus(page, stack)).toBe(200);
      expect(apiCalls(stack)).toEqual([200, 200, 200]);
      // Stock: one sample at login(), kept with the metadata through the redirect and the reload.
      // A readable Date at discovery makes even that one unnecessary.
      expect(samples.length).toBe(friendly ? 0 : 1);
    });
  }
}

test('with a correct clock and no DPoP, the clock costs nothing: no sample, one code exchange', async ({ page, context, stack }) => {
  const samples = recordClockSamples(context, stack);
  await loginOnHarness(page, stack);
  expect(await apiStatus(page, stack)).toBe(200);
  expect(samples).toEqual([]);
  expect(grants(stack, 'authorization_code')).toEqual([200]);
  // Nor a write on the callback's way: an estimate that did not move is not stored without DPoP.
  expect(await readSdkRecord(page, 'metadata', 'r => [r.skew, r.skewAt]')).toEqual([0, undefined]);
});

test('with a correct clock and DPoP, the clock costs one same-origin HEAD at login(), before the redirect', async ({ page, context, stack }) => {
  const samples = recordClockSamples(context, stack);
  await loginOnHarness(page, stack, DPOP);
  expect(await apiStatus(page, stack)).toBe(200);
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  expect(await apiStatus(page, stack)).toBe(200);
  expect(samples).toEqual([`${stack.app.origin}/`]);
  expect(grants(stack, 'authorization_code')).toEqual([200]);
});

for (const dpop of [false, true]) {
  test(`the learned offset never locks the user out${dpop ? ' (DPoP)' : ''}: 2 h off at the first login, then corrected`, async ({ page, context, stack }) => {
    stack.auth.setAccessTokenTtl(60);
    const options = dpop ? DPOP : {};
    await offsetPageClock(context, 120);
    await loginOnHarness(page, stack, options);
    expect(await page.evaluate(() => (window as any).bootError)).toBeUndefined();
    expect(await apiStatus(page, stack)).toBe(200);

    // The user sets the clock right; the estimate taken 2 h "later" must not survive that.
    await context.clock.setSystemTime(Date.now());
    await page.reload();
    await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
    // The access token now looks good for 2 h more to the page: the API's 401 makes the refresh.
    stack.auth.store.deleteModels(['AccessToken']);
    expect(await apiStatus(page, stack)).toBe(200);
    expect(grants(stack, 'refresh_token')).toEqual([200]);
    expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(true);
    expect(await page.evaluate(() => (window as any).events.filter((e: any) => e.type === 'logout'))).toEqual([]);

    // And a later login in that browser works as well.
    await page.evaluate(() => (window as any).sdk.logout({ localOnly: true }));
    await loginOnHarness(page, stack, options);
    expect(await page.evaluate(() => (window as any).bootError)).toBeUndefined();
    expect(grants(stack, 'authorization_code')).toEqual([200, 200]);
  });
}

test('the clock moved under a live estimate: the refused refresh proof is retried once with a new one, and the session is kept', async ({ page, context, stack }) => {
  stack.auth.setAccessTokenTtl(60);
  await offsetPageClock(context, 0);
  await loginOnHarness(page, stack, DPOP);
  // Ten minutes ahead, in the same page: the estimate taken at login is still "recent".
  await context.clock.setSystemTime(Date.now() + 10 * 60_000);
  expect(await apiStatus(page, stack)).toBe(200);
  const refreshes = stack.auth.tokenRequests().filter((r) => r.grant_type === 'refresh_token');
  expect(refreshes.map((r) => [r.status, r.error ?? null])).toEqual([[400, 'invalid_dpop_proof'], [200, null]]);
  expect(await page.evaluate(() => (window as any).events.filter((e: any) => e.type === 'logout'))).toEqual([]);
  expect(apiCalls(stack)).toEqual([200]);
});

test('a Date from a response then refused (discovery redirected to another origin) does not move the clock', async ({ page, stack }) => {
  // The other origin answers with a Date an hour behind (and exposes it).
  const moved = `${stack.other.origin}/.well-known/openid-configuration?date-offset=-3600`;
  stack.auth.setDiscovery({ serve: 'redirect', redirectTo: moved });
  await openHarness(page, stack, DPOP);
  expect(await page.evaluate(() => (window as any).sdk.login().catch((e: any) => e.code))).toBe('invalid_response');
  expect(stack.other.requests.map((r) => r.query)).toEqual(['?date-offset=-3600']);

  stack.auth.setDiscovery({ serve: 'openid' });
  await loginFromHere(page);
  expect(await page.evaluate(() => (window as any).bootError)).toBeUndefined();
  // Had the refused Date moved the clock by an hour, the first proof would have been refused.
  expect(grants(stack, 'authorization_code')).toEqual([200]);
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
  // Had the stale Date moved the clock by an hour, the first proof would have been refused.
  expect(grants(stack, 'authorization_code')).toEqual([200]);
  expect(await apiStatus(page, stack)).toBe(200);
});

test('ID-token time checks use the server clock: a page 70 min ahead still accepts a fresh ID token, on a stock server', async ({ page, context, stack }) => {
  await offsetPageClock(context, 70);
  await loginOnHarness(page, stack);
  expect(await page.evaluate(() => (window as any).bootError)).toBeUndefined();
  expect(await page.evaluate(() => (window as any).sdk.user?.sub)).toBe('alice');
  expect(grants(stack, 'authorization_code')).toEqual([200]);
});
