import type { Page } from '@playwright/test';
import { captureCallback, expect, loginOnHarness, openHarness, pauseClock, readSdkRecord, test } from './fixtures';

// Issue 10 section 3: ID-token signatures are verified against the server's jwks_uri, with the
// keys login() cached beside the metadata, so the callback's one request stays the code exchange.

const TAMPERED = {
  'a flipped signature': 'signature',
  'a signature by a key not in the JWKS': 'foreign-key',
  'an unknown kid': 'unknown-kid',
} as const;

const outcome = (page: Page) => page.evaluate(() => (window as any).sdk.getAccessToken().then(() => 'ok', (e: any) => e.code));

for (const [what, how] of Object.entries(TAMPERED)) {
  test(`login: an ID token with ${what} is refused with invalid_response, nothing stored`, async ({ page, stack }) => {
    stack.auth.tamperIdTokens(how);
    await loginOnHarness(page, stack);
    expect(await page.evaluate(() => (window as any).bootError?.code)).toBe('invalid_response');
    expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(false);
    expect(await readSdkRecord(page, 'session')).toBeUndefined();
    // login() fetched the keys; only a kid they lack fetches them again, once.
    expect(stack.auth.counts.jwks).toBe(how === 'unknown-kid' ? 2 : 1);
  });
}

for (const [what, how] of Object.entries(TAMPERED)) {
  test(`refresh: an ID token with ${what} is refused with invalid_response, the stored session untouched`, async ({ page, context, stack }) => {
    stack.auth.setAccessTokenTtl(60);
    await pauseClock(context);
    await loginOnHarness(page, stack);
    const before = await readSdkRecord(page, 'session', 'r => r.refreshToken');
    stack.auth.tamperIdTokens(how);
    const pageNow = await page.evaluate(() => Date.now());
    await context.clock.setSystemTime(pageNow + 45_000);
    expect(await outcome(page)).toBe('invalid_response');
    expect(stack.auth.tokenRequests().filter((r) => r.grant_type === 'refresh_token').map((r) => r.status)).toEqual([200]);
    expect(await readSdkRecord(page, 'session', 'r => r.refreshToken')).toBe(before);
    expect(stack.auth.counts.jwks).toBe(how === 'unknown-kid' ? 2 : 1);
  });
}

test('refreshed ID tokens signed by the real key are accepted with the cached keys, minutes apart', async ({ page, context, stack }) => {
  stack.auth.setAccessTokenTtl(60);
  await pauseClock(context);
  await loginOnHarness(page, stack);
  const loggedInAt = await page.evaluate(() => Date.now());
  // oauth4webapi drops its own copy of a key set after 300 s; the cached one must still serve.
  for (const later of [45_000, 7 * 60_000]) {
    await context.clock.setSystemTime(loggedInAt + later);
    expect(await outcome(page)).toBe('ok');
  }
  expect(stack.auth.tokenRequests().filter((r) => r.grant_type === 'refresh_token').map((r) => r.status)).toEqual([200, 200]);
  expect(stack.auth.counts.jwks).toBe(1);
});

test('ten minutes on the login page: the callback still makes one request, the code exchange', async ({ page, context, stack }) => {
  await pauseClock(context);
  await openHarness(page, stack);
  const callback = await captureCallback(page, stack.app.origin);
  const pageNow = await page.evaluate(() => Date.now());
  await context.clock.setSystemTime(pageNow + 10 * 60_000);
  const requests: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin === new URL(stack.auth.issuer).origin && request.method() !== 'OPTIONS') requests.push(`${request.method()} ${url.pathname}`);
  });
  await page.goto(callback);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(true);
  expect(requests).toEqual(['POST /token']);
  expect(stack.auth.counts.jwks).toBe(1);
});
