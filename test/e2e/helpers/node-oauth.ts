// A minimal OAuth client in Node (plain fetch), for checking the fixtures and
// for tests that need tokens minted outside the browser.

import { createHash, randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';

export interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  revocation_endpoint: string;
  end_session_endpoint: string;
  jwks_uri: string;
  [key: string]: unknown;
}

export interface TokenResult {
  status: number;
  headers: Headers;
  body: Record<string, any>;
}

export async function discover(issuer: string): Promise<Discovery> {
  const res = await fetch(`${issuer}/.well-known/openid-configuration`);
  if (!res.ok) throw new Error(`discovery failed: ${res.status}`);
  return res.json();
}

export function pkcePair() {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

/** Cookies by name; paths are ignored, which the authorization server tolerates. */
function createCookieJar() {
  const cookies = new Map<string, string>();
  return {
    store(headers: Headers) {
      for (const line of headers.getSetCookie()) {
        const [pair] = line.split(';');
        const eq = pair.indexOf('=');
        cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
      }
    },
    header: () => [...cookies].filter(([, v]) => v !== '').map(([k, v]) => `${k}=${v}`).join('; '),
  };
}

export interface AuthorizationResult {
  /** Every URL visited, the last being the redirect_uri with the response. */
  hops: string[];
  params: URLSearchParams;
  verifier: string;
  state: string;
  nonce: string;
}

/** Runs authorize → interaction → resume → redirect_uri, following redirects by hand. */
export async function authorize(discovery: Discovery, options: {
  clientId: string;
  redirectUri: string;
  scope?: string;
  extra?: Record<string, string>;
}): Promise<AuthorizationResult> {
  const { verifier, challenge } = pkcePair();
  const state = randomBytes(8).toString('hex');
  const nonce = randomBytes(8).toString('hex');
  const url = new URL(discovery.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: options.clientId,
    redirect_uri: options.redirectUri,
    response_type: 'code',
    scope: options.scope ?? 'openid profile email',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
    nonce,
    ...options.extra,
  }).toString();

  const jar = createCookieJar();
  const hops: string[] = [];
  let next = url.href;
  for (let i = 0; i < 10; i += 1) {
    hops.push(next);
    if (next.startsWith(options.redirectUri)) {
      return { hops, params: new URL(next).searchParams, verifier, state, nonce };
    }
    const res = await fetch(next, { redirect: 'manual', headers: { cookie: jar.header() } });
    jar.store(res.headers);
    const location = res.headers.get('location');
    if (!location) throw new Error(`no redirect from ${next}: ${res.status} ${await res.text()}`);
    next = new URL(location, next).href;
  }
  throw new Error(`too many redirects: ${hops.join(' → ')}`);
}

export async function tokenRequest(discovery: Discovery, params: Record<string, string>, headers: Record<string, string> = {}): Promise<TokenResult> {
  const res = await fetch(discovery.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(params),
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

export interface DpopKey {
  privateKey: CryptoKey;
  jwk: Record<string, unknown>;
  thumbprint: string;
}

export async function createDpopKey(): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, thumbprint: await calculateJwkThumbprint(jwk) };
}

/** A DPoP proof JWT (RFC 9449 section 4.2). */
export function dpopProof(key: DpopKey, htm: string, htu: string, { accessToken, nonce }: { accessToken?: string; nonce?: string } = {}) {
  const claims: Record<string, unknown> = { htm, htu, jti: randomBytes(12).toString('base64url') };
  if (accessToken) claims.ath = createHash('sha256').update(accessToken).digest('base64url');
  if (nonce) claims.nonce = nonce;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.jwk })
    .setIssuedAt()
    .sign(key.privateKey);
}
