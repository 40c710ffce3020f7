import type { BrowserContext, Page } from '@playwright/test';
import { expect, loginOnHarness, openHarness, pauseClock, readSdkRecord, test, type Stack } from './fixtures';

// Promises the code made that no test checked (issue 20): each of these could be broken on
// purpose with every other spec still green. Their mutants are in test/mutants.json.

async function passExpiry(context: BrowserContext, page: Page) {
  const pageNow = await page.evaluate(() => Date.now());
  await context.clock.setSystemTime(pageNow + 61_000);
}

/** Holds `page`'s token-endpoint responses (already answered by the server) until `release()`. */
async function holdTokenResponses(page: Page, stack: Stack) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let arrived!: () => void;
  const answered = new Promise<void>((resolve) => (arrived = resolve));
  await page.route(`${stack.auth.issuer}/token`, async (route) => {
    const response = await route.fetch();
    arrived();
    await released;
    await route.fulfill({ response });
  });
  return { answered, release };
}

test("an app's own Authorization header on a Request passed to sdk.fetch is kept, not replaced by the SDK's token", async ({ page, stack }) => {
  await loginOnHarness(page, stack);
  const status = await page.evaluate(
    (api) => (window as any).sdk.fetch(new Request(`${api}/api/me`, { headers: { Authorization: 'Bearer mine' } })).then((r: Response) => r.status),
    stack.api.origin,
  );
  expect(status).toBe(401);
  expect(stack.api.requests.filter((r: any) => r.method === 'GET').map((r: any) => r.authorization)).toEqual(['Bearer mine']);
  expect(stack.auth.counts.token.refresh_token ?? 0).toBe(0);
});

test('a sessionStorage that throws on read does not break a callback whose pending login is in IndexedDB', async ({ page, stack }) => {
  await page.addInitScript(() => {
    const getItem = Storage.prototype.getItem;
    Storage.prototype.getItem = function (this: Storage, key: string) {
      if (key.endsWith('|pending-logins')) throw new DOMException('The operation is insecure.', 'SecurityError');
      return getItem.call(this, key);
    };
  });
  await loginOnHarness(page, stack, {}, { returnTo: '/inbox' });
  expect(await page.evaluate(() => (window as any).bootError)).toBeUndefined();
  expect(await page.evaluate(() => (window as any).redirectResult)).toEqual({ returnTo: '/inbox' });
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(true);
});

test("with app-given metadata, the issuer option is the one checked, not the metadata's own", async ({ page, stack }) => {
  const document = await (await fetch(`${stack.auth.issuer}/.well-known/openid-configuration`)).json();
  const discoveries = stack.auth.counts.discovery;
  await loginOnHarness(page, stack, { metadata: { ...document, issuer: 'https://impostor.example' } }, { returnTo: '/inbox' });
  expect(await page.evaluate(() => (window as any).bootError)).toBeUndefined();
  expect(await page.evaluate(() => (window as any).redirectResult)).toEqual({ returnTo: '/inbox' });
  expect(await page.evaluate(() => (window as any).sdk.user?.iss)).toBe(stack.auth.issuer);
  expect(stack.auth.counts.discovery).toBe(discoveries);
});

test("a refused refresh removes the stored session by compare-and-set only: another tab's new login survives", async ({ page, context, stack }) => {
  stack.auth.setAccessTokenTtl(60);
  await pauseClock(context);
  await loginOnHarness(page, stack);
  // A tab without Web Locks, so that the other tab's login does not wait for its refresh.
  const refusing = await context.newPage();
  await refusing.addInitScript(() => Object.defineProperty(navigator, 'locks', { value: undefined }));
  await openHarness(refusing, stack);
  stack.auth.revokeAllGrants();
  const held = await holdTokenResponses(refusing, stack);
  await passExpiry(context, refusing);
  const call = refusing.evaluate(() => (window as any).sdk.getAccessToken().then(() => null, (e: any) => e.code));
  await held.answered;

  await loginOnHarness(page, stack);
  const fresh: string = await page.evaluate(() => (window as any).sdk.getAccessToken());
  held.release();
  await call;
  expect(stack.auth.tokenRequests().filter((r: any) => r.grant_type === 'refresh_token').map((r: any) => r.status)).toEqual([400]);
  expect(await readSdkRecord(page, 'session', 'r => r?.accessToken')).toBe(fresh);
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(true);
  expect(await refusing.evaluate(() => (window as any).sdk.getAccessToken())).toBe(fresh);
});
