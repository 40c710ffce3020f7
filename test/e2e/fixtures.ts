import { test as base, expect, type BrowserContext, type Page } from '@playwright/test';
import { startStack, type Stack } from '../fixtures/stack.mjs';

export type { Stack };

/**
 * `stack`: the servers, started once per worker.
 * `resetStack`: automatic; wipes server state and counters before every test.
 * Each test still gets a fresh browser context (empty IndexedDB, no cookies).
 */
export const test = base.extend<{ resetStack: void }, { stack: Stack }>({
  stack: [
    async ({}, use) => {
      const stack = await startStack();
      await use(stack);
      await stack.close();
    },
    { scope: 'worker' },
  ],
  resetStack: [
    async ({ stack }, use) => {
      stack.reset();
      await use();
    },
    { auto: true },
  ],
});

export { expect };

/** Options merged into the harness page's createOAuthClient() call. Must be serializable. */
export type HarnessOptions = Record<string, unknown>;

const READY = 'body[data-ready="true"]';

/** Opens /harness.html with the SDK bootstrapped (options survive later navigations). */
export async function openHarness(page: Page, stack: Stack, options: HarnessOptions = {}) {
  await page.addInitScript((opts) => {
    (window as any).__SPA_OAUTH_TEST_OPTIONS__ = opts;
  }, options);
  await page.goto(`${stack.app.origin}/harness.html`);
  await page.waitForSelector(READY, { state: 'attached' });
}

/**
 * Opens the harness, calls sdk.login(loginOptions), and returns once the browser
 * is back on /harness.html and the SDK has handled the redirect (check
 * `window.bootError` / `window.redirectResult` for the outcome).
 */
export async function loginOnHarness(page: Page, stack: Stack, options: HarnessOptions = {}, loginOptions?: Record<string, unknown>) {
  await openHarness(page, stack, options);
  // The ready marker is removed first so that waiting for it below cannot
  // match the page we are leaving.
  const started = page.evaluate((opts) => {
    const w = window as any;
    delete document.body.dataset.ready;
    w.sdk.login(opts).catch((err: any) => {
      w.__loginError = { code: err?.code, message: String(err?.message ?? err) };
    });
  }, loginOptions);
  await started.catch((err: Error) => {
    if (!/context was destroyed|navigat/i.test(err.message)) throw err;
  });
  const failed = page
    .waitForFunction(() => (window as any).__loginError, undefined, { timeout: 0 })
    .then(async (handle) => {
      throw new Error(`sdk.login() failed: ${JSON.stringify(await handle.jsonValue())}`);
    });
  failed.catch(() => {}); // it never settles on success until the page closes
  await Promise.race([page.waitForSelector(READY, { state: 'attached', timeout: 30_000 }), failed]);
  if (new URL(page.url()).pathname !== '/harness.html') {
    throw new Error(`login ended on ${page.url()}, not on /harness.html`);
  }
}

/** Collects page errors and console errors (e.g. what React or Vue log), with their URL. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`${message.text()} ${message.location().url}`);
  });
  return errors;
}

/**
 * Starts a login on the harness and stops at the callback, returning its URL unprocessed: the
 * page stays on it with no client created (`window.createTestClient()` makes one).
 */
export async function captureCallback(page: Page, app: string, options: Record<string, unknown> = {}): Promise<string> {
  await page.evaluate((opts) => {
    sessionStorage.setItem('spa-oauth-test-hold', '1');
    delete document.body.dataset.ready;
    void (window as any).sdk.login(opts);
  }, options);
  await page.waitForURL(/\/harness\.html\?.*(code|error)=/);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  const url = page.url();
  expect(url.startsWith(`${app}/harness.html?`)).toBe(true);
  return url;
}

/**
 * Reads, straight from the page's IndexedDB, the SDK record whose key ends with `|suffix`
 * (e.g. `session`, `dpop-keys`), and maps it in the page with `inspect` (CryptoKeys cannot leave it).
 */
