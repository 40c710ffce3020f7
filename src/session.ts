import {
  None,
  processRefreshTokenResponse,
  processRevocationResponse,
  refreshTokenGrantRequest,
  revocationRequest,
  type AuthorizationServer,
  type Client,
  type DPoPHandle,
} from 'oauth4webapi';
import type { ResolvedConfig } from './config.js';
import { requestOptions, type Transport } from './discovery.js';
import { OAuthError, toOAuthError } from './errors.js';
import type { Emitter, LogoutReason } from './events.js';
import type { Store } from './store.js';
import { isPageVisible, openTabChannel, watchPage, withLock, type TabMessage } from './tabs.js';
import { exchangeTokens, type TokenSet } from './token.js';
import { now } from './util.js';

/** The stored session: one IndexedDB record, written in one transaction. */
interface Session extends Omit<TokenSet, 'claims' | 'scope'> {
  v: 1;
  user: Record<string, unknown> | null;
  /** The `state` and `returnTo` of the login that made this session, to recognise its callback URL loaded again. */
  loginState?: string;
  returnTo?: string;
}

/** An access token and the scheme it is sent with. */
export interface AccessToken {
  token: string;
  scheme: 'Bearer' | 'DPoP';
}

/** What the session needs from the client that wires it. */
export interface SessionDeps {
  config: ResolvedConfig;
  store: Store;
  emitter: Emitter;
  transport: Transport;
  /** Server metadata, from the cache when there is one. */
  metadata(): Promise<AuthorizationServer>;
  /** The DPoP handle when `dpop` is on, else undefined. */
  dpop(): Promise<DPoPHandle | undefined>;
}

const SESSION_KEY = 'session';
const MAX_BACKOFF_MS = 60_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

function isSession(value: unknown): value is Session {
  const s = value as Session | undefined;
  return (
    s?.v === 1 &&
    typeof s.accessToken === 'string' &&
    (s.tokenType === 'bearer' || s.tokenType === 'dpop') &&
    Number.isFinite(s.expiresAt) &&
    Number.isFinite(s.lifetimeSeconds) &&
    (s.refreshToken === undefined || typeof s.refreshToken === 'string') &&
    (s.user === null || typeof s.user === 'object')
  );
}

/**
 * The session of one client in this tab: the token in memory for the hot path, refresh under a
 * cross-tab lock, and the tab-to-tab sync. State lives here because it has to: the in-flight
 * refresh, the timers and the memory copy.
 */
