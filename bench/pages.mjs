// Writes one page per SDK into dist/bench/ (served by the app server at /dist/bench/):
// the stack's /config.js, the SDK's script, then the shared bench code and the SDK's adapter inline.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { REPO_ROOT } from './sdks.mjs';

const PAGES_DIR = new URL('./pages/', import.meta.url);

const read = (name) => readFileSync(new URL(name, PAGES_DIR), 'utf8');

export function writeBenchPage(sdk) {
  const html = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>bench: ${sdk.name}</title>
  <link rel="icon" href="data:,">
  <script src="/config.js"></script>
  <script src="${sdk.script}"></script>
</head>
<body>
<script>
${read('common.js')}
${read(`${sdk.adapter ?? sdk.name}.js`)}
</script>
</body>
</html>
`;
  mkdirSync(`${REPO_ROOT}/dist/bench`, { recursive: true });
  writeFileSync(`${REPO_ROOT}/dist/bench/${sdk.name}.html`, html);
}
