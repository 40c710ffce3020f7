// The core flows, written once and run in Chromium, Firefox ESR and WebKitGTK (the `engine` of
// each Playwright project). Each test gets a clean browser profile and a reset server.
import { waitFor } from './driver';
import {
  addButton,
  callResults,
  expect,
  harnessState,
  login,
  openHarness,
  reloadHarness,
  startCalls,
  storedExpiry,
  test,
  type HarnessSetup,
  type Stack,
} from './fixtures';

/** What the API saw, less the CORS preflights. */
const apiCalls = (stack: Stack) => stack.api.requests.filter((r) => r.method !== 'OPTIONS');

test('login round trip: one code exchange, signed in, back at returnTo', async ({ session, stack }) => {
  await login(session.first, stack);
  const state = await harnessState(session.first);
  expect(state.bootError).toBeNull();
  expect(state.redirectResult).toEqual({ returnTo: '/inbox' });
  expect(state).toMatchObject({ authenticated: true, sub: 'alice', events: ['login'], pageErrors: [] });
  expect(stack.auth.counts.token.authorization_code).toBe(1);
  // The callback's code and state are gone from the address bar.
  expect(await session.first.url()).toBe(`${stack.app.origin}/harness.html`);
});

test('a reload restores the session without a request to the server', async ({ session, stack }) => {
  await login(session.first, stack);
  const before = stack.auth.counts.requests;
  await reloadHarness(session.first);
  expect(await harnessState(session.first)).toMatchObject({ authenticated: true, sub: 'alice', pageErrors: [] });
  expect(stack.auth.counts.requests).toBe(before);
});

test('sdk.fetch sends the access token to the API', async ({ session, stack }) => {
  await login(session.first, stack);
  const body = await session.first.evaluate((api) => (window as any).sdk.fetch(`${api}/api/me`).then((r: Response) => r.json()), stack.api.origin);
  expect(body).toMatchObject({ sub: 'alice', tokenType: 'Bearer' });
  expect(apiCalls(stack).map((r) => r.authorization?.split(' ')[0])).toEqual(['Bearer']);
});

test('DPoP: the key is non-extractable and survives a reload, still bound to the tokens', async ({ session, stack }) => {
  const setup = { options: { dpop: true } };
  await login(session.first, stack, setup);
  const me = (api: string) => (window as any).sdk.fetch(`${api}/api/me`).then((r: Response) => r.json());
  // The public half, exported in the page (the private one cannot be): what identifies the key.
  const key = () =>
    new Promise<{ extractable: boolean; x: string }>((resolve, reject) => {
      const open = indexedDB.open('spa-oauth');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const store = open.result.transaction('state', 'readonly').objectStore('state');
        const all = store.getAll();
        all.onsuccess = async () => {
          open.result.close();
          const pair = (all.result as any[]).find((r) => r?.privateKey instanceof CryptoKey);
          const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
          resolve({ extractable: pair.privateKey.extractable, x: `${jwk.x}.${jwk.y}` });
        };
      };
    });
  expect(await session.first.evaluate(me, stack.api.origin)).toMatchObject({ sub: 'alice', tokenType: 'DPoP' });
  const before = await session.first.evaluate(key);
  expect(before.extractable).toBe(false);

  await reloadHarness(session.first);
  expect(await session.first.evaluate(me, stack.api.origin)).toMatchObject({ sub: 'alice', tokenType: 'DPoP' });
  expect(await session.first.evaluate(key)).toEqual(before);
  expect(apiCalls(stack).map((r) => [r.authorization?.split(' ')[0], r.status])).toEqual([
    ['DPoP', 200],
    ['DPoP', 200],
  ]);
  expect(stack.auth.counts.token).toMatchObject({ authorization_code: 1 });
});

