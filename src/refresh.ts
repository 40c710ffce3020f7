import {
  None,
  processRefreshTokenResponse,
  processRevocationResponse,
  refreshTokenGrantRequest,
  revocationRequest,
  type Client,
} from 'oauth4webapi';
import type { Audience, ResolvedConfig } from './config.js';
import { requestOptions } from './discovery.js';
import { OAuthError, toOAuthError } from './errors.js';
import type { LogoutReason } from './events.js';
import { who, type ApiToken, type Session, type SessionRecord } from './record.js';
import type { ServerContext } from './server.js';
import { exchangeTokens, type TokenSet } from './token.js';
import { now } from './util.js';

// However short the tokens (expires_in 0 or 1), automatic refreshes are at least this far apart.
export const MIN_REFRESH_INTERVAL_MS = 10_000;

export const issuedAt = (s: ApiToken) => s.expiresAt - s.lifetimeSeconds * 1000;

/** How long before expiry a token is refreshed: the configured leeway, at most half its lifetime. */
export const leewayMs = (s: ApiToken, config: ResolvedConfig) => Math.min(config.refreshLeewaySeconds, s.lifetimeSeconds / 2) * 1000;

/** True while `s` has more than the refresh leeway left. */
export const isFresh = (s: ApiToken, config: ResolvedConfig) => now() < s.expiresAt - leewayMs(s, config);

/** The access token `audience` gets from session `s`: the API's own, or (no audience) the default one. */
export const tokenOf = (s: Session, audience?: Audience): ApiToken | undefined => (audience ? s.apiTokens?.[audience.key] : s);

/** What the refresh needs: the client's settings, the server, and the stored record. */
export interface RefreshContext {
  config: ResolvedConfig;
  server: ServerContext;
  client: Client;
  record: SessionRecord;
  /** The session this tab should hold given what IndexedDB holds (see the session's unsaved copy). */
  newest(stored: Session | null): Session | null;
}

/**
 * What one refresh did. The caller owns the tab's state and applies it: `refreshed` is a new
 * session this refresh wrote (or, `saved: false`, could only keep in memory); `current` is a
 * session another tab stored, to adopt; `ended` means the session is over (`error` is what to
 * throw; `refusal`, the server's own error, for the logout event). `revoke` is a live refresh token
 * nobody holds any more.
 */
export type RefreshOutcome =
  | { type: 'refreshed'; session: Session; replaced: Session; saved: boolean }
  | { type: 'current'; session: Session; revoke?: string }
  | { type: 'ended'; reason: LogoutReason; error: OAuthError; refusal?: OAuthError; revoke?: string };

/** Thrown when the session was ended in another tab. */
export const endedElsewhere = () => new OAuthError('login_required', 'the session was ended in another tab; call login()');

/**
 * Refreshes the access token of `audience` (default: the default token), whose value `stale`
 * has run down (undefined: an API's token not got yet). Runs under the cross-tab lock (the
 * caller takes it), whatever the audience, since every refresh rotates the one refresh token:
 * re-reads the stored record, as another tab may have refreshed already; else presents the
 * refresh token (with the API's `resource` and `scope`, RFC 8707 section 2.2) and writes the
 * rotated refresh token and the new access token together by compare-and-set. Errors that keep
 * the session (network, 5xx, storage) are thrown; the outcome says everything else.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749.html#section-6
 * @see https://www.rfc-editor.org/rfc/rfc8707.html#section-2.2
 */
