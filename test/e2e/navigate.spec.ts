import { expect, openHarness, test, watchErrors } from './fixtures';

test('with navigate, login() hands over the authorization URL once and the page stays; handleRedirect(url) with the callback signs in', async ({ page, context, stack }) => {
  const errors = watchErrors(page);
  await openHarness(page, stack);
  const before = page.url();
  await page.evaluate(async () => {
    const w = window as any;
    w.navigated = [];
    w.hooked = await w.createTestClient({ navigate: (url: string, kind: string) => void w.navigated.push([url, kind]) });
    await w.hooked.login({ returnTo: '/after' });
  });

  const navigated: Array<[string, string]> = await page.evaluate(() => (window as any).navigated);
  expect(navigated).toHaveLength(1);
  const [url, kind] = navigated[0];
  expect(kind).toBe('login');
  expect(url.startsWith(`${stack.auth.issuer}/auth?`)).toBe(true);
  expect(page.url()).toBe(before);

  // The app's "own way": another browser tab (as an in-app browser would be), stopped at the callback.
  const browserTab = await context.newPage();
  await browserTab.goto(url);
  await browserTab.waitForURL(/\/harness\.html\?.*code=/);
  const callback = browserTab.url();
  await browserTab.close();

  expect(await page.evaluate((href) => (window as any).hooked.handleRedirect(href), callback)).toEqual({ returnTo: '/after' });
  expect(await page.evaluate(() => [(window as any).hooked.isAuthenticated, (window as any).hooked.user?.sub])).toEqual([true, 'alice']);
  expect(page.url()).toBe(before);
  expect(stack.auth.counts.token.authorization_code).toBe(1);

  await page.evaluate(() => (window as any).hooked.logout());
  const [, logout] = await page.evaluate(() => (window as any).navigated);
  expect(logout[1]).toBe('logout');
  expect(logout[0].startsWith(`${stack.auth.issuer}/session/end?`)).toBe(true);
  expect(page.url()).toBe(before);
  expect(errors).toEqual([]);
});

test('navigate must be a function', async ({ page, stack }) => {
  await openHarness(page, stack);
  const code = await page.evaluate(() => (window as any).createTestClient({ navigate: 'https://example.com' }).catch((err: any) => err.code));
  expect(code).toBe('invalid_config');
});
