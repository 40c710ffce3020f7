import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createHash, randomUUID } from 'node:crypto';
import { expect, loginOnHarness, openHarness, pauseClock, readSdkRecord, recordAuthorizationRequests, test } from './fixtures';

const DPOP = { dpop: true };

test('DPoP: the API sees DPoP-bound tokens with a proof; login and refresh carry proofs', async ({ page, stack }) => {
  await loginOnHarness(page, stack, DPOP);
  const status = await page.evaluate((api) => (window as any).sdk.fetch(`${api}/api/me`).then((r: Response) => r.json()), stack.api.origin);
  expect(status.tokenType).toBe('DPoP');
  const call = stack.api.requests.find((r: any) => r.method === 'GET' && r.path === '/api/me');
  expect(call.authorization).toMatch(/^DPoP /);
  expect(call.dpop).toBeTruthy();
  expect(call.status).toBe(200);
  expect(stack.auth.tokenRequests().every((r: any) => r.dpop)).toBe(true);
});

test('DPoP: the token replayed as Bearer, or with a proof from another key, is rejected', async ({ page, stack }) => {
  await loginOnHarness(page, stack, DPOP);
  const token: string = await page.evaluate(() => (window as any).sdk.getAccessToken());
  const url = `${stack.api.origin}/api/me`;

  const asBearer = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  expect(asBearer.status).toBe(401);

  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  const proof = await new SignJWT({
    htm: 'GET',
    htu: url,
    jti: randomUUID(),
    ath: createHash('sha256').update(token).digest('base64url'),
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk })
    .setIssuedAt()
    .sign(privateKey);
  const otherKey = await fetch(url, { headers: { authorization: `DPoP ${token}`, dpop: proof } });
  expect(otherKey.status).toBe(401);
});

test('DPoP: a nonce challenge from the API is answered with exactly one retry', async ({ page, stack }) => {
  await loginOnHarness(page, stack, DPOP);
  stack.api.setDpopNonceRequired(true);
  const status = await page.evaluate((api) => (window as any).sdk.fetch(`${api}/api/me`).then((r: Response) => r.status), stack.api.origin);
  expect(status).toBe(200);
  expect(stack.api.requests.filter((r: any) => r.method === 'GET').map((r: any) => r.status)).toEqual([401, 200]);
  // The nonce is remembered for the origin: the next call needs no retry.
  await page.evaluate((api) => (window as any).sdk.fetch(`${api}/api/me`), stack.api.origin);
  expect(stack.api.requests.filter((r: any) => r.method === 'GET').map((r: any) => r.status)).toEqual([401, 200, 200]);
  expect(stack.auth.counts.token.refresh_token ?? 0).toBe(0);
});

test('DPoP: a nonce challenge from the token endpoint is answered with exactly one retry', async ({ page, stack }) => {
  stack.auth.setDpopNonceRequired(true);
  await loginOnHarness(page, stack, DPOP);
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(true);
  const codeGrants = stack.auth.tokenRequests().filter((r: any) => r.grant_type === 'authorization_code');
  expect(codeGrants.map((r: any) => r.status)).toEqual([400, 200]);
  expect(codeGrants[0].error).toBe('use_dpop_nonce');
});

test('DPoP: the stored private key is non-extractable and survives a reload in every tab', async ({ page, context, stack }) => {
  await loginOnHarness(page, stack, DPOP);
  const inspect = `async (pair) => ({
    extractable: pair.privateKey.extractable,
    algorithm: pair.privateKey.algorithm.namedCurve,
    exported: await crypto.subtle.exportKey('jwk', pair.privateKey).then(() => 'exported', (e) => 'rejected ' + e.name),
  })`;
  expect(await readSdkRecord(page, 'dpop-keys', inspect)).toEqual({ extractable: false, algorithm: 'P-256', exported: 'rejected InvalidAccessError' });
  const second = await context.newPage();
  await openHarness(second, stack, DPOP);
  const status = await second.evaluate((api) => (window as any).sdk.fetch(`${api}/api/me`).then((r: Response) => r.status), stack.api.origin);
  expect(status).toBe(200);
});

