import type { Page } from '@playwright/test';
import { captureCallback, expect, loginOnHarness, openHarness, pauseClock, readSdkRecord, recordAuthorizationRequests, test } from './fixtures';

const sessionRecord = (page: Page) => readSdkRecord(page, 'session');

/** The claims of a JWT, unverified. */
const jwtClaims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());

test('login() stores nothing but the PKCE transaction, and the callback returns the returnTo path', async ({ page, stack }) => {
  await openHarness(page, stack);
  const callback = await captureCallback(page, stack.app.origin, { returnTo: '/inbox?tab=2#top' });
  expect(await readSdkRecord(page, 'pending-logins', 'r => Object.keys(r).length')).toBe(1);
  expect(await readSdkRecord(page, 'session')).toBeUndefined();
  const params = new URL(callback).searchParams;
  expect(params.get('code')).toBeTruthy();
  expect(params.get('iss')).toBe(stack.auth.issuer);
  await page.goto(callback);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  expect(await page.evaluate(() => (window as any).redirectResult)).toEqual({ returnTo: '/inbox?tab=2#top' });
  expect(await page.evaluate(() => location.search)).toBe('');
  expect(await page.evaluate(() => (window as any).sdk.user.sub)).toBe('alice');
  expect(await readSdkRecord(page, 'pending-logins')).toBeUndefined();
  expect(await readSdkRecord(page, 'session', 'r => typeof r.refreshToken')).toBe('string');
  // Tokens never reach web storage or cookies.
  expect(await page.evaluate(() => [localStorage.length, sessionStorage.length, document.cookie])).toEqual([0, 0, '']);
});

for (const evil of ['https://evil.example/', '//evil.example', '/\\evil.example', 'javascript:alert(1)', '/\t/evil.example']) {
  test(`returnTo ${JSON.stringify(evil)} is never returned; '/' is`, async ({ page, stack }) => {
    await loginOnHarness(page, stack, {}, { returnTo: evil });
    expect(await page.evaluate(() => (window as any).redirectResult)).toEqual({ returnTo: '/' });
  });
}

test('a tampered state is a state_mismatch and the token endpoint is never called', async ({ page, stack }) => {
  await openHarness(page, stack);
  const callback = new URL(await captureCallback(page, stack.app.origin));
  // Still this client's (its tag before the dot), but not a state it saved.
  callback.searchParams.set('state', callback.searchParams.get('state')!.replace(/\..*/, '.tampered'));
  await page.goto(callback.href);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  expect(await page.evaluate(() => (window as any).bootError?.code)).toBe('state_mismatch');
  expect(await page.evaluate(() => location.search)).toBe('');
  expect(stack.auth.counts.token.authorization_code ?? 0).toBe(0);
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(false);
});

test('a missing state is a state_mismatch and the token endpoint is never called', async ({ page, stack }) => {
  await openHarness(page, stack);
  const callback = new URL(await captureCallback(page, stack.app.origin));
  callback.searchParams.delete('state');
  await page.goto(callback.href);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  expect(await page.evaluate(() => (window as any).bootError?.code)).toBe('state_mismatch');
  expect(stack.auth.counts.token.authorization_code ?? 0).toBe(0);
});

const issTampering: Array<[string, (callback: URL) => void]> = [
  ['names another issuer', (callback) => callback.searchParams.set('iss', 'https://evil.example')],
  ['is missing', (callback) => callback.searchParams.delete('iss')],
];
for (const [what, tamper] of issTampering) {
  test(`RFC 9207: a callback whose "iss" ${what} is invalid_response and the token endpoint is never called`, async ({ page, stack }) => {
    await openHarness(page, stack);
    const callback = new URL(await captureCallback(page, stack.app.origin));
    tamper(callback);
    await page.goto(callback.href);
    await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
    expect(await page.evaluate(() => (window as any).bootError?.code)).toBe('invalid_response');
    expect(stack.auth.counts.token.authorization_code ?? 0).toBe(0);
    expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(false);
  });
}

