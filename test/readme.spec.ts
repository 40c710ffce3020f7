import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { INLINE_SIZE, renderReadme, sriHash } from '../scripts/readme.mjs';
import { sizeSummary } from '../scripts/size.mjs';
import { startPageServer } from './e2e/helpers/page-server';
import { startDevProvider } from './fixtures/provider.mjs';
import { REPO_ROOT } from './fixtures/stack.mjs';

// The README is what a new user follows: its CDN tag must load this build, its size figures must be
// this build's, and its quick start must work as printed.

const readme = readFileSync(`${REPO_ROOT}/README.md`, 'utf8');
const pkg = JSON.parse(readFileSync(`${REPO_ROOT}/package.json`, 'utf8'));
const iife = readFileSync(`${REPO_ROOT}/dist/spa-oauth.iife.js`);

test('the README CDN tags pin this version and carry the SRI hash of the built IIFE; its size figures are current', async () => {
  const tags = [...readme.matchAll(/<script src="(https:\/\/cdn\.jsdelivr\.net\/npm\/[^"]+)" integrity="([^"]+)" crossorigin="anonymous"><\/script>/g)];
  expect(tags.length).toBeGreaterThanOrEqual(2); // the install section and the quick start
  for (const [, url, integrity] of tags) {
    expect(url).toBe(`https://cdn.jsdelivr.net/npm/${pkg.name}@${pkg.version}/dist/spa-oauth.iife.js`);
    expect(integrity, 'README.md is stale: run `npm run readme`').toBe(sriHash(iife));
  }
  expect(readme, 'README.md is stale: run `npm run readme`').toBe(await renderReadme(readme));
});

test('the README quick start, as printed, never throws for a signed-out visitor, then signs in and calls the API', async ({ page }) => {
  const block = /## Quick start[\s\S]*?```html\n([\s\S]*?)```/.exec(readme)![1];
  const [, moduleCode] = /<script type="module">([\s\S]*?)<\/script>/.exec(block)!;
  const cdnUrl = /<script src="([^"]+)"/.exec(block)![1];
  const app = await startPageServer();
  const provider = await startDevProvider({ origins: [app.origin], clientId: 'my-spa' });
  try {
    // The page is the block without its module script, which the test runs as the body of an async
    // function instead: the same code, but the test learns when it finished and whether it threw.
    app.setHtml(block.replace(/<script type="module">[\s\S]*?<\/script>/, ''));
    await page.route(cdnUrl, (route) => route.fulfill({
      contentType: 'text/javascript',
      headers: { 'Access-Control-Allow-Origin': '*' },
      body: iife,
    }));
    // The example's server and API become the local ones; nothing else is changed.
    const code = moduleCode
      .replaceAll('https://auth.example.com', provider.auth.issuer)
      .replaceAll('https://api.example.com', provider.api.origin);
    const run = () => page.evaluate((body) => (0, eval)(`(async () => {${body}\n})()`), code);
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));

    await page.goto(`${app.origin}/`);
    await run();
    await expect(page.locator('#login')).toBeVisible();
    await expect(page.locator('#logout')).toBeHidden();
    await expect(page.locator('#out')).toHaveText('');
    expect(provider.api.requests).toEqual([]);

    await page.click('#login');
    await page.waitForURL(/\?code=/);
    await run();
    await expect(page.locator('#out')).toHaveText('Hello Alice Example: the API answered 200');
    await expect(page.locator('#logout')).toBeVisible();
    expect(page.url()).toBe(`${app.origin}/`);
    expect(provider.api.requests.filter((r) => r.method === 'GET').map((r) => [r.path, r.status, Boolean(r.authorization)])).toEqual([['/api/me', 200, true]]);
    expect(errors).toEqual([]);
  } finally {
    await provider.close();
    await app.close();
  }
});

test('docs/servers.md covers every server the issue names, each section with a link to its vendor docs', () => {
  const servers = readFileSync(`${REPO_ROOT}/docs/servers.md`, 'utf8');
  const sections = new Map(servers.split(/^## /m).slice(1).map((s) => [s.slice(0, s.indexOf('\n')), s]));
  const vendors: Record<string, RegExp> = {
    'oidc-provider (tested)': /github\.com\/panva\/node-oidc-provider/,
    'django-oauth-toolkit (tested)': /django-oauth-toolkit\.readthedocs\.io/,
    Auth0: /auth0\.com\/docs/,
    Okta: /developer\.okta\.com/,
    Keycloak: /keycloak\.org\/docs/,
    'Microsoft Entra ID': /learn\.microsoft\.com/,
    Google: /developers\.google\.com/,
    'Amazon Cognito': /docs\.aws\.amazon\.com\/cognito/,
  };
  for (const [name, link] of Object.entries(vendors)) expect(sections.get(name), name).toMatch(link);
  for (const page of ['troubleshooting.md', 'migrating.md']) expect(readFileSync(`${REPO_ROOT}/docs/${page}`, 'utf8').length).toBeGreaterThan(1000);
});

// Issue 22 (8): the README once gave three sizes (about 15 KB, 14,927 B, 16,843 B). Every size figure
// now sits in a part `npm run readme` writes from `npm run size`; any other is a figure nobody updates.
test('every size figure in the README is one npm run size prints, in a generated part; none stands outside them', async () => {
  const generated = /<!-- size: generated by npm run readme -->\n```\n([\s\S]*?)\n```\n<!-- \/size -->/.exec(readme);
  expect(generated, 'the README has no generated size block').toBeTruthy();
  expect(generated![1].split('\n')).toEqual(await sizeSummary());
  const inline = [...readme.matchAll(INLINE_SIZE)].map((m) => m[2]);
  expect(inline).toEqual(expect.arrayContaining(['iife', 'esm', 'react', 'vue']));
  expect(readme.indexOf('<!-- size:iife -->'), 'the README opens with its size').toBeLessThan(readme.indexOf('## Install'));
  const outside = readme
    .replace(/<!-- size: generated by npm run readme -->[\s\S]*?<!-- \/size -->/, '')
    .replace(INLINE_SIZE, '')
    .replace(/<script src="[^"]*"[^>]*><\/script>/g, '');
  const figures = [...outside.matchAll(/\b\d[\d,.]*\s?(?:KB|kB|KiB|MB|B|bytes)\b|^\|\s*Size\b.*$/gm)].map((m) => m[0]);
  expect(figures, 'size figures not written by npm run readme').toEqual([]);
  expect(readme, 'README.md is stale: run `npm run readme`').toBe(await renderReadme(readme));
});
