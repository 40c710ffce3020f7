// The driver interface every cross-engine scenario is written against, once. One adapter per
// driver: Playwright (Chromium), puppeteer-core over WebDriver BiDi (Firefox ESR), webdriverio
// over classic WebDriver (WebKitGTK's MiniBrowser). Only what all three can do belongs here: no
// request interception, no init scripts, no console events (the harness records page errors).

export type EngineName = 'chromium' | 'firefox' | 'webkit';

/** A function run in the page: serialised by its source, so it may use nothing from the test's scope. */
export type PageFunction<A, R> = (arg: A) => R | Promise<R>;

/** One window (tab) of a browser session. */
export interface Win {
  goto(url: string): Promise<void>;
  reload(): Promise<void>;
  url(): Promise<string>;
  /** A real click (a user gesture, so `window.open` is allowed) on the first element matching `selector`. */
  click(selector: string): Promise<void>;
  /** Types `value` into the input matching `selector`, replacing what it held. */
  fill(selector: string, value: string): Promise<void>;
  evaluate<R, A = undefined>(fn: PageFunction<A, R>, arg?: A): Promise<R>;
  close(): Promise<void>;
}

/** A clean browser profile (no cookies, empty IndexedDB) and its windows. */
export interface BrowserSession {
  /** The session's first window. */
  readonly first: Win;
  /** A second top-level window of the same profile, sharing its storage. */
  newWindow(): Promise<Win>;
  close(): Promise<void>;
}

/** A launched browser; `newSession` gives each test a clean profile. */
export interface Engine {
  readonly name: EngineName;
  newSession(): Promise<BrowserSession>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `fn` in `win` until it returns something truthy, and returns that. Errors while polling
 * count as "not yet": the page may be between documents (a login redirect).
 */
export async function waitFor<R, A = undefined>(
  win: Win,
  fn: PageFunction<A, R>,
  arg?: A,
  { timeout = 15_000, what = String(fn) }: { timeout?: number; what?: string } = {},
): Promise<R> {
  const deadline = Date.now() + timeout;
  let last: unknown;
  for (;;) {
    try {
      const value = await win.evaluate(fn, arg as A);
      if (value) return value;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`waited ${timeout} ms for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await sleep(100);
  }
}

/** Polls a condition in the test (e.g. on the servers' counters) until it holds. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeout = 15_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`waited ${timeout} ms for ${what}`);
    await sleep(100);
  }
}