export async function refreshUnderLock(ctx: RefreshContext, stale: string | undefined, audience?: Audience): Promise<RefreshOutcome> {
  const { config, server, client, record } = ctx;
  // The store fails only with OAuthErrors (storage_unavailable).
  const onDisk = await record.read();
  const stored = ctx.newest(onDisk);
  if (!stored || !onDisk) return { type: 'ended', reason: 'other_tab', error: endedElsewhere() };
  // Another tab may have refreshed while this one waited for the lock (and however short its
  // token's life, a refresh that recent is not repeated).
  const held = tokenOf(stored, audience);
  if (held && held.accessToken !== stale && (isFresh(held, config) || now() < issuedAt(held) + MIN_REFRESH_INTERVAL_MS)) {
    return { type: 'current', session: stored };
  }
  if (audience && !stored.refreshToken) {
    throw new OAuthError(
      'login_required',
      `the server issued no refresh token, so no token of its own can be got for resource "${audience.resource.join(' ')}"; ask for scope "offline_access" and call login()`,
    );
  }
  if (!stored.refreshToken) {
    if (now() < stored.expiresAt) return { type: 'current', session: stored };
    const found = await record.swap(onDisk).catch(() => true as const);
    if (found !== true && found) return { type: 'current', session: found };
    return {
      type: 'ended',
      reason: 'expired',
      error: new OAuthError(
        'login_required',
        'the access token expired and the server issued no refresh token; call login(), or ask for scope "offline_access" to stay signed in',
      ),
    };
  }
  let tokens: TokenSet;
  let sent = false;
  try {
    const as = await server.metadata();
    const dpop = await server.dpop();
    sent = true;
    tokens = await exchangeTokens(
      () =>
        refreshTokenGrantRequest(as, client, None(), stored.refreshToken!, {
          ...requestOptions(config.issuer, server.transport),
          DPoP: dpop,
          additionalParameters: [
            ...(audience ?? config).resource.map((resource) => ['resource', resource]),
            ...(audience?.scope ? [['scope', audience.scope]] : []),
          ],
        }),
      (response) => processRefreshTokenResponse(as, client, response),
      { action: `the refresh at ${as.token_endpoint}`, dpop },
    );
  } catch (err) {
    const error = toOAuthError(err, 'the refresh');
    // Only a network error, a timeout, 5xx and 429 are worth retrying. Any other refusal by the
    // token endpoint (a 4xx: invalid_grant, or a server that says so with another code or no
    // body) ends the session; failures before the request was sent keep it.
    if (!sent || error.retryable || !(error.status! >= 400)) throw error;
    // By compare-and-set: another tab's login since the read is not this refusal's to end.
    const found = await record.swap(onDisk).catch(() => true as const);
    if (found !== true && found) return { type: 'current', session: found };
    return {
      type: 'ended',
      reason: 'invalid_grant',
      error: new OAuthError('login_required', `the authorization server refused the refresh (${error.code}); call login()`, {
        description: error.description,
        cause: error,
      }),
      refusal: error,
    };
  }
  // OIDC Core 12.2: a refreshed ID token must be about the same user.
  if (tokens.claims && stored.user && tokens.claims.sub !== stored.user.sub) {
    const revoke = tokens.refreshToken ?? stored.refreshToken;
    const found = await record.swap(onDisk).catch(() => true as const);
    if (found !== true && found) return { type: 'current', session: found, revoke: who(found) !== who(stored) ? revoke : undefined };
    const error = new OAuthError('invalid_response', 'the refresh returned an ID token with another "sub"; call login()');
    return { type: 'ended', reason: 'invalid_grant', error, refusal: error, revoke };
  }
  const token: ApiToken = {
    accessToken: tokens.accessToken,
    tokenType: tokens.tokenType,
    expiresAt: tokens.expiresAt,
    lifetimeSeconds: tokens.lifetimeSeconds,
  };
  const next: Session = {
    ...stored,
    ...(audience ? { apiTokens: { ...stored.apiTokens, [audience.key]: token } } : token),
    refreshToken: tokens.refreshToken ?? stored.refreshToken,
    idToken: tokens.idToken ?? stored.idToken,
    user: tokens.claims ?? stored.user,
  };
  let found: true | Session | null;
  try {
    found = await record.swap(onDisk, next);
  } catch {
    // The old refresh token is spent at the server, so losing the new one would end the session
    // at the next refresh: the caller keeps it in this tab and says so.
    return { type: 'refreshed', session: next, replaced: onDisk, saved: false };
  }
  if (found === true) return { type: 'refreshed', session: next, replaced: onDisk, saved: true };
  // Another tab logged in while this refresh was in flight: what it stored wins, and the refresh
  // token just issued is dropped. Revoked only when that login is another user's: the same
  // user's login may share the grant, which a revocation would end (see the session's login).
  if (found) return { type: 'current', session: found, revoke: who(found) !== who(next) ? next.refreshToken : undefined };
  // After a logout, the refresh token just issued is live and known to this tab alone.
  return { type: 'ended', reason: 'other_tab', error: endedElsewhere(), revoke: next.refreshToken };
}

/**
 * Revokes `token` (RFC 7009). Rejects with `revocation_unsupported` when the server has no
 * revocation endpoint, since the token then stays valid.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7009.html
 */
export async function revokeToken(server: ServerContext, client: Client, issuer: URL, token: string): Promise<void> {
  const as = await server.metadata();
  if (!as.revocation_endpoint) {
    throw new OAuthError(
      'revocation_unsupported',
      'the server has no "revocation_endpoint": the refresh token was not revoked and stays valid',
    );
  }
  const response = await revocationRequest(as, client, None(), token, requestOptions(issuer, server.transport));
  await processRevocationResponse(response);
}
