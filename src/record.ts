import type { UserClaims } from './claims.js';
import type { Store } from './store.js';
import type { TokenSet } from './token.js';

/** An access token of one API (`apis` with a `resource`), got with the session's refresh token. */
export type ApiToken = Pick<TokenSet, 'accessToken' | 'tokenType' | 'expiresAt' | 'lifetimeSeconds'>;

/** The stored session: one IndexedDB record, written in one transaction. */
export interface Session extends Omit<TokenSet, 'claims' | 'scope'> {
  v: 1;
  /** The APIs' own access tokens, by audience key; all come from the one refresh token above. */
  apiTokens?: Record<string, ApiToken>;
  user: UserClaims | null;
  /** The `state` and `returnTo` of the login that made this session, to recognise its callback URL loaded again. */
  loginState?: string;
  returnTo?: string;
}

/** Who a session is about: its ID token's issuer and subject. */
export const who = (s: Session) => `${s.user?.iss} ${s.user?.sub}`;

/** The session a login's tokens start, remembering which login made it. */
export function newSession(tokens: TokenSet, login: { loginState: string; returnTo: string }): Session {
  const { accessToken, tokenType, expiresAt, lifetimeSeconds, refreshToken, idToken } = tokens;
  return { v: 1, accessToken, tokenType, expiresAt, lifetimeSeconds, refreshToken, idToken, user: tokens.claims ?? null, ...login };
}

const KEY = 'session';
const UNREAD = Symbol();

function isSession(value: unknown): value is Session {
  const s = value as Session | undefined;
  return (
    s?.v === 1 &&
    typeof s.accessToken === 'string' &&
    (s.tokenType === 'bearer' || s.tokenType === 'dpop') &&
    Number.isFinite(s.expiresAt) &&
    Number.isFinite(s.lifetimeSeconds) &&
    (s.refreshToken === undefined || typeof s.refreshToken === 'string') &&
    (s.user === null || typeof s.user === 'object') &&
    (s.apiTokens === undefined || typeof s.apiTokens === 'object')
  );
}

/**
 * The stored session record of a client whose tokens are of `tokenType`. A session of the other
 * type (DPoP switched on or off since it was stored) is not this client's: it reads as none, but
 * is left for the tabs still running the other setting.
 */
export function openSessionRecord(store: Store, tokenType: Session['tokenType']) {
  const own = (value: unknown) => (isSession(value) && value.tokenType === tokenType ? value : null);
  return {
    /**
     * The stored session, or null. A record in another format (another build's, during a rolling
     * deploy) reads as none but is left alone: only a login's write replaces it.
     */
    async read(): Promise<Session | null> {
      const [value] = await store.getMany([KEY]);
      return own(value);
    },

    /**
     * Stores `session` over whatever is stored, in one transaction; resolves to the session it
     * replaced (of either token type), or null.
     */
    async replace(session: Session): Promise<Session | null> {
      let old: unknown;
      await store.update(KEY, (value) => {
        old = value;
        return session;
      });
      return isSession(old) ? old : null;
    },

    /** Deletes whatever is stored; only for a login, which replaces anything. */
    remove: () => store.delMany([KEY]),

    /**
     * Compare-and-set in one transaction: replaces the stored session with `next` (undefined
     * deletes it) only while it is still `expected`: the same access and refresh token, one of
     * which changes at every login and refresh (an API's refresh rotates the refresh token). Resolves to true when it was; otherwise to what is stored
     * instead (another tab's login, or null after a logout). Rejects only when IndexedDB failed
     * while the record still matched (or could not be read).
     */
    async swap(expected: Session, next?: Session): Promise<true | Session | null> {
      let found: unknown = UNREAD;
      const matches = (value: unknown) =>
        isSession(value) && value.accessToken === expected.accessToken && value.refreshToken === expected.refreshToken;
      try {
        await store.update(KEY, (old) => {
          found = old;
          return matches(old) ? next : old;
        });
      } catch (err) {
        if (found === UNREAD || matches(found)) throw err;
      }
      return matches(found) || own(found);
    },
  };
}

/** The stored session record of one client, as {@link openSessionRecord} returns it. */
export type SessionRecord = ReturnType<typeof openSessionRecord>;
