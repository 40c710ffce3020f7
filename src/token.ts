import {
  clockSkew,
  getValidatedIdTokenClaims,
  isDPoPNonceError,
  type Client,
  type DPoPHandle,
  type ResponseBodyError,
  type TokenEndpointResponse,
} from 'oauth4webapi';
import type { Transport } from './discovery.js';
import type { UserClaims } from './claims.js';
import { OAuthError, toOAuthError } from './errors.js';
import { now } from './util.js';

/** Tokens from one token-endpoint response, with the expiry fixed against the local clock. */
export interface TokenSet {
  accessToken: string;
  tokenType: 'bearer' | 'dpop';
  /** When the access token expires, ms since the epoch on this machine's clock. */
  expiresAt: number;
  /** The lifetime the server gave (`expires_in`), in seconds. */
  lifetimeSeconds: number;
  refreshToken?: string;
  idToken?: string;
  /** Validated ID token claims, when the response had an ID token. */
  claims?: UserClaims;
  scope?: string;
}

// A server that omits expires_in (RFC 6749 makes it optional) is assumed to issue one-hour
// tokens; an API's 401 still triggers a refresh if that guess is wrong.
const DEFAULT_LIFETIME_SECONDS = 3600;

/** The oauth4webapi client: public, and checking times against the server's clock. */
export function publicClient(clientId: string, transport: Transport): Client {
  return {
    client_id: clientId,
    get [clockSkew]() {
      return transport.clock.skew;
    },
  };
}

/** How {@link exchangeTokens} names, signs and checks one request. */
interface ExchangeOptions {
  /** Names the request in errors. */
  action: string;
  dpop?: DPoPHandle;
}

/**
 * Sends a token-endpoint request and processes its response, retrying once, and only once, when
 * the server asks for a fresh DPoP nonce (RFC 9449 section 8).
 */
export async function exchangeTokens(
  send: () => Promise<Response>,
  process: (response: Response) => Promise<TokenEndpointResponse>,
  options: ExchangeOptions,
): Promise<TokenSet> {
  const attempt = async () => process(await send());
  let response: TokenEndpointResponse;
  try {
    response = await attempt();
  } catch (err) {
    if (!options.dpop || !isDPoPNonceError(err)) throw toOAuthError(err, options.action);
    const { status, response: challenge } = err as ResponseBodyError;
    if (!challenge.headers.get('dpop-nonce')) {
      throw new OAuthError(
        'use_dpop_nonce',
        `${options.action} asked for a DPoP nonce, but the server does not expose "DPoP-Nonce" to the browser (CORS "Access-Control-Expose-Headers")`,
        { status, cause: err },
      );
    }
    try {
      response = await attempt();
    } catch (retryErr) {
      throw toOAuthError(retryErr, options.action);
    }
  }
  return toTokenSet(response, options);
}

function toTokenSet(response: TokenEndpointResponse, options: ExchangeOptions): TokenSet {
  // oauth4webapi has lower-cased token_type and rejected anything but "bearer" and "dpop".
  const tokenType = response.token_type as 'bearer' | 'dpop';
  if (options.dpop && tokenType !== 'dpop') {
    throw new OAuthError(
      'dpop_not_supported',
      `${options.action} returned a "${tokenType}" token although DPoP was asked for; enable DPoP at the authorization server or set "dpop: false"`,
    );
  }
  const lifetimeSeconds = response.expires_in ?? DEFAULT_LIFETIME_SECONDS;
  return {
    accessToken: response.access_token,
    tokenType,
    expiresAt: now() + lifetimeSeconds * 1000,
    lifetimeSeconds,
    refreshToken: response.refresh_token,
    idToken: response.id_token,
    claims: getValidatedIdTokenClaims(response) as UserClaims | undefined,
    scope: response.scope,
  };
}
