import type { BrowserContext, Page } from '@playwright/test';
import { expect, loginOnHarness, openHarness, openSecondTab, pauseClock, readSdkRecord, test, type Stack } from './fixtures';

// Cross-tab writes of the stored session, and who the session belongs to: the races of a
// refresh in one tab against a login or a logout in another.

const TTL_SECONDS = 60;

async function passExpiry(context: BrowserContext, page: Page) {
  const pageNow = await page.evaluate(() => Date.now());
  await context.clock.setSystemTime(pageNow + (TTL_SECONDS + 1) * 1000);
}

/**
 * Holds `page`'s token-endpoint responses until `release()`. The server has already answered
 * (so a refresh token is already rotated): only the page has not seen the answer yet.
 * `body` resolves to the first held response's JSON.
 */
async function holdTokenResponses(page: Page, stack: Stack) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let arrived!: (body: any) => void;
  const body = new Promise<any>((resolve) => (arrived = resolve));
  await page.route(`${stack.auth.issuer}/token`, async (route) => {
    const response = await route.fetch();
    arrived(await response.json());
    await released;
    await route.fulfill({ response });
  });
  return { body, release };
}

/** Starts getAccessToken() in `page` without waiting; resolves to the token or the error's code. */
function startGetAccessToken(page: Page): Promise<{ token?: string; code?: string }> {
  return page.evaluate(() =>
    (window as any).sdk.getAccessToken().then(
      (token: string) => ({ token }),
      (e: any) => ({ code: e.code }),
    ),
  );
}

const isAuthenticated = (page: Page) => page.evaluate(() => (window as any).sdk.isAuthenticated);
const eventLog = (page: Page) =>
  page.evaluate(() => (window as any).events.map((e: any) => [e.type, e.reason ?? e.user?.sub ?? e.error?.code ?? ''].join(':')));

test('a refresh that loses the race to a new login in another tab (no Web Locks) adopts the stored login instead of signing out', async ({ page, context, stack }) => {
  stack.auth.setAccessTokenTtl(TTL_SECONDS);
  await pauseClock(context);
  await loginOnHarness(page, stack);
  const second = await context.newPage();
  await second.addInitScript(() => Object.defineProperty(navigator, 'locks', { value: undefined }));
  await openHarness(second, stack);
  const held = await holdTokenResponses(second, stack);
  await passExpiry(context, second);
  const call = startGetAccessToken(second);
  await held.body;

  await loginOnHarness(page, stack);
  held.release();
  const result = await call;
  const loggedIn: string = await page.evaluate(() => (window as any).sdk.getAccessToken());
  expect(result).toEqual({ token: loggedIn });
  expect(await isAuthenticated(second)).toBe(true);
  expect(await eventLog(second)).not.toContain('logout:other_tab');
  expect(await readSdkRecord(second, 'session', 'r => r.accessToken')).toBe(loggedIn);
});

test('a login completing while another tab refreshes waits for that refresh, then wins in both tabs', async ({ page, context, stack }) => {
  stack.auth.setAccessTokenTtl(TTL_SECONDS);
  await pauseClock(context);
  await loginOnHarness(page, stack);
  const second = await openSecondTab(context, stack);
  const held = await holdTokenResponses(second, stack);
  await passExpiry(context, second);
  const call = startGetAccessToken(second);
  await held.body;

  const login = loginOnHarness(page, stack);
  // The login's callback waits for the refresh's lock: it is queued behind it.
  await expect
    .poll(() => second.evaluate(async () => {
      const { held, pending } = await navigator.locks.query();
      return (pending ?? []).some((lock) => held?.some((h) => h.name === lock.name));
    }))
    .toBe(true);
  held.release();
  await login;
  const refreshed = await call;
  expect(refreshed.token).toBeTruthy();

  const loggedIn: string = await page.evaluate(() => (window as any).sdk.getAccessToken());
  expect(loggedIn).not.toBe(refreshed.token);
  expect(await readSdkRecord(page, 'session', 'r => r.accessToken')).toBe(loggedIn);
  await expect.poll(() => second.evaluate(() => (window as any).sdk.getAccessToken())).toBe(loggedIn);
  expect(stack.auth.counts.token.refresh_token).toBe(1);
  expect(await eventLog(second)).not.toContain('logout:other_tab');
});