test('a login left pending for over an hour cannot be completed: state_mismatch, no code exchange', async ({ page, context, stack }) => {
  await pauseClock(context);
  await openHarness(page, stack);
  const callback = await captureCallback(page, stack.app.origin);
  const pageNow = await page.evaluate(() => Date.now());
  await context.clock.setSystemTime(pageNow + 61 * 60 * 1000);
  await page.goto(callback);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  expect(await page.evaluate(() => (window as any).bootError?.code)).toBe('state_mismatch');
  expect(stack.auth.counts.token.authorization_code ?? 0).toBe(0);
  expect(await readSdkRecord(page, 'pending-logins')).toBeUndefined();
});

test('an error response from the server becomes an OAuthError with its code and description', async ({ page, stack }) => {
  await openHarness(page, stack);
  const callback = new URL(await captureCallback(page, stack.app.origin));
  callback.searchParams.delete('code');
  callback.searchParams.set('error', 'access_denied');
  callback.searchParams.set('error_description', 'the user said no');
  await page.goto(callback.href);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  const error = await page.evaluate(() => (window as any).bootError);
  expect(error).toMatchObject({ code: 'access_denied', description: 'the user said no' });
  expect(stack.auth.counts.token.authorization_code ?? 0).toBe(0);
});

test('a refused callback while another tab holds the refresh lock rejects with its error once the lock is free, and leaves no unhandled rejection', async ({ page, context, stack }) => {
  const pageErrors: Error[] = [];
  page.on('pageerror', (error) => pageErrors.push(error));
  await openHarness(page, stack);
  const callback = new URL(await captureCallback(page, stack.app.origin));
  callback.searchParams.delete('code');
  callback.searchParams.set('error', 'access_denied');
  // The login asks for the lock while its code exchange runs; here the exchange fails at once.
  const other = await context.newPage();
  await other.goto(`${stack.app.origin}/harness.html`);
  await other.evaluate((name) => {
    void navigator.locks.request(name, () => new Promise((resolve) => setTimeout(resolve, 1000)));
  }, `spa-oauth:${stack.auth.issuer}/:${stack.auth.clientId}`);
  await page.goto(callback.href);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  expect(await page.evaluate(() => (window as any).bootError?.code)).toBe('access_denied');
  expect(pageErrors).toEqual([]);
});

test("the server's own error (prompt=none without a session) reaches the app with its code", async ({ page, stack }) => {
  await loginOnHarness(page, stack, {}, { prompt: 'none' });
  expect(await page.evaluate(() => (window as any).bootError?.code)).toBe('login_required');
  expect(await page.evaluate(() => (window as any).bootError?.name)).toBe('OAuthError');
});

test('the callback URL loaded again after success: no crash, no second exchange, session intact', async ({ page, stack }) => {
  await openHarness(page, stack);
  const callback = await captureCallback(page, stack.app.origin, { returnTo: '/inbox' });
  await page.goto(callback);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(true);

  await page.goto(callback);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  expect(await page.evaluate(() => (window as any).bootError)).toBeUndefined();
  expect(await page.evaluate(() => (window as any).redirectResult)).toEqual({ returnTo: '/inbox' });
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(true);
  expect(stack.auth.counts.token.authorization_code).toBe(1);

  await page.goBack();
  await page.goForward();
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(true);
  expect(stack.auth.counts.token.authorization_code).toBe(1);
});

test('a callback URL with another state, loaded while signed in, is a state_mismatch; the session stays', async ({ page, stack }) => {
  await openHarness(page, stack);
  const callback = new URL(await captureCallback(page, stack.app.origin));
  await page.goto(callback.href);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(true);

  // This client's state tag (a callback without it is another client's and left alone), another login.
  const state = callback.searchParams.get('state')!;
  callback.searchParams.set('state', `${state.slice(0, state.lastIndexOf('.'))}.not-the-state-of-this-session`);
  await page.goto(callback.href);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  expect(await page.evaluate(() => (window as any).bootError?.code)).toBe('state_mismatch');
  expect(await page.evaluate(() => (window as any).redirectResult)).toBeUndefined();
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(true);
  expect(stack.auth.counts.token.authorization_code).toBe(1);
});

