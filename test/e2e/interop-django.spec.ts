// The SDK against a second, independent authorization server: django-oauth-toolkit 1.7 (Debian's
// python3-django-oauth-toolkit, on oauthlib), through its real login form and consent page.
// What it does differently from oidc-provider, and what these tests therefore cover:
// - its discovery document is only at ".../openid-configuration/": the standard URL is a 301;
// - it advertises neither "revocation_endpoint" nor "end_session_endpoint";
// - no RFC 9207 "iss" in the callback; "sub" is the user's database id;
// - the API validates tokens by RFC 7662 introspection at the server.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from '@playwright/test';
import { startApiServer, type ApiServer } from '../fixtures/api-server.mjs';
import { startDjangoServer, type DjangoServer } from '../fixtures/django-server.mjs';
import { test as base, expect, openHarness, pauseClock, readSdkRecord, type Stack } from './fixtures';

const TTL_SECONDS = 3600;

const test = base.extend<{}, { django: { server: DjangoServer; api: ApiServer } }>({
  django: [
    async ({ stack }, use) => {
      const server = await startDjangoServer({
        appOrigin: stack.app.origin,
        redirectUris: [`${stack.app.origin}/harness.html`],
        accessTokenTtl: TTL_SECONDS,
      });
      const api = await startApiServer({ auth: server, allowedOrigin: stack.app.origin });
      await use({ server, api });
      await Promise.all([api.close(), server.close()]);
    },
    { scope: 'worker' },
  ],
});

test.beforeEach(({ django }) => django.api.reset());

const options = (django: { server: DjangoServer; api: ApiServer }, extra: Record<string, unknown> = {}) => ({
  issuer: django.server.issuer,
  clientId: django.server.clientId,
  apiOrigins: [django.api.origin],
  ...extra,
});

/** Every request the page sends to `origin` from now on, as "METHOD /path" (grant type added for /token/). */
function recordRequests(page: Page, origin: string): string[] {
  const seen: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin !== origin) return;
    const grant = url.pathname.endsWith('/token/') ? new URLSearchParams(request.postData() ?? '').get('grant_type') : null;
    seen.push(`${request.method()} ${url.pathname}${grant ? ` ${grant}` : ''}`);
  });
  return seen;
}

