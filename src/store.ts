import { createStore, delMany, getMany, setMany, update, type UseStore } from 'idb-keyval';
import { OAuthError } from './errors.js';

/** Where the session lives: IndexedDB (survives reloads) or this page's memory. */
export type StorageKind = 'indexeddb' | 'memory';

/**
 * A namespaced key-value store. Every write is a single IndexedDB transaction, so a crash leaves
 * either the old records or the new ones, never a mix.
 */
export interface Store {
  /** False once IndexedDB has failed and the store fell back to memory. */
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

function memoryBackend(map: Map<string, unknown>) {
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

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`IndexedDB did not open within ${ms} ms`)), ms);
    promise.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

/**
 * Opens the store for one client. Keys are prefixed with `namespace` (issuer and client ID), so
 * several clients share one database without seeing each other's records.
 *
 * With `'indexeddb'`, the first operation proves the database works; if it fails, the store
 * switches to memory for the rest of the page's life and `onUnavailable` is called once.
 */
export function openStore(
  kind: StorageKind,
  namespace: string,
  onUnavailable: (error: OAuthError) => void,
): Store {
  const memory = memoryBackend(new Map());
  const prefixed = (key: string) => `${namespace}|${key}`;
  let persistent = kind === 'indexeddb';
  let probe: Promise<void> | undefined;

  function ready(): Promise<void> {
    if (!persistent) return Promise.resolve();
    probe ??= (async () => {
      try {
        if (typeof indexedDB === 'undefined') throw new Error('indexedDB is not defined');
        await withTimeout(getMany([prefixed('probe')], idbStore()), OPEN_TIMEOUT_MS);
      } catch (cause) {
        persistent = false;
        onUnavailable(
          new OAuthError(
            'storage_unavailable',
            'IndexedDB cannot be opened (private mode, blocked or disabled storage); the session is kept in memory and will not survive a reload',
            { cause },
          ),
        );
      }
    })();
    return probe;
  }

  return {
    get persistent() {
      return persistent;
    },
    async getMany(keys) {
      await ready();
      const full = keys.map(prefixed);
      return persistent ? getMany(full, idbStore()) : memory.getMany(full);
    },
    async setMany(entries) {
      await ready();
      const full = entries.map(([key, value]): [string, unknown] => [prefixed(key), value]);
      return persistent ? setMany(full, idbStore()) : memory.setMany(full);
    },
    async delMany(keys) {
      await ready();
      const full = keys.map(prefixed);
      return persistent ? delMany(full, idbStore()) : memory.delMany(full);
    },
    async update(key, updater) {
      await ready();
      if (!persistent) return memory.update(prefixed(key), updater);
      // idb-keyval's update() cannot delete, so a deletion is written as undefined and read as absent.
      return update(prefixed(key), (old) => updater(old), idbStore());
    },
  };
}