test('login with indexedDB.open failing: the round trip completes, the session lives in memory', async ({ session, stack }) => {
  await login(session.first, stack, { noIndexedDb: true });
  const state = await harnessState(session.first);
  expect(state.bootError).toBeNull();
  expect(state).toMatchObject({ authenticated: true, sub: 'alice', pageErrors: [] });
  // The store reports IndexedDB's failure from a timer, after the login may already be done.
  await expect.poll(async () => (await harnessState(session.first)).events).toContain('error:storage_unavailable');
  expect(stack.auth.counts.token.authorization_code).toBe(1);
  const status = await session.first.evaluate((api) => (window as any).sdk.fetch(`${api}/api/me`).then((r: Response) => r.status), stack.api.origin);
  expect(status).toBe(200);
});

test('IndexedDB slow to open (6 s, past the 3 s timeout): the page starts from memory, then takes the stored session', async ({ session, stack }) => {
  await login(session.first, stack);
  await openHarness(session.first, stack, { slowIndexedDbMs: 6000 });
  expect(await harnessState(session.first)).toMatchObject({ authenticated: false, bootError: null, pageErrors: [] });
  await expect.poll(async () => (await harnessState(session.first)).events).toContain('error:storage_unavailable');
  await waitFor(session.first, () => (window as any).sdk.isAuthenticated, undefined, { timeout: 8000, what: 'the stored session once IndexedDB answers' });
  const state = await harnessState(session.first);
  expect(state).toMatchObject({ authenticated: true, sub: 'alice', pageErrors: [] });
  expect(state.events).toEqual(['error:storage_unavailable', 'login']);
  const status = await session.first.evaluate((api) => (window as any).sdk.fetch(`${api}/api/me`).then((r: Response) => r.status), stack.api.origin);
  expect(status).toBe(200);
  expect(stack.auth.tokenRequests().map((r) => r.grant_type)).toEqual(['authorization_code']);
});

// With and without Web Locks and BroadcastChannel (issue 21 section 2): the lease in IndexedDB and
// the storage-event signal must do what the lock and the channel do.
const COORDINATION: Array<[string, HarnessSetup]> = [
  ['', {}],
  [' (no Web Locks, no BroadcastChannel)', { noLocks: true }],
];

for (const [label, setup] of COORDINATION) {
  test(`two windows × 5 calls after real expiry: one refresh_token grant, every call 200${label}`, async ({ session, stack }) => {
    stack.auth.setAccessTokenTtl(2);
    const a = session.first;
    await login(a, stack, setup);
    const b = await session.newWindow();
    await openHarness(b, stack, setup);
    expect(await harnessState(b)).toMatchObject({ authenticated: true });
    if (setup.noLocks) {
      expect(await b.evaluate(() => [typeof navigator.locks, typeof BroadcastChannel])).toEqual(['undefined', 'undefined']);
    }
    // Real expiry: the access token's own time runs out (the timers refresh only 10 s after issue).
    const expiresAt = await storedExpiry(a);
    expect(expiresAt).toBeGreaterThan(0);
    await waitFor(a, (t) => Date.now() > t, expiresAt!, { what: 'the access token to expire' });

    const url = `${stack.api.origin}/api/me`;
    const startAt = Date.now() + 500;
    await startCalls(a, url, 5, startAt);
    await startCalls(b, url, 5, startAt);
    expect([...(await callResults(a)), ...(await callResults(b))]).toEqual(Array(10).fill(200));
    expect(stack.auth.counts.token.refresh_token).toBe(1);
    for (const win of [a, b]) expect(await harnessState(win)).toMatchObject({ authenticated: true, pageErrors: [] });
  });

  test(`a logout in one window signs the other out without a reload, and it sends no token after${label}`, async ({ session, stack }) => {
    const a = session.first;
    await login(a, stack, setup);
    const b = await session.newWindow();
    await openHarness(b, stack, setup);
    expect(await harnessState(b)).toMatchObject({ authenticated: true });

    await addButton(a, 'logout', 'logout', { localOnly: true });
    await a.click('#logout');
    await waitFor(a, () => (window as any).clicked === 1, undefined, { what: 'the logout to end' });
    await waitFor(b, () => !(window as any).sdk.isAuthenticated, undefined, { timeout: 5_000, what: 'the other window to sign out' });
    expect((await harnessState(b)).events).toContain('logout');

    const sent = stack.api.requests.length;
    const outcome = await b.evaluate(
      (api) => (window as any).sdk.fetch(`${api}/api/me`).then((r: Response) => r.status, (err: any) => err.code),
      stack.api.origin,
    );
    expect(outcome).toBe('login_required');
    expect(stack.api.requests.slice(sent).filter((r) => r.authorization)).toEqual([]);
  });
}

