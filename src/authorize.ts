import {
  authorizationCodeGrantRequest,
  calculatePKCECodeChallenge,
  generateRandomCodeVerifier,
  generateRandomNonce,
  generateRandomState,
  None,
  processAuthorizationCodeResponse,
  validateAuthResponse,
  type AuthorizationServer,
  type DPoPHandle,
} from 'oauth4webapi';
import type { ResolvedConfig } from './config.js';
import { requestOptions, type Transport } from './discovery.js';
import { OAuthError, toOAuthError } from './errors.js';
import { pushAuthorizationRequest } from './par.js';
import { keepPending, takePending, type PendingStores } from './pending.js';
import { checkAcr } from './stepup.js';
import type { SigninMode } from './relay.js';
import { exchangeTokens, publicClient, type TokenSet } from './token.js';
import { now } from './util.js';

/** What `login()` keeps until the callback consumes it. */
interface LoginTransaction {
  codeVerifier: string;
  nonce?: string;
  /** The `max_age` the request carried, so the callback checks `auth_time` against it. */
  maxAge?: number;
  /** The `acr_values` the request carried, so the callback checks the ID token's `acr` against them. */
  acrValues?: string;
  returnTo: string;
  createdAt: number;
  /** Where the callback lands when not in the page that started the login: a popup, an iframe, a silent redirect. */
  mode?: SigninMode;
}

/** A pending login taken for its callback, with the `state` it was saved under (the expected one). */
type TakenLogin = LoginTransaction & { state: string };

const isLogin = (tx: LoginTransaction) => typeof tx.codeVerifier === 'string';

/** Options of `client.login()`. */
export interface LoginOptions {
  /** A same-origin path to return to after login (default: the current path). Anything else becomes `'/'`. */
  returnTo?: string;
  /** OIDC `prompt`, e.g. `'login'` or `'consent'` (default: none). */
  prompt?: string;
  /** OIDC `login_hint`, e.g. the user's e-mail (default: none). */
  loginHint?: string;
  /** Extra authorization request parameters (default: none). They cannot override the protocol ones. */
  params?: Record<string, string>;
  /**
   * Space-separated Authentication Context Class References to ask for, e.g. `'gold'` (OIDC
   * `acr_values`, RFC 9470; default: none). The ID token's `acr` must be one of them.
   */
  acrValues?: string;
  /** The most seconds since the user last authenticated (OIDC `max_age`; default: none); `0` asks to log in again. */
  maxAge?: number;
}

// response_mode would move the code where handleRedirect() does not look (the fragment, a form post).
const PROTOCOL_PARAMS = new Set([
  'client_id', 'redirect_uri', 'response_type', 'response_mode', 'scope', 'state', 'nonce',
  'code_challenge', 'code_challenge_method', 'dpop_jkt', 'resource', 'request', 'request_uri',
]);

/**
 * Whether the login pushes its parameters first: as the server requires by default, always with
 * `par: true`, never with `par: false`. `invalid_config` when the choice cannot work with this server.
 */
export function usesPar(as: AuthorizationServer, config: ResolvedConfig): boolean {
  const required = as.require_pushed_authorization_requests === true;
  if (config.par === false && required) {
    throw new OAuthError('invalid_config', `option "par" is false, but ${as.issuer} requires pushed authorization requests; remove "par: false"`);
  }
  if (config.par && !as.pushed_authorization_request_endpoint) {
    throw new OAuthError('invalid_config', `option "par" is true, but ${as.issuer} has no "pushed_authorization_request_endpoint"; remove "par: true" or enable PAR at the server`);
  }
  return config.par ?? required;
}

/** What the one login builder needs besides the app's {@link LoginOptions}. */
export interface LoginRequest extends LoginOptions {
  returnTo: string;
  /** The DPoP key's thumbprint, named in the request (`dpop_jkt`) so the code is bound to it. */
  dpopJkt?: string;
  /** How a pushed request (PAR) reaches the server, and the key whose proof it carries. */
  transport: Transport;
  dpop?: DPoPHandle;
  /** Where the callback lands when not in the page that started the login. */
  mode?: SigninMode;
}

