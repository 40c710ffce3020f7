import {
  jwksCache,
  KEY_SELECTION,
  validateApplicationLevelSignature,
  type AuthorizationServer,
  type JWKS,
  type OperationProcessingError,
} from 'oauth4webapi';
import { requestOptions, type Transport } from './discovery.js';
import { OAuthError, toOAuthError } from './errors.js';

// The opt-in check of ID-token signatures (`verifyIdTokenSignature`). Loaded with import() on first
// use, so an app that does not opt in never downloads it.

/**
 * Fetches the server's JWKS (`jwks_uri`). A page can read it only when the server sends CORS
 * headers on it, which many do not: the error says so.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8414.html#section-2
 */
export async function fetchJwks(as: AuthorizationServer, transport: Transport): Promise<JWKS> {
  const uri = as.jwks_uri;
  if (!uri) {
    throw new OAuthError('invalid_config', 'the server metadata has no "jwks_uri", so ID-token signatures cannot be checked; set "verifyIdTokenSignature: false"');
  }
  let response: Response;
  try {
    response = await transport.fetch(uri, {
      headers: { accept: 'application/json, application/jwk-set+json' },
      signal: AbortSignal.timeout(transport.timeoutMs),
    });
  } catch (cause) {
    const error = toOAuthError(cause, `the JWKS request to ${uri}`);
    throw new OAuthError(
      error.code,
      `the JWKS at ${uri} could not be read: the server must allow this page to read it with CORS (Access-Control-Allow-Origin on its "jwks_uri"), or set "verifyIdTokenSignature: false" (${error.message})`,
      { retryable: error.retryable, cause },
    );
  }
  const jwks = response.ok ? ((await response.json().catch(() => undefined)) as JWKS | undefined) : undefined;
  if (!Array.isArray(jwks?.keys)) {
    throw new OAuthError('invalid_response', `the JWKS at ${uri} answered ${response.status} without a JSON Web Key Set`, { status: response.status });
  }
  return jwks;
}

/**
 * Checks the signature of the ID token in `response` (the HTTP response oauth4webapi processed) with a
 * key of `jwks`. A `kid` not in it gets one `refetch` (the server may have rotated its keys); then,
 * as for any bad signature, `invalid_response`.
 */
export async function checkIdTokenSignature(
  as: AuthorizationServer,
  response: Response,
  jwks: JWKS,
  refetch: () => Promise<JWKS>,
  issuer: URL,
  transport: Transport,
): Promise<void> {
  // oauth4webapi caches key sets by metadata object and refetches them on its own schedule; a copy
  // with the given set, dated now, leaves every fetch to the caller (one callback request).
  const validate = (keys: JWKS) =>
    validateApplicationLevelSignature({ ...as }, response, {
      ...requestOptions(issuer, transport),
      [jwksCache]: { jwks: keys, uat: Math.floor(Date.now() / 1000) },
    });
  try {
    try {
      await validate(jwks);
    } catch (err) {
      if ((err as OperationProcessingError).code !== KEY_SELECTION) throw err;
      await validate(await refetch());
    }
  } catch (err) {
    const error = toOAuthError(err, 'the ID token signature check');
    if (error.code !== 'invalid_response') throw error;
    throw new OAuthError('invalid_response', `the ID token's signature does not verify with the server's JWKS (${as.jwks_uri}); nothing was stored`, { cause: err });
  }
}