test('without Web Locks, a lease left by a tab that died expires: the next refresh waits for it, then runs', async ({ session, stack }) => {
  stack.auth.setAccessTokenTtl(2);
  const win = session.first;
  await login(win, stack, { noLocks: true });
  // The lease record a tab that was closed mid-refresh leaves behind, good for 5 s more.
  await win.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('spa-oauth');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const store = open.result.transaction('state', 'readwrite').objectStore('state');
          const keys = store.getAllKeys();
          keys.onsuccess = () => {
            const namespace = (keys.result as string[]).find((k) => k.endsWith('|session'))!.slice(0, -'|session'.length);
            store.put({ owner: 'a closed tab', until: Date.now() + 5_000 }, `${namespace}|lease:${namespace}`);
            store.transaction.oncomplete = () => {
              open.result.close();
              resolve();
            };
          };
        };
      }),
  );
  const expiresAt = await storedExpiry(win);
  await waitFor(win, (t) => Date.now() > t, expiresAt!, { what: 'the access token to expire' });
  await startCalls(win, `${stack.api.origin}/api/me`, 2, 0);
  expect(await callResults(win)).toEqual([200, 200]);
  expect(stack.auth.counts.token.refresh_token).toBe(1);
});

test('popup login, the server sending COOP same-origin: signed in without leaving the page, one code exchange', async ({ session, stack }) => {
  stack.auth.setInteraction({ coop: true });
  const win = session.first;
  await openHarness(win, stack);
  await win.evaluate(() => void ((window as any).marker = 'still here'));
  // A real click: MiniBrowser blocks window.open without a user gesture.
  await addButton(win, 'popup', 'loginWithPopup');
  await win.click('#popup');
  const outcome = await waitFor(win, () => ((window as any).clicked ? 'ok' : (window as any).clickError), undefined, {
    timeout: 30_000,
    what: 'loginWithPopup() to settle',
  });
  expect(outcome).toBe('ok');
  expect(await win.evaluate(() => (window as any).marker)).toBe('still here');
  expect(await harnessState(win)).toMatchObject({ authenticated: true, sub: 'alice', pageErrors: [] });
  expect(stack.auth.counts.token.authorization_code).toBe(1);
  const status = await win.evaluate((api) => (window as any).sdk.fetch(`${api}/api/me`).then((r: Response) => r.status), stack.api.origin);
  expect(status).toBe(200);
});

test('same-site silent restore: with the app storage wiped, restoreSession() signs in through a hidden iframe', async ({ session, stack }) => {
  const win = session.first;
  await login(win, stack);
  // Wipe the app's IndexedDB from a page of the app origin that runs no SDK (nothing holds it
  // open); the provider's cookie, and so its session, stays.
  await win.goto(`${stack.app.origin}/config.js`);
  expect(
    await win.evaluate(
      () =>
        new Promise<string>((resolve) => {
          const request = indexedDB.deleteDatabase('spa-oauth');
          request.onsuccess = () => resolve('deleted');
          request.onerror = () => resolve(String(request.error));
          request.onblocked = () => resolve('blocked');
        }),
    ),
  ).toBe('deleted');
  await openHarness(win, stack);
  expect(await harnessState(win)).toMatchObject({ authenticated: false });
  await win.evaluate(() => void ((window as any).marker = 'still here'));

  expect(await win.evaluate(() => (window as any).sdk.restoreSession())).toBe(true);
  expect(await win.evaluate(() => [(window as any).marker, document.querySelectorAll('iframe').length])).toEqual(['still here', 0]);
  expect(await harnessState(win)).toMatchObject({ authenticated: true, sub: 'alice', pageErrors: [] });
  expect(stack.auth.counts.token.authorization_code).toBe(2);
});
