import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { expect, test } from '@playwright/test';
import { startAppServer } from './fixtures/app-server.mjs';
import { REPO_ROOT } from './fixtures/stack.mjs';

// How the built package is consumed, other than by a bundler (publint and arethetypeswrong
// check the package.json side in `npm run lint:package`).

const pkg = JSON.parse(readFileSync(`${REPO_ROOT}/package.json`, 'utf8'));

test('require("spa-oauth") loads the CommonJS build, with the same exports as the ESM build', async () => {
  // The package resolves its own name through "exports", so this is what a CommonJS app gets.
  const cjs = createRequire(import.meta.url)('spa-oauth');
  const esm = await import('spa-oauth');
  expect(Object.keys(cjs).sort()).toEqual(Object.keys(esm).sort());
  expect(typeof cjs.createOAuthClient).toBe('function');
  expect(cjs.isOAuthError(new cjs.OAuthError('invalid_config', 'x'))).toBe(true);
});

test('import "spa-oauth/iife" as a module defines the global SpaOAuth', async ({ page }) => {
  const app = await startAppServer({ root: REPO_ROOT });
  try {
    await page.goto(`${app.origin}/dist/spa-oauth.d.ts`); // any page of that origin without the SDK on it
    const target = pkg.exports['./iife'].default.replace(/^\./, '');
    const names = await page.evaluate(async (src) => {
      await import(src);
      return Object.keys((globalThis as any).SpaOAuth).sort();
    }, target);
    expect(names).toEqual(['OAuthError', 'createOAuthClient', 'isOAuthError']);
  } finally {
    await app.close();
  }
});
