import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { REPO_ROOT, startStack } from '../fixtures/stack.mjs';
import { startPageServer } from './helpers/page-server';
import { groupIsRunning, isListening, killGroup, startProcess, type Started } from './helpers/process';

// `npx spa-oauth-dev-provider --origin <your app>` as a developer runs it, for an app on an origin
// the repository knows nothing about.

test('npx spa-oauth-dev-provider: the printed options, pasted into an app on another origin, log in and call the API; SIGTERM to npx stops it', async ({ page }) => {
  const app = await startPageServer();
  app.setFile('/spa-oauth.iife.js', 'text/javascript', readFileSync(`${REPO_ROOT}/dist/spa-oauth.iife.js`));
  let provider: Started | undefined;
  try {
    provider = await startProcess('npx', ['spa-oauth-dev-provider', '--origin', app.origin, '--port', '0', '--api-port', '0'], /Press Ctrl-C/);
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