test('an OpenID login sends a fresh nonce, and the ID token carries it back', async ({ page, stack }) => {
  const requests = recordAuthorizationRequests(page, stack);
  await loginOnHarness(page, stack);
  const nonce = requests[0]?.get('nonce');
  expect(nonce).toMatch(/^[\w-]{43}$/);
  const idToken = await readSdkRecord<string>(page, 'session', 'r => r.idToken');
  expect(jwtClaims(idToken).nonce).toBe(nonce);
});

test('logout() sends the server id_token_hint and post_logout_redirect_uri, and the server sends the user back', async ({ page, stack }) => {
  await loginOnHarness(page, stack);
  const idToken = await readSdkRecord<string>(page, 'session', 'r => r.idToken');
  const endSession = `${stack.auth.issuer.replace(/\/$/, '')}/session/end`;
  const logoutUrls: URL[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (`${url.origin}${url.pathname}` === endSession) logoutUrls.push(url);
  });
  await page.evaluate(() => {
    delete document.body.dataset.ready;
    void (window as any).sdk.logout();
  });
  await page.waitForURL(`${endSession}**`);
  await page.waitForURL(`${stack.app.origin}/harness.html`);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  expect(Object.fromEntries(logoutUrls[0].searchParams)).toEqual({
    client_id: stack.auth.clientId,
    id_token_hint: idToken,
    post_logout_redirect_uri: `${stack.app.origin}/harness.html`,
    state: expect.any(String),
  });
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(false);
  expect(stack.auth.activeSessions()).toEqual([]);
});

test("the server's logout return is checked: its own state is taken once and cleaned; a replayed or forged one is state_mismatch; an app's own ?state is left alone", async ({ page, stack }) => {
  await loginOnHarness(page, stack);
  const returns: string[] = [];
  page.on('request', (request) => {
    if (request.isNavigationRequest() && request.url().startsWith(`${stack.app.origin}/harness.html?`)) returns.push(request.url());
  });
  await page.evaluate(() => {
    delete document.body.dataset.ready;
    void (window as any).sdk.logout();
  });
  await page.waitForURL(`${stack.app.origin}/harness.html`);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  expect(await page.evaluate(() => [(window as any).bootError, (window as any).redirectResult])).toEqual([undefined, null]);
  expect(returns).toHaveLength(1);
  const state = new URL(returns[0]).searchParams.get('state')!;

  const land = async (url: string) => {
    await page.goto(url);
    await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
    return page.evaluate(() => (window as any).bootError?.code ?? null);
  };
  // The same return again (history, a link shared): its logout is over.
  expect(await land(returns[0])).toBe('state_mismatch');
  // This client's tag (public: a hash of issuer and client ID) on a state it never issued.
  const forged = `${stack.app.origin}/harness.html?state=${state.split('.')[0]}.${'A'.repeat(43)}`;
  expect(await land(forged)).toBe('state_mismatch');
  // Elsewhere on the origin too: the post-logout address need not be the redirect URI.
  const elsewhere = await page.evaluate(
    (url) => (window as any).sdk.handleRedirect(url).then(() => null, (e: any) => e.code),
    forged.replace('/harness.html', '/signed-out'),
  );
  expect(elsewhere).toBe('state_mismatch');
  // No tag of ours: the app's own query, neither checked nor cleaned.
  expect(await land(`${stack.app.origin}/harness.html?state=open`)).toBe(null);
  expect(page.url()).toBe(`${stack.app.origin}/harness.html?state=open`);
});