test('DPoP asked for but a Bearer token issued: dpop_not_supported, nothing stored', async ({ page, stack }) => {
  await page.route(`${stack.auth.issuer}/token`, async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, json: { ...(await response.json()), token_type: 'Bearer' } });
  });
  await loginOnHarness(page, stack, DPOP);
  expect(await page.evaluate(() => (window as any).bootError?.code)).toBe('dpop_not_supported');
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(false);
});

test('DPoP: a refresh carries a proof and keeps the token bound to the same key', async ({ page, context, stack }) => {
  stack.auth.setAccessTokenTtl(60);
  await pauseClock(context);
  await loginOnHarness(page, stack, DPOP);
  const pageNow = await page.evaluate(() => Date.now());
  // Into the refresh window (under 30 s left) but not past expiry: the API checks each proof's iat
  // against its own clock, so a page clock far ahead would be rejected as a skewed client.
  await context.clock.setSystemTime(pageNow + 45_000);
  const body = await page.evaluate((api) => (window as any).sdk.fetch(`${api}/api/me`).then((r: Response) => r.json()), stack.api.origin);
  expect(body).toMatchObject({ sub: 'alice', tokenType: 'DPoP' });
  const grants = stack.auth.tokenRequests();
  expect(grants.map((r: any) => [r.grant_type, r.status, r.dpop])).toEqual([
    ['authorization_code', 200, true],
    ['refresh_token', 200, true],
  ]);
  const [refreshToken] = stack.auth.activeRefreshTokens();
  expect(refreshToken.jkt).toBeTruthy();
});

test('DPoP: the authorization request carries dpop_jkt, the thumbprint of the key the tokens are bound to', async ({ page, stack }) => {
  const requests = recordAuthorizationRequests(page, stack);
  await loginOnHarness(page, stack, DPOP);
  const jkt = requests[0]?.get('dpop_jkt');
  expect(jkt).toMatch(/^[\w-]{43}$/);
  expect(stack.auth.activeRefreshTokens().map((rt) => rt.jkt)).toEqual([jkt]);
});

test('DPoP: logout() drops the key, so the next login binds its tokens to a new one', async ({ page, stack }) => {
  const requests = recordAuthorizationRequests(page, stack);
  await loginOnHarness(page, stack, DPOP);
  await page.evaluate(() => (window as any).sdk.logout({ localOnly: true }));
  await loginOnHarness(page, stack, DPOP);
  const [before, after] = requests.map((r) => r.get('dpop_jkt'));
  expect(after).toMatch(/^[\w-]{43}$/);
  expect(after).not.toBe(before);
  expect(stack.auth.activeRefreshTokens().map((rt) => rt.jkt)).toContain(after);
});

