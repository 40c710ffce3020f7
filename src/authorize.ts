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
import type { Store } from './store.js';
import { exchangeTokens, publicClient, type TokenSet } from './token.js';
import { now } from './util.js';

/** What `login()` keeps until the callback consumes it. */
interface LoginTransaction {
  codeVerifier: string;
  nonce?: string;
  /** The `max_age` the request carried, so the callback checks `auth_time` against it. */
  maxAge?: number;
  returnTo: string;
  createdAt: number;
}

type PendingLogins = Record<string, LoginTransaction>;

const PENDING_KEY = 'pending-logins';
// A login abandoned on the server's page is forgotten after this long.
const PENDING_MAX_AGE_MS = 60 * 60 * 1000;

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
}

// response_mode would move the code where handleRedirect() does not look (the fragment, a form post).
const PROTOCOL_PARAMS = new Set([
  'client_id', 'redirect_uri', 'response_type', 'response_mode', 'scope', 'state', 'nonce',
  'code_challenge', 'code_challenge_method', 'dpop_jkt', 'resource', 'request', 'request_uri',
]);

function freshOnly(pending: unknown): PendingLogins {
  const fresh: PendingLogins = {};
  if (typeof pending !== 'object' || pending === null) return fresh;
  for (const [state, tx] of Object.entries(pending as PendingLogins)) {
    if (typeof tx?.codeVerifier === 'string' && typeof tx.createdAt === 'number' && now() - tx.createdAt < PENDING_MAX_AGE_MS) {
      fresh[state] = tx;
    }
  }
  return fresh;
}

/**
 * Where pending logins wait out the redirect: IndexedDB, and this tab's sessionStorage when
 * IndexedDB cannot keep them (unavailable, or refusing the write). Never a token.
 */
export interface PendingStores {
  durable: Store;
  tab: Store;
}

/**
 * Builds the authorization request (response_type=code, PKCE S256, state, and a nonce when
 * `openid` is in scope) and saves what the callback will need. Returns the URL to navigate to.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7636.html
 */
export async function beginLogin(
  as: AuthorizationServer,
  config: ResolvedConfig,
  stores: PendingStores,
  options: LoginOptions & { returnTo: string; dpopJkt?: string },
): Promise<URL> {
  const codeVerifier = generateRandomCodeVerifier();
  const state = newState(config);
  const nonce = config.scope.split(' ').includes('openid') ? generateRandomNonce() : undefined;
  const url = new URL(as.authorization_endpoint!);
  for (const [name, value] of Object.entries(options.params ?? {})) {
    if (PROTOCOL_PARAMS.has(name)) {
      throw new OAuthError('invalid_config', `login({ params }) cannot set "${name}"; the SDK sets it itself`);
    }
    url.searchParams.set(name, value);
  }
  url.searchParams.set('client_id', config.clientId);
  url.searchParams.set('redirect_uri', config.redirectUri);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', config.scope);
  url.searchParams.set('state', state);
  url.searchParams.set('code_challenge', await calculatePKCECodeChallenge(codeVerifier));
  url.searchParams.set('code_challenge_method', 'S256');
  if (nonce) url.searchParams.set('nonce', nonce);
  if (options.prompt) url.searchParams.set('prompt', options.prompt);
  if (options.loginHint) url.searchParams.set('login_hint', options.loginHint);
  if (options.dpopJkt) url.searchParams.set('dpop_jkt', options.dpopJkt);
  for (const resource of config.requestedResources) url.searchParams.append('resource', resource);
  const maxAgeParam = url.searchParams.get('max_age');
  const maxAge = maxAgeParam === null ? undefined : Number(maxAgeParam);
  if (maxAge !== undefined && !(Number.isInteger(maxAge) && maxAge >= 0)) {
    throw new OAuthError('invalid_config', `login({ params }) "max_age" must be a whole number of seconds, got "${maxAgeParam}"`);
  }

  const tx: LoginTransaction = { codeVerifier, nonce, maxAge, returnTo: options.returnTo, createdAt: now() };
  const add = (pending: unknown) => ({ ...freshOnly(pending), [state]: tx });
  // A refused write has already been reported by the store; the tab keeps the login instead.
  const kept = await stores.durable.update(PENDING_KEY, add).then(() => stores.durable.persistent, () => false);
  if (!kept) {
    await stores.tab.update(PENDING_KEY, add).catch((cause) => {
      throw new OAuthError('storage_unavailable', 'IndexedDB and sessionStorage are both blocked; allow site data so that the login survives the redirect', { cause });
    });
  }
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
 * response (`code`, `error` or `state`); otherwise null. A well-formed `state` with another
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
  return params.has('code') || params.has('error') || state !== null ? new URLSearchParams(params) : null;
}

/**
 * Removes and returns the saved login for `state`, in one transaction, so a callback URL loaded
 * twice (reload, back button, two tabs) exchanges its code at most once. The tab's copy, if any,
 * is the one: it is only written when IndexedDB could not keep the login.
 */
export async function takePendingLogin(stores: PendingStores, state: string | null): Promise<LoginTransaction | undefined> {
  return (await takeFrom(stores.tab, state).catch(() => undefined)) ?? takeFrom(stores.durable, state);
}

async function takeFrom(store: Store, state: string | null): Promise<LoginTransaction | undefined> {
  let taken: LoginTransaction | undefined;
  await store.update(PENDING_KEY, (pending) => {
    const fresh = freshOnly(pending);
    if (state !== null && Object.hasOwn(fresh, state)) {
      taken = fresh[state];
      delete fresh[state];
    }
    return Object.keys(fresh).length ? fresh : undefined;
  });
  return taken;
}

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
  tx: LoginTransaction,
  dpop?: DPoPHandle,
  retakeClock?: () => Promise<DPoPHandle | undefined>,
  checkIdToken?: (processed: Response) => Promise<void>,
): Promise<TokenSet> {
  const client = publicClient(config.clientId, transport);
  let validated: URLSearchParams;
  try {
    validated = validateAuthResponse(as, client, params, params.get('state') ?? undefined);
  } catch (err) {
    throw toOAuthError(err, 'the login callback');
  }
  const options = requestOptions(config.issuer, transport);
  const additionalParameters = config.resource.map((resource) => ['resource', resource]);
  return exchangeTokens(
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
}
