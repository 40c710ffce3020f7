import type { BrowserContext, Page } from '@playwright/test';
import { expect, findLeakedTokens, loginOnHarness, openHarness, openSecondTab, pauseClock, readSdkRecord, test } from './fixtures';

const TTL_SECONDS = 60;


/** Moves every page's Date past the access token's expiry without firing timers. */
async function passExpiry(context: BrowserContext, page: Page) {
  const pageNow = await page.evaluate(() => Date.now());
  await context.clock.setSystemTime(pageNow + (TTL_SECONDS + 1) * 1000);
}

function concurrentCalls(page: Page, count: number, api: string) {
  return page.evaluate(
    async ({ count, api }) => {
      const sdk = (window as any).sdk;
      const calls = Array.from({ length: count }, (_, i) =>
        i % 2 ? sdk.getAccessToken().then(() => 200) : sdk.fetch(`${api}/api/me`).then((r: Response) => r.status),
      );
      const results = await Promise.allSettled(calls);
      return results.map((r) => (r.status === 'fulfilled' ? r.value : `rejected: ${(r.reason as any)?.code}`));
    },
    { count, api },
  );
}

test('one tab, 20 concurrent calls after expiry: exactly one refresh_token grant, every call succeeds', async ({ page, context, stack }) => {
  stack.auth.setAccessTokenTtl(TTL_SECONDS);
  await pauseClock(context);
  await loginOnHarness(page, stack);
  await passExpiry(context, page);
  const results = await concurrentCalls(page, 20, stack.api.origin);
  expect(results).toEqual(Array(20).fill(200));
  expect(stack.auth.counts.token.refresh_token).toBe(1);
  const events = await page.evaluate(() => (window as any).events.map((e: any) => e.type));
  expect(events.filter((t: string) => t === 'refresh')).toHaveLength(1);
  expect(await findLeakedTokens(page, stack)).toEqual([]);
});

