import { DPoP, generateKeyPair, type CryptoKeyPair, type DPoPHandle } from 'oauth4webapi';
import type { Store } from './store.js';
import { withLock } from './tabs.js';

const KEY = 'dpop-keys';

function isKeyPair(value: unknown): value is CryptoKeyPair {
  const pair = value as CryptoKeyPair | undefined;
  return pair?.privateKey instanceof CryptoKey && pair.publicKey instanceof CryptoKey;
}

/**
 * The client's DPoP key pair: ES256, the private key non-extractable, kept as `CryptoKey`
 * objects in the store (structured clone keeps them non-extractable) and so shared by every tab
 * and reload. Created on first use, under a lock so two tabs cannot each create one.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449.html#section-2
 */
export async function loadDpopKeys(store: Store, lockName: string, create: boolean): Promise<CryptoKeyPair | undefined> {
  const [stored] = await store.getMany([KEY]);
  if (isKeyPair(stored)) return stored;
  if (!create) return undefined;
  return withLock(`${lockName}:dpop`, async () => {
    const [again] = await store.getMany([KEY]);
    if (isKeyPair(again)) return again;
    const keys = await generateKeyPair('ES256', { extractable: false });
    await store.setMany([[KEY, keys]]);
    return keys;
  });
}

/** Forgets the key pair, so the next login binds its tokens to a new one. */
export function deleteDpopKeys(store: Store): Promise<void> {
  return store.delMany([KEY]);
}

/** The oauth4webapi handle that signs proofs and remembers each origin's `DPoP-Nonce`. */
export function createDpopHandle(keys: CryptoKeyPair): DPoPHandle {
  return DPoP({}, keys);
}