/** login() on the harness, then Django's login form and consent page as a user fills them. */
async function loginThroughDjango(page: Page, stack: Stack, django: { server: DjangoServer; api: ApiServer }, extra: Record<string, unknown> = {}) {
  await openHarness(page, stack, options(django, extra));
  await page.evaluate(() => {
    const w = window as any;
    delete document.body.dataset.ready;
    w.sdk.login().catch((err: any) => {
      w.__loginError = { code: err?.code, message: String(err?.message ?? err) };
    });
  });
  const failed = page
    .waitForFunction(() => (window as any).__loginError, undefined, { timeout: 0 })
    .then(async (handle) => {
      throw new Error(`sdk.login() failed: ${JSON.stringify(await handle.jsonValue())}`);
    });
  failed.catch(() => {}); // it never settles on success
  await Promise.race([page.waitForURL(`${django.server.origin}/accounts/login/?**`), failed]);
  await page.getByLabel('Username').fill('alice');
  await page.getByLabel('Password').fill(django.server.users.alice);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${django.server.origin}/o/authorize/?**`);
  await page.getByRole('button', { name: 'Authorize' }).click();
  await page.waitForURL(`${stack.app.origin}/harness.html**`);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  expect(await page.evaluate(() => (window as any).bootError)).toBeUndefined();
}

const session = (page: Page) => readSdkRecord<{ accessToken: string; refreshToken: string }>(page, 'session');

/** Moves the page's clock past the access token's expiry without firing timers. */
async function passExpiry(context: BrowserContext, page: Page) {
  const pageNow = await page.evaluate(() => Date.now());
  await context.clock.setSystemTime(pageNow + (TTL_SECONDS + 1) * 1000);
}

const callApi = (page: Page, api: string) =>
  page.evaluate((api) => (window as any).sdk.fetch(`${api}/api/me`).then(async (r: Response) => ({ status: r.status, body: await r.json() })), api);

test('login through Django\'s login and consent pages, an API call checked by introspection, a reload with no request', async ({ page, stack, django }) => {
  const toDjango = recordRequests(page, django.server.origin);
  await loginThroughDjango(page, stack, django);

  // Discovery followed Django's same-origin 301 to the trailing-slash URL.
  expect(toDjango.slice(0, 2)).toEqual(['GET /o/.well-known/openid-configuration', 'GET /o/.well-known/openid-configuration/']);
  // The callback page's only request to the server is the code exchange.
  const callback = toDjango.lastIndexOf('POST /o/authorize/');
  expect(toDjango.slice(callback + 1).filter((r) => !r.startsWith('OPTIONS'))).toEqual(['POST /o/token/ authorization_code']);
  const user = await page.evaluate(() => (window as any).sdk.user);
  expect(user).toMatchObject({ preferred_username: 'alice', name: 'Alice Example', iss: django.server.issuer, aud: django.server.clientId });

  const introspectionsBefore = django.server.introspections;
  expect(await callApi(page, django.api.origin)).toEqual({ status: 200, body: { sub: 'alice', scope: 'openid profile offline_access', tokenType: 'Bearer' } });
  expect(django.server.introspections).toBe(introspectionsBefore + 1);
  const { accessToken } = await session(page);
  expect(django.api.requests.at(-1)?.authorization).toBe(`Bearer ${accessToken}`);

  const outside: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(stack.app.origin)) outside.push(r.url());
  });
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(true);
  expect(await page.evaluate(() => (window as any).sdk.user.preferred_username)).toBe('alice');
  expect(outside).toEqual([]);
});

test('refresh with rotation, twice: one grant each, the old refresh and access tokens are dead at the server', async ({ page, context, stack, django }) => {
  await pauseClock(context);
  await loginThroughDjango(page, stack, django);
  const toDjango = recordRequests(page, django.server.origin);
  const first = await session(page);
  let previous = first;
  for (let round = 1; round <= 2; round++) {
    await passExpiry(context, page);
    expect((await callApi(page, django.api.origin)).status).toBe(200);
    const current = await session(page);
    expect(current.refreshToken).not.toBe(previous.refreshToken);
    expect(current.accessToken).not.toBe(previous.accessToken);
    expect(await django.server.introspect(previous.accessToken)).toEqual({ active: false });
    expect((await django.server.introspect(current.accessToken)).active).toBe(true);
    expect(toDjango.filter((r) => r.startsWith('POST'))).toEqual(Array(round).fill('POST /o/token/ refresh_token'));
    previous = current;
  }
  const refreshes = await page.evaluate(() => (window as any).events.filter((e: any) => e.type === 'refresh').length);
  expect(refreshes).toBe(2);
  // Rotated out: the first refresh token is refused when presented again.
  expect(await django.server.refreshGrant(first.refreshToken)).toEqual({ status: 400, body: { error: 'invalid_grant' } });
});

test('a refresh token revoked at the server ends the session at the next refresh', async ({ page, context, stack, django }) => {
  await pauseClock(context);
  await loginThroughDjango(page, stack, django);
  const { refreshToken } = await session(page);
  expect((await django.server.revoke(refreshToken)).status).toBe(200);
  await passExpiry(context, page);
  expect(await page.evaluate(() => (window as any).sdk.getAccessToken().catch((e: any) => e.code))).toBe('login_required');
  const logout = await page.evaluate(() => (window as any).events.filter((e: any) => e.type === 'logout').map((e: any) => ({ reason: e.reason, code: e.error?.code })));
  expect(logout).toEqual([{ reason: 'invalid_grant', code: 'invalid_grant' }]);
  expect(await session(page)).toBeUndefined();
});

test('logout() with no revocation_endpoint advertised: signed out here, and an error event says the refresh token is still valid', async ({ page, stack, django }) => {
  await loginThroughDjango(page, stack, django);
  const { refreshToken } = await session(page);
  const toDjango = recordRequests(page, django.server.origin);
  await page.evaluate(() => (window as any).sdk.logout());
  // No end_session_endpoint either: the page stays where it is.
  expect(new URL(page.url()).pathname).toBe('/harness.html');
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(false);
  expect(await session(page)).toBeUndefined();
  const errors = await page.evaluate(() => (window as any).events.filter((e: any) => e.type === 'error').map((e: any) => ({ code: e.error.code, message: e.error.message })));
  expect(errors).toEqual([{ code: 'revocation_unsupported', message: expect.stringContaining('"revocation_endpoint"') }]);
  expect(toDjango).toEqual([]);
  // What the event says is true: the refresh token still works at the server.
  expect((await django.server.refreshGrant(refreshToken)).status).toBe(200);
});

test('metadata given by the app (with Django\'s unadvertised revocation endpoint): no discovery, and logout() revokes the refresh token', async ({ page, stack, django }) => {
  const discovered = await (await fetch(`${django.server.issuer}/.well-known/openid-configuration/`)).json();
  const metadata = { ...discovered, revocation_endpoint: `${django.server.issuer}/revoke_token/` };
  const toDjango = recordRequests(page, django.server.origin);
  await loginThroughDjango(page, stack, django, { metadata });
  expect(toDjango.filter((r) => r.includes('.well-known'))).toEqual([]);
  const { refreshToken, accessToken } = await session(page);

  await page.evaluate(() => (window as any).sdk.logout());
  expect(toDjango.filter((r) => r.startsWith('POST /o/revoke_token/'))).toHaveLength(1);
  expect(await page.evaluate(() => (window as any).events.filter((e: any) => e.type === 'error'))).toEqual([]);
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(false);
  expect(await django.server.refreshGrant(refreshToken)).toEqual({ status: 400, body: { error: 'invalid_grant' } });
  expect(await django.server.introspect(accessToken)).toEqual({ active: false });
});

test.describe('the fixture itself', () => {
  const startWith = (python: string) => startDjangoServer({ appOrigin: 'http://127.0.0.1:1', redirectUris: ['http://127.0.0.1:1/'], python });

  test('says so when the interpreter is missing', async () => {
    await expect(startWith('/nonexistent/python3')).rejects.toThrow(/needs Debian's \/nonexistent\/python3, which is missing; install python3 and apt-get install python3-django-oauth-toolkit/);
  });

  test('says which package to install when Python cannot import it', async () => {
    // python3 -S leaves out site-packages and Debian's dist-packages, as a Python without the packages would.
    const dir = await mkdtemp(join(tmpdir(), 'spa-oauth-python-'));
    const python = join(dir, 'python3');
    await writeFile(python, '#!/bin/sh\nexec /usr/bin/python3 -S "$@"\n');
    await chmod(python, 0o755);
    try {
      await expect(startWith(python)).rejects.toThrow(/django is not importable .*apt-get install python3-django-oauth-toolkit python3-django-cors-headers/s);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