export function readSdkRecord<T>(page: Page, suffix: string, inspect: string = 'record => record'): Promise<T> {
  return page.evaluate(
    ({ suffix, inspect }) =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('spa-oauth');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const store = open.result.transaction('state', 'readonly').objectStore('state');
          const keys = store.getAllKeys();
          keys.onsuccess = () => {
            const key = (keys.result as string[]).find((k) => k.endsWith(`|${suffix}`));
            if (!key) return resolve(undefined);
            const get = store.get(key);
            get.onsuccess = async () => resolve(await (0, eval)(inspect)(get.result));
          };
        };
      }),
    { suffix, inspect },
  ) as Promise<T>;
}

/**
 * Installs a paused clock in every page of `context`, so only the test moves time (refresh timers
 * fire only through `clock.runFor`, and `clock.setSystemTime` passes expiry without firing them).
 */
export async function pauseClock(context: BrowserContext) {
  await context.clock.install();
  await context.clock.pauseAt(Date.now() + 1000);
}

/** Opens another tab of the same browser context on the harness, sharing the stored session. */
export async function openSecondTab(context: BrowserContext, stack: Stack, options: HarnessOptions = {}) {
  const tab = await context.newPage();
  await openHarness(tab, stack, options);
  return tab;
}

/**
 * Where a secret the authorization server issued (`stack.auth.issuedTokens()` and
 * `issuedCodes()`) can be found in the page's `events` or in the errors collected in
 * `window.thrown`: every string reachable through `cause` chains and all own properties,
 * non-enumerable ones included (so `message` and `stack`), and the entries of URLSearchParams,
 * Headers and Maps. A Response or Request met on the way counts as a leak by itself: its body is
 * out of reach of a walk. Authorization codes are not looked for in `stack`, where V8 names an
 * inline script of the callback page by the page's URL, query and code included: that is the
 * page's doing, and the code is spent and PKCE-bound. Returns the paths of the leaks; `[]` is none.
 */
export async function findLeakedTokens(page: Page, stack: Stack): Promise<string[]> {
  const tokens = stack.auth.issuedTokens();
  const codes = stack.auth.issuedCodes();
  expect(tokens.length).toBeGreaterThan(0);
  return page.evaluate(({ tokens, codes }) => {
    const found: string[] = [];
    const seen = new Set<unknown>();
    function visit(value: unknown, path: string): void {
      if (typeof value === 'string') {
        const secrets = path.endsWith('.stack') ? tokens : [...tokens, ...codes];
        if (secrets.some((secret) => value.includes(secret))) found.push(path);
        return;
      }
      if (typeof value !== 'object' || value === null || seen.has(value) || value === window) return;
      seen.add(value);
      if (value instanceof Response || value instanceof Request) return void found.push(`${path} [${value.constructor.name}]`);
      if (value instanceof URLSearchParams || value instanceof Headers || value instanceof Map) {
        for (const [key, entry] of value.entries()) visit([key, entry], `${path}[${String(key)}]`);
      }
      for (const key of Reflect.ownKeys(value)) {
        let child: unknown;
        try {
          child = (value as Record<PropertyKey, unknown>)[key];
        } catch {
          continue;
        }
        visit(child, `${path}.${String(key)}`);
      }
    }
    const w = window as any;
    visit(w.events, 'events');
    visit(w.thrown, 'thrown');
    return found;
  }, { tokens, codes });
}

/**
 * Resolves once nothing the SDK started in `page` is still running under a Web Lock (a refresh
 * holds the session's lock until its token request is answered and stored). After a
 * `clock.runFor`, whose timers fire synchronously, this is the proof that an automatic refresh
 * would have happened by now, so a test can assert that one did not.
 */
export async function settle(page: Page) {
  await page.evaluate(async () => {
    const { held = [], pending = [] } = await navigator.locks.query();
    const names = new Set([...held, ...pending].map((lock) => lock.name!));
    await Promise.all([...names].map((name) => navigator.locks.request(name, async () => undefined)));
  });
}

/** The query of every authorization request the page sends to the server, from now on. */
export function recordAuthorizationRequests(page: Page, stack: Stack): URLSearchParams[] {
  const seen: URLSearchParams[] = [];
  const endpoint = `${stack.auth.issuer.replace(/\/$/, '')}/auth`;
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (`${url.origin}${url.pathname}` === endpoint) seen.push(url.searchParams);
  });
  return seen;
}
