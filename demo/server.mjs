// Runs the demo: builds dist/ (unless --no-build), then serves the demo app with the test
// authorization server and the API, on loopback. `npm run demo`; stop it with Ctrl-C or SIGTERM.

import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { REPO_ROOT, startStack } from '../test/fixtures/stack.mjs';

const ACCESS_TOKEN_TTL = 60; // seconds: short, so refreshes happen while you watch

if (!process.argv.includes('--no-build')) {
  const rollup = createRequire(import.meta.url).resolve('rollup/dist/bin/rollup');
  const build = spawnSync(process.execPath, [rollup, '-c'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const stack = await startStack();
stack.auth.setAccessTokenTtl(ACCESS_TOKEN_TTL);

let closing = false;
async function shutdown() {
  if (closing) return;
  closing = true;
  await stack.close();
  process.exit(0);
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);

console.log(`
spa-oauth demo is running

  open:    ${stack.app.origin}/
  React:   ${stack.app.origin}/examples/react/  (after npm run build:examples)
  Vue:     ${stack.app.origin}/examples/vue/
  issuer:  ${stack.auth.issuer}
  API:     ${stack.api.origin}  (GET /api/me)
  other:   ${stack.other.origin}  (not in apiOrigins: never receives a token)

  log in as alice (no password: the local provider signs her in); access tokens live ${ACCESS_TOKEN_TTL} s

Press Ctrl-C to stop.
`);