export function createSession(deps: SessionDeps) {
  const { config, store, emitter } = deps;
  const client: Client = { client_id: config.clientId };
  const lockName = config.namespace;
  let current: Session | null = null;
  let inflight: Promise<Session> | null = null;
  let failures = 0;
  // True while the memory copy is newer than IndexedDB (a write failed): memory then wins.
  let unsaved = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const channel = openTabChannel(config.namespace, (message) => void onTabMessage(message));
  const stopWatching = watchPage({
    onVisible: () => void resync(),
    onHidden: () => clearTimeout(timer),
    onOnline: () => {
      failures = 0;
      schedule();
    },
  });

  const leewayMs = (s: Session) => Math.min(config.refreshLeewaySeconds, s.lifetimeSeconds / 2) * 1000;
  const isFresh = (s: Session) => now() < s.expiresAt - leewayMs(s);
  const isUsable = (s: Session | null) => s !== null && (s.refreshToken !== undefined || now() < s.expiresAt);

  async function readStored(): Promise<Session | null> {
    const [value] = await store.getMany([SESSION_KEY]);
    if (value === undefined) return null;
    if (isSession(value)) return value;
    // A record we did not write (or an older format): treat as logged out and remove it.
    await store.delMany([SESSION_KEY]).catch(() => undefined);
    return null;
  }

  function adopt(next: Session | null) {
    current = next;
    schedule();
  }

  function endLocally(reason: LogoutReason) {
    const had = current !== null;
    adopt(null);
    if (had) emitter.emit({ type: 'logout', reason });
  }

  /** Refresh ahead of expiry while the tab is visible; hidden tabs never keep a session alive. */
  function schedule() {
    clearTimeout(timer);
    if (!current?.refreshToken || !isPageVisible()) return;
    const due = current.expiresAt - leewayMs(current) - now();
    const backoff = failures ? Math.min(1000 * 2 ** (failures - 1), MAX_BACKOFF_MS) : 0;
    // setTimeout fires at once for delays past 2^31 - 1 ms (about 24.8 days), so long-lived
    // tokens wake up early and re-arm instead of refreshing.
    const delay = Math.min(Math.max(due, backoff, 0), MAX_TIMER_MS);
    const stale = current.accessToken;
    timer = setTimeout(() => {
      if (current?.accessToken !== stale) return;
      if (isFresh(current)) schedule();
      else void refresh(stale).catch(() => undefined);
    }, delay);
  }

  async function onTabMessage(message: TabMessage) {
    if (message.type === 'logout') return endLocally('other_tab');
    await resync();
  }

  /** Re-reads the stored session, in case this tab missed a message while it was hidden. */
  async function resync() {
    if (unsaved) return;
    const stored = await readStored().catch(() => current);
    const wasSignedIn = current !== null;
    if (!stored) return endLocally('other_tab');
    adopt(stored);
    if (!wasSignedIn) emitter.emit({ type: 'login', user: stored.user });
  }

  function refresh(stale: string): Promise<Session> {
    inflight ??= withLock(lockName, () => refreshUnderLock(stale)).finally(() => {
      inflight = null;
    });
    return inflight;
  }

  async function refreshUnderLock(stale: string): Promise<Session> {
    const stored = unsaved ? current : await readStored();
    if (!stored) {
      endLocally('other_tab');
      throw new OAuthError('login_required', 'the session was ended in another tab; call login()');
    }
    // Another tab may have refreshed while this one waited for the lock.
    if (stored.accessToken !== stale && isFresh(stored)) {
      adopt(stored);
      return stored;
    }
    if (!stored.refreshToken) {
      if (now() < stored.expiresAt) return stored;
      await store.delMany([SESSION_KEY]);
      endLocally('expired');
      throw new OAuthError(
        'login_required',
        'the access token expired and the server issued no refresh token; call login(), or ask for scope "offline_access" to stay signed in',
      );
    }
    let tokens: TokenSet;
    try {
      const as = await deps.metadata();
      const dpop = await deps.dpop();
      tokens = await exchangeTokens(
        () =>
          refreshTokenGrantRequest(as, client, None(), stored.refreshToken!, {
            ...requestOptions(config.issuer, deps.transport),
            DPoP: dpop,
            additionalParameters: config.resource.map((resource) => ['resource', resource]),
          }),
        (response) => processRefreshTokenResponse(as, client, response),
        { action: `the refresh at ${as.token_endpoint}`, dpop },
      );
    } catch (err) {
      throw await refreshFailed(toOAuthError(err, 'the refresh'), stored);
    }
    const next: Session = {
      ...stored,
      accessToken: tokens.accessToken,
      tokenType: tokens.tokenType,
      expiresAt: tokens.expiresAt,
      lifetimeSeconds: tokens.lifetimeSeconds,
      refreshToken: tokens.refreshToken ?? stored.refreshToken,
      idToken: tokens.idToken ?? stored.idToken,
      user: tokens.claims ?? stored.user,
    };
    let written = false;
    try {
      if (unsaved) {
        await store.setMany([[SESSION_KEY, next]]);
        written = true;
      } else {
        // Compare-and-set: a logout in another tab while this refresh was in flight must win.
        await store.update(SESSION_KEY, (old) => {
          written = isSession(old) && old.refreshToken === stored.refreshToken;
          return written ? next : old;
        });
      }
      unsaved = false;
    } catch (cause) {
      // The old refresh token is spent at the server, so losing the new one would end the
      // session at the next refresh: keep it in this tab and say so.
      written = true;
      unsaved = true;
      emitter.emit({
        type: 'error',
        error: new OAuthError('storage_unavailable', 'the refreshed session could not be saved to IndexedDB; it is kept in this tab only', { cause }),
      });
    }
    if (!written) {
      endLocally('other_tab');
      throw new OAuthError('login_required', 'the session was ended in another tab during the refresh; call login()');
    }
    failures = 0;
    adopt(next);
    channel.post({ type: 'refresh' });
    emitter.emit({ type: 'refresh', expiresAt: next.expiresAt });
    return next;
  }

  async function refreshFailed(error: OAuthError, stored: Session): Promise<OAuthError> {
    if (error.code === 'invalid_grant') {
      // The server says the grant is over (revoked, expired or a reused refresh token).
      await store
        .update(SESSION_KEY, (old) => (isSession(old) && old.refreshToken === stored.refreshToken ? undefined : old))
        .catch(() => undefined);
      unsaved = false;
      channel.post({ type: 'logout' });
      endLocally('invalid_grant');
      return new OAuthError('login_required', 'the authorization server ended the session (invalid_grant); call login()', {
        description: error.description,
        cause: error,
      });
    }
    // Anything else (network, timeout, 5xx, 429, a misconfigured server) keeps the session.
    failures += 1;
    schedule();
    emitter.emit({ type: 'error', error });
    return error;
  }

  return {
    get isAuthenticated(): boolean {
      return isUsable(current);
    },
    get user(): Record<string, unknown> | null {
      return isUsable(current) ? current!.user : null;
    },
    /** The `state` and `returnTo` of the login that made the current session. */
    get origin(): { loginState?: string; returnTo?: string } {
      return { loginState: current?.loginState, returnTo: current?.returnTo };
    },
    get idToken(): string | undefined {
      return current?.idToken;
    },

    /** Loads the stored session at start-up. */
    async restore(): Promise<void> {
      adopt(await readStored());
    },

    /** Stores the session a login produced and tells the other tabs. */
    async start(tokens: TokenSet, login: { loginState: string; returnTo: string }): Promise<void> {
      const session: Session = {
        v: 1,
        accessToken: tokens.accessToken,
        tokenType: tokens.tokenType,
        expiresAt: tokens.expiresAt,
        lifetimeSeconds: tokens.lifetimeSeconds,
        refreshToken: tokens.refreshToken,
        idToken: tokens.idToken,
        user: tokens.claims ?? null,
        ...login,
      };
      await store.setMany([[SESSION_KEY, session]]);
      failures = 0;
      adopt(session);
      channel.post({ type: 'login' });
      emitter.emit({ type: 'login', user: session.user });
    },

    /**
     * The access token from memory while it has more than the leeway left; otherwise one
     * refresh shared by every caller in this tab and, through the lock, every tab.
     */
    async getAccessToken(): Promise<AccessToken> {
      const session = current;
      if (!session) throw new OAuthError('login_required', 'no session: call login() first');
      if (isFresh(session)) return toAccessToken(session);
      try {
        return toAccessToken(await refresh(session.accessToken));
      } catch (err) {
        // A failed refresh (network, 5xx) does not void a token that is still valid.
        if ((err as OAuthError).retryable && current && now() < current.expiresAt) return toAccessToken(current);
        throw err;
      }
    },

    /** After an API rejected `rejected`: a refresh, unless another call or tab already replaced it. */
    async renewAfterRejection(rejected: string): Promise<AccessToken> {
      if (!current) throw new OAuthError('login_required', 'no session: call login() first');
      if (current.accessToken !== rejected) return toAccessToken(current);
      return toAccessToken(await refresh(rejected));
    },

    /**
     * Ends the session here and in every tab, then revokes the refresh token (RFC 7009). The
     * local state goes first so a slow or failed revocation never keeps anyone signed in.
     */
    async end(reason: LogoutReason): Promise<{ idToken?: string }> {
      const ended = current ?? (await readStored().catch(() => null));
      // A failed delete must not keep the user signed in here: memory and the other tabs go first.
      endLocally(reason);
      unsaved = false;
      await store.delMany([SESSION_KEY]).catch((cause) =>
        emitter.emit({ type: 'error', error: new OAuthError('storage_unavailable', 'the session could not be removed from IndexedDB and may come back on the next reload; clear the site data to be sure', { cause }) }),
      );
      channel.post({ type: 'logout' });
      const token = ended?.refreshToken ?? ended?.accessToken;
      if (token) await revoke(token).catch((err) => emitter.emit({ type: 'error', error: toOAuthError(err, 'the revocation') }));
      return { idToken: ended?.idToken };
    },

    dispose() {
      clearTimeout(timer);
      stopWatching();
      channel.close();
    },
  };

  async function revoke(token: string) {
    const as = await deps.metadata();
    if (!as.revocation_endpoint) {
      throw new OAuthError(
        'revocation_unsupported',
        'the server has no "revocation_endpoint": the refresh token was not revoked and stays valid',
      );
    }
    const response = await revocationRequest(as, client, None(), token, requestOptions(config.issuer, deps.transport));
    await processRevocationResponse(response);
  }
}

function toAccessToken(session: Session): AccessToken {
  return { token: session.accessToken, scheme: session.tokenType === 'dpop' ? 'DPoP' : 'Bearer' };
}

/** The session of one client, as `createSession` returns it. */
export type SessionManager = ReturnType<typeof createSession>;
