import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import react from '@vitejs/plugin-react';
import { build } from 'vite';
import { expect, test } from '@playwright/test';
import { startDevProvider } from '../fixtures/provider.mjs';
import { REPO_ROOT } from '../fixtures/stack.mjs';
import { watchErrors } from './fixtures';
import { startPageServer, type PageServer } from './helpers/page-server';

// Issue 22 (4): the README's React section is a complete React Router 7 app. It is built with Vite
// as printed (only the local provider's addresses become this test's) and driven in Chromium; a
// copy without `onRedirect` shows that the default also leaves the router on the returnTo page.

const readme = readFileSync(`${REPO_ROOT}/README.md`, 'utf8');
const printed = /## React\n[\s\S]*?```tsx\n([\s\S]*?)```/.exec(readme)![1];
const ON_REDIRECT = / onRedirect=\{\(returnTo\) => navigate\(returnTo, \{ replace: true \}\)\}/;

/** Builds `main` (a main.tsx) with Vite under test-results/ and serves it from `app`, at every path. */
async function buildInto(app: PageServer, name: string, main: string) {
  const dir = join(REPO_ROOT, 'test-results', `readme-react-${name}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), '<!DOCTYPE html><html><body><div id="root"></div><script type="module" src="/src/main.tsx"></script></body></html>');
  writeFileSync(join(dir, 'src', 'main.tsx'), main);
  await build({
    root: dir,
    configFile: false,
    logLevel: 'warn',
    plugins: [react()],
    // The package as an installed app gets it: this repository's build.
    resolve: {
      alias: [
        { find: /^spa-oauth-client$/, replacement: join(REPO_ROOT, 'dist/spa-oauth.mjs') },
        { find: /^spa-oauth-client\/react$/, replacement: join(REPO_ROOT, 'dist/react.mjs') },
      ],
    },
    build: { outDir: join(dir, 'out'), emptyOutDir: true },
  });
  app.setHtml(readFileSync(join(dir, 'out', 'index.html'), 'utf8'));
  for (const file of readdirSync(join(dir, 'out', 'assets'))) {
    app.setFile(`/assets/${file}`, file.endsWith('.js') ? 'text/javascript' : 'text/css', readFileSync(join(dir, 'out', 'assets', file)));
  }
}

for (const [name, main] of [
  ['as printed', printed],
  ['without onRedirect (the default)', printed.replace(ON_REDIRECT, '')],
] as const) {
  test(`README React Router example, ${name}: login lands on /profile with the profile rendered, the API answers, a deep link comes back to itself`, async ({ page, browser }) => {
    expect(printed).toMatch(ON_REDIRECT);
    expect(printed).toContain("from 'react-router'");
    const app = await startPageServer();
    const provider = await startDevProvider({ origins: [app.origin] });
    try {
      await buildInto(app, name.replace(/\W+/g, '-'), main
        .replaceAll('http://127.0.0.1:9400', provider.auth.issuer)
        .replaceAll('http://127.0.0.1:9401', provider.api.origin));
      const errors = watchErrors(page);

      await page.goto(`${app.origin}/`);
      await expect(page.locator('h1')).toHaveText('Home');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL(`${app.origin}/profile`);
      // The router renders the page the address bar shows, not the callback's Home.
      await expect(page.locator('h1')).toHaveText('Alice Example');
      await expect(page.getByRole('button', { name: 'Log out Alice Example' })).toBeVisible();
      await page.getByRole('button', { name: 'Call the API' }).click();
      await expect(page.locator('pre')).toContainText('"sub":"alice"');
      expect(provider.auth.counts.token.authorization_code).toBe(1); // StrictMode: still one exchange
      await page.getByRole('link', { name: 'Home' }).click();
      await expect(page.locator('h1')).toHaveText('Home');
      expect(errors).toEqual([]);

      // A deep link opened signed out: RequireAuth logs in and the router comes back to it.
      const fresh = await browser.newPage();
      try {
        await fresh.goto(`${app.origin}/profile?tab=api`);
        await fresh.waitForURL(`${app.origin}/profile?tab=api`, { waitUntil: 'commit' });
        await expect(fresh.locator('h1')).toHaveText('Alice Example');
        expect(new URL(fresh.url()).search).toBe('?tab=api');
      } finally {
        await fresh.close();
      }
    } finally {
      await provider.close();
      await app.close();
    }
  });
}