test('three tabs × 10 concurrent calls, five rounds: one grant per round, no failure, grant still valid', async ({ page, context, stack }) => {
  stack.auth.setAccessTokenTtl(TTL_SECONDS);
  await pauseClock(context);
  await loginOnHarness(page, stack);
  const tabs = [page, await context.newPage(), await context.newPage()];
  await openHarness(tabs[1], stack);
  await openHarness(tabs[2], stack);
  for (let round = 1; round <= 5; round++) {
    await passExpiry(context, page);
    const results = await Promise.all(tabs.map((tab) => concurrentCalls(tab, 10, stack.api.origin)));
    expect(results.flat()).toEqual(Array(30).fill(200));
    expect(stack.auth.counts.token.refresh_token).toBe(round);
  }
  const failed = stack.auth.tokenRequests().filter((r: any) => r.status !== 200);
  expect(failed).toEqual([]);
  expect(stack.auth.activeRefreshTokens()).toHaveLength(1);
  for (const tab of tabs) expect(await tab.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(true);
  const status = await page.evaluate((api) => (window as any).sdk.fetch(`${api}/api/me`).then((r: Response) => r.status), stack.api.origin);
  expect(status).toBe(200);
});

test('authorization server down while a refresh is due: retryable error, every tab signed in; back up: next call works', async ({ page, context, stack }) => {
  stack.auth.setAccessTokenTtl(TTL_SECONDS);
  await pauseClock(context);
  await loginOnHarness(page, stack);
  const second = await openSecondTab(context, stack);
  stack.auth.setOutage('down');
  await passExpiry(context, page);
  const error = await page.evaluate(() =>
    (window as any).sdk.getAccessToken().then(
      () => null,
      (e: any) => ((window as any).thrown.push(e), { code: e.code, retryable: e.retryable }),
    ),
  );
  expect(error).toEqual({ code: 'network_error', retryable: true });
  for (const tab of [page, second]) expect(await tab.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(true);

  stack.auth.setOutage('503');
  const busy = await second.evaluate(() =>
    (window as any).sdk.getAccessToken().catch((e: any) => ((window as any).thrown.push(e), { code: e.code, retryable: e.retryable })),
  );
  expect(busy).toEqual({ code: 'server_error', retryable: true });
  for (const tab of [page, second]) expect(await findLeakedTokens(tab, stack)).toEqual([]);

  stack.auth.setOutage(null);
  const status = await second.evaluate((api) => (window as any).sdk.fetch(`${api}/api/me`).then((r: Response) => r.status), stack.api.origin);
  expect(status).toBe(200);
  expect(stack.auth.counts.token.authorization_code).toBe(1);
  for (const tab of [page, second]) expect(await tab.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(true);
});

test('the grant revoked at the server: every tab signed out, logout event with reason invalid_grant', async ({ page, context, stack }) => {
  stack.auth.setAccessTokenTtl(TTL_SECONDS);
  await pauseClock(context);
  await loginOnHarness(page, stack);
  const second = await openSecondTab(context, stack);
  stack.auth.revokeAllGrants();
  await passExpiry(context, page);
  const code = await page.evaluate(() => (window as any).sdk.getAccessToken().catch((e: any) => ((window as any).thrown.push(e), e.code)));
  expect(code).toBe('login_required');
  const logout = await page.evaluate(() => (window as any).events.filter((e: any) => e.type === 'logout').map((e: any) => [e.reason, e.error?.code]));
  expect(logout).toEqual([['invalid_grant', 'invalid_grant']]);
  expect(await findLeakedTokens(page, stack)).toEqual([]);
  await expect.poll(() => second.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(false);
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(false);
});

test('logout() in one tab: the other is signed out within a second, sends no token, and the refresh token is revoked', async ({ page, context, stack }) => {
  await loginOnHarness(page, stack);
  const second = await openSecondTab(context, stack);
  expect(stack.auth.activeRefreshTokens()).toHaveLength(1);
  await page.evaluate(() => (window as any).sdk.logout({ localOnly: true }));
  await expect.poll(() => second.evaluate(() => (window as any).sdk.isAuthenticated), { timeout: 1000 }).toBe(false);
  const code = await second.evaluate((api) => (window as any).sdk.fetch(`${api}/api/me`).catch((e: any) => e.code), stack.api.origin);
  expect(code).toBe('login_required');
  expect(stack.api.requests.filter((r: any) => r.authorization)).toEqual([]);
  expect(stack.auth.counts.revocation).toBe(1);
  expect(stack.auth.activeRefreshTokens()).toEqual([]);
  const reasons = await second.evaluate(() => (window as any).events.filter((e: any) => e.type === 'logout').map((e: any) => e.reason));
  expect(reasons).toEqual(['other_tab']);
});

test('no refresh token issued: after expiry getAccessToken() rejects with login_required', async ({ page, context, stack }) => {
  stack.auth.setAccessTokenTtl(TTL_SECONDS);
  stack.auth.setIssueRefreshToken(false);
  await pauseClock(context);
  await loginOnHarness(page, stack);
  expect(await page.evaluate(() => (window as any).sdk.getAccessToken().then((t: string) => typeof t))).toBe('string');
  await passExpiry(context, page);
  const code = await page.evaluate(() => (window as any).sdk.getAccessToken().catch((e: any) => e.code));
  expect(code).toBe('login_required');
  expect(stack.auth.counts.token.refresh_token ?? 0).toBe(0);
});

test('a reload mid-session keeps the session and makes no request while the token is valid', async ({ page, stack }) => {
  await loginOnHarness(page, stack);
  const before = stack.auth.counts.requests;
  const outside: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(stack.app.origin)) outside.push(r.url());
  });
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(true);
  expect(await page.evaluate(() => (window as any).sdk.getAccessToken().then((t: string) => t.length > 0))).toBe(true);
  expect(outside).toEqual([]);
  expect(stack.auth.counts.requests).toBe(before);
});

test('a refreshed session that cannot be written to IndexedDB is kept in the tab, with an error event', async ({ page, context, stack }) => {
  await context.addInitScript(() => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (...args: Parameters<typeof put>) {
      if ((window as any).__failWrites) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return put.apply(this, args);
    };
  });
  stack.auth.setAccessTokenTtl(TTL_SECONDS);
  await pauseClock(context);
  await loginOnHarness(page, stack);
  await page.evaluate(() => ((window as any).__failWrites = true));
  await passExpiry(context, page);
  const status = await page.evaluate((api) => (window as any).sdk.fetch(`${api}/api/me`).then((r: Response) => r.status), stack.api.origin);
  expect(status).toBe(200);
  expect(await page.evaluate(() => (window as any).events.find((e: any) => e.type === 'error')?.error.code)).toBe('storage_unavailable');
  // The rotated refresh token was kept: the next expiry refreshes with it instead of tripping reuse detection.
  await passExpiry(context, page);
  expect(await page.evaluate((api) => (window as any).sdk.fetch(`${api}/api/me`).then((r: Response) => r.status), stack.api.origin)).toBe(200);
  expect(stack.auth.counts.token.refresh_token).toBe(2);
  expect(stack.auth.tokenRequests().filter((r: any) => r.status !== 200)).toEqual([]);
  // The "could not be saved" path names no token either.
  expect(await findLeakedTokens(page, stack)).toEqual([]);
});

