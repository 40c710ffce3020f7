import type { AuthorizationServer, DPoPHandle } from 'oauth4webapi';
import { beginLogin, completeLogin, newState, readCallback, takePendingLogin, type LoginOptions, type PendingStores } from './authorize.js';
import type { UserClaims } from './claims.js';
import { clockedFetch, observeServerTime, type ServerClock } from './clock.js';
import { resolveConfig, type OAuthClientOptions } from './config.js';
import { fetchMetadata, isStale, readCachedMetadata, type CachedMetadata, type Transport } from './discovery.js';
import { createDpopHandle, deleteDpopKeys, loadDpopKeys, type DpopKeys } from './dpop.js';
import { OAuthError, toOAuthError } from './errors.js';
import { createEmitter, type OAuthEventListener } from './events.js';
import { createAuthorizedFetch } from './fetch.js';
import { createSession } from './session.js';
import { openStore } from './store.js';
import { sameOriginPath } from './util.js';

/** Options of `client.logout()`. */
export interface LogoutOptions {
  /** Where the server should send the user afterwards; must be registered there (default: `postLogoutRedirectUri`). */
  returnTo?: string;
  /** Only end the session in this browser, without the redirect to the server's logout (default: false). */
  localOnly?: boolean;
  /** Extra end-session request parameters, e.g. `ui_locales` (default: none). The protocol ones the SDK sets win. */
  params?: Record<string, string>;
}

/** What `handleRedirect()` returns after a login callback. */
export interface RedirectResult {
  /** The same-origin path `login()` was asked to return to. */
  returnTo: string;
}

/** A signed-in (or not) client, as `createOAuthClient` returns it. */
export interface Client<Claims extends UserClaims = UserClaims> {
  /** True while there is a session with a valid access token or a refresh token. */
  readonly isAuthenticated: boolean;
  /** The ID token claims of the signed-in user, or null. */
  readonly user: Claims | null;
  /** Navigates to the authorization server's login page. */
  login(options?: LoginOptions): Promise<void>;
  /**
   * Completes a login when `url` is this client's callback; null when it is not (a callback whose
   * `state` another client issued is left alone, address bar included). Called again for the same
   * URL in this page, also with the default URL after the address bar was cleaned, it returns the
   * same result without a second code exchange.
   */
  handleRedirect(url?: string): Promise<RedirectResult | null>;
  /** A valid access token; refreshes when needed. Rejects with `login_required` without a session. */
  getAccessToken(): Promise<string>;
  /** Ends the session in every tab, revokes the refresh token, then the server's logout unless `localOnly`. */
  logout(options?: LogoutOptions): Promise<void>;
  /** `fetch` that adds the token for `apiOrigins` only. */
  fetch: typeof fetch;
  /** Wraps another `fetch` the same way (default: `globalThis.fetch`). */
  wrapFetch(fetchImpl?: typeof fetch): typeof fetch;
  /** Listens to `login`, `logout`, `refresh` and `error` events; returns the unsubscribe function. */
  subscribe(listener: OAuthEventListener): () => void;
  /** Closes the tab channel, timers and page listeners; every later call rejects with `client_disposed`. */
  dispose(): void;
}

const METADATA_KEY = 'metadata';

/**
 * Creates a client and restores its stored session. A returning user whose access token is still
 * valid costs no network request: the server metadata is cached with the session. Outside a
 * browser (server-side rendering) it rejects with `unsupported_environment` and opens nothing.
 * `Claims` adds or narrows claims of `user`, e.g. `createOAuthClient<{ roles: string[] }>()`.
 */
export function createOAuthClient<Claims extends object = UserClaims>(options: OAuthClientOptions): Promise<Client<UserClaims & Claims>> {
  if (typeof document === 'undefined') {
    const rejected = Promise.reject(
      new OAuthError('unsupported_environment', 'create the client in the browser (e.g. in an effect), not during server-side rendering'),
    );
    // A server render creates the client at module scope and never awaits it: that is no crash.
    rejected.catch(() => undefined);
    return rejected;
  }
  // The claims are whatever the server signed; the app states what it expects of them.
  return create(options) as Promise<Client<UserClaims & Claims>>;
}

