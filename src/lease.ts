import type { Store } from './store.js';

/** A lease record: who holds it, and until when (epoch ms) unless renewed. */
interface Lease {
  owner: string;
  until: number;
}

// A tab that dies (closed, crashed, frozen) stops renewing: the others wait at most this long.
const LEASE_MS = 5_000;
const RENEW_MS = 1_500;
// Waiting tabs re-read the lease this often, and only while they wait.
const POLL_MS = 50;

const tab = Math.random().toString(36).slice(2);
let acquisitions = 0;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const isLease = (value: unknown): value is Lease => typeof (value as Lease | undefined)?.owner === 'string';

/**
 * Runs `task` holding the lease `name`, a record in `store` that every tab of the origin sees:
 * the stand-in for a Web Lock where `navigator.locks` is missing (old WebViews, embedded
 * browsers, plain http on a LAN address). It is taken by compare-and-set in one IndexedDB
 * transaction (free or expired → ours), renewed while the task runs, and given back after. The
 * task must re-read what it protects: the previous holder may have changed it.
 */
export async function withLease<T>(store: Store, name: string, task: () => Promise<T>): Promise<T> {
  const key = `lease:${name}`;
  const owner = `${tab}:${++acquisitions}`;
  for (;;) {
    let taken = false;
    const at = Date.now();
    try {
      await store.update(key, (old) => {
        if (isLease(old) && old.until > at) return old;
        taken = true;
        return { owner, until: at + LEASE_MS };
      });
    } catch {
      // IndexedDB failed (the store reported it): no other tab can see what this one stores
      // there either, so there is nothing left to coordinate; the task meets the same failure.
      return task();
    }
    if (taken) break;
    // Jitter, so tabs woken together do not keep colliding.
    await sleep(POLL_MS + Math.random() * POLL_MS);
  }
  const extend = (old: unknown) => (isLease(old) && old.owner === owner ? { owner, until: Date.now() + LEASE_MS } : old);
  const renewal = setInterval(() => void store.update(key, extend).catch(() => undefined), RENEW_MS);
  try {
    return await task();
  } finally {
    clearInterval(renewal);
    await store.update(key, (old) => (isLease(old) && old.owner === owner ? undefined : old)).catch(() => undefined);
  }
}
