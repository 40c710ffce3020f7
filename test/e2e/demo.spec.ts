import { mkdirSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { REPO_ROOT } from '../fixtures/stack.mjs';
import { groupIsRunning, isListening, killGroup, startProcess, type Started } from './helpers/process';

// `npm run demo` as a person runs it (minus the build, which `npm test` has just done): every
// feature the page shows, screenshots of its main states in test-results/demo/ for a reviewer,
// and a SIGTERM to npm that leaves nothing running.

const SHOTS = `${REPO_ROOT}/test-results/demo`;

async function shot(page: Page, name: string) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
  if (name === '2-signed-in' && process.env.UPDATE_DOCS_SCREENSHOT) await page.screenshot({ path: `${REPO_ROOT}/docs/demo.png` });
}

const ready = (page: Page) => expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
const logText = (page: Page) => page.locator('#log');

test('the demo: sign in, profile, protected data, expire-and-refresh, a non-listed origin, another tab, DPoP; SIGTERM stops everything', async ({ browser }) => {
  test.setTimeout(120_000);
  let demo: Started | undefined;
  try {
    demo = await startProcess('npm', ['run', 'demo', '--', '--no-build'], /Press Ctrl-C/);
    const printed = demo.output();
    const origin = /open:\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(printed)![1];
    const ports = [...printed.matchAll(/(?:open|issuer|API|other):\s+http:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
    expect(ports).toHaveLength(4);

    const context = await browser.newContext({ viewport: { width: 1280, height: 820 } });
    const page = await context.newPage();
    await page.goto(`${origin}/`);
    await ready(page);
    await expect(page.locator('#status')).toHaveText('signed out');
    await expect(page.locator('#login')).toBeVisible();
    await expect(page.locator('#logout')).toBeHidden();
    await shot(page, '1-signed-out');

    // Log in from the protected page: the login comes back to it.
    await page.click('nav >> text=Protected data');
    await expect(page.locator('#data-signed-out')).toBeVisible();
    await page.click('#login');
    await page.waitForURL(`${origin}/data`);
    await ready(page);
    await expect(page.locator('#status')).toHaveText('signed in');
    await expect(page.locator('#api-result')).toContainText('alice');
    await expect(page.locator('#api-result')).toContainText('200');
    await expect(page.locator('#login')).toBeHidden();
    await shot(page, '3-protected-data');

    await page.click('nav >> text=Home');
    await expect(page.locator('#avatar')).toHaveText('AE');
    await expect(page.locator('#user-name')).toHaveText('Alice Example');
    await expect(page.locator('#user')).toContainText('alice@example.com (verified)');
    await expect(page.locator('#token-state')).toHaveText(/^Expires in 0:\d\d/);
    // The log survived the round trip through the provider: the page load before the login is still there.
    await expect(page.locator('#log li.page')).toHaveText(['page loaded: /', 'page loaded: /'].map((t) => new RegExp(t)));
    await expect(logText(page)).toContainText('signed in as Alice Example');
    await shot(page, '2-signed-in');

    // Expire now: the API forgets the token, the next call gets 401, the SDK refreshes once and retries.
    const refreshes = page.locator('#log li.refresh');
    await expect(refreshes).toHaveCount(0);
    await page.click('#expire-now');
    await expect(logText(page)).toContainText('the API forgot the access token');
    await page.click('#token-call');
    await expect(refreshes).toHaveCount(1);
    await expect(logText(page).locator('li.api').first()).toContainText('GET /api/me → 200 (alice)');
    await expect(page.locator('#token-state')).toHaveText(/^Expires in 0:\d\d/);
    await shot(page, '4-after-refresh');

    await page.click('#call-other');
    await expect(page.locator('#other-result')).toContainText('received no Authorization header and no DPoP proof');

    // Another tab shares the session; logging out there signs this tab out too.
    const [tab] = await Promise.all([context.waitForEvent('page'), page.click('#open-tab')]);
    await ready(tab);
    await expect(tab.locator('#status')).toHaveText('signed in');
    await tab.click('#logout');
    await tab.waitForURL(`${origin}/`);
    await ready(tab);
    await expect(tab.locator('#status')).toHaveText('signed out');
    await expect(page.locator('#status')).toHaveText('signed out');
    await expect(logText(page)).toContainText('another tab logged out');
    await shot(page, '5-logged-out-by-other-tab');
    await tab.close();

    // DPoP on: the next login gets a DPoP-bound token, which the API reports.
    await page.check('#dpop');
    await page.waitForLoadState('load');
    await ready(page);
    await expect(page.locator('#dpop')).toBeChecked();
    await page.click('nav >> text=Protected data');
    await page.click('#login');
    await page.waitForURL(`${origin}/data`);
    await ready(page);
    await expect(page.locator('#api-result')).toContainText('DPoP');
    await expect(page.locator('#token-type')).toHaveText('DPoP');
    await shot(page, '6-dpop');
    await context.close();

    // SIGTERM to npm itself (as a process manager sends it), not to its process group.
    process.kill(demo.child.pid!, 'SIGTERM');
    expect(await demo.exited).toBe(0);
    for (const port of ports) expect(await isListening(port), `port ${port}`).toBe(false);
    expect(groupIsRunning(demo), 'a process of the demo is still running').toBe(false);
  } finally {
    killGroup(demo);
  }
});
