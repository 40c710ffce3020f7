// The SDKs under comparison: where each one's browser script comes from, which global it defines,
// and which of the two authorization servers it talks to.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url)).replace(/[\\/]$/, '');

/** The app-server path of every bench page; registered as redirect URIs on both stacks. */
export const pagePath = (sdk) => `/dist/bench/${sdk.name}.html`;

function installedVersion(packageName) {
  const file = `${REPO_ROOT}/node_modules/${packageName}/package.json`;
  return JSON.parse(readFileSync(file, 'utf8')).version;
}

export const SDKS = [
  {
    name: 'spa-oauth',
    version: JSON.parse(readFileSync(`${REPO_ROOT}/package.json`, 'utf8')).version,
    // Built by `npm run build` before the bench starts.
    script: '/dist/spa-oauth.iife.js',
    scriptFile: `${REPO_ROOT}/dist/spa-oauth.iife.js`,
    stack: 'discovery',
  },
  {
    name: 'auth0-spa-js',
    package: '@auth0/auth0-spa-js',
    version: installedVersion('@auth0/auth0-spa-js'),
    globalName: 'auth0',
    script: '/dist/bench/auth0-spa-js.iife.js',
    scriptFile: `${REPO_ROOT}/dist/bench/auth0-spa-js.iife.js`,
    // No discovery: it calls Auth0's own paths, so it gets a server that serves them.
    stack: 'auth0',
  },
  {
    name: 'oidc-client-ts',
    package: 'oidc-client-ts',
    version: installedVersion('oidc-client-ts'),
    globalName: 'oidc',
    script: '/dist/bench/oidc-client-ts.iife.js',
    scriptFile: `${REPO_ROOT}/dist/bench/oidc-client-ts.iife.js`,
    stack: 'discovery',
  },
];
