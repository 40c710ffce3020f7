import type { Page } from '@playwright/test';
import { captureCallback, expect, loginOnHarness, openHarness, recordAuthorizationRequests, test, type Stack } from './fixtures';

/** `sdk.fetch(url)` in the page: the status, the challenge, and the body when it is JSON. */
function callApi(page: Page, url: string) {
  return page.evaluate(async (url) => {
    const response = await (window as any).sdk.fetch(url);
    const body = response.headers.get('content-type')?.includes('json') ? await response.json() : undefined;
    return { status: response.status, challenge: response.headers.get('www-authenticate'), body };
  }, url);
}

const requestsTo = (stack: Stack, path: string) => stack.api.requests.filter((r) => r.path === path && r.method === 'GET');
const events = (page: Page, type: string) => page.evaluate((type) => (window as any).events.filter((e: any) => e.type === type), type);

for (const dpop of [false, true]) {
  test(`step-up${dpop ? ' (DPoP)' : ''}: the RFC 9470 challenge comes back unchanged after one request and no refresh, as a step_up event; login({ acrValues: 'gold' }) then passes`, async ({ page, stack }) => {
    await loginOnHarness(page, stack, { dpop });
    const url = `${stack.api.origin}/api/gold?max_age=300`;

    const refused = await callApi(page, url);
    expect(refused.status).toBe(401);
    expect(refused.challenge).toContain('error="insufficient_user_authentication"');
    expect(refused.body).toEqual({ error: 'insufficient_user_authentication', error_description: 'a gold-level login is required' });
    expect(requestsTo(stack, '/api/gold')).toHaveLength(1);
    expect(stack.auth.counts.token.refresh_token).toBe(0);
    expect(await events(page, 'step_up')).toEqual([{ type: 'step_up', url, acrValues: 'gold', maxAge: 300 }]);

    const authorizations = recordAuthorizationRequests(page, stack);
    await loginOnHarness(page, stack, { dpop }, { acrValues: 'gold' });
    expect(authorizations[0].get('acr_values')).toBe('gold');
    // The provider asked the user to log in again at the level requested.
    expect(stack.auth.counts.interaction).toBe(2);
    expect(await page.evaluate(() => (window as any).sdk.user.acr)).toBe('gold');

    const passed = await callApi(page, url);
    expect(passed).toMatchObject({ status: 200, body: { sub: 'alice', acr: 'gold' } });
  });
}

test('an ID token whose acr is not one the login asked for is refused with invalid_response; the session before it stays', async ({ page, stack }) => {
  await loginOnHarness(page, stack);
  // The user edits the authorization URL on its way to the server: gold becomes silver.
  await page.route(
    (url) => url.pathname === '/auth' && url.searchParams.get('acr_values') === 'gold',
    (route) => {
      const edited = new URL(route.request().url());
      edited.searchParams.set('acr_values', 'silver');
      return route.continue({ url: edited.href });
    },
  );
  const authorizations = recordAuthorizationRequests(page, stack);
  await loginOnHarness(page, stack, {}, { acrValues: 'gold' });
  expect(authorizations[0].get('acr_values')).toBe('gold');
  expect(stack.auth.counts.token.authorization_code).toBe(2);

  const error = await page.evaluate(() => (window as any).bootError);
  expect(error?.code).toBe('invalid_response');
  expect(error?.message).toContain('"acr" is "silver"');
  const kept = await page.evaluate(() => ({ authenticated: (window as any).sdk.isAuthenticated, acr: (window as any).sdk.user?.acr ?? null }));
  expect(kept).toEqual({ authenticated: true, acr: null });
  expect((await callApi(page, `${stack.api.origin}/api/gold`)).status).toBe(401);
});

test('login({ maxAge }) sends max_age and checks auth_time: an ID token too old is refused, one recent enough signs in', async ({ page, stack }) => {
  await openHarness(page, stack);
  const callback = await captureCallback(page, stack.app.origin, { maxAge: 60 });
  await page.route(`${stack.auth.issuer}/token`, async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    body.id_token = stack.auth.resignIdToken(body.id_token, { auth_time: Math.floor(Date.now() / 1000) - 3600 });
    await route.fulfill({ response, json: body });
  });
  await page.goto(callback);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  const error = await page.evaluate(() => (window as any).bootError);
  expect(error?.code).toBe('invalid_response');
  expect(error?.message).toContain('since the last End-User authentication');
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(false);

  await page.unrouteAll();
  const authorizations = recordAuthorizationRequests(page, stack);
  await loginOnHarness(page, stack, {}, { maxAge: 60 });
  expect(authorizations[0].get('max_age')).toBe('60');
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(true);
});

test('a bad acrValues or maxAge is invalid_config before the page is left', async ({ page, stack }) => {
  await openHarness(page, stack, {});
  const codes = await page.evaluate(async () => {
    const sdk = (window as any).sdk;
    const attempt = (options: object) => sdk.login(options).then(() => 'left', (e: any) => e.code);
    return [await attempt({ acrValues: ' ' }), await attempt({ maxAge: -1 }), await attempt({ maxAge: 1.5 })];
  });
  expect(codes).toEqual(['invalid_config', 'invalid_config', 'invalid_config']);
  expect(new URL(page.url()).pathname).toBe('/harness.html');
});

test('insufficient_scope: the 403 comes back unchanged after one request and no refresh, as an insufficient_scope event with the scope', async ({ page, stack }) => {
  await loginOnHarness(page, stack);
  const url = `${stack.api.origin}/api/admin`;
  const refused = await callApi(page, url);
  expect(refused.status).toBe(403);
  expect(refused.challenge).toContain('error="insufficient_scope"');
  expect(requestsTo(stack, '/api/admin')).toHaveLength(1);
  expect(stack.auth.counts.token.refresh_token).toBe(0);
  expect(await events(page, 'insufficient_scope')).toEqual([{ type: 'insufficient_scope', url, scope: 'admin' }]);
  expect(await events(page, 'step_up')).toEqual([]);
});
