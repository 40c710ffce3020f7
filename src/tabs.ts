import { withLease } from './lease.js';
import type { Store } from './store.js';

/**
 * What one tab tells the others; never a token, only that the stored session changed, or that
 * the result of the popup or silent login `state` is stored.
 */
export type TabMessage = { type: 'login' | 'refresh' | 'logout' } | { type: 'signin'; state: string };

const localQueues = new Map<string, Promise<unknown>>();

/**
 * Runs `task` while holding the exclusive Web Lock `name`, shared by every tab of this origin.
 * Where Web Locks are missing, tasks queue within this tab and then take an IndexedDB lease in
 * `store` (see lease.ts); without a persistent store there is no other tab to coordinate with.
 *
 * @see https://w3c.github.io/web-locks/
 */
export function withLock<T>(name: string, task: () => Promise<T>, store?: Store): Promise<T> {
  if (typeof navigator !== 'undefined' && navigator.locks?.request) {
    return navigator.locks.request(name, { mode: 'exclusive' }, task) as Promise<T>;
  }
  const locked = () => (store?.persistent ? withLease(store, name, task) : task());
  const previous = localQueues.get(name) ?? Promise.resolve();
  const run = previous.then(locked, locked);
  localQueues.set(
    name,
    run.catch(() => undefined),
  );
  return run;
}

/**
 * Connects this page to the browser's lock manager ahead of the first lock: Chromium binds it on
 * first use, which made the login callback's one lock wait about 6 ms instead of 2.
 */
export function warmLocks(): void {
  if (typeof navigator !== 'undefined' && navigator.locks?.query) void navigator.locks.query().catch(() => undefined);
}

/** A BroadcastChannel to the other tabs of this origin, or a silent stand-in where there is none. */
export interface TabChannel {
  post(message: TabMessage): void;
  close(): void;
}

/** `data` as a message from another tab, or undefined when it is none. */
function toTabMessage(data: unknown): TabMessage | undefined {
  const { type, state } = (data ?? {}) as { type?: unknown; state?: unknown };
  if (type === 'login' || type === 'refresh' || type === 'logout') return { type };
  if (type === 'signin' && typeof state === 'string') return { type, state };
  return undefined;
}

/**
 * A channel to the other tabs of this origin: a BroadcastChannel, or else the `storage` event
 * of a localStorage key (it carries only the message, a login `state` at most, and a nonce,
 * never a token). Where neither works, tabs catch up on focus and
 * visibility (see {@link watchPage}).
 */
export function openTabChannel(name: string, onMessage: (message: TabMessage) => void): TabChannel {
  if (typeof BroadcastChannel === 'undefined') return storageChannel(name, onMessage);
  const channel = new BroadcastChannel(name);
  channel.onmessage = (event: MessageEvent<TabMessage>) => {
    const message = toTabMessage(event.data);
    if (message) onMessage(message);
  };
  const tab: TabChannel = {
    post: (message) => channel.postMessage(message),
    close() {
      // A refresh still in flight posts when it ends; a closed BroadcastChannel would throw.
      tab.post = () => {};
      channel.close();
    },
  };
  return tab;
}

function storageChannel(name: string, onMessage: (message: TabMessage) => void): TabChannel {
  const key = `spa-oauth-signal:${name}`;
  // The storage event fires in every other tab of the origin, never in the one that wrote.
  const onStorage = (event: StorageEvent) => {
    if (event.key !== key || !event.newValue) return;
    let message: TabMessage | undefined;
    try {
      message = toTabMessage(JSON.parse(event.newValue));
    } catch {}
    if (message) onMessage(message);
  };
  globalThis.addEventListener?.('storage', onStorage);
  try {
    // WebKit sends storage events only to documents that have used localStorage.
    void localStorage.length;
  } catch {}
  return {
    post(message) {
      try {
        // A new value every time: setting the same one again fires no event.
        localStorage.setItem(key, JSON.stringify({ ...message, nonce: `${Date.now()}.${Math.random()}` }));
      } catch {
        // localStorage disabled or full: the other tabs catch up when they regain focus.
      }
    },
    close() {
      this.post = () => {};
      globalThis.removeEventListener?.('storage', onStorage);
    },
  };
}

/**
 * A flag kept in this tab's sessionStorage, which survives the tab's own navigations and no
 * other tab sees. `set()` is false when the flag was already set or cannot be stored.
 */
export function tabFlag(name: string) {
  return {
    set(): boolean {
      try {
        if (sessionStorage.getItem(name)) return false;
        sessionStorage.setItem(name, '1');
        return true;
      } catch {
        return false;
      }
    },
    clear() {
      try {
        sessionStorage.removeItem(name);
      } catch {
        // Nothing could be stored either.
      }
    },
  };
}

/**
 * The marker of this tab's silent redirect (a flag, never a token), cleared by a login: at most
 * one silent redirect per tab, so a server answering `login_required` never makes a loop.
 */
export const silentRedirectFlag = (namespace: string) => tabFlag(`${namespace}|silent-redirect`);

/** True while the page is visible (always true outside a document). */
export function isPageVisible(): boolean {
  return typeof document === 'undefined' || document.visibilityState === 'visible';
}

/**
 * Calls `onVisible` when the page becomes visible or regains focus (where no message from another
 * tab can arrive, that is when it catches up), `onHidden` when it is hidden, and `onOnline` when
 * the browser regains the network. Returns a function that removes the listeners.
 */
export function watchPage(handlers: {
  onVisible(): void;
  onHidden(): void;
  onOnline(): void;
}): () => void {
  if (typeof document === 'undefined') return () => {};
  const onVisibility = () => (isPageVisible() ? handlers.onVisible() : handlers.onHidden());
  document.addEventListener('visibilitychange', onVisibility);
  globalThis.addEventListener?.('online', handlers.onOnline);
  globalThis.addEventListener?.('focus', handlers.onVisible);
  return () => {
    globalThis.removeEventListener?.('focus', handlers.onVisible);
    document.removeEventListener('visibilitychange', onVisibility);
    globalThis.removeEventListener?.('online', handlers.onOnline);
  };
}
