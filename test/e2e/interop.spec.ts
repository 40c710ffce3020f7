// What other real servers do that oidc-provider does not by default, reproduced on oidc-provider:
// discovery behind a redirect or only at the RFC 8414 URL, metadata given by the app, an
// end-session endpoint that needs a state, and no revocation endpoint.
import type { Page } from '@playwright/test';
import { expect, loginOnHarness, openHarness, test, type Stack } from './fixtures';

/** Paths the page requests on the authorization server from now on (preflights left out). */
function recordPaths(page: Page, stack: Stack): string[] {
  const seen: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin === new URL(stack.auth.issuer).origin && request.method() !== 'OPTIONS') seen.push(url.pathname);
  });
  return seen;
}

const loginError = (page: Page) =>
  page.evaluate(() => (window as any).sdk.login().then(() => null, (e: any) => ({ code: e.code, message: e.message })));

const bootError = (page: Page) => page.evaluate(() => (window as any).bootError);

/** The discovery document as oidc-provider serves it, read from Node. */
async function discoveryDocument(stack: Stack) {
  return (await fetch(`${stack.auth.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`)).json();
}

test.describe('discovery', () => {
  test('a same-origin 301 on the discovery URL is followed, and login completes', async ({ page, stack }) => {
    stack.auth.setDiscovery({ serve: 'redirect' });
    const paths = recordPaths(page, stack);
    await loginOnHarness(page, stack);
    expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(true);
    expect(paths.slice(0, 2)).toEqual(['/.well-known/openid-configuration', '/.well-known/openid-configuration/moved']);
    expect(stack.auth.counts.discovery).toBe(1);
  });

  test('a same-origin redirect to a document naming another issuer is refused', async ({ page, stack }) => {
    stack.auth.setDiscovery({ serve: 'redirect', patch: { issuer: 'http://127.0.0.1:1' } });
    await openHarness(page, stack);
    const error = await loginError(page);
    expect(error?.code).toBe('invalid_response');
    expect(error?.message).toContain('names its issuer "http://127.0.0.1:1"'); // and the fix (issue 22)
    expect(new URL(page.url()).pathname).toBe('/harness.html');
  });

  test('a redirect to another origin is refused, and the error names where it went', async ({ page, stack }) => {
    const elsewhere = `${stack.other.origin}/.well-known/openid-configuration`;
    stack.auth.setDiscovery({ serve: 'redirect', redirectTo: elsewhere });
    await openHarness(page, stack);
    const error = await loginError(page);
    expect(error?.code).toBe('invalid_response');
    expect(error?.message).toContain(`redirects to ${elsewhere}`);
    expect(new URL(page.url()).pathname).toBe('/harness.html');
  });

  test('a 404 on the OpenID discovery URL falls back to RFC 8414, and login completes', async ({ page, stack }) => {
    stack.auth.setDiscovery({ serve: 'rfc8414' });
    const paths = recordPaths(page, stack);
    await loginOnHarness(page, stack);
    expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(true);
    expect(paths.slice(0, 2)).toEqual(['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']);
  });

  test('a discoveryUrl given by the app is the only discovery request', async ({ page, stack }) => {
    stack.auth.setDiscovery({ serve: 'rfc8414' });
    const paths = recordPaths(page, stack);
    await loginOnHarness(page, stack, { discoveryUrl: `${stack.auth.issuer}/.well-known/oauth-authorization-server` });
    expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(true);
    expect(paths.filter((p) => p.startsWith('/.well-known/'))).toEqual(['/.well-known/oauth-authorization-server']);
  });

  test('a discoveryUrl given by the app that answers 404 is an error naming it, with no fallback', async ({ page, stack }) => {
    stack.auth.setDiscovery({ serve: 'rfc8414' });
    const given = `${stack.auth.issuer}/.well-known/openid-configuration`;
    const paths = recordPaths(page, stack);
    await openHarness(page, stack, { discoveryUrl: given });
    const error = await loginError(page);
    expect(error?.code).toBe('invalid_response');
    expect(error?.message).toContain(given);
    expect(paths).toEqual(['/.well-known/openid-configuration']);
  });

  test('a discoveryUrl on plain http off loopback is refused with invalid_config', async ({ page, stack }) => {
    await openHarness(page, stack, { discoveryUrl: 'http://as.example/.well-known/openid-configuration' });
    expect(await bootError(page)).toMatchObject({ code: 'invalid_config', message: expect.stringContaining('"discoveryUrl"') });
  });

  test('metadata given by the app: login, refresh and logout with no discovery request', async ({ page, context, stack }) => {
    const metadata = await discoveryDocument(stack);
    const discoveries = stack.auth.counts.discovery;
    stack.auth.setAccessTokenTtl(60);
    await context.clock.install();
    await context.clock.pauseAt(Date.now() + 1000);
    const paths = recordPaths(page, stack);
    await loginOnHarness(page, stack, { metadata });
    await context.clock.setSystemTime((await page.evaluate(() => Date.now())) + 61_000);
    expect(await page.evaluate(() => (window as any).sdk.getAccessToken().then((t: string) => t.length > 0))).toBe(true);
    expect(stack.auth.counts.token.refresh_token).toBe(1);
    await page.reload();
    await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
    await page.evaluate(() => (window as any).sdk.logout({ localOnly: true }));
    expect(stack.auth.counts.revocation).toBe(1);
    expect(paths.filter((p) => p.startsWith('/.well-known/'))).toEqual([]);
    expect(stack.auth.counts.discovery).toBe(discoveries);
  });

  const badMetadata: Array<[string, (m: Record<string, unknown>) => Record<string, unknown>, string]> = [
    ['a javascript: authorization_endpoint', (m) => ({ ...m, authorization_endpoint: 'javascript:window.__pwned=1' }), '"authorization_endpoint" does not'],
    ['a javascript: end_session_endpoint', (m) => ({ ...m, end_session_endpoint: 'javascript:window.__pwned=1' }), '"end_session_endpoint" does not'],
    ['no token_endpoint', ({ token_endpoint, ...m }) => m, 'needs an "authorization_endpoint" and a "token_endpoint"'],
  ];
  for (const [what, edit, message] of badMetadata) {
    test(`metadata given by the app with ${what} is refused with invalid_config`, async ({ page, stack }) => {
      await openHarness(page, stack, { metadata: edit(await discoveryDocument(stack)) });
      expect(await bootError(page)).toMatchObject({ code: 'invalid_config', message: expect.stringContaining(message) });
      expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
    });
  }
});

