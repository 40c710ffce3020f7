import { captureCallback, expect, loginOnHarness, openHarness, openSecondTab, pauseClock, test } from './fixtures';

// The client's lifecycle as frameworks drive it: handleRedirect() called twice (React StrictMode),
// several clients in one page, and dispose().

const codeExchanges = (stack: { auth: { counts: { token: Record<string, number> } } }) => stack.auth.counts.token.authorization_code ?? 0;

test('handleRedirect() twice at once with the callback URL: one code exchange, the same result, no error', async ({ page, stack }) => {
  await openHarness(page, stack);
  const callback = await captureCallback(page, stack.app.origin, { returnTo: '/inbox' });
  const outcome = await page.evaluate(async (url) => {
    const sdk = await (window as any).createTestClient();
    const results = await Promise.all([sdk.handleRedirect(url), sdk.handleRedirect(url)]);
    return { results, search: location.search, signedIn: sdk.isAuthenticated };
  }, callback);
  expect(outcome).toEqual({ results: [{ returnTo: '/inbox' }, { returnTo: '/inbox' }], search: '', signedIn: true });
  expect(codeExchanges(stack)).toBe(1);
});

test('while the first call runs, a second with the default URL (the address bar already cleaned) shares it', async ({ page, stack }) => {
  await openHarness(page, stack);
  await captureCallback(page, stack.app.origin, { returnTo: '/inbox' });
  const outcome = await page.evaluate(async () => {
    const sdk = await (window as any).createTestClient();
    const first = sdk.handleRedirect();
    const searchDuringFirst = location.search;
    const second = sdk.handleRedirect();
    return { searchDuringFirst, results: await Promise.all([first, second]) };
  });
  expect(outcome).toEqual({ searchDuringFirst: '', results: [{ returnTo: '/inbox' }, { returnTo: '/inbox' }] });
  expect(codeExchanges(stack)).toBe(1);
});

test('after the first call finished, the callback URL returns the same result; the cleaned URL, an ordinary page, returns null', async ({ page, stack }) => {
  await openHarness(page, stack);
  const callback = await captureCallback(page, stack.app.origin, { returnTo: '/inbox?tab=2' });
  const results = await page.evaluate(async (callback) => {
    const sdk = await (window as any).createTestClient();
    const first = await sdk.handleRedirect();
    return [first, await sdk.handleRedirect(callback), await sdk.handleRedirect(), await sdk.handleRedirect(location.href)];
  }, callback);
  expect(results).toEqual([{ returnTo: '/inbox?tab=2' }, { returnTo: '/inbox?tab=2' }, null, null]);
  expect(codeExchanges(stack)).toBe(1);
});

test('after a logout, handleRedirect() on the page the callback left behind completes no old login', async ({ page, stack }) => {
  await loginOnHarness(page, stack, {}, { returnTo: '/inbox' });
  expect(await page.evaluate(() => (window as any).redirectResult)).toEqual({ returnTo: '/inbox' });
  const result = await page.evaluate(async () => {
    const sdk = (window as any).sdk;
    await sdk.logout({ localOnly: true });
    return sdk.handleRedirect();
  });
  expect(result).toBeNull();
});

test("an error callback handled twice rejects twice with the server's error, never state_mismatch", async ({ page, stack }) => {
  await openHarness(page, stack);
  const callback = new URL(await captureCallback(page, stack.app.origin));
  callback.searchParams.delete('code');
  callback.searchParams.set('error', 'access_denied');
  await page.evaluate(() => sessionStorage.setItem('spa-oauth-test-hold', '1'));
  await page.goto(callback.href);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  const codes = await page.evaluate(async (callback) => {
    const sdk = await (window as any).createTestClient();
    const code = (call: Promise<unknown>) => call.then((result) => result, (err) => err.code);
    const first = code(sdk.handleRedirect());
    const during = code(sdk.handleRedirect());
    return [await first, await during, await code(sdk.handleRedirect(callback)), await code(sdk.handleRedirect())];
  }, callback.href);
  // The same callback again: the same error; the cleaned page once that callback is handled: no callback.
  expect(codes).toEqual(['access_denied', 'access_denied', 'access_denied', null]);
});

for (const [other, extra] of [
  ['another client ID at the same issuer', { clientId: 'another-spa' }],
  ['the same client ID at another issuer', { issuer: 'other' }],
] as const) {
  test(`two clients share the redirect URI (${other}): the other one leaves the callback and the address bar alone`, async ({ page, stack }) => {
    await openHarness(page, stack);
    await captureCallback(page, stack.app.origin, { returnTo: '/inbox' });
    const options = { ...extra, ...('issuer' in extra ? { issuer: stack.other.origin } : {}) };
    const outcome = await page.evaluate(async (options) => {
      const w = window as any;
      const [mine, theirs] = await Promise.all([w.createTestClient(), w.createTestClient(options)]);
      const theirsFirst = await theirs.handleRedirect();
      const searchAfterTheirs = location.search;
      // Both at once too, as two providers mounted side by side would call them.
      const [theirsAgain, result] = await Promise.all([theirs.handleRedirect(), mine.handleRedirect()]);
      return {
        theirsFirst,
        stillThere: /code=/.test(searchAfterTheirs) && /state=/.test(searchAfterTheirs),
        theirsAgain,
        result,
        search: location.search,
        signedIn: [mine.isAuthenticated, theirs.isAuthenticated],
      };
    }, options);
    expect(outcome).toEqual({
      theirsFirst: null,
      stillThere: true,
      theirsAgain: null,
      result: { returnTo: '/inbox' },
      search: '',
      signedIn: [true, false],
    });
    expect(codeExchanges(stack)).toBe(1);
  });
}

