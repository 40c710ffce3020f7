import type { BrowserContext, Page } from '@playwright/test';
import { expect, loginOnHarness, openHarness, openSecondTab, pauseClock, readSdkRecord, test, type Stack } from './fixtures';

// Whose the stored session is: a logout, a login or a read in one tab never deletes what another
// tab (or another build) stored, and a live refresh token nobody keeps is revoked (RFC 7009).

/** Writes `value` under the SDK record key ending with `|suffix` (the key must exist already). */
function writeSdkRecord(page: Page, suffix: string, value: unknown) {
  return page.evaluate(
    ({ suffix, value }) =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('spa-oauth');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const store = open.result.transaction('state', 'readwrite').objectStore('state');
          const keys = store.getAllKeys();
          keys.onsuccess = () => {
            const key = (keys.result as string[]).find((k) => k.endsWith(`|${suffix}`))!;
            store.put(value, key).onsuccess = () => resolve();
          };
        };
      }),
    { suffix, value },
  );
}

/** The refresh tokens the page sent to the revocation endpoint. */
function watchRevocations(context: BrowserContext, stack: Stack): string[] {
  const revoked: string[] = [];
  context.on('request', (request) => {
    if (request.url() === `${stack.auth.issuer}/token/revocation`) revoked.push(new URLSearchParams(request.postData() ?? '').get('token')!);
  });
  return revoked;
}

const accessToken = (page: Page) => page.evaluate(() => (window as any).sdk.getAccessToken() as Promise<string>);
const storedAccessToken = (page: Page) => readSdkRecord<string | undefined>(page, 'session', 'r => r?.accessToken');

test('a logout in a tab that has not heard of a newer login leaves that login stored (compare-and-set)', async ({ page, context, stack }) => {
  await loginOnHarness(page, stack);
  // A tab that misses the other tabs' messages (as a frozen or throttled one does).
  const stale = await context.newPage();
  await stale.addInitScript(() => Object.defineProperty(window, 'BroadcastChannel', { value: undefined }));
  await openHarness(stale, stack);
  expect(await stale.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(true);

  await loginOnHarness(page, stack);
  const fresh = await accessToken(page);
  await stale.evaluate(() => (window as any).sdk.logout({ localOnly: true }));

  expect(await stale.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(false);
  expect(await storedAccessToken(page)).toBe(fresh);
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(true);
});

test("a login over another user's stored session revokes that session's refresh token", async ({ page, browser, stack }) => {
  // Another browser signs in: its refresh token is live, of its own grant.
  const elsewhere = await browser.newContext();
  const other = await elsewhere.newPage();
  await loginOnHarness(other, stack);
  const otherSession = await readSdkRecord<any>(other, 'session');
  await elsewhere.close();
  expect(stack.auth.isRefreshTokenActive(otherSession.refreshToken)).toBe(true);

  // This browser holds it as another user's session (the one who used it before).
  await loginOnHarness(page, stack);
  await writeSdkRecord(page, 'session', { ...otherSession, user: { ...otherSession.user, sub: 'bob' } });
  const revoked = watchRevocations(page.context(), stack);
  await loginOnHarness(page, stack);

  await expect.poll(() => revoked).toEqual([otherSession.refreshToken]);
  expect(stack.auth.isRefreshTokenActive(otherSession.refreshToken)).toBe(false);
  // The new login is untouched.
  const status = await page.evaluate((api) => (window as any).sdk.fetch(`${api}/api/me`).then((r: Response) => r.status), stack.api.origin);
  expect(status).toBe(200);
  expect(await page.evaluate(() => (window as any).sdk.user.sub)).toBe('alice');
});

test('a refresh whose ID token names another subject revokes the refresh token it got', async ({ page, context, stack }) => {
  stack.auth.setAccessTokenTtl(60);
  await pauseClock(context);
  await loginOnHarness(page, stack);
  stack.auth.setRefreshSubject('bob');
  const pageNow = await page.evaluate(() => Date.now());
  await context.clock.setSystemTime(pageNow + 61_000);
  const code = await page.evaluate(() => (window as any).sdk.getAccessToken().then(() => null, (e: any) => e.code));
  expect(code).toBe('invalid_response');
  // The refresh rotated the refresh token; the new one is revoked, so none is left live.
  expect(stack.auth.counts.token.refresh_token).toBe(1);
  await expect.poll(() => stack.auth.activeRefreshTokens()).toEqual([]);
});

test("a session record in another build's format reads as signed out and is left alone", async ({ page, stack }) => {
  await loginOnHarness(page, stack);
  const future = { v: 2, credentials: { access: 'from-a-newer-build' } };
  await writeSdkRecord(page, 'session', future);
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(false);
  expect(await page.evaluate(() => (window as any).sdk.getAccessToken().catch((e: any) => e.code))).toBe('login_required');
  expect(await readSdkRecord(page, 'session')).toEqual(future);
  // A login of this build replaces it.
  await loginOnHarness(page, stack);
  expect(await storedAccessToken(page)).toBe(await accessToken(page));
});

test("a login IndexedDB refuses to store still removes the previous session: other tabs and a reload don't bring it back", async ({ page, context, stack }) => {
  await loginOnHarness(page, stack);
  const previous = await accessToken(page);
  const other = await openSecondTab(context, stack);
  expect(await accessToken(other)).toBe(previous);

  // From now on this tab's IndexedDB refuses the session record (a full disk, a quota).
  await page.addInitScript(() => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
      if (String(key).endsWith('|session')) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return put.call(this, value, key);
    };
  });
  await loginOnHarness(page, stack);
  const current = await accessToken(page);
  expect(current).not.toBe(previous);

  expect(await storedAccessToken(page)).toBeUndefined();
  await expect.poll(() => other.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(false);
  await other.reload();
  await expect(other.locator('body')).toHaveAttribute('data-ready', 'true');
  expect(await other.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(false);
});