async function create(options: OAuthClientOptions): Promise<Client> {
  const config = resolveConfig(options);
  // Captured now, before the app may replace globalThis.fetch with a wrapped one.
  const baseFetch: typeof fetch = globalThis.fetch.bind(globalThis);
  const clock: ServerClock = { skew: 0 };
  const transport: Transport = {
    fetch: clockedFetch(baseFetch, clock, () => void saveMetadata()),
    timeoutMs: config.requestTimeoutMs,
    clock,
  };
  const emitter = createEmitter();
  // Deferred so that a listener subscribed right after creation still hears it.
  const reportUnavailable = (error: OAuthError) => setTimeout(() => emitter.emit({ type: 'error', error }));
  // Pending logins, server metadata and the DPoP key must survive the login redirect even with
  // storage 'memory'; without IndexedDB, the pending login waits in this tab's sessionStorage.
  const durable = openStore('indexeddb', config.namespace, reportUnavailable);
  const store = config.storage === 'memory' ? openStore('memory', config.namespace) : durable;
  const pending: PendingStores = { durable, tab: openStore('tab', config.namespace) };

  let metadata: CachedMetadata | undefined;
  let metadataRequest: Promise<CachedMetadata> | undefined;
  // The server's clock is kept with its metadata. A refused write has been reported by
  // the store, and costs no more than fetching them again on another page.
  function saveMetadata(): Promise<unknown> | undefined {
    return metadata && durable.setMany([[METADATA_KEY, { ...metadata, skew: clock.skew }]]).catch(() => undefined);
  }
  async function refetchMetadata(): Promise<CachedMetadata> {
    metadataRequest ??= fetchMetadata(config.issuer, transport, config.discoveryUrl)
      .then(async (fetched) => {
        metadata = fetched;
        await saveMetadata();
        return fetched;
      })
      .finally(() => {
        metadataRequest = undefined;
      });
    return metadataRequest;
  }
  async function serverMetadata(): Promise<AuthorizationServer> {
    if (!metadata) return (await refetchMetadata()).as;
    if (isStale(metadata)) void refetchMetadata().catch(() => undefined);
    return metadata.as;
  }

  let dpopKeys: DpopKeys | undefined;
  let dpopHandle: DPoPHandle | undefined;
  let handleSkew = 0;
  async function dpop(create = false): Promise<DPoPHandle | undefined> {
    if (!config.dpop) return undefined;
    dpopKeys ??= await loadDpopKeys(durable, config.namespace, create);
    // Proofs carry the server's time, fixed when the handle is made: a moved clock makes a new one.
    if (dpopKeys && (!dpopHandle || handleSkew !== clock.skew)) {
      handleSkew = clock.skew;
      dpopHandle = createDpopHandle(dpopKeys.keys, handleSkew);
    }
    return dpopHandle;
  }
  // Another tab's logout replaces the key pair, so forget the one held here.
  emitter.subscribe((event) => {
    if (event.type === 'logout') dpopKeys = dpopHandle = undefined;
  });

  const session = createSession({ config, store, emitter, transport, metadata: serverMetadata, dpop: () => dpop() });
  const [[cached]] = await Promise.all([durable.getMany([METADATA_KEY]), session.restore()]);
  // Metadata the app gave is never fetched, cached or stale.
  metadata = config.metadata ? { as: config.metadata, fetchedAt: Infinity } : readCachedMetadata(cached, config.issuer);
  // Kept with the metadata, also when the app gave the metadata (such a record is never read as metadata).
  clock.skew = Number((cached as CachedMetadata | undefined)?.skew) || 0;

  let disposed = false;
  const live = () => {
    if (disposed) throw new OAuthError('client_disposed', 'this client was disposed; create a new one');
  };

  const tokenSource = {
    async getAccessToken() {
      live();
      return session.getAccessToken();
    },
    renewAfterRejection: (rejected: string) => session.renewAfterRejection(rejected),
    dpop: () => dpop(),
  };
  const wrapFetch = (fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis)) =>
    createAuthorizedFetch(config.apiOrigins, tokenSource, fetchImpl);

  /** Removes the callback parameters from the address bar when it shows `url`; returns the clean URL. */
  function cleanAddressBar(url: URL): string | undefined {
    if (url.href !== location.href) return;
    const clean = new URL(url);
    for (const name of ['code', 'state', 'iss', 'error', 'error_description', 'error_uri', 'session_state']) {
      clean.searchParams.delete(name);
    }
    history.replaceState(history.state, '', clean.href);
    return clean.href;
  }

  // Each callback this page handled, by its URL and by the cleaned URL, so that a second call
  // (React StrictMode runs effects twice) shares the first one's result and code exchange.
  const redirects = new Map<string, Promise<RedirectResult>>();

  async function completeRedirect(params: URLSearchParams): Promise<RedirectResult> {
    const state = params.get('state');
    const tx = await takePendingLogin(pending, state);
    if (!tx) {
      // The same callback URL again (reload, back button) after it already signed the user in.
      if (state !== null && session.isAuthenticated && session.origin.loginState === state) {
        return { returnTo: sameOriginPath(session.origin.returnTo, location.origin) };
      }
      throw new OAuthError(
        'state_mismatch',
        'the "state" in the callback URL does not match a login started by this app; start the login again with login()',
      );
    }
    const as = await serverMetadata();
    const tokens = await completeLogin(as, config, transport, params, tx, await dpop(true));
    // The ID token was minted just now: its iat is the server's clock, readable even when CORS hides Date.
    if (observeServerTime(clock, tokens.claims?.iat)) await saveMetadata();
    const returnTo = sameOriginPath(tx.returnTo, location.origin);
    await session.start(tokens, { loginState: state!, returnTo });
    return { returnTo };
  }

  return {
    get isAuthenticated() {
      return session.isAuthenticated;
    },
    get user() {
      return session.user;
    },

    async login(loginOptions: LoginOptions = {}) {
      live();
      const as = await serverMetadata();
      const handle = await dpop(true);
      const url = await beginLogin(as, config, pending, {
        ...loginOptions,
        returnTo: sameOriginPath(loginOptions.returnTo ?? location.pathname + location.search + location.hash, location.origin),
        // A key that cannot outlive the redirect (no IndexedDB) is not named: the callback binds
        // the tokens to a key of its own, and the code stays protected by PKCE.
        dpopJkt: dpopKeys?.kept ? await handle?.calculateThumbprint() : undefined,
      });
      location.assign(url.href);
    },

    async handleRedirect(href = location.href) {
      live();
      const url = new URL(href, location.href);
      const known = redirects.get(url.href);
      if (known) return known;
      const params = readCallback(url, config);
      if (!params) return null;
      // A lone state is the server's logout sending the browser back, not a login callback.
      if (!params.has('code') && !params.has('error')) {
        cleanAddressBar(url);
        return null;
      }
      const result = completeRedirect(params);
      redirects.set(url.href, result).set(cleanAddressBar(url) ?? url.href, result);
      return result;
    },

    async getAccessToken() {
      return (await tokenSource.getAccessToken()).token;
    },

    async logout(logoutOptions: LogoutOptions = {}) {
      live();
      const { idToken } = await session.end('user');
      if (config.dpop) {
        dpopKeys = dpopHandle = undefined;
        await deleteDpopKeys(durable);
      }
      if (logoutOptions.localOnly) return;
      let as: AuthorizationServer;
      try {
        as = await serverMetadata();
      } catch (err) {
        emitter.emit({ type: 'error', error: toOAuthError(err, 'the logout redirect') });
        return;
      }
      if (!as.end_session_endpoint) return;
      const url = new URL(as.end_session_endpoint);
      // Set first, so the protocol parameters below always win.
      for (const [name, value] of Object.entries(logoutOptions.params ?? {})) url.searchParams.set(name, value);
      // Some servers (Glewlwyd) only send the browser back when the request carries a state.
      url.searchParams.set('state', newState(config));
      url.searchParams.set('client_id', config.clientId);
      if (idToken) url.searchParams.set('id_token_hint', idToken);
      const returnTo = logoutOptions.returnTo ?? config.postLogoutRedirectUri;
      if (returnTo) url.searchParams.set('post_logout_redirect_uri', new URL(returnTo, location.href).href);
      location.assign(url.href);
    },

    fetch: wrapFetch(baseFetch),
    wrapFetch,
    subscribe: (listener) => emitter.subscribe(listener),
    dispose() {
      disposed = true;
      session.dispose();
    },
  };
}