test('after dispose(), every call rejects with client_disposed and nothing is sent or removed', async ({ page, stack }) => {
  await loginOnHarness(page, stack);
  const codes = await page.evaluate(async (api) => {
    const sdk = (window as any).sdk;
    sdk.dispose();
    const code = (call: () => Promise<unknown>) => call().then(() => 'resolved', (err) => err.code);
    return [
      await code(() => sdk.login()),
      await code(() => sdk.handleRedirect()),
      await code(() => sdk.getAccessToken()),
      await code(() => sdk.logout()),
      await code(() => sdk.fetch(`${api}/api/me`)),
    ];
  }, stack.api.origin);
  expect(codes).toEqual(Array(5).fill('client_disposed'));
  expect(stack.auth.counts.revocation).toBe(0);
  expect(stack.api.requests.length).toBe(0);
  // The stored session is untouched: a new client (after a hot reload, say) picks it up.
  expect(await page.evaluate(async () => (await (window as any).createTestClient()).isAuthenticated)).toBe(true);
});

test('dispose() while a call is on its way: the API\'s 401 starts no renewal', async ({ page, stack }) => {
  await loginOnHarness(page, stack);
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let arrived!: () => void;
  const sent = new Promise<void>((resolve) => (arrived = resolve));
  await page.route(`${stack.api.origin}/api/reject`, async (route) => {
    const response = await route.fetch();
    arrived();
    await released;
    await route.fulfill({ response });
  });
  const call = page.evaluate((api) => (window as any).sdk.fetch(`${api}/api/reject`).then((r: Response) => r.status, (e: any) => e.code), stack.api.origin);
  await sent;
  await page.evaluate(() => (window as any).sdk.dispose());
  release();
  expect(await call).toBe('client_disposed');
  expect(stack.auth.counts.token.refresh_token ?? 0).toBe(0);
});

test("dispose() right after creation: IndexedDB's deferred storage_unavailable event never reaches the app", async ({ page, stack }) => {
  await page.addInitScript(() => {
    IDBFactory.prototype.open = function () {
      throw new DOMException('The user denied permission to access the database.', 'InvalidStateError');
    };
  });
  await openHarness(page, stack);
  const heard = await page.evaluate(async () => {
    const events: string[] = [];
    const sdk = await (window as any).createTestClient();
    sdk.subscribe((event: any) => events.push(event.type === 'error' ? event.error.code : event.type));
    sdk.dispose();
    // A live client created the same way proves the deferred event has fired by now.
    const probe: string[] = [];
    const live = await (window as any).createTestClient();
    live.subscribe((event: any) => probe.push(event.type === 'error' ? event.error.code : event.type));
    await new Promise<void>((resolve) => {
      const check = () => (probe.length ? resolve() : setTimeout(check, 10));
      check();
    });
    return { disposed: events, live: probe };
  });
  expect(heard).toEqual({ disposed: [], live: ['storage_unavailable'] });
});

test('a disposed client no longer hears the other tabs', async ({ page, context, stack }) => {
  await loginOnHarness(page, stack);
  const other = await openSecondTab(context, stack);
  await page.evaluate(async () => {
    const w = window as any;
    w.sdk.dispose();
    // A live client in the same page proves the logout message arrived here.
    w.freshEvents = [];
    (await w.createTestClient()).subscribe((event: any) => w.freshEvents.push(event));
  });
  await other.evaluate(() => (window as any).sdk.logout({ localOnly: true }));
  await page.waitForFunction(() => (window as any).freshEvents.some((e: any) => e.type === 'logout'));
  expect(await page.evaluate(() => (window as any).events.filter((e: any) => e.type === 'logout'))).toEqual([]);
});

test("a disposed client's refresh timer never fires", async ({ page, context, stack }) => {
  stack.auth.setAccessTokenTtl(60);
  await pauseClock(context);
  await loginOnHarness(page, stack);
  await page.evaluate(() => (window as any).sdk.dispose());
  await context.clock.runFor(61_000);
  // A refresh would have been started by the timer, under this lock: once the lock is ours, it is over.
  await page.evaluate((name) => navigator.locks.request(name, () => undefined), `spa-oauth:${stack.auth.issuer}/:${stack.auth.clientId}`);
  expect(stack.auth.counts.token.refresh_token ?? 0).toBe(0);
});

test('dispose() during a refresh: the refresh still resolves, and no timer is armed after it', async ({ page, context, stack }) => {
  stack.auth.setAccessTokenTtl(60);
  await pauseClock(context);
  await loginOnHarness(page, stack);
  await context.clock.setSystemTime(Date.now() + 120_000);
  const token = await page.evaluate(async () => {
    const sdk = (window as any).sdk;
    const refreshed = sdk.getAccessToken();
    sdk.dispose();
    return refreshed;
  });
  expect(typeof token).toBe('string');
  expect(stack.auth.counts.token.refresh_token).toBe(1);
  await context.clock.runFor(61_000);
  await page.evaluate((name) => navigator.locks.request(name, () => undefined), `spa-oauth:${stack.auth.issuer}/:${stack.auth.clientId}`);
  expect(stack.auth.counts.token.refresh_token).toBe(1);
});
