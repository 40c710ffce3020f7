import type { BrowserContext, Page } from '@playwright/test';
import { expect, loginOnHarness, openHarness, pauseClock, test } from './fixtures';

// Issue 9 finding 2: nothing the SDK throws or emits may carry a token, however deep in `cause`.

/**
 * Every string reachable from the page's recorded events and `window.thrown` (own properties,
 * enumerable or not, `cause` included), and the names of any Response/Request objects met on the
 * way (their bodies are out of reach of a walk, so holding one at all counts as a leak).
 */
function reachableStrings(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = [];
    const seen = new Set<unknown>();
    const walk = (value: unknown) => {
      if (typeof value === 'string') return void found.push(value);
      if (typeof value !== 'object' || value === null || seen.has(value)) return;
      seen.add(value);
      if (value instanceof Response || value instanceof Request) return void found.push(`[${value.constructor.name}]`);
      for (const key of Object.getOwnPropertyNames(value)) walk((value as any)[key]);
    };
    walk((window as any).events);
    walk((window as any).thrown);
    return found;
  });
}

/** Records, from now on, every token the authorization server hands out in token responses. */
function recordIssuedTokens(page: Page, tokenEndpoint: string): string[] {
  const issued: string[] = [];
  page.on('response', async (response) => {
    if (response.url() !== tokenEndpoint || response.request().method() !== 'POST') return;
    const body = await response.json().catch(() => ({}));
    for (const name of ['access_token', 'refresh_token', 'id_token']) if (typeof body[name] === 'string') issued.push(body[name]);
  });
  return issued;
}

async function expectNoLeak(page: Page, issued: string[]) {
  expect(issued.length).toBeGreaterThan(0);
  const strings = await reachableStrings(page);
  expect(strings.filter((s) => s === '[Response]' || s === '[Request]')).toEqual([]);
  for (const token of issued) expect(strings.filter((s) => s.includes(token))).toEqual([]);
}

async function passExpiry(context: BrowserContext, page: Page) {
  const pageNow = await page.evaluate(() => Date.now());
  await context.clock.setSystemTime(pageNow + 61_000);
}

test('a refresh answered with an unknown token_type: the error event carries no token, not even in its causes', async ({ page, context, stack }) => {
  stack.auth.setAccessTokenTtl(60);
  await pauseClock(context);
  const issued = recordIssuedTokens(page, `${stack.auth.issuer}/token`);
  await loginOnHarness(page, stack);
  await expect.poll(() => issued.length).toBe(3);
  await page.route(`${stack.auth.issuer}/token`, async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    issued.push(body.access_token, body.refresh_token);
    await route.fulfill({ response, json: { ...body, token_type: 'MAC' } });
  });
  await passExpiry(context, page);
  const code = await page.evaluate(() =>
    (window as any).sdk.getAccessToken().then(
      () => 'resolved',
      (e: any) => ((window as any).thrown = e).code,
    ),
  );
  expect(code).toBe('invalid_response');
  expect(stack.auth.counts.token.refresh_token).toBe(1);
  // The rotated refresh token the server issued is live: exactly what must not leak.
  expect(stack.auth.isRefreshTokenActive(issued[4])).toBe(true);
  expect(await page.evaluate(() => (window as any).events.some((e: any) => e.type === 'error'))).toBe(true);
  await expectNoLeak(page, issued);
});

test('a code exchange answered with expires_in -1: the thrown error carries none of the three tokens', async ({ page, stack }) => {
  await openHarness(page, stack);
  const issued = recordIssuedTokens(page, `${stack.auth.issuer}/token`);
  await page.route(`${stack.auth.issuer}/token`, async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, json: { ...(await response.json()), expires_in: -1 } });
  });
  await page.evaluate(() => {
    delete document.body.dataset.ready;
    void (window as any).sdk.login();
  });
  await page.waitForURL(/\/harness\.html\?.*code=/);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  expect(await page.evaluate(() => (window as any).bootError?.code)).toBe('invalid_response');
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(false);
  await expect.poll(() => issued.length).toBe(3);
  await expectNoLeak(page, issued);
});