test('the leeway is at most half the lifetime: a 60 s token with a 3600 s leeway is used for 30 s', async ({ page, context, stack }) => {
  stack.auth.setAccessTokenTtl(TTL_SECONDS);
  await pauseClock(context);
  await loginOnHarness(page, stack, { refreshLeewaySeconds: 3600 });
  const loginNow = await page.evaluate(() => Date.now());
  const first: string = await page.evaluate(() => (window as any).sdk.getAccessToken());
  await context.clock.setSystemTime(loginNow + 29_000);
  expect(await page.evaluate(() => (window as any).sdk.getAccessToken())).toBe(first);
  expect(stack.auth.counts.token.refresh_token ?? 0).toBe(0);
  await context.clock.setSystemTime(loginNow + 31_000);
  expect(await page.evaluate(() => (window as any).sdk.getAccessToken())).not.toBe(first);
  expect(stack.auth.counts.token.refresh_token).toBe(1);
});

test('a refresh that fails for a passing reason falls back to the access token while it is still valid', async ({ page, context, stack }) => {
  stack.auth.setAccessTokenTtl(TTL_SECONDS);
  await pauseClock(context);
  await loginOnHarness(page, stack);
  const token: string = await page.evaluate(() => (window as any).sdk.getAccessToken());
  stack.auth.setOutage('down');
  const pageNow = await page.evaluate(() => Date.now());
  // Inside the 30 s leeway, so a refresh is due, but before expiry.
  await context.clock.setSystemTime(pageNow + (TTL_SECONDS - 15) * 1000);
  expect(await page.evaluate(() => (window as any).sdk.getAccessToken())).toBe(token);
  const errors = await page.evaluate(() => (window as any).events.filter((e: any) => e.type === 'error').map((e: any) => e.error.code));
  expect(errors).toEqual(['network_error']);
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(true);
});

