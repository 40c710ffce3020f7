import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { ADAPTER_BUDGET_GZIP_BYTES, adapterSize, measure } from '../scripts/size.mjs';

// Size is deterministic, so unlike speed it belongs in a test. Issue 5 asks for 12 KB gzipped,
// which the oauth4webapi functions the SDK needs (8,410 B on their own) leave no room for; see
// `npm run size` and README "Size". Until that is settled, this ceiling sits just above today's
// 14,927 B so that any growth fails here and has to be argued for.
const CEILING_GZIP_BYTES = 15_000;

test('dist/spa-oauth.iife.js stays under its gzipped size ceiling', () => {
  const { gzipped } = measure();
  expect(gzipped).toBeLessThanOrEqual(CEILING_GZIP_BYTES);
});

for (const name of ['react', 'vue']) {
  test(`dist/${name}.mjs adds under 1.5 KB gzipped to an app, and is not in the IIFE`, async () => {
    expect(await adapterSize(name)).toBeLessThan(ADAPTER_BUDGET_GZIP_BYTES);
    const iife = readFileSync(new URL('../dist/spa-oauth.iife.js', import.meta.url), 'utf8');
    expect(iife).not.toContain(name === 'react' ? 'useSyncExternalStore' : 'shallowRef');
    expect(iife).not.toContain('missing_provider');
  });
}
