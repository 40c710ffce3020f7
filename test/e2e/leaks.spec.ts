import type { BrowserContext, Page } from '@playwright/test';
import { expect, findLeakedTokens, loginOnHarness, openHarness, pauseClock, readSdkRecord, test } from './fixtures';

// Issue 9 finding 2: nothing the SDK throws or emits may carry a token, however deep in `cause`.

async function passExpiry(context: BrowserContext, page: Page) {
  const pageNow = await page.evaluate(() => Date.now());
  await context.clock.setSystemTime(pageNow + 61_000);
}

test('a refresh answered with an unknown token_type: the error event carries no token, not even in its causes', async ({ page, context, stack }) => {
  stack.auth.setAccessTokenTtl(60);
  await pauseClock(context);
  await loginOnHarness(page, stack);
  await page.route(`${stack.auth.issuer}/token`, async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, json: { ...(await response.json()), token_type: 'MAC' } });
  });
  await passExpiry(context, page);
  const code = await page.evaluate(() =>
    (window as any).sdk.getAccessToken().then(
      () => 'resolved',
      (e: any) => ((window as any).thrown.push(e), e.code),
    ),
  );
  expect(code).toBe('invalid_response');
  expect(stack.auth.counts.token.refresh_token).toBe(1);
  // The rotated refresh token the server issued is live and stored nowhere: exactly what must not leak.
  const live = stack.auth.activeRefreshTokens().map((rt) => rt.value);
  expect(live).toHaveLength(1);
  expect(live[0]).not.toBe(await readSdkRecord(page, 'session', 'r => r.refreshToken'));
  expect(stack.auth.issuedTokens()).toContain(live[0]);
  expect(await page.evaluate(() => (window as any).events.some((e: any) => e.type === 'error'))).toBe(true);
  expect(await findLeakedTokens(page, stack)).toEqual([]);
});

test('a code exchange answered with expires_in -1: the thrown error carries none of the three tokens', async ({ page, stack }) => {
  await openHarness(page, stack);
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
  expect(stack.auth.counts.token.authorization_code).toBe(1);
  expect(await findLeakedTokens(page, stack)).toEqual([]);
});
