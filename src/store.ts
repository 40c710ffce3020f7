import { createStore, delMany, getMany, setMany, update, type UseStore } from 'idb-keyval';
import { OAuthError } from './errors.js';

/** Where the session lives: IndexedDB (survives reloads) or this page's memory. */
export type StorageKind = 'indexeddb' | 'memory';

/**
 * A namespaced key-value store. Every write is a single IndexedDB transaction, so a crash leaves
 * either the old records or the new ones, never a mix.
 */
export interface Store {
  /** False once records go to memory (or sessionStorage) instead of IndexedDB. */
  readonly persistent: boolean;
  getMany(keys: string[]): Promise<unknown[]>;
  setMany(entries: Array<[string, unknown]>): Promise<void>;
  delMany(keys: string[]): Promise<void>;
  /** Reads and rewrites one record in a single transaction; `undefined` from `updater` deletes it. */
  update<T>(key: string, updater: (old: unknown) => T | undefined): Promise<void>;
}

const DB_NAME = 'spa-oauth';
const STORE_NAME = 'state';
// Opening IndexedDB can hang rather than fail (a blocked upgrade, some private modes).
const OPEN_TIMEOUT_MS = 3000;

let sharedIdbStore: UseStore | undefined;
function idbStore(): UseStore {
  sharedIdbStore ??= createStore(DB_NAME, STORE_NAME);
  return sharedIdbStore;
}

/** Where the fallback keeps records: a `Map`, or {@link tabStorage}. */
interface Records {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  delete(key: string): void;
}

function memoryBackend(map: Records) {
  return {
    getMany: async (keys: string[]) => keys.map((key) => structuredClone(map.get(key))),
    setMany: async (entries: Array<[string, unknown]>) => {
      for (const [key, value] of entries) map.set(key, structuredClone(value));
    },
    delMany: async (keys: string[]) => {
      for (const key of keys) map.delete(key);
    },
    update: async (key: string, updater: (old: unknown) => unknown) => {
      const next = updater(structuredClone(map.get(key)));
      if (next === undefined) map.delete(key);
      else map.set(key, structuredClone(next));
    },
  };
}

/** Rejects with {@link SLOW} after `ms`; `promise` itself keeps running. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(SLOW), ms);
    promise.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}
const SLOW = new Error(`IndexedDB did not answer within ${OPEN_TIMEOUT_MS} ms`);

// JSON, so only plain records fit: the pending login, never a token or a CryptoKey.
const tabStorage: Records = {
  get: (key) => JSON.parse(sessionStorage.getItem(key) ?? 'null') ?? undefined,
  set: (key, value) => sessionStorage.setItem(key, JSON.stringify(value)),
  delete: (key) => sessionStorage.removeItem(key),
};

/**
 * Opens the store for one client. Keys are prefixed with `namespace` (issuer and client ID), so
 * several clients share one database without seeing each other's records.
 *
 * With `'indexeddb'`, the first operation proves the database works; if it fails, the store
 * switches to memory for the rest of the page's life and `onUnavailable` is called once. If it is
 * only slow, the page runs from memory meanwhile, and when IndexedDB answers after all the store
 * goes back to it for good and calls `onLate`: the caller reads the records again.
 * `'tab'` is this tab's sessionStorage, only for the pending login when IndexedDB cannot keep it.
 */
export function openStore(
  kind: StorageKind | 'tab',
  namespace: string,
  onUnavailable: (error: OAuthError) => void = () => undefined,
  onLate: () => void = () => undefined,
): Store {
  const memory = memoryBackend(kind === 'tab' ? tabStorage : new Map());
  const prefixed = (key: string) => `${namespace}|${key}`;
  let persistent = kind === 'indexeddb';
  let verified = false;
  let reported = false;
  let waiting = false;

  // A slow disk is not a broken one: the stored session must not stay hidden for the page's life.
  function waitForLateAnswer(probe: Promise<unknown>) {
    if (waiting) return;
    waiting = true;
    probe.then(
      () => {
        verified = persistent = true;
        onLate();
      },
      () => undefined,
    );
  }

  // The first operations double as the check that IndexedDB works, so a page load pays for no
  // extra transaction; on failure they are answered from memory and so is everything after.
  // Either way the first failure is reported (once) through `onUnavailable`.
  async function run<T>(onDisk: (store: UseStore) => Promise<T>, inMemory: () => Promise<T>): Promise<T> {
    if (!persistent) return inMemory();
    try {
      if (verified) return await onDisk(idbStore());
      if (typeof indexedDB === 'undefined') throw new Error('indexedDB is not defined');
      const probe = Promise.resolve().then(() => onDisk(idbStore()));
      try {
        const result = await withTimeout(probe, OPEN_TIMEOUT_MS);
        verified ||= !waiting;
        return result;
      } catch (cause) {
        if (cause !== SLOW) throw cause;
        // IndexedDB answered another operation meanwhile: this one is merely slow.
        if (verified) return await probe;
        waitForLateAnswer(probe);
        throw cause;
      }
    } catch (cause) {
      if (!reported) {
        reported = true;
        onUnavailable(
          new OAuthError(
            'storage_unavailable',
            'IndexedDB cannot be opened or written (private mode, blocked, disabled or full storage); what this page cannot save is kept in memory and will not survive a reload',
            { cause },
          ),
        );
      }
      // Once IndexedDB has worked, a failure (the browser closing the connection, clearing the
      // site's data, a full disk) is thrown, not hidden behind memory the other tabs cannot see.
      if (verified) {
        throw new OAuthError('storage_unavailable', 'IndexedDB failed; try again or reload the page', {
          retryable: true,
          cause,
        });
      }
      persistent = false;
      return inMemory();
    }
  }

  return {
    get persistent() {
      return persistent;
    },
    getMany: (keys) => run((store) => getMany(keys.map(prefixed), store), () => memory.getMany(keys.map(prefixed))),
    setMany: (entries) => {
      const full = entries.map(([key, value]): [string, unknown] => [prefixed(key), value]);
      return run((store) => setMany(full, store), () => memory.setMany(full));
    },
    delMany: (keys) => run((store) => delMany(keys.map(prefixed), store), () => memory.delMany(keys.map(prefixed))),
    // idb-keyval's update() cannot delete, so a deletion is stored as undefined and read as absent.
    update: (key, updater) => run((store) => update(prefixed(key), updater, store), () => memory.update(prefixed(key), updater)),
  };
}