test.describe('logout', () => {
  test('the end-session request carries a fresh state and the app\'s params, which cannot override the protocol ones', async ({ page, stack }) => {
    await loginOnHarness(page, stack);
    const endSession: URL[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/session/end') && request.method() === 'GET') endSession.push(new URL(request.url()));
    });
    const harness = `${stack.app.origin}/harness.html`;
    const back = page.waitForRequest((request) => request.url().startsWith(`${harness}?state=`) && request.isNavigationRequest());
    await page.evaluate(() => {
      delete document.body.dataset.ready;
      void (window as any).sdk.logout({
        params: { ui_locales: 'fr', client_id: 'evil', post_logout_redirect_uri: 'https://evil.example/', state: 'chosen' },
      });
    });
    await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
    const params = endSession[0].searchParams;
    expect(params.get('ui_locales')).toBe('fr');
    expect(params.get('client_id')).toBe(stack.auth.clientId);
    expect(params.get('post_logout_redirect_uri')).toBe(harness);
    expect(params.get('state')).toMatch(/^[\w-]+\.[\w-]{43}$/); // this client's tag, then a fresh random value
    expect(params.getAll('state')).toHaveLength(1);
    expect(stack.auth.counts.endSession).toBeGreaterThanOrEqual(1);
    // The server sends the state back; that is not a login callback, and it leaves the address bar.
    expect(new URL((await back).url()).searchParams.get('state')).toBe(params.get('state'));
    expect(page.url()).toBe(harness);
    expect(await bootError(page)).toBeUndefined();
    expect(await page.evaluate(() => (window as any).redirectResult)).toBeNull();
    expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(false);
  });

  test('no revocation_endpoint advertised: logout() emits revocation_unsupported, and the refresh token is indeed still live', async ({ page, stack }) => {
    stack.auth.setDiscovery({ patch: { revocation_endpoint: undefined } });
    await loginOnHarness(page, stack);
    await page.evaluate(() => (window as any).sdk.logout({ localOnly: true }));
    const errors = await page.evaluate(() =>
      (window as any).events.filter((e: any) => e.type === 'error').map((e: any) => ({ name: e.error.name, code: e.error.code, message: e.error.message })),
    );
    expect(errors).toEqual([{ name: 'OAuthError', code: 'revocation_unsupported', message: expect.stringContaining('refresh token was not revoked') }]);
    expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(false);
    expect(stack.auth.counts.revocation).toBe(0);
    expect(stack.auth.activeRefreshTokens()).toHaveLength(1);
  });

  test('with a revocation_endpoint, logout() revokes and reports nothing', async ({ page, stack }) => {
    await loginOnHarness(page, stack);
    await page.evaluate(() => (window as any).sdk.logout({ localOnly: true }));
    expect(await page.evaluate(() => (window as any).events.filter((e: any) => e.type === 'error'))).toEqual([]);
    expect(stack.auth.counts.revocation).toBe(1);
    expect(stack.auth.activeRefreshTokens()).toEqual([]);
  });
});
