/**
 * What one tab tells the others; never a token, only that the stored session changed, or that
 * the result of the popup or silent login `state` is stored.
 */
export type TabMessage = { type: 'login' | 'refresh' | 'logout' } | { type: 'signin'; state: string };

const localQueues = new Map<string, Promise<unknown>>();

/**
 * Runs `task` while holding the exclusive Web Lock `name`, shared by every tab of this origin.
 * Where Web Locks are missing, tasks are serialised within this tab only.
 *
 * @see https://w3c.github.io/web-locks/
 */
export function withLock<T>(name: string, task: () => Promise<T>): Promise<T> {
  if (typeof navigator !== 'undefined' && navigator.locks?.request) {
    return navigator.locks.request(name, { mode: 'exclusive' }, task) as Promise<T>;
  }
  const previous = localQueues.get(name) ?? Promise.resolve();
  const run = previous.then(task, task);
  localQueues.set(
    name,
    run.catch(() => undefined),
  );
  return run;
}

/** A BroadcastChannel to the other tabs of this origin, or a silent stand-in where there is none. */
export interface TabChannel {
  post(message: TabMessage): void;
  close(): void;
}

export function openTabChannel(name: string, onMessage: (message: TabMessage) => void): TabChannel {
  if (typeof BroadcastChannel === 'undefined') return { post() {}, close() {} };
  const channel = new BroadcastChannel(name);
  channel.onmessage = (event: MessageEvent<TabMessage>) => {
    const { type, state } = (event.data ?? {}) as { type?: unknown; state?: unknown };
    if (type === 'login' || type === 'refresh' || type === 'logout') onMessage({ type });
    else if (type === 'signin' && typeof state === 'string') onMessage({ type, state });
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
 * Calls `onVisible` when the page becomes visible, `onHidden` when it is hidden, and `onOnline`
 * when the browser regains the network. Returns a function that removes the listeners.
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
  return () => {
    document.removeEventListener('visibilitychange', onVisibility);
    globalThis.removeEventListener?.('online', handlers.onOnline);
  };
}
