import type { AuthorizationServer, DPoPHandle, JWKS } from 'oauth4webapi';
import { clockedFetch, isCurrent, sampleOwnOrigin, type ServerClock } from './clock.js';
import type { ResolvedConfig } from './config.js';
import { fetchMetadata, isStale, readCachedMetadata, type CachedMetadata, type Transport } from './discovery.js';
import { createDpopHandle, deleteDpopKeys, loadDpopKeys, type DpopKeys } from './dpop.js';
import type { Store } from './store.js';
import { now } from './util.js';

const METADATA_KEY = 'metadata';

/**
 * The authorization server as this client knows it: its metadata (fetched once, cached in
 * IndexedDB), its clock, the transport every protocol request goes through, and the DPoP key
 * that binds this browser's tokens.
 */
export interface ServerContext {
  transport: Transport;
  clock: ServerClock;
  /** The metadata, from the cache when there is one; a stale cache is refreshed in the background. */
  metadata(): Promise<AuthorizationServer>;
  /** Stores the metadata with the clock (after the clock moved on evidence other than a response's Date). */
  saveMetadata(): Promise<unknown> | undefined;
  /**
   * The DPoP handle when `dpop` is on, else undefined; `create` makes the key pair if there is none.
   * Without a current estimate of the server's clock, one is taken first ({@link sampleOwnOrigin}).
   */
  dpop(create?: boolean): Promise<DPoPHandle | undefined>;
  /**
   * After a proof was refused: takes a new estimate of the server's clock, and returns the handle
   * signing with it when it moved (undefined when it did not, so a retry would be refused again).
   */
  retakeClock(): Promise<DPoPHandle | undefined>;
  /**
   * With `verifyIdTokenSignature`: fetches the server's JWKS now, at login(), unless cached with
   * the metadata, so the callback costs the code exchange only. Rejects, naming CORS, when the
   * page cannot read it.
   */
  prepareLogin(): Promise<void>;
  /** With `verifyIdTokenSignature`, the check of each token response's ID token signature; else undefined. */
  idTokenCheck(): Promise<((processed: Response) => Promise<void>) | undefined>;
  /** True when the DPoP key pair survives the login redirect (it is in IndexedDB). */
  readonly dpopKeyKept: boolean;
  /** Forgets the DPoP key pair, here and in storage, so the next login binds its tokens to a new one. */
  forgetDpopKey(fromStorage: boolean): Promise<void>;
  /** Loads the cached metadata and clock at start-up. */
  restore(): Promise<void>;
}

/**
 * Creates the server context of one client. `baseFetch` is captured before the app may replace
 * `globalThis.fetch`, so the SDK's own requests never go through its interceptor.
 */
