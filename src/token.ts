import {
  clockSkew,
  getValidatedIdTokenClaims,
  isDPoPNonceError,
  JWT_TIMESTAMP_CHECK,
  ResponseBodyError,
  type OperationProcessingError,
  type Client,
  type DPoPHandle,
  type TokenEndpointResponse,
} from 'oauth4webapi';
import { isCurrent, observeServerTime, type ServerClock } from './clock.js';
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
    // An estimate past its evidence is no better than the local clock (see ESTIMATE_MAX_AGE_MS).
    get [clockSkew]() {
      return isCurrent(transport.clock) ? transport.clock.skew : 0;
    },
  };
}

/** How {@link exchangeTokens} names, signs and checks one request. */
interface ExchangeOptions {
  /** Names the request in errors. */
  action: string;
  dpop?: DPoPHandle;
  /** After a refused proof: a handle signing with a new estimate of the server's clock, if it moved. */
  retakeClock?: () => Promise<DPoPHandle | undefined>;
  /** The clock the ID token's time claims are checked against. */
  clock: ServerClock;
  /** Checks more of the ID token (its signature) in the processed response; rejects to refuse it. */
  checkIdToken?: (processed: Response) => Promise<void>;
}

const isProofRefusal = (err: unknown) => err instanceof ResponseBodyError && err.error === 'invalid_dpop_proof';

/**
 * Sends a token-endpoint request (signed by the handle it is given) and processes its response.
 * Retries once, and only once: when the server asks for a fresh DPoP nonce (RFC 9449 section 8),
 * or refuses a proof and a new estimate of its clock moved (a stock server has no nonces, and a
 * refused proof does not consume the code or the refresh token). An ID token failing only its time
 * checks is checked again against its own `iat`: it was minted just now, so that is the server's
 * clock, and a server's 200 (whose refresh token is already rotated) is never lost to ours.
 */
export async function exchangeTokens(
  send: (dpop: DPoPHandle | undefined) => Promise<Response>,
  process: (response: Response) => Promise<TokenEndpointResponse>,
  options: ExchangeOptions,
): Promise<TokenSet> {
  let dpop = options.dpop;
  // The HTTP response that was processed: oauth4webapi finds the ID token to verify by it.
  let processed!: Response;
  const attempt = async () => {
    processed = await send(dpop);
    const spare = processed.clone();
    try {
      return await process(processed);
    } catch (err) {
      if ((err as OperationProcessingError).code !== JWT_TIMESTAMP_CHECK) throw err;
      const skew = options.clock.skew;
      observeServerTime(options.clock, (err as { cause?: { claims?: { iat?: unknown } } }).cause?.claims?.iat);
      if (options.clock.skew === skew) throw err;
      return process((processed = spare));
    }
  };
  let response: TokenEndpointResponse;
  try {
    response = await attempt();
  } catch (err) {
    const retry = dpop && (isDPoPNonceError(err) || (isProofRefusal(err) && (dpop = await options.retakeClock?.())));
    if (!retry) throw toOAuthError(err, options.action);
    const { status, response: challenge } = err as ResponseBodyError;
    if (isDPoPNonceError(err) && !challenge.headers.get('dpop-nonce')) {
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
  if (response.id_token) await options.checkIdToken?.(processed);
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
