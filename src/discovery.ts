import {
  allowInsecureRequests,
  checkProtocol,
  customFetch,
  discoveryRequest,
  JSON_ATTRIBUTE_COMPARISON,
  processDiscoveryResponse,
  type AuthorizationServer,
  type HttpRequestOptions,
  type JWKS,
} from 'oauth4webapi';
import type { ServerClock } from './clock.js';
import { OAuthError, toOAuthError } from './errors.js';
import { isLoopback, now } from './util.js';

/** Server metadata as cached with the session. */
export interface CachedMetadata {
  as: AuthorizationServer;
  /** When it was fetched, ms since the epoch (local clock). */
  fetchedAt: number;
  /** The server's clock minus the local one, in seconds ({@link ServerClock}). */
  skew?: number;
  /** When evidence last confirmed `skew` (ServerClock `at`). */
  skewAt?: number;
  /** The server's JWKS, with `verifyIdTokenSignature`: fetched at login(), so the callback needs no request for it. */
  jwks?: JWKS;
}

/** How the SDK talks to the authorization server; shared by every protocol call. */
export interface Transport {
  fetch: typeof fetch;
  timeoutMs: number;
  /** The server's clock, estimated from its responses. */
  clock: ServerClock;
}

/** Metadata older than this is refetched in the background, never on a page load's critical path. */
export const METADATA_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/**
 * Options every oauth4webapi request takes: our own fetch (captured before any app-level
 * wrapper, so the SDK's requests never go through its own interceptor), a bounded timeout, and
 * plain http only for a loopback issuer.
 */
export function requestOptions(issuer: URL, transport: Transport): HttpRequestOptions<'GET'> & HttpRequestOptions<'POST', URLSearchParams> {
  return {
    [customFetch]: transport.fetch,
    [allowInsecureRequests]: isLoopback(issuer),
    signal: () => AbortSignal.timeout(transport.timeoutMs),
  };
}

export function isStale(metadata: CachedMetadata): boolean {
  return now() - metadata.fetchedAt > METADATA_MAX_AGE_MS;
}

/**
 * Fetches and validates the issuer's metadata from `url` when the app gave one, else from the
 * OpenID discovery URL, and from RFC 8414's when that answers 404. A redirect is followed only
 * within the origin it started on. The error names the URL it tried.
 *
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
 * @see https://www.rfc-editor.org/rfc/rfc8414.html#section-3
 */
export async function fetchMetadata(issuer: URL, transport: Transport, given?: string): Promise<CachedMetadata> {
  // oauth4webapi builds the discovery URLs; the one it asked for is recorded for the messages.
  let url = given ?? issuer.href;
  const discover = (algorithm: 'oidc' | 'oauth2') =>
    discoveryRequest(issuer, {
      ...requestOptions(issuer, transport),
      algorithm,
      // oauth4webapi asks for redirect "manual", which a browser answers with an unreadable response.
      [customFetch]: async (target, init) => {
        url = given ?? target;
        const response = await transport.fetch(url, { ...init, redirect: 'follow' });
        if (response.redirected && new URL(response.url).origin !== new URL(url).origin) {
          throw new OAuthError('invalid_response', `discovery at ${url} redirects to ${response.url}, off its origin; give the "metadata" option instead`);
        }
        return response;
      },
    });
  try {
    let response = await discover('oidc');
    if (response.status === 404 && !given) response = await discover('oauth2');
    return { as: checkEndpoints(await processDiscoveryResponse(issuer, response), issuer, `the discovery document at ${url}`), fetchedAt: now() };
  } catch (err) {
    const served = issuerMismatch(err);
    if (served !== undefined) {
      const configured = issuer.pathname === '/' ? issuer.origin : issuer.href;
      throw new OAuthError(
        'invalid_response',
        `the server at ${url} names its issuer "${served}", but the "issuer" option is "${configured}"; set "issuer" to "${served}" exactly (issuers are compared as strings: localhost is not 127.0.0.1)`,
        { cause: err },
      );
    }
    const error = toOAuthError(err, `discovery at ${url}`);
    if (error.code !== 'invalid_response' || error.message.includes(url)) throw error;
    throw new OAuthError(
      'invalid_response',
      `the discovery document at ${url} is not valid for issuer "${issuer.href}"; check the "issuer" option (${error.message})`,
      { cause: err },
    );
  }
}

/** The issuer a discovery document names, when that is what failed the check against the option. */
function issuerMismatch(err: unknown): string | undefined {
  const { code, cause } = err as { code?: unknown; cause?: { attribute?: unknown; body?: { issuer?: unknown } } };
  return code === JSON_ATTRIBUTE_COMPARISON && cause?.attribute === 'issuer' ? String(cause.body?.issuer) : undefined;
}

// Every metadata URL the SDK navigates to or calls.
const USED_ENDPOINTS = [
  'authorization_endpoint', 'token_endpoint', 'end_session_endpoint', 'revocation_endpoint',
  'pushed_authorization_request_endpoint', 'jwks_uri',
] as const;

/**
 * The name of the first endpoint in `as` that the SDK must not navigate to or call: anything but
 * https, except http on a loopback host when the issuer itself is on loopback. So a `javascript:`
 * URL can never reach `location.assign`, and no request leaves TLS for a public server. The scheme
 * rules are oauth4webapi's own `checkProtocol`, as it applies them to the endpoints it calls.
 */
export function unsafeEndpoint(as: AuthorizationServer, issuer: URL): string | undefined {
  const enforceHttps = !isLoopback(issuer);
  for (const name of USED_ENDPOINTS) {
    const value = as[name];
    if (value === undefined) continue;
    let url: URL;
    try {
      url = new URL(value as string);
      checkProtocol(url, enforceHttps);
    } catch {
      return name;
    }
    // Without enforceHttps oauth4webapi allows http to any host; only a loopback one may have it.
    if (url.protocol === 'http:' && !isLoopback(url)) return name;
  }
  return undefined;
}

/**
 * `as` when it has an authorization and a token endpoint and passes {@link unsafeEndpoint};
 * otherwise an error with `code` that begins with `source`.
 */
export function checkEndpoints(as: AuthorizationServer, issuer: URL, source: string, code = 'invalid_response'): AuthorizationServer {
  const unsafe = unsafeEndpoint(as, issuer);
  if (unsafe || !as.authorization_endpoint || !as.token_endpoint) {
    throw new OAuthError(
      code,
      `${source} needs an "authorization_endpoint" and a "token_endpoint", and every endpoint must use https (http only on loopback for a loopback issuer)${unsafe ? `; "${unsafe}" does not` : ''}`,
    );
  }
  return as;
}

/**
 * The cached metadata when `value` is a record this module wrote for `issuer`: it names that
 * issuer, was not fetched in the future (which would never go stale), and every endpoint passes
 * {@link unsafeEndpoint}. Anything else is ignored, so a tampered cache costs one discovery request.
 */
export function readCachedMetadata(value: unknown, issuer: URL): CachedMetadata | undefined {
  const candidate = value as CachedMetadata | undefined;
  try {
    if (
      typeof candidate?.fetchedAt === 'number' &&
      candidate.fetchedAt <= now() &&
      new URL(candidate.as.issuer).href === issuer.href &&
      typeof candidate.as.authorization_endpoint === 'string' &&
      typeof candidate.as.token_endpoint === 'string' &&
      !unsafeEndpoint(candidate.as, issuer)
    ) {
      return candidate;
    }
  } catch {
    // an unparseable issuer: ignored like any other garbage record
  }
  return undefined;
}
