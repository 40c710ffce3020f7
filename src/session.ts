import type { UserClaims } from './claims.js';
import type { Audience, ResolvedConfig } from './config.js';
import { OAuthError, toOAuthError } from './errors.js';
import type { Emitter, LogoutReason } from './events.js';
import { openSessionRecord, type ApiToken, type Session } from './record.js';
import { isFresh, issuedAt, leewayMs, MIN_REFRESH_INTERVAL_MS, refreshUnderLock, revokeToken, tokenOf, type RefreshOutcome } from './refresh.js';
import type { ServerContext } from './server.js';
import { openStore, type Store } from './store.js';
import { isPageVisible, openTabChannel, watchPage, withLock, type TabMessage } from './tabs.js';
import { publicClient, type TokenSet } from './token.js';
import { now } from './util.js';

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
  server: ServerContext;
}

const MAX_BACKOFF_MS = 60_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Who a session is about: its ID token's issuer and subject. */
const who = (s: Session) => `${s.user?.iss} ${s.user?.sub}`;

/**
 * The session of one client in this tab: the memory copy for the hot path, the refresh timer,
 * and the tab-to-tab sync. State lives here because it has to: the in-flight refresh, the timers
 * and the memory copy. The refresh itself (lock, re-read, grant, compare-and-set) is `refresh.ts`.
 */
