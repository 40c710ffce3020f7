// Runs the demo: the SPA page, the test authorization server and the API.
// `npm run demo` builds dist/ first.

import { startStack } from '../test/fixtures/stack.mjs';

const stack = await startStack();

console.log(`
spa-oauth demo is running

  open:    ${stack.app.origin}/
  React:   ${stack.app.origin}/examples/react/  (after npm run build:examples)
  Vue:     ${stack.app.origin}/examples/vue/
  issuer:  ${stack.auth.issuer}
  API:     ${stack.api.origin}  (GET /api/me)

  log in as: alice (no password; the test provider signs alice in automatically)

Press Ctrl-C to stop.
`);

let closing = false;
async function shutdown() {
  if (closing) process.exit(1);
  closing = true;
  await stack.close();
  process.exit(0);
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
