import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { createServer, type ViteDevServer } from 'vite';
import { startStack, type Stack } from '../fixtures/stack.mjs';
import { watchErrors } from './fixtures';

// The React example in the Vite dev server: a development build, where <StrictMode> mounts,
// unmounts and mounts again, so every effect runs twice. It gets its own stack, since the
// provider must know the dev server's origin before it starts; served at `/` there, as
// `spa-oauth-dev-provider` expects of an app in development.

let vite: ViteDevServer;
let stack: Stack;
let base: string;

test.beforeAll(async () => {
  let config = {};
  vite = await createServer({
    configFile: fileURLToPath(new URL('../../examples/react/vite.config.ts', import.meta.url)),
    base: '/',
    server: { host: '127.0.0.1', port: 0, strictPort: true, hmr: false },
    plugins: [
      {
        name: 'spa-oauth-test-config',
        configureServer(server) {
          server.middlewares.use('/config.js', (_req, res) => {
            res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
            res.end(`window.SPA_OAUTH_CONFIG = ${JSON.stringify(config)};\n`);
          });
        },
      },
    ],
  });
  await vite.listen();
  const address = vite.httpServer!.address();
  if (!address || typeof address === 'string') throw new Error('the Vite dev server has no port');
  const origin = `http://127.0.0.1:${address.port}`;
  base = `${origin}/`;
  stack = await startStack({ appOrigins: [origin] });
  config = { issuer: stack.auth.issuer, clientId: stack.auth.clientId, apiOrigin: stack.api.origin };
});

test.afterAll(async () => {
  await vite?.close();
  await stack?.close();
});


test('React StrictMode in the Vite dev server: one code exchange per login, no error, returnTo honoured', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto(base);
  await expect(page.locator('#status')).toHaveText('signed-out');
  // The development build of React, the one whose StrictMode runs effects twice.
  expect(await page.evaluate(() => [...document.scripts].some((s) => s.src.includes('/@vite/client')))).toBe(true);

  await page.click('#login');
  await page.waitForURL(`${base}profile`);
  await expect(page.locator('#status')).toHaveText('signed-in');
  await expect(page.locator('#user')).toHaveText('Alice Example (alice@example.com)');
  expect(stack.auth.counts.token.authorization_code).toBe(1);

  await page.click('#logout');
  await page.waitForURL(base);
  await expect(page.locator('#status')).toHaveText('signed-out');

  // The second login starts from <RequireAuth>, whose effect also runs twice.
  await page.goto(`${base}profile?from=deep-link`, { waitUntil: 'commit' });
  await expect(page.locator('#status')).toHaveText('signed-in', { timeout: 30_000 });
  await expect(page).toHaveURL(`${base}profile?from=deep-link`);
  expect(stack.auth.counts.authorize).toBe(2);
  expect(stack.auth.counts.token.authorization_code).toBe(2);
  await expect(page.locator('#error')).toHaveCount(0);
  expect(errors).toEqual([]);
});
