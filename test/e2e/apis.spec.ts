import type { BrowserContext, Page } from '@playwright/test';
import { expect, findLeakedTokens, loginOnHarness, openHarness, pauseClock, test, type Stack } from './fixtures';

const TTL_SECONDS = 60;

/** The harness options for the two audience-checking APIs, A down-scoped to `read:a`. */
const apis = (stack: Stack) => ({
  apis: {
    [stack.apiA.origin]: { resource: stack.apiA.resource, scope: 'read:a' },
    [stack.apiB.origin]: { resource: stack.apiB.resource },
  },
  apiOrigins: [stack.api.origin],
});

/** What each API says of the token it got through `sdk.fetch` (status, audience, scope). */
function callApis(page: Page, origins: string[]) {
  return page.evaluate(
    (origins) =>
      Promise.all(
        origins.map(async (origin) => {
          const response = await (window as any).sdk.fetch(`${origin}/api/me`);
          const body = response.ok ? await response.json() : undefined;
          return { status: response.status, aud: body?.aud, scope: body?.scope };
        }),
      ),
    origins,
  );
}

/** The token each API was sent, from its own request log. */
const sentTo = (api: Stack['api']) => api.requests.filter((r) => r.path === '/api/me' && r.method === 'GET').map((r) => r.authorization);

const refreshGrants = (stack: Stack) => stack.auth.tokenRequests().filter((r) => r.grant_type === 'refresh_token');

async function passExpiry(context: BrowserContext, page: Page) {
  const pageNow = await page.evaluate(() => Date.now());
  await context.clock.setSystemTime(pageNow + (TTL_SECONDS + 1) * 1000);
}

test('each API gets its own audience-restricted token, the login asks for both resources, and no API sees another API’s token', async ({ page, stack }) => {
  const authorizeUrls: string[] = [];
  page.on('request', (request) => {
    if (request.url().startsWith(`${stack.auth.issuer}/auth?`)) authorizeUrls.push(request.url());
  });
  await loginOnHarness(page, stack, apis(stack));
  const resources = new URL(authorizeUrls[0]).searchParams.getAll('resource');
  expect(resources.sort()).toEqual([stack.apiA.resource, stack.apiB.resource].sort());
  expect(new URL(authorizeUrls[0]).searchParams.get('scope')!.split(' ')).toContain('read:a');

  const results = await callApis(page, [stack.apiA.origin, stack.apiB.origin, stack.api.origin]);
  expect(results).toEqual([
    { status: 200, aud: stack.apiA.resource, scope: 'read:a' },
    // B names no scope, so its token holds what the login's scope granted for B: nothing here.
    { status: 200, aud: stack.apiB.resource, scope: '' },
    { status: 200, aud: undefined, scope: expect.stringContaining('openid') },
  ]);
  // The code exchange got the default token; each API's token came from one refresh with its resource.
  expect(stack.auth.counts.token.authorization_code).toBe(1);
  expect(refreshGrants(stack).map((r) => r.resource).sort()).toEqual([stack.apiA.resource, stack.apiB.resource].sort());

  const [a, b, plain] = [sentTo(stack.apiA), sentTo(stack.apiB), sentTo(stack.api)];
  expect(new Set([a[0], b[0], plain[0]]).size).toBe(3);
  // A token for one API is refused by the other.
  const crossed = await page.evaluate(
    async ({ origin, authorization }) => (await fetch(`${origin}/api/me`, { headers: { Authorization: authorization! } })).status,
    { origin: stack.apiB.origin, authorization: a[0] },
  );
  expect(crossed).toBe(401);

  // Kept in the one session record: a second call costs no grant.
  await callApis(page, [stack.apiA.origin, stack.apiB.origin]);
  expect(refreshGrants(stack)).toHaveLength(2);
  expect(await findLeakedTokens(page, stack)).toEqual([]);
});

test('getAccessToken({ resource }) gives that API’s token; a resource no API has is invalid_config', async ({ page, stack }) => {
  await loginOnHarness(page, stack, apis(stack));
  const result = await page.evaluate(async (resource) => {
    const sdk = (window as any).sdk;
    const own = await sdk.getAccessToken({ resource });
    const plain = await sdk.getAccessToken();
    const unknown = await sdk.getAccessToken({ resource: 'https://nowhere.example/' }).catch((err: any) => err.code);
    return { differs: own !== plain, again: own === (await sdk.getAccessToken({ resource })), unknown };
  }, stack.apiA.resource);
  expect(result).toEqual({ differs: true, again: true, unknown: 'invalid_config' });
  expect(refreshGrants(stack).map((r) => r.resource)).toEqual([stack.apiA.resource]);
});

test('three tabs × both APIs × concurrent calls after expiry, four rounds: one grant per resource per round, no refresh token presented twice, no failure', async ({ page, context, stack }) => {
  stack.auth.setAccessTokenTtl(TTL_SECONDS);
  await pauseClock(context);
  await loginOnHarness(page, stack, apis(stack));
  const tabs = [page, await context.newPage(), await context.newPage()];
  await openHarness(tabs[1], stack, apis(stack));
  await openHarness(tabs[2], stack, apis(stack));
  const origins = [stack.apiA.origin, stack.apiB.origin, stack.api.origin];
  for (let round = 1; round <= 4; round++) {
    await passExpiry(context, page);
    const results = await Promise.all(tabs.flatMap((tab) => [callApis(tab, origins), callApis(tab, origins)]));
    expect(results.flat().map((r) => r.status)).toEqual(Array(18).fill(200));
    const byResource = new Map<string, number>();
    for (const grant of refreshGrants(stack)) {
      const key = String(grant.resource ?? 'default');
      byResource.set(key, (byResource.get(key) ?? 0) + 1);
    }
    // Round 1 also gets each API's first token: at most one more grant per resource per round.
    for (const count of byResource.values()) expect(count).toBeLessThanOrEqual(round);
    expect(byResource.get('default')).toBe(round);
  }
  const grants = stack.auth.tokenRequests();
  expect(grants.filter((r) => r.status !== 200)).toEqual([]);
  const presented = refreshGrants(stack).map((r) => r.refreshToken);
  expect(new Set(presented).size).toBe(presented.length);
  expect(stack.auth.activeRefreshTokens()).toHaveLength(1);
  for (const tab of tabs) expect(await tab.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(true);
});

test('apis option: an entry with a path, a scope without a resource, or an origin also in apiOrigins is invalid_config', async ({ page, stack }) => {
  await openHarness(page, stack);
  const codes = await page.evaluate(async (origin) => {
    const attempts = [
      { apis: { [`${origin}/v1`]: { resource: 'https://api-a.example/' } } },
      { apis: { [origin]: { scope: 'read:a' } } },
      { apis: { [origin]: { resource: 'https://api-a.example/' } }, apiOrigins: [origin] },
      { apis: { [origin]: { resource: 'https://api-a.example/#x' } } },
    ];
    return Promise.all(attempts.map((extra) => (window as any).createTestClient(extra).then(() => 'created', (err: any) => err.code)));
  }, stack.apiA.origin);
  expect(codes).toEqual(['invalid_config', 'invalid_config', 'invalid_config', 'invalid_config']);
});
