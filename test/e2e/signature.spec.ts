import type { BrowserContext, Page } from '@playwright/test';
import { expect, loginOnHarness, openHarness, pauseClock, readSdkRecord, test, type Stack } from './fixtures';

// Issue 19 section 2: verifyIdTokenSignature checks each ID token against the server's JWKS,
// fetched with the metadata at login(), so the callback still costs one request (the code exchange).

const VERIFY = { verifyIdTokenSignature: true };

/** The path of every request the context sends to the authorization server (navigations included), in order. */
function recordAuthRequests(context: BrowserContext, stack: Stack): string[] {
  const seen: string[] = [];
  context.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin === new URL(stack.auth.issuer).origin && request.method() !== 'OPTIONS') seen.push(url.pathname);
  });
  return seen;
}

const codeGrants = (stack: Stack) => stack.auth.tokenRequests().filter((r) => r.grant_type === 'authorization_code');

async function loginExpectingError(page: Page, stack: Stack) {
  await loginOnHarness(page, stack, VERIFY);
  return page.evaluate(() => ({ error: (window as any).bootError?.code, signedIn: (window as any).sdk.isAuthenticated }));
}

test('with the option on, a genuine ID token signs in: the JWKS is fetched at login(), the callback sends the code exchange only, a returning user nothing', async ({ page, context, stack }) => {
  const requests = recordAuthRequests(context, stack);
  await loginOnHarness(page, stack, VERIFY);
  expect(await page.evaluate(() => (window as any).bootError)).toBeUndefined();
  expect(await page.evaluate(() => (window as any).sdk.user?.sub)).toBe('alice');
  const auth = requests.indexOf('/auth');
  expect(requests.slice(0, auth)).toEqual(['/.well-known/openid-configuration', '/jwks']);
  // After the server's own pages (authorize, interaction, resume), the callback page's one request.
  expect(requests.at(-1)).toBe('/token');
  expect(requests.filter((path) => path === '/jwks' || path === '/token')).toEqual(['/jwks', '/token']);

  requests.length = 0;
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(true);
  expect(requests).toEqual([]);
});

for (const how of ['foreign-key', 'unknown-kid'] as const) {
  const what = how === 'foreign-key' ? 're-signed with a key not in the JWKS' : 'with an unknown kid';
  test(`an ID token ${what} is refused at login: invalid_response, nothing stored`, async ({ page, stack }) => {
    stack.auth.tamperIdTokens(how);
    expect(await loginExpectingError(page, stack)).toEqual({ error: 'invalid_response', signedIn: false });
    expect(codeGrants(stack).map((r) => r.status)).toEqual([200]);
    expect(await readSdkRecord(page, 'session')).toBeUndefined();
    // An unknown kid refetches the JWKS once (a rotation), a known one never.
    expect(stack.auth.counts.jwks).toBe(how === 'unknown-kid' ? 2 : 1);
  });

  test(`an ID token ${what} is refused at refresh: invalid_response, the stored session unchanged`, async ({ page, context, stack }) => {
    stack.auth.setAccessTokenTtl(60);
    await pauseClock(context);
    await loginOnHarness(page, stack, VERIFY);
    const before = await readSdkRecord(page, 'session');
    stack.auth.tamperIdTokens(how);
    await context.clock.setSystemTime((await page.evaluate(() => Date.now())) + 61_000);
    const code = await page.evaluate(() => (window as any).sdk.getAccessToken().then(() => 'resolved', (e: any) => e.code));
    expect(code).toBe('invalid_response');
    expect(stack.auth.tokenRequests().filter((r) => r.grant_type === 'refresh_token').map((r) => r.status)).toEqual([200]);
    expect(await readSdkRecord(page, 'session')).toEqual(before);
  });
}

test('without the option, no JWKS is fetched and a re-signed ID token is taken as the server sent it (TLS vouches for it)', async ({ page, stack }) => {
  stack.auth.tamperIdTokens('foreign-key');
  await loginOnHarness(page, stack);
  expect(await page.evaluate(() => (window as any).bootError)).toBeUndefined();
  expect(stack.auth.counts.jwks).toBe(0);
});

test('a JWKS the page cannot read (no CORS) fails at login(), before the redirect, naming CORS on the JWKS', async ({ page, stack }) => {
  stack.auth.setJwksCors(false);
  await openHarness(page, stack, VERIFY);
  const error = await page.evaluate(() => (window as any).sdk.login().then(() => undefined, (e: any) => ({ code: e.code, message: e.message })));
  expect(error.message).toContain('CORS');
  expect(error.message).toContain('jwks_uri');
  expect(new URL(page.url()).pathname).toBe('/harness.html');
  expect(stack.auth.counts.authorize).toBe(0);
});
