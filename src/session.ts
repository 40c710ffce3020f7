import type { UserClaims } from './claims.js';
import type { Audience, ResolvedConfig } from './config.js';
import { OAuthError, toOAuthError } from './errors.js';
import type { Emitter, LogoutReason } from './events.js';
import { newSession, openSessionRecord, who, type ApiToken, type Session, type SessionRecord } from './record.js';
import { isFresh, refreshUnderLock, revokeToken, tokenOf, type RefreshOutcome } from './refresh.js';
import type { ServerContext } from './server.js';
import { openStore, type Store } from './store.js';
import { createTabCopy, type TabCopy } from './tab-copy.js';
import { withLock } from './tabs.js';
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

const isUsable = (s: Session | null) => s !== null && (s.refreshToken !== undefined || now() < s.expiresAt);

/**
 * The session of one client: starting it, handing out tokens (one refresh in flight per
 * audience in this tab, one across tabs through the lock), and ending it. This tab's copy of the
 * session (memory, timer, tab sync) is `tab-copy.ts`; the refresh itself is `refresh.ts`.
 */
export function createSession(deps: SessionDeps) {
  const { config, emitter, server } = deps;
  const client = publicClient(config.clientId, server.transport);
  const lockName = config.namespace;
  const tokenType = config.dpop ? 'dpop' : 'bearer';
  let record = openSessionRecord(deps.store, tokenType);
  // One refresh in flight per audience ('' is the default token's) in this tab.
  const inflight = new Map<string, Promise<Session>>();
  // By audience key: the token a refresh after an API's 401 produced, and the last one reported refused.
  const renewedAfterRejection = new Map<string, string>();
  let reportedRejection: string | undefined;
  // A login this tab made while IndexedDB was too slow to answer (store.ts) lives in memory only.
  let startedInMemory = false;
  const copy = createTabCopy({ config, emitter, record: () => record, onDue: (stale) => void refresh(stale).catch(() => undefined) });

  /** The session after refreshing `audience`'s token `stale`, shared by every caller in this tab. */
  function refresh(stale: string | undefined, audience?: Audience): Promise<Session> {
    const key = audience?.key ?? '';
    let running = inflight.get(key);
    if (!running) {
      // Every audience takes the one lock: each refresh rotates the same refresh token.
      running = withLock(lockName, () => refreshUnderLock({ config, server, client, record, newest: copy.newest }, stale, audience), deps.store)
        .then((outcome) => applyOutcome(outcome, copy, emitter, revokeOrReport), (err) => {
          // The session is kept after a failed refresh; the timer tries again, backing off.
          const error = toOAuthError(err, 'the refresh');
          copy.failed();
          emitter.emit({ type: 'error', error });
          throw error;
        })
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

  function revokeOrReport(token: string) {
    return revokeToken(server, client, config.issuer, token).catch((err) =>
      emitter.emit({ type: 'error', error: toOAuthError(err, 'the revocation') }),
    );
  }

  function signedIn(): Session {
    if (!copy.current) throw new OAuthError('login_required', 'no session: call login() first');
    return copy.current;
  }

  return {
    get isAuthenticated(): boolean {
      return isUsable(copy.current);
    },
    get user(): UserClaims | null {
      return isUsable(copy.current) ? copy.current!.user : null;
    },
    /** The `state` and `returnTo` of the login that made the current session. */
    get origin(): { loginState?: string; returnTo?: string } {
      return { loginState: copy.current?.loginState, returnTo: copy.current?.returnTo };
    },
    get idToken(): string | undefined {
      return copy.current?.idToken;
    },

    /** Loads the stored session at start-up. */
    async restore(): Promise<void> {
      copy.adopt(await record.read());
    },

    /**
     * IndexedDB answered after all, late: this tab takes the session stored there, hidden until
     * now, unless it logged in (or out) meanwhile; then what it holds replaces what is stored.
     * True when this tab kept its own.
     */
    async reload(): Promise<boolean> {
      if (!startedInMemory) {
        copy.adopt(await record.read());
        return false;
      }
      const mine = copy.current;
      await withLock(lockName, async () => void (mine ? await record.replace(mine) : await record.remove()), deps.store);
      copy.post({ type: mine ? 'login' : 'logout' });
      return true;
    },

    /**
     * Stores the session a login produces and tells the other tabs. `tokens` is the code exchange,
     * already under way: the refresh lock is requested meanwhile, so its wait overlaps the request.
     */
    async start(tokens: Promise<TokenSet>, login: { loginState: string; returnTo: string }): Promise<void> {
      // A failed exchange is thrown under the lock; until the lock is granted it is not unhandled.
      tokens.catch(() => undefined);
      // Under the refresh lock: a refresh in flight in another tab first stores its rotated
      // token (and sees it stored), then this login replaces that session.
      const { session, replaced } = await withLock(lockName, async () => {
        const session = newSession(await tokens, login);
        const replaced = await record.replace(session).catch(async () => {
          // IndexedDB refused the write (the store reported it): from now on this session lives
          // in the page's memory, as when IndexedDB cannot be opened. The previous session must
          // not outlive this login, in the other tabs or after a reload.
          await record.remove().catch(() => undefined);
          record = openSessionRecord(openStore('memory', config.namespace), tokenType);
          return record.replace(session);
        });
        return { session, replaced };
      }, deps.store);
      const previous = copy.current;
      startedInMemory = !deps.store.persistent;
      copy.started(session);
      copy.post({ type: 'login' });
      // The stored session and this tab's may differ (another tab's login not heard of yet).
      revokeIfDropped(replaced, session, revokeOrReport);
      if (previous?.refreshToken !== replaced?.refreshToken) revokeIfDropped(previous, session, revokeOrReport);
    },

    /**
     * The access token of `audience` (default: the default token) from memory while it has more
     * than the leeway left; otherwise one refresh shared by every caller in this tab and, through
     * the lock, every tab.
     */
    async getAccessToken(audience?: Audience): Promise<AccessToken> {
      const token = tokenOf(signedIn(), audience);
      if (token && isFresh(token, config)) return toAccessToken(token);
      try {
        return toAccessToken(await refreshed(token?.accessToken, audience));
      } catch (err) {
        // A failed refresh (network, 5xx) does not void a token that is still valid.
        const still = copy.current && tokenOf(copy.current, audience);
        if ((err as OAuthError).retryable && still && now() < still.expiresAt) return toAccessToken(still);
        throw err;
      }
    },

    /**
     * After an API at `origin` rejected `rejected`: a refresh, unless another call or tab already
     * replaced it. Undefined when `rejected` itself came from such a refresh: an API that refuses
     * fresh tokens too (wrong audience, its clock off) would turn every call into a refresh, so it
     * gets none, and one `token_rejected` error event per token.
     */
    async renewAfterRejection(rejected: string, origin: string, audience?: Audience): Promise<AccessToken | undefined> {
      const token = tokenOf(signedIn(), audience);
      if (token && token.accessToken !== rejected) return toAccessToken(token);
      const key = audience?.key ?? '';
      if (renewedAfterRejection.get(key) === rejected) {
        if (reportedRejection !== rejected) {
          reportedRejection = rejected;
          emitter.emit({ type: 'error', error: tokenRejected(origin) });
        }
        return undefined;
      }
      const next = await refreshed(rejected, audience);
      renewedAfterRejection.set(key, next.accessToken);
      return toAccessToken(next);
    },

    /**
     * Ends the session here and in every tab, then revokes the refresh token (RFC 7009). The
     * local state goes first so a slow or failed revocation never keeps anyone signed in.
     */
    async end(reason: LogoutReason): Promise<{ idToken?: string }> {
      const ended = copy.current ?? (await record.read().catch(() => null));
      // A failed delete must not keep the user signed in here: memory goes first.
      copy.adopt(null, reason);
      if (await removeEnded(record, ended, copy, emitter)) copy.post({ type: 'logout' });
      const token = ended?.refreshToken ?? ended?.accessToken;
      if (token) await revokeOrReport(token);
      return { idToken: ended?.idToken };
    },
    dispose: copy.dispose,
  };
}

/**
 * Removes the session that ended from storage; true when no session is stored any more (the
 * other tabs are then told).
 */
async function removeEnded(record: SessionRecord, ended: Session | null, copy: TabCopy, emitter: Emitter): Promise<boolean> {
  // By compare-and-set: a login another tab stored since this tab last heard (perhaps of
  // another user) is not this logout's to delete, nor the other tabs' to drop.
  const remove = (s: Session) =>
    record.swap(s).catch((cause) => {
      emitter.emit({ type: 'error', error: new OAuthError('storage_unavailable', 'the session could not be removed from IndexedDB and may come back on the next reload; clear the site data to be sure', { cause }) });
      return true as const;
    });
  let found = ended ? await remove(ended) : null;
  // The record a failed write left behind (its refresh token spent) is this session too: the
  // tab copy's `newest` no longer answers with it itself.
  if (found !== true && found !== null && copy.newest(found) !== found) found = await remove(found);
  return found === true || found === null;
}

/** Makes what a refresh did this tab's state; throws when the session is over. */
function applyOutcome(outcome: RefreshOutcome, copy: TabCopy, emitter: Emitter, revokeOrReport: (token: string) => unknown): Session {
  if (outcome.type === 'current') {
    if (outcome.revoke) void revokeOrReport(outcome.revoke);
    copy.adopt(outcome.session);
    return outcome.session;
  }
  if (outcome.type === 'ended') {
    if (outcome.revoke) void revokeOrReport(outcome.revoke);
    // A refusal by the server ends the session in every tab; the other endings every tab sees itself.
    if (outcome.reason === 'invalid_grant') copy.post({ type: 'logout' });
    copy.adopt(null, outcome.reason, outcome.refusal);
    throw outcome.error;
  }
  const { session, replaced, saved } = outcome;
  const unsaved = 'the refreshed session could not be saved to IndexedDB; it is kept in this tab only';
  if (!saved) emitter.emit({ type: 'error', error: new OAuthError('storage_unavailable', unsaved) });
  copy.refreshed(session, saved ? undefined : replaced.accessToken);
  copy.post({ type: 'refresh' });
  emitter.emit({ type: 'refresh', expiresAt: session.expiresAt });
  return session;
}

/**
 * Revokes the refresh token of `dropped`, a session `kept` replaced, when it is live and of
 * another user (RFC 7009), best effort. Not for the same user: servers tie that user's logins
 * in one browser to one grant or SSO session (oidc-provider reuses the grant, Keycloak's
 * revocation ends the SSO session), so revoking would end the session just kept.
 */
function revokeIfDropped(dropped: Session | null, kept: Session, revokeOrReport: (token: string) => unknown) {
  const token = dropped?.refreshToken;
  if (token && token !== kept.refreshToken && who(dropped!) !== who(kept)) void revokeOrReport(token);
}

/** The error an API earns by refusing a freshly refreshed token too. */
function tokenRejected(origin: string): OAuthError {
  return new OAuthError(
    'token_rejected',
    `the API at ${origin} refused a freshly refreshed access token too; no refresh is made for its 401s until the token changes. Check the audience (resource) it expects and its clock`,
  );
}

function toAccessToken(token: ApiToken): AccessToken {
  return { token: token.accessToken, scheme: token.tokenType === 'dpop' ? 'DPoP' : 'Bearer' };
}

/** The session of one client, as `createSession` returns it. */
export type SessionManager = ReturnType<typeof createSession>;
