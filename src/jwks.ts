import { jwksCache, validateApplicationLevelSignature, type AuthorizationServer, type JWKS, type JWKSCacheInput } from 'oauth4webapi';
import { requestOptions, type Transport } from './discovery.js';
import { now } from './util.js';

/**
 * The server's signing keys (`jwks_uri`), fetched by `login()` to be cached with the metadata, so
 * the callback verifies the ID token without a request of its own. Undefined when the fetch fails:
 * the verification then fetches them itself, and reports what goes wrong.
 */
export async function fetchJwks(as: AuthorizationServer, transport: Transport): Promise<JWKS | undefined> {
  try {
    const response = await transport.fetch(as.jwks_uri!, {
      headers: { accept: 'application/json, application/jwk-set+json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(transport.timeoutMs),
    });
    const jwks = response.ok ? await response.json() : undefined;
    return Array.isArray(jwks?.keys) ? jwks : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Verifies the signature of the ID token in `response`, a token response oauth4webapi has just
 * processed, with `jwks` (the cached set). A key the set lacks (rotation) refetches it once;
 * returns the new set to cache then, else undefined.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
 */
export async function verifyIdTokenSignature(
  as: AuthorizationServer,
  response: Response,
  jwks: JWKS | undefined,
  issuer: URL,
  transport: Transport,
): Promise<JWKS | undefined> {
  // oauth4webapi refetches a set older than 300 s, and refetches for an unknown key only a set at
  // least 60 s old. Ours is renewed with the metadata, so it is given as exactly 60 s old: a user
  // who spent ten minutes on the login page costs no request, an unknown key exactly one.
  const cache: JWKSCacheInput = jwks ? { jwks, uat: Math.floor(now() / 1000) - 60 } : {};
  // A copy, because oauth4webapi also caches per metadata object and drops ours with it after 300 s.
  await validateApplicationLevelSignature({ ...as }, response, { ...requestOptions(issuer, transport), [jwksCache]: cache });
  return cache.jwks === jwks ? undefined : cache.jwks;
}