test('a request the server never answers fails after requestTimeoutMs with a retryable network_error', async ({ page, stack }) => {
  // Held, never answered, as by a server that accepted the connection and hung.
  await page.route(`${stack.auth.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, () => undefined);
  await openHarness(page, stack, { requestTimeoutMs: 300 });
  const error = await page.evaluate(() =>
    (window as any).sdk.login().then(
      () => null,
      (e: any) => ({ code: e.code, retryable: e.retryable, message: e.message }),
    ),
  );
  expect(error).toMatchObject({ code: 'network_error', retryable: true });
  expect(error.message).toContain('timed out');
});

test('a garbage session record is treated as logged out without an unhandled rejection', async ({ page, stack }) => {
  const pageErrors: Error[] = [];
  page.on('pageerror', (error) => pageErrors.push(error));
  await loginOnHarness(page, stack);
  await page.evaluate(
    () =>
      new Promise<void>((resolve) => {
        const open = indexedDB.open('spa-oauth');
        open.onsuccess = () => {
          const store = open.result.transaction('state', 'readwrite').objectStore('state');
          const keys = store.getAllKeys();
          keys.onsuccess = () => {
            const key = (keys.result as string[]).find((k) => k.endsWith('|session'))!;
            store.put({ v: 1, accessToken: 42, user: 'garbage' }, key).onsuccess = () => resolve();
          };
        };
      }),
  );
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  expect(await page.evaluate(() => (window as any).bootError)).toBeUndefined();
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(false);
  await expect(page.evaluate(() => (window as any).sdk.getAccessToken())).rejects.toThrow(/login_required|no session/);
  // Not this build's format: left alone (it may be another build's), never deleted by a read.
  expect(await sessionRecord(page)).toEqual({ v: 1, accessToken: 42, user: 'garbage' });
  expect(pageErrors).toEqual([]);
});

test('an unreachable issuer: login() rejects with network_error naming the discovery URL', async ({ page, stack }) => {
  await openHarness(page, stack, { issuer: 'http://127.0.0.1:9' });
  const error = await page.evaluate(() => (window as any).sdk.login().catch((e: any) => ({ code: e.code, message: e.message })));
  expect(error.code).toBe('network_error');
  expect(error.message).toContain('http://127.0.0.1:9/.well-known/openid-configuration');
});

test('a wrong issuer (the document names another): invalid_response naming the URL', async ({ page, stack }) => {
  const wrong = stack.auth.issuer.replace('127.0.0.1', 'localhost');
  await openHarness(page, stack, { issuer: wrong });
  const error = await page.evaluate(() => (window as any).sdk.login().catch((e: any) => ({ code: e.code, message: e.message })));
  expect(error.code).toBe('invalid_response');
  expect(error.message).toContain(`${wrong}/.well-known/openid-configuration`);
});

test('an invalid discovery document: invalid_response naming the URL', async ({ page, stack }) => {
  await openHarness(page, stack, { issuer: stack.other.origin });
  const error = await page.evaluate(() => (window as any).sdk.login().catch((e: any) => ({ code: e.code, message: e.message })));
  expect(error.code).toBe('invalid_response');
  expect(error.message).toContain(`${stack.other.origin}/.well-known/openid-configuration`);
});

const badTokenResponses: Array<[string, (body: Record<string, unknown>) => void]> = [
  ['without access_token', (body) => delete body.access_token],
  ['with token_type "MAC"', (body) => (body.token_type = 'MAC')],
];
for (const [what, tamper] of badTokenResponses) {
  test(`a token response ${what}: invalid_response, nothing stored`, async ({ page, stack }) => {
    await openHarness(page, stack);
    const callback = await captureCallback(page, stack.app.origin);
    await page.route(`${stack.auth.issuer}/token`, async (route) => {
      const response = await route.fetch();
      const body = await response.json();
      tamper(body);
      await route.fulfill({ response, json: body });
    });
    await page.goto(callback);
    await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
    expect(await page.evaluate(() => (window as any).bootError?.code)).toBe('invalid_response');
    expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(false);
    expect(await sessionRecord(page)).toBeUndefined();
  });
}

const idTokenTampering: Array<[string, string | undefined]> = [
  ['nonce', 'not-the-saved-nonce'],
  ['nonce', undefined],
  ['aud', 'some-other-client'],
];
for (const [claim, value] of idTokenTampering) {
  test(`an ID token ${value === undefined ? 'without' : 'with the wrong'} ${claim}: invalid_response, nothing stored`, async ({ page, stack }) => {
    await openHarness(page, stack);
    const callback = await captureCallback(page, stack.app.origin);
    // Re-signed with the server's own key, so only the claim check can refuse it.
    stack.auth.tamperIdTokens((claims) => ({ ...claims, [claim]: value }));
    await page.goto(callback);
    await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
    const error = await page.evaluate(() => (window as any).bootError);
    expect(error?.code).toBe('invalid_response');
    expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(false);
    expect(await sessionRecord(page)).toBeUndefined();
  });
}

test('IndexedDB that cannot be opened: memory fallback and a storage_unavailable error event', async ({ page, stack }) => {
  await page.addInitScript(() => {
    IDBFactory.prototype.open = function () {
      throw new DOMException('The user denied permission to access the database.', 'InvalidStateError');
    };
  });
  await openHarness(page, stack);
  await expect
    .poll(() => page.evaluate(() => (window as any).events.find((e: any) => e.type === 'error')?.error.code))
    .toBe('storage_unavailable');
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(false);
});

test('invalid options throw invalid_config naming the field', async ({ page, stack }) => {
  await openHarness(page, stack);
  const errors = await page.evaluate(async () => {
    const base = { issuer: 'https://as.example', clientId: 'c', redirectUri: 'https://app.example/' };
    const attempt = (options: any) =>
      (window as any).SpaOAuth.createOAuthClient(options).then(
        () => null,
        (e: any) => ({ code: e.code, message: e.message }),
      );
    return [
      await attempt({ ...base, issuer: 'http://as.example' }),
      await attempt({ ...base, clientId: '' }),
      await attempt({ ...base, apiOrigins: ['https://api.example/v1'] }),
      await attempt({ ...base, storage: 'cookies' }),
    ];
  });
  expect(errors.map((e: any) => e.code)).toEqual(['invalid_config', 'invalid_config', 'invalid_config', 'invalid_config']);
  expect(errors[0].message).toContain('"issuer"');
  expect(errors[1].message).toContain('"clientId"');
  expect(errors[2].message).toContain('"apiOrigins"');
  expect(errors[3].message).toContain('"storage"');
});

test('max_age sent through params is checked against auth_time: an ID token too old is refused, nothing stored', async ({ page, stack }) => {
  await openHarness(page, stack);
  const callback = await captureCallback(page, stack.app.origin, { params: { max_age: '60' } });
  await page.route(`${stack.auth.issuer}/token`, async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    const authTime = Math.floor(Date.now() / 1000) - 3600;
    body.id_token = stack.auth.resignIdToken(body.id_token, { auth_time: authTime });
    await route.fulfill({ response, json: body });
  });
  await page.goto(callback);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  const error = await page.evaluate(() => (window as any).bootError);
  expect(error?.code).toBe('invalid_response');
  expect(error?.message).toContain('since the last End-User authentication');
  expect(await sessionRecord(page)).toBeUndefined();
});

test('max_age within its limit signs in; a malformed max_age or a response_mode in params is refused before leaving', async ({ page, stack }) => {
  await loginOnHarness(page, stack, {}, { params: { max_age: '600' } });
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(true);
  const errors = await page.evaluate(async () => {
    const sdk = (window as any).sdk;
    const attempt = (params: Record<string, string>) => sdk.login({ params }).then(() => null, (e: any) => ({ code: e.code, message: e.message }));
    return [await attempt({ max_age: 'soon' }), await attempt({ response_mode: 'fragment' })];
  });
  expect(errors.map((e: any) => e?.code)).toEqual(['invalid_config', 'invalid_config']);
  expect(errors[0].message).toContain('max_age');
  expect(errors[1].message).toContain('response_mode');
  expect(new URL(page.url()).pathname).toBe('/harness.html');
});

for (const evil of ['/a/..//evil.example', '/a/../\\evil.example', '/%2e%2e//evil.example', '/./\\/evil.example']) {
  test(`returnTo ${JSON.stringify(evil)} (dot segments) is made safe in one pass, before it is stored`, async ({ page, stack }) => {
    await openHarness(page, stack);
    await captureCallback(page, stack.app.origin, { returnTo: evil });
    const stored = await readSdkRecord<string[]>(page, 'pending-logins', 'r => Object.values(r).map((tx) => tx.returnTo)');
    expect(stored).toEqual(['/']);
  });
}
