// Prints the minified and gzipped size of the <script>-tag bundle (run `npm run build` first).
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

export const BUDGET_GZIP_BYTES = 12 * 1024; // the target for the finished SDK

export function measure(file = new URL('../dist/spa-oauth.iife.js', import.meta.url)) {
  const source = readFileSync(file);
  return { minified: source.length, gzipped: gzipSync(source, { level: 9 }).length };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { minified, gzipped } = measure();
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  console.log(`dist/spa-oauth.iife.js: ${minified} B minified (${kb(minified)}), ${gzipped} B gzipped (${kb(gzipped)}); budget ${kb(BUDGET_GZIP_BYTES)} gzipped`);
}
