import { test as base, expect } from '@playwright/test';
import { startStack, type Stack } from '../fixtures/stack.mjs';
import { launchChromium } from './adapters/chromium';
import { launchFirefox } from './adapters/firefox';
import { launchWebKit } from './adapters/webkit';
import { waitFor, type BrowserSession, type Engine, type EngineName, type Win } from './driver';

export { expect };
export type { Stack, Win };

const LAUNCH: Record<EngineName, () => Promise<Engine>> = {
  chromium: launchChromium,
  firefox: launchFirefox,
  webkit: launchWebKit,
};

/** The `engine` option each Playwright project sets (playwright.config.ts). */
export interface EngineOptions {
  engine: EngineName;
}

/**
 * `engine`: one browser per worker, launched by its own driver; a missing browser fails every
 * test of its project (never a skip). `session`: a clean profile per test. `stack`: the servers
 * the Chromium specs use, reset before each test.
 */
export const test = base.extend<{ session: BrowserSession; resetStack: void }, EngineOptions & { browserEngine: Engine; stack: Stack }>({
  engine: ['chromium', { option: true, scope: 'worker' }],
  browserEngine: [
    async ({ engine }, use) => {
      const launched = await LAUNCH[engine]();
      await use(launched);
      await launched.close();
    },
    { scope: 'worker', timeout: 90_000 },
  ],
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
  session: async ({ browserEngine }, use) => {
    const session = await browserEngine.newSession();
    await use(session);
    await session.close().catch(() => undefined);
  },
});

/** What the harness sets up before the SDK loads (see the head script of test/pages/harness.html). */
export interface HarnessSetup {
  /** Merged into the client's options. */
  options?: Record<string, unknown>;
  /** Remove `navigator.locks` and `BroadcastChannel`. */
  noLocks?: boolean;
  /** `indexedDB.open` throws. */
  noIndexedDb?: boolean;
  /** `indexedDB.open` answers this many ms late (a slow disk). */
  slowIndexedDbMs?: number;
}

const isReady = () => document.body?.dataset.ready === 'true' && location.pathname === '/harness.html';

/** Opens the harness in `win` with `setup`, and waits for the SDK to have started. */
export async function openHarness(win: Win, stack: Stack, setup: HarnessSetup = {}) {
  await win.goto(`${stack.app.origin}/harness.html?engine-test=${encodeURIComponent(JSON.stringify(setup))}`);
  await waitFor(win, isReady, undefined, { what: 'the harness to start' });
}

/** Reloads `win` and waits for the SDK to have started again. */
export async function reloadHarness(win: Win) {
  await win.evaluate(() => void delete document.body.dataset.ready);
  await win.reload();
  await waitFor(win, isReady, undefined, { what: 'the harness to start after the reload' });
}

/**
 * Adds a button to the page, whose click (a real user gesture) calls `sdk[method](arg)`, and an
 * input whose value, when filled, is passed instead as `{ returnTo }`.
 */
export async function addButton(win: Win, id: string, method: 'login' | 'logout' | 'loginWithPopup', arg: Record<string, unknown> = {}) {
  await win.evaluate(
    ({ id, method, arg }) => {
      const w = window as any;
      const input = Object.assign(document.createElement('input'), { id: `${id}-input` });
      const button = Object.assign(document.createElement('button'), { id, textContent: method });
      button.onclick = () => {
        if (method === 'login') delete document.body.dataset.ready;
        const options = input.value ? { ...arg, returnTo: input.value } : arg;
        w.sdk[method](options).then(
          () => (w.clicked = (w.clicked ?? 0) + 1),
          (err: any) => (w.clickError = { code: err?.code, message: String(err?.message ?? err) }),
        );
      };
      document.body.append(input, button);
    },
    { id, method, arg },
  );
}

/** Logs in from the harness by a real click (and `returnTo` typed into a field); back on the harness when it resolves. */
export async function login(win: Win, stack: Stack, setup: HarnessSetup = {}, returnTo = '/inbox') {
  await openHarness(win, stack, setup);
  await addButton(win, 'login', 'login');
  await win.fill('#login-input', returnTo);
  await win.click('#login');
  const outcome = await waitFor(
    win,
    () => {
      const w = window as any;
      if (w.clickError) return { error: w.clickError };
      return document.body?.dataset.ready === 'true' && location.pathname === '/harness.html' && { done: true };
    },
    undefined,
    { timeout: 30_000, what: 'the login to come back to the harness' },
  );
  if ('error' in outcome) throw new Error(`sdk.login() failed: ${JSON.stringify(outcome.error)}`);
}

/** What the harness holds: the SDK's state and what it reported (never a token). */
export function harnessState(win: Win) {
  return win.evaluate(() => {
    const w = window as any;
    return {
      authenticated: Boolean(w.sdk?.isAuthenticated),
      sub: w.sdk?.user?.sub as string | undefined,
      // null, not undefined: classic WebDriver returns undefined members as null.
      bootError: (w.bootError ?? null) as { code?: string; message: string } | null,
      redirectResult: (w.redirectResult ?? null) as { returnTo?: string } | null,
      events: ((w.events ?? []) as any[]).map((e) => (e.type === 'error' ? `error:${e.error?.code}` : e.type)) as string[],
      pageErrors: (w.pageErrors ?? []) as string[],
    };
  });
}

/**
 * Starts `count` calls of `sdk.fetch(url)` at `startAt` (a time shared by every window, so calls
 * in two windows overlap whatever the driver's latency); `callResults` reads their statuses.
 */
export function startCalls(win: Win, url: string, count: number, startAt: number) {
  return win.evaluate(
    ({ url, count, startAt }) => {
      const w = window as any;
      w.callResults = undefined;
      setTimeout(() => {
        const calls = Array.from({ length: count }, () =>
          w.sdk.fetch(url).then(
            (r: Response) => r.status,
            (err: any) => `${err?.code ?? err}`,
          ),
        );
        Promise.all(calls).then((statuses) => (w.callResults = statuses));
      }, Math.max(0, startAt - Date.now()));
    },
    { url, count, startAt },
  );
}

export function callResults(win: Win): Promise<Array<number | string>> {
  return waitFor(win, () => (window as any).callResults as Array<number | string> | undefined, undefined, { what: 'the calls to finish' });
}

/** The stored session's `expiresAt`, read from the page's IndexedDB. */
export function storedExpiry(win: Win): Promise<number | undefined> {
  return win.evaluate(
    () =>
      new Promise<number | undefined>((resolve, reject) => {
        const open = indexedDB.open('spa-oauth');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const store = open.result.transaction('state', 'readonly').objectStore('state');
          const all = store.getAll();
          all.onsuccess = () => {
            open.result.close();
            resolve((all.result as any[]).find((r) => r && typeof r.expiresAt === 'number' && r.v === 1)?.expiresAt);
          };
        };
      }),
  );
}