/** The authorization request's parameters: the app's extra ones, then the protocol's, which it cannot override. */
function authorizationParams(config: ResolvedConfig, options: LoginRequest, fixed: Record<string, string | undefined>): URLSearchParams {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(options.params ?? {})) {
    if (PROTOCOL_PARAMS.has(name)) {
      throw new OAuthError('invalid_config', `login({ params }) cannot set "${name}"; the SDK sets it itself`);
    }
    params.set(name, value);
  }
  if (options.acrValues !== undefined) {
    if (typeof options.acrValues !== 'string' || !options.acrValues.trim()) {
      throw new OAuthError('invalid_config', 'login({ acrValues }) must be a space-separated string of ACR values, e.g. "gold"');
    }
    params.set('acr_values', options.acrValues.trim().split(/\s+/).join(' '));
  }
  if (options.maxAge !== undefined) params.set('max_age', String(options.maxAge));
  const all: Record<string, string | undefined> = {
    client_id: config.clientId,
    redirect_uri: config.redirectUri,
    response_type: 'code',
    scope: config.scope,
    code_challenge_method: 'S256',
    prompt: options.prompt,
    login_hint: options.loginHint,
    dpop_jkt: options.dpopJkt,
    ...fixed,
  };
  for (const [name, value] of Object.entries(all)) if (value) params.set(name, value);
  for (const resource of config.requestedResources) params.append('resource', resource);
  return params;
}

/**
 * Builds the authorization request (response_type=code, PKCE S256, state, and a nonce when
 * `openid` is in scope; `acr_values` and `max_age` for a step-up), pushes it first when PAR is on,
 * and saves what the callback will need. Returns the URL to navigate to.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7636.html
 * @see https://www.rfc-editor.org/rfc/rfc9470.html#section-4
 */
export async function beginLogin(
  as: AuthorizationServer,
  config: ResolvedConfig,
  stores: PendingStores,
  options: LoginRequest,
): Promise<URL> {
  const codeVerifier = generateRandomCodeVerifier();
  const state = newState(config);
  const nonce = config.scope.split(' ').includes('openid') ? generateRandomNonce() : undefined;
  const params = authorizationParams(config, options, {
    state,
    nonce,
    code_challenge: await calculatePKCECodeChallenge(codeVerifier),
  });
  const maxAgeParam = params.get('max_age');
  const maxAge = maxAgeParam === null ? undefined : Number(maxAgeParam);
  if (maxAge !== undefined && !(Number.isInteger(maxAge) && maxAge >= 0)) {
    throw new OAuthError('invalid_config', `login({ maxAge }) or "max_age" in params must be a whole number of seconds, got "${maxAgeParam}"`);
  }
  let url = new URL(as.authorization_endpoint!);
  if (usesPar(as, config)) {
    url = await pushAuthorizationRequest(as, config, options.transport, params, options.dpop);
  } else {
    for (const [name, value] of params) url.searchParams.append(name, value);
  }

  const tx: LoginTransaction = {
    codeVerifier,
    nonce,
    maxAge,
    acrValues: params.get('acr_values') ?? undefined,
    returnTo: options.returnTo,
    createdAt: now(),
    mode: options.mode,
  };
  await keepPending(stores, 'login', state, tx, isLogin);
  return url;
}

// Each client's state tag, by namespace; computed once, at createOAuthClient().
const tags = new Map<string, string>();

/**
 * Computes the tag of the client (issuer and client ID) that starts every `state` it issues, so
 * that clients sharing a redirect URI each know their own callbacks without reading storage:
 * 128 bits of SHA-256, so that two clients never share one.
 */
