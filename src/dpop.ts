import { clockSkew, DPoP, generateKeyPair, type CryptoKeyPair, type DPoPHandle } from 'oauth4webapi';
import type { Store } from './store.js';
import { withLock } from './tabs.js';

const KEY = 'dpop-keys';

/** A key pair, and whether the store keeps it across the login redirect. */
export interface DpopKeys {
  keys: CryptoKeyPair;
  kept: boolean;
}

function isKeyPair(value: unknown): value is CryptoKeyPair {
  const pair = value as CryptoKeyPair | undefined;
  return pair?.privateKey instanceof CryptoKey && pair.publicKey instanceof CryptoKey;
}

/**
 * The client's DPoP key pair: ES256, the private key non-extractable, kept as `CryptoKey`
 * objects in the store (structured clone keeps them non-extractable) and so shared by every tab
 * and reload. Created on first use, under a lock so two tabs cannot each create one. Without
 * IndexedDB the pair lives in this page only (`kept: false`): it cannot go to sessionStorage.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449.html#section-2
 */
export async function loadDpopKeys(store: Store, lockName: string, create: boolean): Promise<DpopKeys | undefined> {
  const [stored] = await store.getMany([KEY]);
  if (isKeyPair(stored)) return { keys: stored, kept: store.persistent };
  if (!create) return undefined;
  return withLock(`${lockName}:dpop`, async () => {
    const [again] = await store.getMany([KEY]);
    if (isKeyPair(again)) return { keys: again, kept: store.persistent };
    const keys = await generateKeyPair('ES256', { extractable: false });
    // A refused write was reported by the store; the pair then serves this page only.
    const kept = await store.setMany([[KEY, keys]]).then(() => store.persistent, () => false);
    return { keys, kept };
  }, store);
}

/** Forgets the key pair, so the next login binds its tokens to a new one. */
export function deleteDpopKeys(store: Store): Promise<void> {
  return store.delMany([KEY]);
}

/**
 * The oauth4webapi handle that signs proofs and remembers each origin's `DPoP-Nonce`. Proofs carry
 * the server's time: `skew` seconds added to the local clock.
 */
export function createDpopHandle(keys: CryptoKeyPair, skew: number): DPoPHandle {
  return DPoP({ [clockSkew]: skew }, keys);
}