test('DPoP switched on while a Bearer session is stored: that session is not used, the user logs in again with DPoP', async ({ page, context, stack }) => {
  await loginOnHarness(page, stack);
  expect(await readSdkRecord(page, 'session', 'r => r.tokenType')).toBe('bearer');
  const upgraded = await context.newPage();
  await openHarness(upgraded, stack, DPOP);
  expect(await upgraded.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(false);
  expect(await upgraded.evaluate(() => (window as any).sdk.user)).toBeNull();
  const codes = await upgraded.evaluate(async (api) => {
    const sdk = (window as any).sdk;
    return [await sdk.getAccessToken().catch((e: any) => e.code), await sdk.fetch(`${api}/api/me`).catch((e: any) => e.code)];
  }, stack.api.origin);
  expect(codes).toEqual(['login_required', 'login_required']);
  expect(stack.api.requests.filter((r: any) => r.authorization)).toEqual([]);

  await loginOnHarness(upgraded, stack, DPOP);
  const me = await upgraded.evaluate((api) => (window as any).sdk.fetch(`${api}/api/me`).then((r: Response) => r.json()), stack.api.origin);
  expect(me.tokenType).toBe('DPoP');
  expect(await readSdkRecord(upgraded, 'session', 'r => r.tokenType')).toBe('dpop');
});

test('DPoP with storage "memory": the key waits out the login redirect with the pending login', async ({ page, stack }) => {
  const authorizeUrls: URL[] = [];
  page.on('request', (request) => {
    if (request.url().startsWith(`${stack.auth.issuer}/auth?`)) authorizeUrls.push(new URL(request.url()));
  });
  await loginOnHarness(page, stack, { ...DPOP, storage: 'memory' });
  expect(await page.evaluate(() => (window as any).bootError)).toBeUndefined();
  const body = await page.evaluate((api) => (window as any).sdk.fetch(`${api}/api/me`).then((r: Response) => r.json()), stack.api.origin);
  expect(body).toMatchObject({ sub: 'alice', tokenType: 'DPoP' });
  expect(authorizeUrls.map((url) => url.searchParams.has('dpop_jkt'))).toEqual([true]);
  // The session itself stays in memory.
  expect(await readSdkRecord(page, 'session')).toBeUndefined();
});

test('DPoP: a nonce challenge whose DPoP-Nonce CORS hides fails once, naming Access-Control-Expose-Headers', async ({ page, stack }) => {
  stack.auth.setDpopNonceRequired(true);
  stack.auth.setHideDpopNonce(true);
  await loginOnHarness(page, stack, DPOP);
  const error = await page.evaluate(() => (window as any).bootError);
  expect(error.code).toBe('use_dpop_nonce');
  expect(error.message).toContain('"DPoP-Nonce"');
  expect(error.message).toContain('Access-Control-Expose-Headers');
  // A retry without the nonce could only be refused again.
  const codeGrants = stack.auth.tokenRequests().filter((r: any) => r.grant_type === 'authorization_code');
  expect(codeGrants.map((r: any) => [r.status, r.error])).toEqual([[400, 'use_dpop_nonce']]);
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(false);
});

// Issue 19: DPoP's own errors are about the proof, not the grant; the session and its refresh token are kept.
for (const refusal of ['use_dpop_nonce', 'invalid_dpop_proof']) {
  test(`DPoP: a refresh refused with ${refusal}${refusal === 'use_dpop_nonce' ? ' twice in a row (the nonce rotated)' : ''} keeps the session and its refresh token`, async ({ page, context, stack }) => {
    stack.auth.setAccessTokenTtl(60);
    await pauseClock(context);
    await loginOnHarness(page, stack, DPOP);
    const [refreshToken] = stack.auth.activeRefreshTokens();
    stack.auth.setTokenRefusal(refusal);
    await context.clock.setSystemTime((await page.evaluate(() => Date.now())) + 45_000);
    // The access token has 15 s left: the failed refresh still answers with it.
    expect(await page.evaluate((api) => (window as any).sdk.fetch(`${api}/api/me`).then((r: Response) => r.status), stack.api.origin)).toBe(200);
    const refreshes = stack.auth.tokenRequests().filter((r: any) => r.grant_type === 'refresh_token');
    // A nonce challenge is answered once; a refused proof is retried once, if a new clock estimate moved
    // (the paused page clock has drifted from the server's by the 45 s, so here it did).
    expect(refreshes.map((r: any) => r.error)).toEqual([refusal, refusal]);
    expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(true);
    expect(await page.evaluate(() => (window as any).events.filter((e: any) => e.type === 'logout'))).toEqual([]);
    const errors = await page.evaluate(() => (window as any).events.filter((e: any) => e.type === 'error').map((e: any) => e.error.code));
    expect(errors).toContain(refusal);
    expect(stack.auth.isRefreshTokenActive(refreshToken.value)).toBe(true);

    // The next refresh, once the server accepts proofs again, uses the refresh token that was kept.
    stack.auth.setTokenRefusal(null);
    await context.clock.setSystemTime((await page.evaluate(() => Date.now())) + 30_000);
    expect(await page.evaluate(() => (window as any).sdk.getAccessToken().then(() => 'ok', (e: any) => e.code))).toBe('ok');
    expect(stack.auth.tokenRequests().filter((r: any) => r.grant_type === 'refresh_token').at(-1)).toMatchObject({ status: 200, refreshToken: refreshToken.value });
  });
}