export function createSession(deps: SessionDeps) {
  const { config, emitter, server } = deps;
  const client = publicClient(config.clientId, server.transport);
  const lockName = config.namespace;
  const tokenType = config.dpop ? 'dpop' : 'bearer';
  let record = openSessionRecord(deps.store, tokenType);
  let current: Session | null = null;
  // One refresh in flight per audience ('' is the default token's) in this tab.
  const inflight = new Map<string, Promise<Session>>();
  let failures = 0;
  // After a failed write: the access token of the stored record that the memory copy replaced.
  // That record is dead for good (its refresh token is spent): while IndexedDB still holds it,
  // this tab's memory wins, even when that is no session after a logout; anything else stored wins.
  let unsavedOver: string | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let disposed = false;

  const channel = openTabChannel(config.namespace, (message) => void onTabMessage(message));
  const stopWatching = watchPage({
    onVisible: () => void resync(),
    onHidden: () => clearTimeout(timer),
    onOnline: () => {
      failures = 0;
      schedule();
    },
  });

  const isUsable = (s: Session | null) => s !== null && (s.refreshToken !== undefined || now() < s.expiresAt);

  /** The session this tab should hold, given what IndexedDB holds. */
  const newest = (stored: Session | null) => (stored && stored.accessToken === unsavedOver ? current : stored);

  /**
   * Makes `next` this tab's session. A session ending, or passing to another user (`sub` or
   * `iss`), is a `logout`; a session starting or passing to another user is a `login`.
   */
  function adopt(next: Session | null, reason: LogoutReason = 'other_tab', error?: OAuthError, login = false) {
    const previous = current;
    current = next;
    schedule();
    const changed = !previous || !next || who(previous) !== who(next);
    if (previous && changed) emitter.emit({ type: 'logout', reason, error });
    if (next && (changed || login)) emitter.emit({ type: 'login', user: next.user });
  }

  /** Refresh ahead of expiry while the tab is visible; hidden tabs never keep a session alive. */
  function schedule() {
    clearTimeout(timer);
    if (disposed || !current?.refreshToken || !isPageVisible()) return;
    const due = Math.max(current.expiresAt - leewayMs(current, config), issuedAt(current) + MIN_REFRESH_INTERVAL_MS) - now();
    const backoff = failures ? Math.min(1000 * 2 ** (failures - 1), MAX_BACKOFF_MS) : 0;
    // setTimeout fires at once for delays past 2^31 - 1 ms (about 24.8 days), so long-lived
    // tokens wake up early and re-arm instead of refreshing.
    const delay = Math.min(Math.max(due, backoff, 0), MAX_TIMER_MS);
    const stale = current.accessToken;
    timer = setTimeout(() => {
      if (current?.accessToken !== stale) return;
      if (isFresh(current, config)) schedule();
      else void refresh(stale).catch(() => undefined);
    }, delay);
  }

  function onTabMessage(message: TabMessage) {
    return message.type === 'logout' ? adopt(null) : resync();
  }

  /** Re-reads the stored session, in case this tab missed a message while it was hidden. */
  async function resync() {
    adopt(newest(await record.read().catch(() => current)));
  }

  /** The session after refreshing `audience`'s token `stale`, shared by every caller in this tab. */
  function refresh(stale: string | undefined, audience?: Audience): Promise<Session> {
    const key = audience?.key ?? '';
    let running = inflight.get(key);
    if (!running) {
      // Every audience takes the one lock: each refresh rotates the same refresh token.
      running = withLock(lockName, () => refreshUnderLock({ config, server, client, record, newest }, stale, audience), deps.store)
        .then(apply, (err) => Promise.reject(keep(toOAuthError(err, 'the refresh'))))
        .finally(() => inflight.delete(key));
      inflight.set(key, running);
    }
    return running;
  }

  /** `audience`'s token after a refresh; a session another tab's login stored may still lack it. */
  async function refreshed(stale: string | undefined, audience?: Audience): Promise<ApiToken> {
    const token = tokenOf(await refresh(stale, audience), audience);
    return token ?? tokenOf(await refresh(undefined, audience), audience)!;
  }

  /** Makes what a refresh did this tab's state; throws when the session is over. */
  function apply(outcome: RefreshOutcome): Session {
    if (outcome.type === 'current') {
      adopt(outcome.session);
      return outcome.session;
    }
    if (outcome.type === 'ended') {
      if (outcome.revoke) void revokeOrReport(outcome.revoke);
      // A refusal by the server ends the session in every tab; the other endings every tab sees itself.
      if (outcome.reason === 'invalid_grant') channel.post({ type: 'logout' });
      adopt(null, outcome.reason, outcome.refusal);
      throw outcome.error;
    }
    const { session, replaced, saved } = outcome;
    if (!saved) {
      emitter.emit({
        type: 'error',
        error: new OAuthError('storage_unavailable', 'the refreshed session could not be saved to IndexedDB; it is kept in this tab only'),
      });
    }
    failures = 0;
    adopt(session);
    if (!saved) unsavedOver = replaced.accessToken;
    channel.post({ type: 'refresh' });
    emitter.emit({ type: 'refresh', expiresAt: session.expiresAt });
    return session;
  }

  /** Keeps the session after a failed refresh; the timer tries again, backing off. */
  function keep(error: OAuthError): OAuthError {
    failures += 1;
    schedule();
    emitter.emit({ type: 'error', error });
    return error;
  }

  function revokeOrReport(token: string) {
    return revokeToken(server, client, config.issuer, token).catch((err) =>
      emitter.emit({ type: 'error', error: toOAuthError(err, 'the revocation') }),
    );
  }

  return {
    get isAuthenticated(): boolean {
      return isUsable(current);
    },
    get user(): UserClaims | null {
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
      adopt(await record.read());
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
      // Under the refresh lock: a refresh in flight in another tab first stores its rotated
      // token (and sees it stored), then this login replaces that session.
      await withLock(lockName, () => record.write(session), deps.store).catch(() => {
        // IndexedDB refused the write (the store reported it): from now on this session lives in
        // the page's memory, as when IndexedDB cannot be opened.
        record = openSessionRecord(openStore('memory', config.namespace), tokenType);
        return record.write(session);
      });
      failures = 0;
      adopt(session, 'user', undefined, true);
      channel.post({ type: 'login' });
    },

    /**
     * The access token of `audience` (default: the default token) from memory while it has more
     * than the leeway left; otherwise one refresh shared by every caller in this tab and, through
     * the lock, every tab.
     */
    async getAccessToken(audience?: Audience): Promise<AccessToken> {
      if (!current) throw new OAuthError('login_required', 'no session: call login() first');
      const token = tokenOf(current, audience);
      if (token && isFresh(token, config)) return toAccessToken(token);
      try {
        return toAccessToken(await refreshed(token?.accessToken, audience));
      } catch (err) {
        // A failed refresh (network, 5xx) does not void a token that is still valid.
        const still = current && tokenOf(current, audience);
        if ((err as OAuthError).retryable && still && now() < still.expiresAt) return toAccessToken(still);
        throw err;
      }
    },

    /** After an API rejected `rejected`: a refresh, unless another call or tab already replaced it. */
    async renewAfterRejection(rejected: string, audience?: Audience): Promise<AccessToken> {
      if (!current) throw new OAuthError('login_required', 'no session: call login() first');
      const token = tokenOf(current, audience);
      if (token && token.accessToken !== rejected) return toAccessToken(token);
      return toAccessToken(await refreshed(rejected, audience));
    },

    /**
     * Ends the session here and in every tab, then revokes the refresh token (RFC 7009). The
     * local state goes first so a slow or failed revocation never keeps anyone signed in.
     */
    async end(reason: LogoutReason): Promise<{ idToken?: string }> {
      const ended = current ?? (await record.read().catch(() => null));
      // A failed delete must not keep the user signed in here: memory and the other tabs go first.
      adopt(null, reason);
      await record.remove().catch((cause) =>
        emitter.emit({ type: 'error', error: new OAuthError('storage_unavailable', 'the session could not be removed from IndexedDB and may come back on the next reload; clear the site data to be sure', { cause }) }),
      );
      channel.post({ type: 'logout' });
      const token = ended?.refreshToken ?? ended?.accessToken;
      if (token) await revokeOrReport(token);
      return { idToken: ended?.idToken };
    },

    /** Stops the timer, the page listeners and the tab channel for good. */
    dispose() {
      disposed = true;
      clearTimeout(timer);
      stopWatching();
      channel.close();
    },
  };
}

function toAccessToken(token: ApiToken): AccessToken {
  return { token: token.accessToken, scheme: token.tokenType === 'dpop' ? 'DPoP' : 'Bearer' };
}

/** The session of one client, as `createSession` returns it. */
export type SessionManager = ReturnType<typeof createSession>;