export async function loadStateTag(config: ResolvedConfig): Promise<void> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(config.namespace)));
  tags.set(config.namespace, btoa(String.fromCharCode(...digest.subarray(0, 16))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''));
}

/** A state this SDK issues: a 22-character tag (128 bits), a dot, and oauth4webapi's 43-character random state. */
const TAGGED_STATE = /^([\w-]{22})\.[\w-]{43}$/;

/** A fresh `state`, tagged as this client's so that a client sharing the redirect URI leaves it alone. */
export const newState = (config: ResolvedConfig): string => `${tags.get(config.namespace)}.${generateRandomState()}`;

/**
 * The callback parameters when `url` is this client's redirect URI carrying an authorization
 * response (`code` or `error`); otherwise null. A well-formed `state` with another
 * client's tag is that client's callback: null too. A `state` of no tagged shape was not issued
 * by any client of this SDK (tampered with): it is returned, to be refused.
 */
export function readCallback(url: URL, config: ResolvedConfig): URLSearchParams | null {
  const redirect = new URL(config.redirectUri);
  if (url.origin !== redirect.origin || url.pathname !== redirect.pathname) return null;
  const params = url.searchParams;
  const state = params.get('state');
  const tag = state === null ? undefined : TAGGED_STATE.exec(state)?.[1];
  if (tag !== undefined && tag !== tags.get(config.namespace)) return null;
  return params.has('code') || params.has('error') ? new URLSearchParams(params) : null;
}

/**
 * The parameters of a URL anywhere on this origin that carries this client's `state` and no
 * `code` or `error`: the server's logout sending the browser back; otherwise null.
 */
export function readLogoutReturn(url: URL, config: ResolvedConfig): URLSearchParams | null {
  const state = url.searchParams.get('state');
  if (state === null || url.searchParams.has('code') || url.searchParams.has('error') || url.origin !== location.origin) return null;
  return TAGGED_STATE.exec(state)?.[1] === tags.get(config.namespace) ? new URLSearchParams(url.searchParams) : null;
}

/** Removes and returns the saved login for `state`: a callback exchanges its code at most once. */
export const takePendingLogin = (stores: PendingStores, state: string | null): Promise<TakenLogin | undefined> =>
  takePending(stores, 'login', state, isLogin);

/**
 * Validates the authorization response (state, RFC 9207 `iss`, error responses), exchanges the
 * code and validates the ID token (OIDC Core 3.1.3.7: iss, aud, exp, iat, nonce).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9207.html
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
 */
export async function completeLogin(
  as: AuthorizationServer,
  config: ResolvedConfig,
  transport: Transport,
  params: URLSearchParams,
  tx: TakenLogin,
  dpop?: DPoPHandle,
  retakeClock?: () => Promise<DPoPHandle | undefined>,
  checkIdToken?: (processed: Response) => Promise<void>,
): Promise<TokenSet> {
  const client = publicClient(config.clientId, transport);
  let validated: URLSearchParams;
  try {
    validated = validateAuthResponse(as, client, params, tx.state);
  } catch (err) {
    throw toOAuthError(err, 'the login callback');
  }
  const options = requestOptions(config.issuer, transport);
  const additionalParameters = config.resource.map((resource) => ['resource', resource]);
  const tokens = await exchangeTokens(
    (proofs) =>
      authorizationCodeGrantRequest(as, client, None(), validated, config.redirectUri, tx.codeVerifier, {
        ...options,
        DPoP: proofs,
        additionalParameters,
      }),
    (response) =>
      processAuthorizationCodeResponse(as, client, response, {
        expectedNonce: tx.nonce,
        maxAge: tx.maxAge,
        requireIdToken: tx.nonce !== undefined,
      }),
    { action: `the code exchange at ${as.token_endpoint}`, dpop, retakeClock, clock: transport.clock, checkIdToken },
  );
  checkAcr(tokens.claims, tx.acrValues);
  return tokens;
}