test('a logout in another tab while a refresh is in flight wins: the refreshed session is not written back', async ({ page, context, stack }) => {
  stack.auth.setAccessTokenTtl(TTL_SECONDS);
  await pauseClock(context);
  await loginOnHarness(page, stack);
  const second = await openSecondTab(context, stack);
  // The refresh reaches the server and rotates the token, but its answer is held until the other
  // tab has logged out.
  let answered!: () => void;
  const atServer = new Promise<void>((resolve) => (answered = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  await page.route(`${stack.auth.issuer.replace(/\/$/, '')}/token`, async (route) => {
    const response = await route.fetch();
    answered();
    await released;
    await route.fulfill({ response });
  });
  await passExpiry(context, page);
  const call = page.evaluate(() => (window as any).sdk.getAccessToken().then(() => 'resolved', (e: any) => e.code));
  await atServer;
  await second.evaluate(() => (window as any).sdk.logout({ localOnly: true }));
  release();
  expect(await call).toBe('login_required');
  expect(stack.auth.counts.token.refresh_token).toBe(1);
  expect(await readSdkRecord(page, 'session')).toBeUndefined();
  for (const tab of [page, second]) expect(await tab.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(false);
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(false);
});

test('logout() when IndexedDB refuses to delete the session: signed out here, and an error event says so', async ({ page, context, stack }) => {
  await context.addInitScript(() => {
    // The removal is a compare-and-set, written as a put of nothing; a delete would be refused too.
    for (const method of ['delete', 'put'] as const) {
      const original = IDBObjectStore.prototype[method] as (...args: unknown[]) => IDBRequest;
      (IDBObjectStore.prototype as any)[method] = function (this: IDBObjectStore, ...args: unknown[]) {
        if ((window as any).__failDeletes) throw new DOMException('The database is busy.', 'UnknownError');
        return original.apply(this, args);
      };
    }
  });
  await loginOnHarness(page, stack);
  await page.evaluate(() => ((window as any).__failDeletes = true));
  await page.evaluate(() => (window as any).sdk.logout({ localOnly: true }));
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(false);
  const events = await page.evaluate(() => (window as any).events.map((e: any) => e.type === 'error' ? `error ${e.error.code}` : e.type));
  expect(events).toContain('error storage_unavailable');
  // The logout's own event, not only the store's first-failure report: it says the session may come back.
  const messages: string[] = await page.evaluate(() => (window as any).events.filter((e: any) => e.type === 'error').map((e: any) => e.error.message));
  expect(messages.some((message) => message.includes('could not be removed'))).toBe(true);
  expect(await findLeakedTokens(page, stack)).toEqual([]);
});

for (const [server, refusal, code] of [
  ['Glewlwyd', 'empty', 'invalid_response'],
  ['LemonLDAP::NG', 'invalid_request', 'invalid_request'],
] as const) {
  test(`a refresh refused with a 400 that is not invalid_grant (${server}: ${refusal}) ends the session in every tab, and nothing retries`, async ({ page, context, stack }) => {
    stack.auth.setAccessTokenTtl(TTL_SECONDS);
    await pauseClock(context);
    await loginOnHarness(page, stack);
    const second = await openSecondTab(context, stack);
    stack.auth.setTokenRefusal(refusal);
    await passExpiry(context, page);
    const error = await page.evaluate(() => (window as any).sdk.getAccessToken().catch((e: any) => ({ code: e.code, retryable: e.retryable })));
    expect(error).toEqual({ code: 'login_required', retryable: false });
    const logout = await page.evaluate(() => (window as any).events.filter((e: any) => e.type === 'logout').map((e: any) => [e.reason, e.error?.code, e.error?.status]));
    expect(logout).toEqual([['invalid_grant', code, 400]]);
    await expect.poll(() => second.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(false);
    expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(false);
    expect(await readSdkRecord(page, 'session')).toBeUndefined();
    // Neither visible tab keeps trying: two minutes of timers later there is still one attempt.
    await context.clock.runFor(120_000);
    expect(await page.evaluate(() => (window as any).sdk.getAccessToken().catch((e: any) => e.code))).toBe('login_required');
    expect(stack.auth.counts.token.refresh_token).toBe(1);
  });
}

test('tokens issued with expires_in 0: two visible tabs refresh once per 10 s between them, not in a loop', async ({ page, context, stack }) => {
  // oidc-provider cannot issue expires_in 0, so its answers are rewritten on the way to the pages.
  await context.route(`${stack.auth.issuer}/token`, async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, json: { ...(await response.json()), expires_in: 0 } });
  });
  await pauseClock(context);
  await loginOnHarness(page, stack);
  await openSecondTab(context, stack);
  // Step the clock one second at a time, letting each refresh the timers start finish.
  for (let second = 0; second < 30; second++) {
    await context.clock.runFor(1000);
    await expect
      .poll(() => page.evaluate(async () => {
        const { held, pending } = await navigator.locks.query();
        return (held?.length ?? 0) + (pending?.length ?? 0);
      }))
      .toBe(0);
  }
  expect(stack.auth.counts.token.refresh_token).toBe(3);
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(true);
});

test('IndexedDB failing after start-up: getAccessToken() and fetch() reject with an OAuthError, never a raw DOMException', async ({ page, context, stack }) => {
  await context.addInitScript(() => {
    const transaction = IDBDatabase.prototype.transaction;
    IDBDatabase.prototype.transaction = function (...args: any[]) {
      if ((window as any).__idbClosed) throw new DOMException('The database connection is closing.', 'InvalidStateError');
      return (transaction as any).apply(this, args);
    };
  });
  stack.auth.setAccessTokenTtl(TTL_SECONDS);
  await pauseClock(context);
  await loginOnHarness(page, stack);
  await page.evaluate(() => ((window as any).__idbClosed = true));
  await passExpiry(context, page);
  const failures = await page.evaluate(async (api) => {
    const sdk = (window as any).sdk;
    const describe = (e: any) => ({ name: e?.name, code: e?.code, isOAuthError: (window as any).SpaOAuth.isOAuthError(e) });
    return [await sdk.getAccessToken().catch(describe), await sdk.fetch(`${api}/api/me`).catch(describe)];
  }, stack.api.origin);
  for (const failure of failures) expect(failure).toEqual({ name: 'OAuthError', code: 'storage_unavailable', isOAuthError: true });
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(true);
});

test('a refresh that fails before reaching the token endpoint (discovery answers 404) keeps the session', async ({ page, context, stack }) => {
  stack.auth.setAccessTokenTtl(TTL_SECONDS);
  await pauseClock(context);
  await loginOnHarness(page, stack);
  // Forget the cached metadata, so the next tab has to fetch it before it can refresh.
  await page.evaluate(() => new Promise<void>((resolve, reject) => {
    const open = indexedDB.open('spa-oauth');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const tx = open.result.transaction('state', 'readwrite');
      const keys = tx.objectStore('state').getAllKeys();
      keys.onsuccess = () => (keys.result as string[]).filter((k) => k.endsWith('|metadata')).forEach((k) => tx.objectStore('state').delete(k));
      tx.oncomplete = () => resolve();
    };
  }));
  const second = await context.newPage();
  // Both discovery URLs: a 404 on the OpenID one falls back to RFC 8414's.
  await second.route(`${stack.auth.issuer}/.well-known/**`, (route) => route.fulfill({ status: 404, body: 'not found' }));
  await openHarness(second, stack);
  await passExpiry(context, second);
  const error = await second.evaluate(() => (window as any).sdk.getAccessToken().catch((e: any) => ({ code: e.code, status: e.status })));
  expect(error).toEqual({ code: 'invalid_response', status: 404 });
  expect(stack.auth.counts.token.refresh_token ?? 0).toBe(0);
  expect(await second.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(true);
  expect(await readSdkRecord(second, 'session', 'r => typeof r.refreshToken')).toBe('string');
});