export function createServerContext(config: ResolvedConfig, durable: Store, baseFetch: typeof fetch): ServerContext {
  const clock: ServerClock = { skew: 0 };
  const transport: Transport = {
    fetch: clockedFetch(baseFetch, clock, () => void saveMetadata()),
    timeoutMs: config.requestTimeoutMs,
    clock,
  };

  let metadata: CachedMetadata | undefined;
  let metadataRequest: Promise<CachedMetadata> | undefined;
  // The server's clock is kept with its metadata. A refused write has been reported by
  // the store, and costs no more than fetching them again on another page.
  function saveMetadata(): Promise<unknown> | undefined {
    return metadata && durable.setMany([[METADATA_KEY, { ...metadata, skew: clock.skew, skewAt: clock.at }]]).catch(() => undefined);
  }
  // One sample at a time, and (unless a refused proof asks) at most one a minute: a host that
  // sends no Date must not cost a request per proof.
  let sampling: Promise<unknown> | undefined;
  let sampledAt = -Infinity;
  function sample(force: boolean): Promise<unknown> {
    if (!force && Math.abs(now() - sampledAt) < 60_000) return sampling ?? Promise.resolve();
    sampledAt = now();
    sampling ??= sampleOwnOrigin(baseFetch, clock)
      .then((changed) => changed && saveMetadata())
      .finally(() => {
        sampling = undefined;
      });
    return sampling;
  }
  function refetchMetadata(): Promise<CachedMetadata> {
    metadataRequest ??= fetchMetadata(config.issuer, transport, config.discoveryUrl)
      .then(async (fetched) => {
        metadata = fetched;
        await saveMetadata();
        return fetched;
      })
      .finally(() => {
        metadataRequest = undefined;
      });
    return metadataRequest;
  }

  // The signature check is a module of its own, loaded on first use by an app that opted in.
  const signatures = () => import('./signature.js');
  async function jwks(refetch: boolean): Promise<JWKS> {
    const as = await metadataOf();
    if (!refetch && metadata?.jwks) return metadata.jwks;
    const fetched = await (await signatures()).fetchJwks(as, transport);
    if (metadata?.as === as) {
      metadata = { ...metadata, jwks: fetched };
      await saveMetadata();
    }
    return fetched;
  }
  async function metadataOf(): Promise<AuthorizationServer> {
    if (!metadata) return (await refetchMetadata()).as;
    if (isStale(metadata)) void refetchMetadata().catch(() => undefined);
    return metadata.as;
  }

  let dpopKeys: DpopKeys | undefined;
  let dpopHandle: DPoPHandle | undefined;
  let handleSkew = 0;

  async function dpop(create = false): Promise<DPoPHandle | undefined> {
    if (!config.dpop) return undefined;
    dpopKeys ??= await loadDpopKeys(durable, config.namespace, create);
    if (!dpopKeys) return undefined;
    if (!isCurrent(clock)) await sample(false);
    // Proofs carry the server's time, fixed when the handle is made: a moved clock makes a new one.
    if (!dpopHandle || handleSkew !== clock.skew) {
      handleSkew = clock.skew;
      dpopHandle = createDpopHandle(dpopKeys.keys, handleSkew);
    }
    return dpopHandle;
  }

  return {
    transport,
    clock,
    metadata: metadataOf,
    async prepareLogin() {
      if (config.verifyIdTokenSignature) await jwks(false);
    },
    async idTokenCheck() {
      if (!config.verifyIdTokenSignature) return undefined;
      const [{ checkIdTokenSignature }, as, keys] = await Promise.all([signatures(), metadataOf(), jwks(false)]);
      return (processed) => checkIdTokenSignature(as, processed, keys, () => jwks(true), config.issuer, transport);
    },
    saveMetadata,
    dpop,
    async retakeClock() {
      const before = clock.skew;
      await sample(true);
      return clock.skew === before ? undefined : dpop();
    },
    get dpopKeyKept() {
      return dpopKeys?.kept ?? false;
    },
    async forgetDpopKey(fromStorage) {
      dpopKeys = dpopHandle = undefined;
      if (fromStorage && config.dpop) await deleteDpopKeys(durable);
    },
    async restore() {
      const [cached] = await durable.getMany([METADATA_KEY]);
      // Metadata the app gave is never fetched, cached or stale.
      metadata = config.metadata ? { as: config.metadata, fetchedAt: Infinity } : readCachedMetadata(cached, config.issuer);
      const keys = (cached as CachedMetadata | undefined)?.jwks;
      // The JWKS is kept only for the jwks_uri it came from (the app's metadata may have changed).
      if (metadata && keys && (cached as CachedMetadata).as?.jwks_uri === metadata.as.jwks_uri) metadata = { ...metadata, jwks: keys };
      // Kept with the metadata, also when the app gave the metadata (such a record is never read as
      // metadata), and only while current: an estimate never outlives its evidence.
      const kept = { skew: Number((cached as CachedMetadata | undefined)?.skew) || 0, at: (cached as CachedMetadata | undefined)?.skewAt };
      if (isCurrent(kept)) Object.assign(clock, kept);
    },
  };
}
