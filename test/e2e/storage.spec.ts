import type { Page } from '@playwright/test';
import { expect, loginOnHarness, openHarness, pauseClock, test } from './fixtures';

// Issue 10 section 1: without a working IndexedDB the pending login waits in sessionStorage, so the
// login round trip completes; the session then lives in the page's memory.

const BROKEN_INDEXEDDB: Record<string, () => void> = {
  'cannot be opened (open throws)': () => {
    IDBFactory.prototype.open = function () {
      throw new DOMException('The user denied permission to access the database.', 'InvalidStateError');
    };
  },
  'cannot be opened (open fires error)': () => {
    const open = IDBFactory.prototype.open;
    IDBFactory.prototype.open = function (this: IDBFactory, name: string) {
      const request = open.call(this, `${name}-refused`);
      // The caller's upgrade handler runs, then the upgrade is aborted: the request fires `error`.
      Object.defineProperty(request, 'onupgradeneeded', {
        set(handler: () => void) {
          request.addEventListener('upgradeneeded', () => {
            handler();
            request.transaction!.abort();
          });
        },
      });
      return request;
    };
  },
  'opens but refuses every write': () => {
    IDBObjectStore.prototype.put = function () {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
  },
};

const storageErrors = (page: Page) =>
  page.evaluate(() => (window as any).events.filter((e: any) => e.type === 'error' && e.error.code === 'storage_unavailable').length);

for (const [broken, breakIndexedDb] of Object.entries(BROKEN_INDEXEDDB)) {
  test(`IndexedDB ${broken}: the DPoP login round trip completes and refreshes in memory, storage_unavailable once, a reload ends it`, async ({ page, context, stack }) => {
    const pageErrors: Error[] = [];
    page.on('pageerror', (error) => pageErrors.push(error));
    const authorizeUrls: URL[] = [];
    page.on('request', (request) => {
      if (request.url().startsWith(`${stack.auth.issuer}/auth?`)) authorizeUrls.push(new URL(request.url()));
    });
    await page.addInitScript(breakIndexedDb);
    stack.auth.setAccessTokenTtl(60);
    await pauseClock(context);

    await loginOnHarness(page, stack, { dpop: true }, { returnTo: '/inbox' });
    expect(await page.evaluate(() => (window as any).bootError)).toBeUndefined();
    expect(await page.evaluate(() => (window as any).redirectResult)).toEqual({ returnTo: '/inbox' });
    expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(true);
    const body = await page.evaluate((api) => (window as any).sdk.fetch(`${api}/api/me`).then((r: Response) => r.json()), stack.api.origin);
    expect(body).toMatchObject({ sub: 'alice', tokenType: 'DPoP' });
    // The key could not outlive the redirect, so the code was not bound to it; the tokens are.
    expect(authorizeUrls.map((url) => url.searchParams.has('dpop_jkt'))).toEqual([false]);
    // Past the deferred event: exactly one, on this page.
    await context.clock.runFor(100);
    expect(await storageErrors(page)).toBe(1);
    // The session refreshes where it lives, in memory.
    const pageNow = await page.evaluate(() => Date.now());
    await context.clock.setSystemTime(pageNow + 45_000);
    expect(await page.evaluate((api) => (window as any).sdk.fetch(`${api}/api/me`).then((r: Response) => r.status), stack.api.origin)).toBe(200);
    expect(stack.auth.tokenRequests().map((r) => [r.grant_type, r.status])).toEqual([['authorization_code', 200], ['refresh_token', 200]]);
    expect(await storageErrors(page)).toBe(1);
    // The pending login was taken out of sessionStorage; nothing else was ever put there.
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(pageErrors).toEqual([]);

    await page.reload();
    await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
    expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(false);
    expect(pageErrors).toEqual([]);
  });
}

test('without IndexedDB, sessionStorage holds the pending login only: verifier, nonce, returnTo, no token', async ({ page, stack }) => {
  await page.addInitScript(BROKEN_INDEXEDDB['cannot be opened (open throws)']);
  await openHarness(page, stack);
  await page.evaluate(() => {
    sessionStorage.setItem('spa-oauth-test-hold', '1');
    delete document.body.dataset.ready;
    void (window as any).sdk.login({ returnTo: '/inbox' });
  });
  await page.waitForURL(/\/harness\.html\?.*code=/);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  const saved = await page.evaluate(() => Object.fromEntries(Object.entries(sessionStorage)));
  const [[key, value]] = Object.entries(saved);
  expect(key).toMatch(/\|pending-logins$/);
  const logins = Object.values(JSON.parse(value)) as Array<Record<string, unknown>>;
  expect(logins).toHaveLength(1);
  expect(Object.keys(logins[0]).sort()).toEqual(['codeVerifier', 'createdAt', 'nonce', 'returnTo']);
  expect(logins[0].returnTo).toBe('/inbox');
});

test('IndexedDB and sessionStorage both refused: login() rejects with storage_unavailable and stays on the page', async ({ page, stack }) => {
  await page.addInitScript(() => {
    IDBFactory.prototype.open = function () {
      throw new DOMException('denied', 'InvalidStateError');
    };
    Storage.prototype.setItem = function () {
      throw new DOMException('denied', 'SecurityError');
    };
  });
  await openHarness(page, stack);
  const error = await page.evaluate(() => (window as any).sdk.login().then(() => null, (e: any) => ({ name: e.name, code: e.code, message: e.message })));
  expect(error).toMatchObject({ name: 'OAuthError', code: 'storage_unavailable' });
  expect(error.message).toContain('sessionStorage');
  expect(new URL(page.url()).origin).toBe(stack.app.origin);
  expect(stack.auth.counts.authorize).toBe(0);
});

test('IndexedDB slow to open (4 s, past the 3 s timeout): the page runs from memory, then takes the stored session when IndexedDB answers', async ({ page, stack }) => {
  await loginOnHarness(page, stack);
  await page.addInitScript(() => {
    const open = IDBFactory.prototype.open;
    IDBFactory.prototype.open = function (this: IDBFactory, ...args: [string, number?]) {
      const request = open.apply(this, args);
      // idb-keyval listens through onsuccess: it hears of the open database 4 s late.
      const success = Object.getOwnPropertyDescriptor(IDBRequest.prototype, 'onsuccess')!;
      Object.defineProperty(request, 'onsuccess', {
        set(handler: (event: Event) => void) {
          success.set!.call(request, (event: Event) => setTimeout(() => handler.call(request, event), 4000));
        },
      });
      return request;
    };
  });
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(false);
  await expect.poll(() => storageErrors(page)).toBe(1);

  await expect.poll(() => page.evaluate(() => (window as any).sdk.isAuthenticated), { timeout: 5000 }).toBe(true);
  const logins = await page.evaluate(() => (window as any).events.filter((e: any) => e.type === 'login').map((e: any) => e.user.sub));
  expect(logins).toEqual(['alice']);
  const status = await page.evaluate((api) => (window as any).sdk.fetch(`${api}/api/me`).then((r: Response) => r.status), stack.api.origin);
  expect(status).toBe(200);
  // The stored session itself: no new login, no refresh.
  expect(stack.auth.tokenRequests().map((r) => r.grant_type)).toEqual(['authorization_code']);

  // From now on writes reach IndexedDB again: a logout here ends the session for the next page too.
  await page.evaluate(() => (window as any).sdk.logout({ localOnly: true }));
  await page.reload();
  await expect.poll(() => storageErrors(page)).toBe(1);
  await page.waitForTimeout(4500);
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(false);
});
