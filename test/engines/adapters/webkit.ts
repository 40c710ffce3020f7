import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { remote } from 'webdriverio';
import type { BrowserSession, Engine, PageFunction, Win } from '../driver';

export const WEBKIT_DRIVER_PATH = process.env.WEBKIT_DRIVER_PATH || '/usr/bin/WebKitWebDriver';
export const MINIBROWSER_PATH = process.env.MINIBROWSER_PATH || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
const XVFB_RUN = '/usr/bin/xvfb-run';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function waitForDriver(port: number, driver: ChildProcess) {
  for (let i = 0; i < 200; i++) {
    if (driver.exitCode !== null) throw new Error(`WebKitWebDriver exited with code ${driver.exitCode}; run it by hand: xvfb-run -a ${WEBKIT_DRIVER_PATH} --port=${port}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/status`)).ok) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`WebKitWebDriver did not answer on port ${port} within 20 s`);
}

type WdioBrowser = Awaited<ReturnType<typeof remote>>;

/**
 * One MiniBrowser session: classic WebDriver has one current window per session, so every call
 * switches to its own window first, one call at a time.
 */
function webdriverSession(browser: WdioBrowser, firstHandle: string): BrowserSession {
  let current = firstHandle;
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(handle: string, task: () => Promise<T>): Promise<T> => {
    const run = queue.then(async () => {
      if (current !== handle) {
        await browser.switchToWindow(handle);
        current = handle;
      }
      return task();
    });
    queue = run.catch(() => undefined);
    return run;
  };
  const win = (handle: string): Win => ({
    goto: (url) => serial(handle, async () => void (await browser.url(url))),
    reload: () => serial(handle, () => browser.refresh()),
    url: () => serial(handle, () => browser.getUrl()),
    click: (selector) => serial(handle, () => browser.$(selector).click()),
    fill: (selector, value) => serial(handle, () => browser.$(selector).setValue(value)),
    evaluate: <R, A>(fn: PageFunction<A, R>, arg?: A) =>
      serial(handle, async () => {
        // WebDriver's Execute Script awaits a returned promise; undefined comes back as null.
        const result = await browser.execute(fn as (arg: A) => R, arg as A);
        return (result === null ? undefined : result) as R;
      }),
    close: () => serial(handle, () => browser.closeWindow().then(() => undefined)),
  });
  return {
    first: win(firstHandle),
    async newWindow() {
      // 'window', not 'tab': MiniBrowser's tab windows cannot open popups.
      const { handle } = await serial(current, () => browser.createWindow('window'));
      return win(handle);
    },
    close: () => browser.deleteSession(),
  };
}

/**
 * WebKitGTK's MiniBrowser through WebKitWebDriver and webdriverio (classic WebDriver), under
 * `xvfb-run -a` since MiniBrowser needs a display; each session is a new MiniBrowser process.
 */
export async function launchWebKit(): Promise<Engine> {
  for (const [path, pkg] of [
    [WEBKIT_DRIVER_PATH, 'webkit2gtk-driver'],
    [MINIBROWSER_PATH, 'webkit2gtk-driver'],
    [XVFB_RUN, 'xvfb and xauth'],
  ]) {
    if (!existsSync(path)) throw new Error(`${path} is missing: install ${pkg} (apt-get, as .ci/run does)`);
  }
  const port = await freePort();
  // Its own process group, so closing ends xvfb-run, Xvfb and the driver together.
  const driver = spawn(XVFB_RUN, ['-a', WEBKIT_DRIVER_PATH, `--port=${port}`], { detached: true, stdio: 'ignore' });
  const stop = () => {
    try {
      process.kill(-driver.pid!, 'SIGTERM');
    } catch {}
  };
  try {
    await waitForDriver(port, driver);
  } catch (err) {
    stop();
    throw err;
  }
  return {
    name: 'webkit',
    async newSession() {
      const browser = await remote({
        hostname: '127.0.0.1',
        port,
        logLevel: 'error',
        capabilities: {
          browserName: 'MiniBrowser',
          // WebKitWebDriver speaks classic WebDriver only; asking for BiDi fails the session.
          'wdio:enforceWebDriverClassic': true,
          'webkitgtk:browserOptions': { binary: MINIBROWSER_PATH, args: ['--automation'] },
        } as WebdriverIO.Capabilities,
      });
      return webdriverSession(browser, await browser.getWindowHandle());
    },
    async close() {
      stop();
    },
  };
}
