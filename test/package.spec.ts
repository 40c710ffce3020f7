import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { expect, test } from '@playwright/test';
import { startAppServer } from './fixtures/app-server.mjs';
import { REPO_ROOT } from './fixtures/stack.mjs';

// How the built package is consumed, other than by a bundler (publint and arethetypeswrong
// check the package.json side in `npm run lint:package`).

const pkg = JSON.parse(readFileSync(`${REPO_ROOT}/package.json`, 'utf8'));

test('require("spa-oauth-client") loads the CommonJS build, with the same exports as the ESM build', async () => {
  // The package resolves its own name through "exports", so this is what a CommonJS app gets.
  const cjs = createRequire(import.meta.url)('spa-oauth-client');
  const esm = await import('spa-oauth-client');
  expect(Object.keys(cjs).sort()).toEqual(Object.keys(esm).sort());
  expect(typeof cjs.createOAuthClient).toBe('function');
  expect(cjs.isOAuthError(new cjs.OAuthError('invalid_config', 'x'))).toBe(true);
});

test('import "spa-oauth-client/iife" as a module defines the global SpaOAuth', async ({ page }) => {
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

// Issue 22: `spa-oauth` on npm is someone else's package; this one is published as `spa-oauth-client`.
const NAME = 'spa-oauth-client';

/** Every file a user reads or copies from: the README, docs/ and examples/ (sources only). */
function userFacingFiles(): string[] {
  const walk = (dir: string): string[] => readdirSync(join(REPO_ROOT, dir)).flatMap((entry) => {
    const path = `${dir}/${entry}`;
    if (entry === 'node_modules' || entry === 'dist') return [];
    return statSync(join(REPO_ROOT, path)).isDirectory() ? walk(path) : /\.(md|ts|tsx|vue|json|html)$/.test(entry) ? [path] : [];
  });
  return ['README.md', ...walk('docs'), ...walk('examples')];
}

test('the package is spa-oauth-client: package.json, and every install line, import and CDN URL in the README, docs and examples', () => {
  expect(pkg.name).toBe(NAME);
  const wrong = [
    /npm (?:install|i|add) spa-oauth(?![-\w])/, // an install of the other package
    /(?:from |import |require\()['"]spa-oauth(?:\/(?:react|vue|iife))?['"]/, // an import of it
    /["']spa-oauth(?:\/(?:react|vue))?["']\s*:/, // a tsconfig path or alias key
    /\/\^spa-oauth(?:\$|\\\/)/, // a Vite alias
    /npm\/spa-oauth@/, // a CDN URL
    /node_modules\/spa-oauth\//,
  ];
  const found = userFacingFiles().flatMap((file) => {
    const text = readFileSync(join(REPO_ROOT, file), 'utf8');
    return wrong.filter((re) => re.test(text)).map((re) => `${file}: ${re.exec(text)![0]}`);
  });
  expect(found).toEqual([]);
  // The file names and the global stay as they were.
  expect(pkg.exports['./iife'].default).toBe('./dist/spa-oauth.iife.js');
});

test('the README install path that works before a release: npm pack, then npm install of the tarball, gives an app every entry point', () => {
  const readme = readFileSync(`${REPO_ROOT}/README.md`, 'utf8');
  const install = /## Install\n([\s\S]*?)\n## /.exec(readme)![1];
  const tarball = `${NAME}-${pkg.version}.tgz`;
  // The printed commands: pack in the clone (which builds first), install the tarball it names.
  expect(install).toMatch(/npm ci && npm pack\b/);
  expect(install).toContain(`npm install ../spa-oauth/${tarball}`);
  expect(install).toContain(`npm install ${NAME}\n`);
  expect(install).toMatch(/until its first release/i);
  expect(pkg.scripts.prepack).toMatch(/npm run build/);

  const dir = mkdtempSync(join(tmpdir(), 'spa-oauth-app-'));
  try {
    // --ignore-scripts: dist/ is already built, and rebuilding it here would race the other specs.
    const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n').pop();
    expect(packed).toBe(tarball);
    const app = join(dir, 'your-app');
    execFileSync('mkdir', [app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'your-app', private: true, type: 'module' }));
    execFileSync('npm', ['install', `../${tarball}`, '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app, stdio: 'pipe' });
    const installed = JSON.parse(readFileSync(join(app, 'node_modules', NAME, 'package.json'), 'utf8'));
    expect(installed.name).toBe(NAME);
    // What an app's imports resolve to, from the app's own folder.
    const resolved = execFileSync('node', ['--input-type=module', '-e', `
      const names = Object.keys(await import('${NAME}')).sort();
      const files = ['${NAME}/react', '${NAME}/vue', '${NAME}/iife'].map((s) => import.meta.resolve(s).replace(/^.*\\/node_modules\\//, ''));
      console.log(JSON.stringify({ names, files }));
    `], { cwd: app, encoding: 'utf8' });
    expect(JSON.parse(resolved)).toEqual({
      names: ['OAuthError', 'createOAuthClient', 'isOAuthError'],
      files: [`${NAME}/dist/react.mjs`, `${NAME}/dist/vue.mjs`, `${NAME}/dist/spa-oauth.iife.js`],
    });
    for (const file of ['react.mjs', 'vue.mjs', 'spa-oauth.iife.js']) expect(existsSync(join(app, 'node_modules', NAME, 'dist', file))).toBe(true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
