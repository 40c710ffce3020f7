import type { Page } from '@playwright/test';
import { expect, loginOnHarness, openHarness, test } from './fixtures';

// Issue 9 finding 1: every endpoint the SDK navigates to or calls must be https (http only on
// loopback for a loopback issuer), whether the metadata was just fetched or read from the cache.

/** Rewrites, in the page's IndexedDB, the SDK record whose key ends with `|suffix`. */
function rewriteSdkRecord(page: Page, suffix: string, rewrite: string) {
  return page.evaluate(
    ({ suffix, rewrite }) =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('spa-oauth');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const store = open.result.transaction('state', 'readwrite').objectStore('state');
          const keys = store.getAllKeys();
          keys.onsuccess = () => {
            const key = (keys.result as string[]).find((k) => k.endsWith(`|${suffix}`));
            if (!key) return reject(new Error(`no record ${suffix}`));
            const get = store.get(key);
            get.onsuccess = () => {
              store.put((0, eval)(rewrite)(get.result), key).onsuccess = () => resolve();
            };
          };
        };
      }),
    { suffix, rewrite },
  );
}

const loginError = (page: Page) =>
  page.evaluate(() => (window as any).sdk.login().then(() => null, (e: any) => ({ code: e.code, message: e.message })));

test('a discovery document with a javascript: authorization_endpoint is refused at login(); no script runs', async ({ page, stack }) => {
  await page.route(`${stack.auth.issuer}/.well-known/openid-configuration`, async (route) => {
    const response = await route.fetch();
    const json = await response.json();
    await route.fulfill({ response, json: { ...json, authorization_endpoint: 'javascript:window.__pwned=1' } });
  });
  await openHarness(page, stack);
  const error = await loginError(page);
  expect(error?.code).toBe('invalid_response');
  expect(error?.message).toContain('"authorization_endpoint"');
  expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
  expect(new URL(page.url()).pathname).toBe('/harness.html');
});

test('an https issuer whose metadata names an http endpoint, even on loopback, is refused', async ({ page, stack }) => {
  const issuer = 'https://as.example';
  await page.route(`${issuer}/.well-known/openid-configuration`, (route) =>
    route.fulfill({
      json: {
        issuer,
        authorization_endpoint: `${issuer}/auth`,
        token_endpoint: `${stack.auth.issuer}/token`,
      },
      headers: { 'access-control-allow-origin': '*' },
    }),
  );
  await openHarness(page, stack, { issuer });
  const error = await loginError(page);
  expect(error?.code).toBe('invalid_response');
  expect(error?.message).toContain('"token_endpoint"');
});

test('a loopback issuer whose metadata names an http endpoint off loopback is refused', async ({ page, stack }) => {
  await page.route(`${stack.auth.issuer}/.well-known/openid-configuration`, async (route) => {
    const response = await route.fetch();
    const json = await response.json();
    await route.fulfill({ response, json: { ...json, token_endpoint: 'http://as.example/token' } });
  });
  await openHarness(page, stack);
  const error = await loginError(page);
  expect(error?.code).toBe('invalid_response');
  expect(error?.message).toContain('"token_endpoint"');
});

const poisonedCaches: Array<[string, string]> = [
  ['a javascript: end_session_endpoint', "r => ({ ...r, as: { ...r.as, end_session_endpoint: 'javascript:window.__pwned=1' } })"],
  ['a javascript: authorization_endpoint', "r => ({ ...r, as: { ...r.as, authorization_endpoint: 'javascript:window.__pwned=1' } })"],
  ['a fetchedAt in the future (a cache that would never go stale)', 'r => ({ ...r, fetchedAt: Date.now() + 365 * 864e5 })'],
  ['another issuer', "r => ({ ...r, as: { ...r.as, issuer: 'https://evil.example' } })"],
];
for (const [what, rewrite] of poisonedCaches) {
  test(`cached metadata with ${what} is ignored and fetched again; no script runs`, async ({ page, stack }) => {
    await loginOnHarness(page, stack);
    await rewriteSdkRecord(page, 'metadata', rewrite);
    await page.reload();
    await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
    const discoveries = stack.auth.counts.discovery;

    await page.evaluate(() => {
      delete document.body.dataset.ready;
      void (window as any).sdk.logout();
    });
    await page.waitForURL(`${stack.app.origin}/harness.html`);
    await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
    expect(stack.auth.counts.discovery).toBe(discoveries + 1);
    expect(stack.auth.counts.endSession).toBe(1);
    expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
  });
}

// Issue 22 (6): `localhost` configured while the server calls itself `127.0.0.1` (or the other way
// round) is the first wall a new user hits; the message names both values and the fix.
test('an issuer option that differs from the issuer the server names: the error names both and says which to set', async ({ page, stack }) => {
  const served = stack.auth.issuer; // http://127.0.0.1:PORT
  const configured = served.replace('127.0.0.1', 'localhost');
  await openHarness(page, stack, { issuer: configured });
  const error = await loginError(page);
  expect(error?.code).toBe('invalid_response');
  expect(error?.message).toContain(`"issuer" option is "${configured}"`);
  expect(error?.message).toContain(`names its issuer "${served}"`);
  expect(error?.message).toContain(`set "issuer" to "${served}" exactly`);
  expect(new URL(page.url()).pathname).toBe('/harness.html');
});
