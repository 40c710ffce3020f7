// What the example apps share: served under /examples/<name>/ and importing this repository's
// built dist/ as the package `spa-oauth-client` (an app installs it from npm instead).
import { fileURLToPath } from 'node:url';
import type { UserConfig } from 'vite';

const dist = (file: string) => fileURLToPath(new URL(`../dist/${file}`, import.meta.url));

export function exampleConfig(name: string): UserConfig {
  return {
    root: fileURLToPath(new URL(`./${name}/`, import.meta.url)),
    base: `/examples/${name}/`,
    logLevel: 'warn',
    resolve: {
      alias: [
        { find: /^spa-oauth-client$/, replacement: dist('spa-oauth.mjs') },
        { find: /^spa-oauth-client\/(react|vue)$/, replacement: dist('$1.mjs') },
      ],
    },
  };
}
