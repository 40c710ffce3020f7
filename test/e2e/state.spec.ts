import type { Page } from '@playwright/test';
import { captureCallback, expect, openHarness, recordAuthorizationRequests, test, type Stack } from './fixtures';

// Issue 19 section 3: a callback whose state this SDK could not have issued is reported, not taken
// for another client's; another client's well-formed state is still left alone; tags never collide.

/** Loads `callback` with no client created, then creates one (`extra` options) and handles it. */
async function handleOnce(page: Page, callback: URL, extra: Record<string, unknown> = {}) {
  await page.evaluate(() => sessionStorage.setItem('spa-oauth-test-hold', '1'));
  await page.goto(callback.href);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  return page.evaluate(async (extra) => {
    const sdk = await (window as any).createTestClient(extra);
    const outcome = await sdk.handleRedirect().then((result: unknown) => ({ result }), (err: any) => ({ error: err.code }));
    return { ...outcome, search: location.search, signedIn: sdk.isAuthenticated };
  }, extra);
}

const codeExchanges = (stack: Stack) => stack.auth.counts.token.authorization_code ?? 0;

for (const [how, tamper] of [
  ['a prefix added', (state: string) => `x${state}`],
  ['a suffix added', (state: string) => `${state}x`],
  ['replaced by another library\'s', () => 'issued-by-another-library'],
] as const) {
  test(`a callback whose state has ${how} is a state_mismatch, and the code leaves the address bar`, async ({ page, stack }) => {
    await openHarness(page, stack);
    const callback = new URL(await captureCallback(page, stack.app.origin));
    callback.searchParams.set('state', tamper(callback.searchParams.get('state')!));
    expect(await handleOnce(page, callback)).toEqual({ error: 'state_mismatch', search: '', signedIn: false });
    expect(codeExchanges(stack)).toBe(0);
  });
}

test("another client's well-formed state (its own tag) is still left alone, address bar included", async ({ page, stack }) => {
  await openHarness(page, stack);
  const callback = new URL(await captureCallback(page, stack.app.origin));
  const random = callback.searchParams.get('state')!.split('.')[1];
  callback.searchParams.set('state', `${'A'.repeat(22)}.${random}`);
  const outcome = await handleOnce(page, callback);
  expect(outcome).toEqual({ result: null, search: callback.search, signedIn: false });
  expect(codeExchanges(stack)).toBe(0);
});

test('the state tag is 128 bits of the client, the same for every login of it and different for another client', async ({ page, stack }) => {
  const requests = recordAuthorizationRequests(page, stack);
  await openHarness(page, stack);
  const tagOf = (extra: Record<string, unknown>) =>
    page.evaluate(async (extra) => {
      const sdk = await (window as any).createTestClient(extra);
      // login() navigates away; the authorization request is what is read.
      void sdk.login();
    }, extra);
  await tagOf({});
  await page.waitForURL(/\/harness\.html\?.*code=/);
  await page.goBack();
  await page.waitForFunction(() => (window as any).createTestClient);
  await tagOf({ clientId: 'another-spa' });
  await page.waitForURL((url) => !url.href.startsWith(stack.app.origin) || /error=|code=/.test(url.search));
  const states = requests.map((r) => r.get('state')!);
  expect(states).toHaveLength(2);
  for (const state of states) expect(state).toMatch(/^[\w-]{22}\.[\w-]{43}$/);
  const [mine, theirs] = states.map((state) => state.split('.')[0]);
  expect(mine).not.toBe(theirs);
});
