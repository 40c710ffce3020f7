import type { ResolvedConfig } from './config.js';
import type { OAuthError } from './errors.js';
import type { Emitter, LogoutReason } from './events.js';
import { who, type Session, type SessionRecord } from './record.js';
import { isFresh, issuedAt, leewayMs, MIN_REFRESH_INTERVAL_MS } from './refresh.js';
import { isPageVisible, openTabChannel, watchPage, type TabMessage } from './tabs.js';
import { now } from './util.js';

const MAX_BACKOFF_MS = 60_000;
const MAX_TIMER_MS = 2 ** 31 - 1;


export interface TabCopyDeps {
  config: ResolvedConfig;
  emitter: Emitter;
  /** The record the session is stored in (it may change to memory when IndexedDB fails). */
  record(): SessionRecord;
  /** Called when the timer finds `stale` due for a refresh. */
  onDue(stale: string): void;
}

/**
 * This tab's copy of the stored session: the memory copy the hot path reads, the timer that
 * refreshes ahead of expiry, and the sync with other tabs (their messages, and a re-read when
 * the page becomes visible). It never talks to the server; `session.ts` does.
 */
export function createTabCopy({ config, emitter, record, onDue }: TabCopyDeps) {
  let current: Session | null = null;
  let failures = 0;
  // After a failed write: the access token of the stored record that the memory copy replaced.
  // That record is dead for good (its refresh token is spent): while IndexedDB still holds it,
  // this tab's memory wins, even when that is no session after a logout; anything else stored wins.
  let unsavedOver: string | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let disposed = false;

  // A popup or iframe login's result is for the page that started it; its session comes with 'login'.
  const channel = openTabChannel(config.namespace, (message: TabMessage) => {
    if (message.type === 'logout') adopt(null);
    else if (message.type !== 'signin') void resync();
  });
  const stopWatching = watchPage({
    onVisible: () => void resync(),
    onHidden: () => clearTimeout(timer),
    onOnline: () => {
      failures = 0;
      schedule();
    },
  });

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
      else onDue(stale);
    }, delay);
  }

  /** Re-reads the stored session, in case this tab missed a message while it was hidden. */
  async function resync() {
    adopt(newest(await record().read().catch(() => current)));
  }

  return {
    get current() {
      return current;
    },
    newest,
    adopt,
    /** Tells the other tabs that the stored session changed. */
    post: (message: TabMessage) => channel.post(message),
    /** A login stored `session` (possibly as the same user again: still a `login`). */
    started(session: Session) {
      failures = 0;
      adopt(session, 'user', undefined, true);
    },
    /** A refresh succeeded: back to the normal schedule; `unsavedOver` when it could not be stored. */
    refreshed(session: Session, unsavedOverToken?: string) {
      failures = 0;
      adopt(session);
      if (unsavedOverToken !== undefined) unsavedOver = unsavedOverToken;
    },
    /** A refresh failed and the session is kept: the timer tries again, backing off. */
    failed() {
      failures += 1;
      schedule();
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

export type TabCopy = ReturnType<typeof createTabCopy>;
