import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { REPO_ROOT, startStack } from '../fixtures/stack.mjs';
import { startDevProvider } from '../fixtures/provider.mjs';
import { startPageServer, type PageServer } from './helpers/page-server';
import { groupIsRunning, isListening, killGroup, startProcess, type Started } from './helpers/process';

// `npx spa-oauth-dev-provider --origin <your app>` as a developer runs it, for an app on an origin
// the repository knows nothing about.

test('npx spa-oauth-dev-provider: the printed options, pasted into an app on another origin, log in and call the API; SIGTERM to npx stops it', async ({ page }) => {
  const app = await startPageServer();
  app.setFile('/spa-oauth.iife.js', 'text/javascript', readFileSync(`${REPO_ROOT}/dist/spa-oauth.iife.js`));
  let provider: Started | undefined;
  try {
    provider = await startProcess('npx', ['spa-oauth-dev-provider', '--origin', app.origin, '--port', '0', '--api-port', '0', '--silent'], /Press Ctrl-C/);
    const printed = provider.output();
    const pasted = /createOAuthClient\((\{[\s\S]*?\})\);/.exec(printed)?.[1];
    expect(pasted, printed).toBeTruthy();
    const apiOrigin = /API:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(printed)![1];
    const issuerPort = Number(/issuer:\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(printed)![1]);

    app.setHtml(`<!DOCTYPE html><body><script src="/spa-oauth.iife.js"></script><script type="module">
      const client = await SpaOAuth.createOAuthClient(${pasted});
      await client.handleRedirect();
      window.client = client;
      document.body.dataset.ready = String(client.isAuthenticated);
    </script>`);
    await page.goto(app.origin + '/');
    await expect(page.locator('body')).toHaveAttribute('data-ready', 'false');
    await page.evaluate(() => { void (window as any).client.login(); });
    await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
    expect(page.url()).toBe(app.origin + '/');
    const me = await page.evaluate(async (api) => {
      const res = await (window as any).client.fetch(`${api}/api/me`);
      return { status: res.status, body: await res.json() };
    }, apiOrigin);
    expect(me).toMatchObject({ status: 200, body: { sub: 'alice' } });

    // SIGTERM to npx itself, as a process manager sends it; npx does not pass it on to the provider.
    process.kill(provider.child.pid!, 'SIGTERM');
    await provider.exited;
    await expect.poll(() => groupIsRunning(provider!), { message: 'the provider outlived npx' }).toBe(false);
    expect(await isListening(issuerPort)).toBe(false);
    expect(await isListening(Number(new URL(apiOrigin).port))).toBe(false);
  } finally {
    killGroup(provider);
    await app.close();
  }
});

test('spa-oauth-dev-provider refuses an origin with a path, saying what it expects', async () => {
  const run = startProcess('node_modules/.bin/spa-oauth-dev-provider', ['--origin', 'http://localhost:5173/app', '--port', '0', '--api-port', '0'], /never/);
  await expect(run).rejects.toThrow(/exited \(2\)[\s\S]*not a bare origin; pass scheme:\/\/host:port only/);
});

