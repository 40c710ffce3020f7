import type { Page } from '@playwright/test';
import { expect, recordAuthorizationRequests, test, watchErrors } from './fixtures';

const READY = 'body[data-ready="true"]';

/** The harness at `origin` (the stack's, same-site with the provider, or its localhost twin, cross-site). */
async function openAt(page: Page, origin: string) {
  await page.addInitScript(() => {
    (window as any).__SPA_OAUTH_TEST_OPTIONS__ = {};
  });
  await page.goto(`${origin}/harness.html`);
  await page.waitForSelector(READY, { state: 'attached' });
}

/** Runs `call` (which leaves the page) and waits until the harness has booted again and handled the callback. */
async function acrossRedirect(page: Page, call: string) {
  await page
    .evaluate((source) => {
      delete document.body.dataset.ready;
      void (0, eval)(source)();
    }, call)
    .catch((err: Error) => {
      if (!/context was destroyed|navigat/i.test(err.message)) throw err;
    });
  await page.waitForSelector(READY, { state: 'attached', timeout: 30_000 });
}

/** Signs in by redirect: the provider keeps a session (its cookie) and the grant. */
async function loginAt(page: Page, origin: string) {
  await openAt(page, origin);
  await acrossRedirect(page, '() => window.sdk.login()');
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(true);
}

/** Clears the app origin's storage only; the provider's cookies stay, and so does its session. */
async function wipeAppStorage(page: Page, origin: string) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Storage.clearDataForOrigin', { origin, storageTypes: 'indexeddb,local_storage' });
  await cdp.detach();
  await openAt(page, origin);
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(false);
}

/** Main-frame navigations from now on. */
function recordNavigations(page: Page): string[] {
  const seen: string[] = [];
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) seen.push(frame.url());
  });
  return seen;
}

const silentRequests = (requests: URLSearchParams[]) => requests.filter((params) => params.get('prompt') === 'none');

test('same-site: restoreSession() signs in through a hidden iframe, one prompt=none request, no navigation', async ({ page, stack }) => {
  const errors = watchErrors(page);
  await loginAt(page, stack.app.origin);
  await wipeAppStorage(page, stack.app.origin);
  const requests = recordAuthorizationRequests(page, stack);
  const navigations = recordNavigations(page);
  await page.evaluate(() => ((window as any).marker = 'still here'));

  expect(await page.evaluate(() => (window as any).sdk.restoreSession())).toBe(true);

  expect(requests).toHaveLength(1);
  expect(silentRequests(requests)).toHaveLength(1);
  expect(navigations).toEqual([]);
  expect(await page.evaluate(() => [(window as any).marker, (window as any).sdk.isAuthenticated, (window as any).sdk.user?.sub])).toEqual(['still here', true, 'alice']);
  expect(await page.evaluate(() => document.querySelectorAll('iframe').length)).toBe(0);
  expect(stack.auth.counts.token.authorization_code).toBe(2);
  expect(errors).toEqual([]);
});

test('same-site without a session at the provider: restoreSession() is false, no navigation, no error', async ({ page, stack }) => {
  const errors = watchErrors(page);
  await openAt(page, stack.app.origin);
  const requests = recordAuthorizationRequests(page, stack);
  const navigations = recordNavigations(page);

  expect(await page.evaluate(() => (window as any).sdk.restoreSession())).toBe(false);

  expect(silentRequests(requests)).toHaveLength(1);
  expect(navigations).toEqual([]);
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(false);
  expect(await page.evaluate(() => document.querySelectorAll('iframe').length)).toBe(0);
  expect(stack.auth.counts.token.authorization_code ?? 0).toBe(0);
  expect(errors).toEqual([]);
});

test('cross-site (app on localhost, provider on 127.0.0.1): restoreSession() takes the silent redirect and signs in', async ({ page, stack }) => {
  const origin = stack.app.crossSiteOrigin;
  await loginAt(page, origin);
  await wipeAppStorage(page, origin);
  const requests = recordAuthorizationRequests(page, stack);

  await acrossRedirect(page, '() => window.sdk.restoreSession()');

  expect(silentRequests(requests)).toHaveLength(1);
  expect(await page.evaluate(() => (window as any).bootError)).toBeUndefined();
  expect(await page.evaluate(() => (window as any).redirectResult)).toEqual({ returnTo: '/harness.html' });
  expect(await page.evaluate(() => [(window as any).sdk.isAuthenticated, (window as any).sdk.user?.sub])).toEqual([true, 'alice']);
  expect(stack.auth.counts.token.authorization_code).toBe(2);
});

test('cross-site without a session at the provider: handleRedirect() is null, no error, and no second silent redirect', async ({ page, stack }) => {
  const origin = stack.app.crossSiteOrigin;
  await openAt(page, origin);
  const requests = recordAuthorizationRequests(page, stack);

  await acrossRedirect(page, '() => window.sdk.restoreSession()');
  expect(await page.evaluate(() => (window as any).bootError)).toBeUndefined();
  expect(await page.evaluate(() => (window as any).redirectResult)).toBeNull();
  expect(await page.evaluate(() => [location.search, (window as any).sdk.isAuthenticated])).toEqual(['', false]);
  expect(silentRequests(requests)).toHaveLength(1);

  // Asked again, on this load and the next: the answer is false without leaving the page.
  expect(await page.evaluate(() => (window as any).sdk.restoreSession())).toBe(false);
  await openAt(page, origin);
  const navigations = recordNavigations(page);
  expect(await page.evaluate(() => (window as any).sdk.restoreSession())).toBe(false);
  expect(navigations).toEqual([]);
  expect(silentRequests(requests)).toHaveLength(1);
  expect(stack.auth.counts.token.authorization_code ?? 0).toBe(0);
});

test('the demo: log in with popup, forget the local session, restore it silently', async ({ page, stack }) => {
  const errors = watchErrors(page);
  await page.goto(`${stack.app.origin}/`);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  const popup = page.context().waitForEvent('page');
  await page.click('#login-popup');
  await (await popup).waitForEvent('close');
  await expect(page.locator('#status')).toHaveText('signed in');
  expect(page.url()).toBe(`${stack.app.origin}/`);

  await page.click('#forget-local');
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  await expect(page.locator('#status')).toHaveText('signed out');
  const navigations = recordNavigations(page);
  await page.click('#restore');
  await expect(page.locator('#status')).toHaveText('signed in');
  await expect(page.locator('#log')).toContainText('restoreSession(): the provider still had a session');
  expect(navigations).toEqual([]);
  expect(stack.auth.counts.token.authorization_code).toBe(2);
  expect(errors).toEqual([]);
});
