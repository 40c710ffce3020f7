// Smoke tests of the test servers themselves; none of them needs the SDK (dist/).

import { decodeJwt } from 'jose';
import { test, expect } from './fixtures';
import { authorize, createDpopKey, discover, dpopProof, tokenRequest } from './helpers/node-oauth';

test('discovery lists the endpoints the SDK relies on', async ({ stack }) => {
  const meta = await discover(stack.auth.issuer);
  expect(meta.issuer).toBe(stack.auth.issuer);
  expect(meta.token_endpoint).toBe(`${stack.auth.issuer}/token`);
  expect(meta.revocation_endpoint).toBeTruthy();
  expect(meta.end_session_endpoint).toBeTruthy();
  expect(meta.dpop_signing_alg_values_supported).toContain('ES256');
  expect(meta.code_challenge_methods_supported).toEqual(['S256']);
  expect(stack.auth.counts.discovery).toBe(1);
});

test('code + PKCE login from Node, refresh rotation, reuse revokes the grant, API access', async ({ stack }) => {
  const { auth, api } = stack;
  const meta = await discover(auth.issuer);
  const redirectUri = `${stack.app.origin}/harness.html`;

  const login = await authorize(meta, { clientId: auth.clientId, redirectUri, scope: 'openid profile email' });
  // authorize → interaction → authorize (resume) → redirect_uri
  expect(login.hops.map((u) => new URL(u).pathname)).toEqual(['/auth', expect.stringMatching(/^\/interaction\//), expect.stringMatching(/^\/auth\//), '/harness.html']);
  expect(login.params.get('state')).toBe(login.state);
  expect(login.params.get('iss')).toBe(auth.issuer);
  const code = login.params.get('code')!;

  const exchanged = await tokenRequest(meta, {
    grant_type: 'authorization_code', client_id: auth.clientId, code, redirect_uri: redirectUri, code_verifier: login.verifier,
  });
  expect(exchanged.status).toBe(200);
  expect(exchanged.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'openid profile email' });
  // refresh token although offline_access was not requested (setIssueRefreshToken default)
  expect(exchanged.body.refresh_token).toBeTruthy();
  const idToken = decodeJwt(exchanged.body.id_token);
  expect(idToken).toMatchObject({ iss: auth.issuer, aud: auth.clientId, sub: 'alice', name: 'Alice Example', email: 'alice@example.com', nonce: login.nonce });

  const me = await fetch(`${api.origin}/api/me`, { headers: { Authorization: `Bearer ${exchanged.body.access_token}` } });
  expect(me.status).toBe(200);
  expect(await me.json()).toEqual({ sub: 'alice', scope: 'openid profile email', tokenType: 'Bearer' });
  const anonymous = await fetch(`${api.origin}/api/me`);
  expect(anonymous.status).toBe(401);
  expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
  const bogus = await fetch(`${api.origin}/api/me`, { headers: { Authorization: 'Bearer nope' } });
  expect(bogus.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token", error_description="/);

  const rt1 = exchanged.body.refresh_token;
  const refreshed = await tokenRequest(meta, { grant_type: 'refresh_token', client_id: auth.clientId, refresh_token: rt1 });
  expect(refreshed.status).toBe(200);
  const rt2 = refreshed.body.refresh_token;
  expect(rt2).toBeTruthy();
  expect(rt2).not.toBe(rt1);
  expect(auth.activeRefreshTokens().map((t) => t.value)).toEqual([rt2]);
  const { grantId } = auth.activeRefreshTokens()[0];
  expect(auth.isGrantActive(grantId)).toBe(true);

  const reused = await tokenRequest(meta, { grant_type: 'refresh_token', client_id: auth.clientId, refresh_token: rt1 });
  expect(reused.status).toBe(400);
  expect(reused.body.error).toBe('invalid_grant');
  expect(auth.counts.token).toMatchObject({ authorization_code: 1, refresh_token: 2 });
  expect(auth.tokenRequests().map((r) => [r.grant_type, r.status, r.error ?? null])).toEqual([
    ['authorization_code', 200, null], ['refresh_token', 200, null], ['refresh_token', 400, 'invalid_grant'],
  ]);
  expect(auth.isGrantActive(grantId)).toBe(false);
  expect(auth.activeRefreshTokens()).toEqual([]);
  const afterRevoke = await fetch(`${api.origin}/api/me`, { headers: { Authorization: `Bearer ${refreshed.body.access_token}` } });
  expect(afterRevoke.status).toBe(401);
});

test('DPoP: nonce at the token endpoint, bound tokens at the API', async ({ stack }) => {
  const { auth, api } = stack;
  const meta = await discover(auth.issuer);
  const redirectUri = `${stack.app.origin}/`;
  const key = await createDpopKey();
  auth.setDpopNonceRequired(true);
  api.setDpopNonceRequired(true);

  const login = await authorize(meta, { clientId: auth.clientId, redirectUri });
  const params = {
    grant_type: 'authorization_code', client_id: auth.clientId, code: login.params.get('code')!, redirect_uri: redirectUri, code_verifier: login.verifier,
  };
  const noNonce = await tokenRequest(meta, params, { DPoP: await dpopProof(key, 'POST', meta.token_endpoint) });
  expect(noNonce.status).toBe(400);
  expect(noNonce.body.error).toBe('use_dpop_nonce');
  const nonce = noNonce.headers.get('dpop-nonce')!;
  expect(nonce).toBeTruthy();
  const bound = await tokenRequest(meta, params, { DPoP: await dpopProof(key, 'POST', meta.token_endpoint, { nonce }) });
  expect(bound.status).toBe(200);
  expect(bound.body.token_type).toBe('DPoP');
  expect(auth.activeRefreshTokens()[0].jkt).toBe(key.thumbprint);
  expect(auth.tokenRequests().map((r) => [r.status, r.error ?? null, r.dpop])).toEqual([[400, 'use_dpop_nonce', true], [200, null, true]]);

  const token = bound.body.access_token;
  const url = `${api.origin}/api/me`;
  const call = async (headers: Record<string, string>) => fetch(url, { headers });
  const asBearer = await call({ Authorization: `Bearer ${token}` });
  expect(asBearer.status).toBe(401);
  expect(asBearer.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_token"/);

  const apiNoNonce = await call({ Authorization: `DPoP ${token}`, DPoP: await dpopProof(key, 'GET', url, { accessToken: token }) });
  expect(apiNoNonce.status).toBe(401);
  expect(apiNoNonce.headers.get('www-authenticate')).toMatch(/^DPoP error="use_dpop_nonce"/);
  const apiNonce = apiNoNonce.headers.get('dpop-nonce')!;

  const proof = await dpopProof(key, 'GET', `${url}?ignored=1`, { accessToken: token, nonce: apiNonce });
  const ok = await call({ Authorization: `DPoP ${token}`, DPoP: proof });
  expect(ok.status).toBe(200);
  expect(await ok.json()).toMatchObject({ sub: 'alice', tokenType: 'DPoP' });
  const replayed = await call({ Authorization: `DPoP ${token}`, DPoP: proof });
  expect(replayed.status).toBe(401);
  expect(replayed.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_dpop_proof"/);

  const otherKey = await createDpopKey();
  const wrongKey = await call({ Authorization: `DPoP ${token}`, DPoP: await dpopProof(otherKey, 'GET', url, { accessToken: token, nonce: apiNonce }) });
  expect(wrongKey.status).toBe(401);
  const wrongMethod = await call({ Authorization: `DPoP ${token}`, DPoP: await dpopProof(key, 'POST', url, { accessToken: token, nonce: apiNonce }) });
  expect(wrongMethod.status).toBe(401);
});

test('controls: access token TTL, no refresh token, outages, reset', async ({ stack }) => {
  const { auth } = stack;
  const meta = await discover(auth.issuer);
  const redirectUri = `${stack.app.origin}/`;
  auth.setAccessTokenTtl(5);
  auth.setIssueRefreshToken(false);
  const login = await authorize(meta, { clientId: auth.clientId, redirectUri, scope: 'openid offline_access' });
  const tokens = await tokenRequest(meta, {
    grant_type: 'authorization_code', client_id: auth.clientId, code: login.params.get('code')!, redirect_uri: redirectUri, code_verifier: login.verifier,
  });
  expect(tokens.body.expires_in).toBe(5);
  expect(tokens.body.refresh_token).toBeUndefined();

  auth.setOutage('503');
  const unavailable = await fetch(meta.jwks_uri, { headers: { Origin: stack.app.origin } });
  expect(unavailable.status).toBe(503);
  expect(unavailable.headers.get('access-control-allow-origin')).toBe(stack.app.origin);
  auth.setOutage('down');
  // The first attempt may die on a kept-alive socket that setOutage closed; the second opens a new one.
  await expect(fetch(meta.jwks_uri)).rejects.toThrow();
  await expect(fetch(meta.jwks_uri)).rejects.toThrow();
  expect(auth.counts.outage).toBeGreaterThanOrEqual(2);

  auth.revokeAllGrants();
  expect(auth.activeGrantIds()).toEqual([]);
  expect(await auth.findAccessToken(tokens.body.access_token)).toBeUndefined();

  auth.reset();
  expect((await fetch(meta.jwks_uri)).status).toBe(200);
  expect(auth.counts.jwks).toBe(1);
  expect(auth.activeSessions()).toEqual([]);
});

test('a page on the app origin can use the server cross-origin, and logout needs no click', async ({ page, stack }) => {
  const { auth } = stack;
  await page.goto(`${stack.app.origin}/harness.html`);

  const fromPage = await page.evaluate(async ({ issuer, clientId, redirectUri }) => {
    const discovery = await fetch(`${issuer}/.well-known/openid-configuration`).then((r) => r.json());
    const jwks = await fetch(discovery.jwks_uri).then((r) => r.json());
    // A DPoP header makes this a preflighted request, like the SDK's.
    const res = await fetch(discovery.token_endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', DPoP: 'not-a-jwt' },
      body: new URLSearchParams({ grant_type: 'authorization_code', client_id: clientId, code: 'bogus', redirect_uri: redirectUri, code_verifier: 'x'.repeat(43) }),
    });
    return { issuer: discovery.issuer, keys: jwks.keys.length, status: res.status, body: await res.json() };
  }, { issuer: auth.issuer, clientId: auth.clientId, redirectUri: `${stack.app.origin}/harness.html` });

  expect(fromPage).toMatchObject({ issuer: auth.issuer, keys: 1, status: 400 });
  expect(fromPage.body.error).toBe('invalid_dpop_proof');
  expect(auth.counts.preflight).toBe(1);
  expect(auth.tokenRequests()).toEqual([{ grant_type: 'authorization_code', status: 400, error: 'invalid_dpop_proof', dpop: true }]);

  // A real browser login (no SDK): the app page receives ?code=…&iss=…
  const meta = await discover(auth.issuer);
  const redirectUri = `${stack.app.origin}/harness.html`;
  const authorizeUrl = new URL(meta.authorization_endpoint);
  authorizeUrl.search = new URLSearchParams({
    client_id: auth.clientId, redirect_uri: redirectUri, response_type: 'code', scope: 'openid', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
  }).toString();
  await page.goto(authorizeUrl.href);
  await page.waitForURL((url) => url.pathname === '/harness.html' && url.searchParams.has('code'));
  expect(new URL(page.url()).searchParams.get('iss')).toBe(auth.issuer);
  expect(auth.activeSessions()).toHaveLength(1);

  const logoutUrl = new URL(meta.end_session_endpoint);
  logoutUrl.search = new URLSearchParams({ client_id: auth.clientId, post_logout_redirect_uri: redirectUri, state: 'bye' }).toString();
  await page.goto(logoutUrl.href);
  await page.waitForURL((url) => url.pathname === '/harness.html' && url.searchParams.get('state') === 'bye');
  expect(auth.activeSessions()).toEqual([]);
  expect(auth.counts.endSession).toBe(1);
});