test('startStack({ appOrigins }) registers each extra origin for login and CORS', async () => {
  const stack = await startStack({ appOrigins: ['http://localhost:5173'] });
  try {
    const client = await stack.auth.provider.Client.find(stack.auth.clientId);
    expect(client.redirectUris).toContain('http://localhost:5173/');
    expect(client.postLogoutRedirectUris).toContain('http://localhost:5173/');
    const preflight = await fetch(`${stack.auth.issuer}/token`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://localhost:5173', 'Access-Control-Request-Method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
  } finally {
    await stack.close();
  }
});

// Issue 22 (2, 3, 9): the local provider as the README prints it, for someone who has a clone and
// ran `npm ci`; the client it prints is the README's; logins go through a login form and consent.

const readme = readFileSync(`${REPO_ROOT}/README.md`, 'utf8');
const providerSection = /## A local identity provider for your app\n([\s\S]*?)\n## /.exec(readme)![1];

/** An app page running `snippet` (the printed client, import line aside) on the IIFE build. */
function serveApp(app: PageServer, snippet: string) {
  app.setFile('/spa-oauth.iife.js', 'text/javascript', readFileSync(`${REPO_ROOT}/dist/spa-oauth.iife.js`));
  app.setHtml(`<!DOCTYPE html><body><script src="/spa-oauth.iife.js"></script><script type="module">
    const { createOAuthClient } = SpaOAuth;
    ${snippet.replace(/^import .*$/m, '')}
    window.client = await client;
    window.redirect = window.client.handleRedirect().catch((e) => ({ code: e.code }));
    window.result = await window.redirect;
    document.body.dataset.user = window.client.user?.sub ?? '';
    document.body.dataset.ready = 'true';
  </script>`);
}

async function open(page: Page, url: string) {
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
}

async function startLogin(page: Page, options: object = {}) {
  await page.evaluate((o) => { void (window as any).client.login(o); }, options);
}

test('the README local provider command, run as printed: its printed client is the README\'s and signs in on both origins through the login form and consent screen', async ({ page }) => {
  const command = /```sh\n(.*)\n```/.exec(providerSection)![1];
  expect(command).toMatch(/^npm run dev-provider -- /);
  const documented = /```js\n([\s\S]*?)\n```/.exec(providerSection)![1];
  const origins = [...command.matchAll(/--origin (\S+)/g)].map((m) => m[1]);
  expect(origins.length).toBeGreaterThanOrEqual(2);
  const apps = await Promise.all(origins.map((origin) => startPageServer(Number(new URL(origin).port))));
  let provider: Started | undefined;
  try {
    provider = await startProcess('sh', ['-c', command], /Press Ctrl-C/);
    const printed = provider.output();
    const snippet = /Paste into your app[^\n]*\n\n([\s\S]*?)\n\nPress Ctrl-C/.exec(printed)![1].replace(/^ {2}/gm, '');
    expect(snippet).toBe(documented);
    // One way everywhere: the React and Vue sections create the same client, at module scope.
    const client = documented.slice(documented.indexOf('const client'));
    for (const section of ['React', 'Vue']) expect(new RegExp(`## ${section}\\n[\\s\\S]*?\\n## `).exec(readme)![0], section).toContain(client);
    const apiOrigin = /API:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(printed)![1];
    for (const app of apps) serveApp(app, snippet);
    const [dev, preview] = apps;

    // The dev server's origin: a wrong password is refused, the right one leads to consent.
    await open(page, `${dev.origin}/`);
    await expect(page.locator('body')).toHaveAttribute('data-user', '');
    await startLogin(page);
    await page.fill('#username', 'alice');
    await page.fill('#password', 'not-the-password');
    await page.click('#sign-in');
    await expect(page.locator('#error')).toHaveText('Wrong user name or password.');
    expect(new URL(page.url()).pathname).toMatch(/^\/interaction\//);
    await page.fill('#password', 'password');
    await page.click('#sign-in');
    await expect(page.locator('#scopes')).toContainText('profile');
    await expect(page.locator('#account')).toHaveText('alice');
    await page.click('#allow');
    await page.waitForURL(`${dev.origin}/`);
    await expect(page.locator('body')).toHaveAttribute('data-user', 'alice');
    const me = await page.evaluate(async (api) => {
      const res = await (window as any).client.fetch(`${api}/api/me`);
      return { status: res.status, body: await res.json() };
    }, apiOrigin);
    expect(me).toMatchObject({ status: 200, body: { sub: 'alice' } });

    // The preview's origin, same snippet: the provider's session signs alice in without a form.
    await open(page, `${preview.origin}/`);
    await startLogin(page);
    await page.waitForURL(`${preview.origin}/`);
    await expect(page.locator('body')).toHaveAttribute('data-user', 'alice');

    // prompt=login asks again, so another user can sign in (and consents for herself).
    await startLogin(page, { prompt: 'login' });
    await page.fill('#username', 'bob');
    await page.fill('#password', 'password');
    await page.click('#sign-in');
    await expect(page.locator('#account')).toHaveText('bob');
    await page.click('#allow');
    await page.waitForURL(`${preview.origin}/`);
    await expect(page.locator('body')).toHaveAttribute('data-user', 'bob');

    // After logout the next login shows the form again.
    await page.evaluate(() => { void (window as any).client.logout(); });
    await page.waitForURL(`${preview.origin}/`);
    await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
    await expect(page.locator('body')).toHaveAttribute('data-user', '');
    await startLogin(page);
    await expect(page.locator('#username')).toBeVisible();
  } finally {
    if (provider) {
      try { process.kill(-provider.child.pid!, 'SIGTERM'); } catch { /* gone */ }
      await provider.exited;
    }
    killGroup(provider);
    await Promise.all(apps.map((app) => app.close()));
  }
});

test('the login form provider: Deny on the consent screen ends the login with access_denied; the fixture default stays silent', async ({ page }) => {
  const app = await startPageServer();
  const provider = await startDevProvider({ origins: [app.origin], login: 'form' });
  const silent = await startDevProvider({ origins: [app.origin] });
  try {
    expect([provider.auth.login, silent.auth.login]).toEqual(['form', 'silent']);
    const snippet = `const client = createOAuthClient(${JSON.stringify({ ...provider.clientOptions() })});`;
    serveApp(app, snippet);
    await open(page, `${app.origin}/`);
    await startLogin(page);
    await page.fill('#username', 'carol');
    await page.fill('#password', 'password');
    await page.click('#sign-in');
    await expect(page.locator('#account')).toHaveText('carol');
    await page.click('#deny');
    await page.waitForURL(`${app.origin}/`);
    // The address bar is cleaned before handleRedirect() settles: wait for its answer.
    await expect.poll(() => page.evaluate(() => (window as any).result)).toEqual({ code: 'access_denied' });
    expect(provider.auth.tokenRequests()).toEqual([]);
  } finally {
    await Promise.all([provider.close(), silent.close(), app.close()]);
  }
});
