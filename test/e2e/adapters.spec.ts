import type { Page } from '@playwright/test';
import { expect, readSdkRecord, test, type Stack } from './fixtures';

// The adapters' shared store (src/auth-store.ts) through the built dist/vue.mjs, in
// test/pages/adapter-vue.html, which loads it with an import map (no bundler, so `npm run build`
// alone, as the mutants run it, is what is tested); the page is a registered redirect URI, and
// everything it talks to is the real provider and API.



async function openAdapterPage(page: Page, stack: Stack) {
  await page.goto(`${stack.app.origin}/adapter-vue.html`);
  await expect(page.locator('#status')).toHaveText('signed-out');
}

async function signIn(page: Page) {
  await page.evaluate(() => void (window as any).auth.login({ returnTo: '/adapter-vue.html' }));
  await expect(page.locator('#status')).toHaveText('signed-in', { timeout: 30_000 });
}

// Null also while the page is between documents (the login's round trip).
const errorCode = (page: Page) => page.evaluate(() => (window as any).errorCode?.() ?? null).catch(() => null);

test('after a background error event, a session that ends still lets the guard start a login', async ({ page, stack }) => {
  await openAdapterPage(page, stack);
  await signIn(page);
  // The revocation fails on the network: an `error` event, after which nobody is signed in.
  await page.route(`${stack.auth.issuer}/token/revocation`, (route) => route.abort('connectionrefused'));
  await page.evaluate(() => (window as any).auth.logout({ localOnly: true }));
  await expect(page.locator('#status')).toHaveText('signed-out');
  expect(await errorCode(page)).toBe('network_error');

  await page.evaluate(() => void (window as any).guard('/profile'));
  await expect.poll(() => stack.auth.counts.authorize).toBe(2);
  await expect(page.locator('#status')).toHaveText('signed-in', { timeout: 30_000 });
  expect(new URL(page.url()).pathname).toBe('/profile');
});

test('a failed login stops the guard from starting another one (no loop against a server that refuses)', async ({ page, stack }) => {
  // prompt=none without a session at the server: it sends login_required straight back.
  await page.route(`${stack.auth.issuer}/auth?**`, (route) => {
    const url = new URL(route.request().url());
    url.searchParams.set('prompt', 'none');
    return route.continue({ url: url.href });
  });
  await openAdapterPage(page, stack);
  await page.evaluate(() => void (window as any).auth.login({ returnTo: '/adapter-vue.html' }));
  await expect.poll(() => errorCode(page), { timeout: 30_000 }).toBe('login_required');
  await expect(page.locator('#status')).toHaveText('signed-out');

  expect(await page.evaluate(() => (window as any).guard('/profile'))).toBe(false);
  // A login the guard started would have saved its pending login before leaving the page.
  expect(await readSdkRecord(page, 'pending-logins')).toBeUndefined();
  expect(stack.auth.counts.authorize).toBe(1);
});

test('login() the app calls with the server down: the error is in `error`, and the call still rejects', async ({ page, stack }) => {
  await openAdapterPage(page, stack);
  stack.auth.setOutage('down');
  const rejected = await page.evaluate(() => (window as any).auth.login().then(() => null, (e: any) => e.code));
  expect(rejected).toBe('network_error');
  expect(await errorCode(page)).toBe('network_error');
  const message: string = await page.evaluate(() => (window as any).auth.error.value.message);
  // Nobody is signed in: there is no session to keep.
  expect(message).not.toContain('session');
  await expect(page.locator('#status')).toHaveText('signed-out');
});

test('logout() the app calls that fails: the error is in `error`, and the call still rejects', async ({ page, stack }) => {
  await openAdapterPage(page, stack);
  await signIn(page);
  const rejected = await page.evaluate(async () => {
    (await (window as any).client).dispose();
    return (window as any).auth.logout({ localOnly: true }).then(() => null, (e: any) => e.code);
  });
  expect(rejected).toBe('client_disposed');
  expect(await errorCode(page)).toBe('client_disposed');
});

test('useOAuth() hands out loginWithPopup and restoreSession: a blocked popup lands in error and rejects, a restore with no server session answers false', async ({ page, stack }) => {
  await openAdapterPage(page, stack);
  const popup = await page.evaluate(async () => {
    window.open = () => null; // as a popup blocker answers
    return (window as any).auth.loginWithPopup().then(() => 'resolved', (err: any) => err.code);
  });
  expect(popup).toBe('popup_blocked');
  expect(await errorCode(page)).toBe('popup_blocked');
  expect(await page.evaluate(() => (window as any).auth.restoreSession({ mode: 'iframe' }))).toBe(false);
  await expect(page.locator('#status')).toHaveText('signed-out');
});

// test/pages/app/adapter-vue-router.html: the plugin's own redirect, router.replace() on a router
// created with createWebHistory('/app'). The base is taken off only as whole path segments.
for (const [returnTo, route] of [
  ['/apple', '/apple'],
  ['/app/x?tab=keys', '/x?tab=keys'],
]) {
  test(`vue-router with the base '/app': a login with returnTo '${returnTo}' lands on the route '${route}'`, async ({ page, stack }) => {
    await page.goto(`${stack.app.origin}/app/adapter-vue-router.html`);
    await expect(page.locator('#status')).toHaveText('signed-out');

    await page.evaluate((to) => void (window as any).auth.login({ returnTo: to }), returnTo);
    await expect(page.locator('#status')).toHaveText('signed-in', { timeout: 30_000 });
    await expect(page.locator('#route')).toHaveText(route);
    expect(new URL(page.url()).pathname).toBe(`/app${new URL(route, 'http://x').pathname}`);
    expect(stack.auth.counts.token.authorization_code).toBe(1);
  });
}