test('a logout while another tab refreshes: that tab revokes the rotated refresh token it received, and nobody is signed in again', async ({ page, context, stack }) => {
  stack.auth.setAccessTokenTtl(TTL_SECONDS);
  await pauseClock(context);
  await loginOnHarness(page, stack);
  const second = await openSecondTab(context, stack);
  const revoked: string[] = [];
  context.on('request', (request) => {
    if (request.url() === `${stack.auth.issuer}/token/revocation`) revoked.push(new URLSearchParams(request.postData() ?? '').get('token')!);
  });
  const held = await holdTokenResponses(second, stack);
  await passExpiry(context, second);
  const call = startGetAccessToken(second);
  const rotated = (await held.body).refresh_token;

  await page.evaluate(() => (window as any).sdk.logout({ localOnly: true }));
  held.release();
  expect(await call).toEqual({ code: 'login_required' });
  await expect.poll(() => revoked).toContain(rotated);
  expect(await isAuthenticated(second)).toBe(false);
  expect(await isAuthenticated(page)).toBe(false);
  expect(await readSdkRecord(page, 'session')).toBeUndefined();
});

/** Makes IndexedDB writes (put) throw in pages that set `window.__failWrites`. */
async function failableWrites(context: BrowserContext) {
  await context.addInitScript(() => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (...args: Parameters<typeof put>) {
      if ((window as any).__failWrites) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return put.apply(this, args);
    };
  });
}

/** Logs in, then refreshes once while writes fail: the tab keeps the refreshed session in memory only. */
async function loginWithUnsavedRefresh(page: Page, context: BrowserContext, stack: Stack) {
  await failableWrites(context);
  stack.auth.setAccessTokenTtl(TTL_SECONDS);
  await pauseClock(context);
  await loginOnHarness(page, stack);
  await page.evaluate(() => ((window as any).__failWrites = true));
  await passExpiry(context, page);
  expect(await startGetAccessToken(page)).toHaveProperty('token');
  expect(await eventLog(page)).toContain('error:storage_unavailable');
  await page.evaluate(() => ((window as any).__failWrites = false));
}

test('a tab holding an unsaved refresh: a logout in another tab during its next refresh is not undone', async ({ page, context, stack }) => {
  await loginWithUnsavedRefresh(page, context, stack);
  const second = await openSecondTab(context, stack);
  const held = await holdTokenResponses(page, stack);
  await passExpiry(context, page);
  const call = startGetAccessToken(page);
  await held.body;

  await second.evaluate(() => (window as any).sdk.logout({ localOnly: true }));
  held.release();
  expect(await call).toEqual({ code: 'login_required' });
  expect(await readSdkRecord(page, 'session')).toBeUndefined();
  expect(await isAuthenticated(page)).toBe(false);
  expect(await isAuthenticated(second)).toBe(false);
});

test('a tab holding an unsaved refresh follows a logout and a new login in another tab', async ({ page, context, stack }) => {
  await loginWithUnsavedRefresh(page, context, stack);
  const second = await openSecondTab(context, stack);
  await second.evaluate(() => (window as any).sdk.logout({ localOnly: true }));
  await expect.poll(() => isAuthenticated(page)).toBe(false);

  await loginOnHarness(second, stack);
  await expect.poll(() => isAuthenticated(page)).toBe(true);
  const [mine, theirs] = await Promise.all([page, second].map((tab) => tab.evaluate(() => (window as any).sdk.getAccessToken())));
  expect(mine).toBe(theirs);
});

test('a login as another user in one tab: the other tab emits logout, then login with the new user', async ({ page, context, stack }) => {
  await loginOnHarness(page, stack);
  const second = await openSecondTab(context, stack);
  expect(await second.evaluate(() => (window as any).sdk.user.sub)).toBe('alice');
  // Forget alice at the authorization server so that the next login can be bob's.
  await context.clearCookies();
  await loginOnHarness(page, stack, {}, { loginHint: 'bob' });
  expect(await page.evaluate(() => (window as any).sdk.user.sub)).toBe('bob');
  await expect.poll(() => second.evaluate(() => (window as any).sdk.user?.sub)).toBe('bob');
  expect(await eventLog(second)).toEqual(['logout:other_tab', 'login:bob']);
});

test('a refreshed ID token for another user (another sub) is refused with invalid_response, nothing stored, the session ends', async ({ page, context, stack }) => {
  stack.auth.setAccessTokenTtl(TTL_SECONDS);
  await pauseClock(context);
  await loginOnHarness(page, stack);
  const second = await openSecondTab(context, stack);
  stack.auth.setRefreshSubject('bob');
  await passExpiry(context, page);
  expect(await startGetAccessToken(page)).toEqual({ code: 'invalid_response' });
  expect(stack.auth.tokenRequests().filter((r) => r.grant_type === 'refresh_token').map((r) => r.status)).toEqual([200]);
  expect(await isAuthenticated(page)).toBe(false);
  expect(await page.evaluate(() => (window as any).sdk.user)).toBeNull();
  expect(await eventLog(page)).toContain('logout:invalid_grant');
  expect(await page.evaluate(() => (window as any).events.find((e: any) => e.type === 'logout').error.code)).toBe('invalid_response');
  expect(await readSdkRecord(page, 'session')).toBeUndefined();
  await expect.poll(() => isAuthenticated(second)).toBe(false);
});
