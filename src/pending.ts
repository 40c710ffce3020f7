import { OAuthError } from './errors.js';
import type { Store } from './store.js';
import { now } from './util.js';

/**
 * Where pending logins and logouts wait out the redirect: IndexedDB, and this tab's sessionStorage
 * when IndexedDB cannot keep them (unavailable, or refusing the write). Never a token.
 */
export interface PendingStores {
  durable: Store;
  tab: Store;
}

/** One record per kind, its entries by `state`: the logins and logouts started and not yet returned from. */
export type PendingKind = 'login' | 'logout';

interface Pending {
  createdAt: number;
}

// A login or logout abandoned on the server's page is forgotten after this long.
const PENDING_MAX_AGE_MS = 60 * 60 * 1000;

const keyOf = (kind: PendingKind) => `pending-${kind}s`;

function freshOnly<T extends Pending>(pending: unknown, valid: (entry: T) => boolean): Record<string, T> {
  const fresh: Record<string, T> = {};
  if (typeof pending !== 'object' || pending === null) return fresh;
  for (const [state, entry] of Object.entries(pending as Record<string, T>)) {
    if (typeof entry?.createdAt === 'number' && now() - entry.createdAt < PENDING_MAX_AGE_MS && valid(entry)) {
      fresh[state] = entry;
    }
  }
  return fresh;
}

/**
 * Saves `entry` under `state` until the redirect comes back: in IndexedDB, or in this tab's
 * sessionStorage when IndexedDB cannot keep it (the store has reported that already).
 */
export async function keepPending<T extends Pending>(stores: PendingStores, kind: PendingKind, state: string, entry: T, valid: (entry: T) => boolean): Promise<void> {
  const add = (pending: unknown) => ({ ...freshOnly(pending, valid), [state]: entry });
  const kept = await stores.durable.update(keyOf(kind), add).then(() => stores.durable.persistent, () => false);
  if (!kept) {
    await stores.tab.update(keyOf(kind), add).catch((cause) => {
      throw new OAuthError('storage_unavailable', `IndexedDB and sessionStorage are both blocked; allow site data so that the ${kind} survives the redirect`, { cause });
    });
  }
}

/**
 * Removes and returns the entry saved under `state`, in one transaction, so a redirect loaded
 * twice (reload, back button, two tabs) is answered at most once. The tab's copy, if any, is the
 * one: it is only written when IndexedDB could not keep the entry.
 */
export async function takePending<T extends Pending>(stores: PendingStores, kind: PendingKind, state: string | null, valid: (entry: T) => boolean): Promise<(T & { state: string }) | undefined> {
  return (await takeFrom(stores.tab, kind, state, valid).catch(() => undefined)) ?? takeFrom(stores.durable, kind, state, valid);
}

async function takeFrom<T extends Pending>(store: Store, kind: PendingKind, state: string | null, valid: (entry: T) => boolean): Promise<(T & { state: string }) | undefined> {
  let taken: (T & { state: string }) | undefined;
  await store.update(keyOf(kind), (pending) => {
    const fresh = freshOnly(pending, valid);
    if (state !== null && Object.hasOwn(fresh, state)) {
      taken = { ...fresh[state]!, state };
      delete fresh[state];
    }
    return Object.keys(fresh).length ? fresh : undefined;
  });
  return taken;
}
