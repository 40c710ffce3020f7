import { expect, test } from '@playwright/test';
import { measure } from '../scripts/size.mjs';

// Size is deterministic, so unlike speed it belongs in a test. Issue 5 asks for 12 KB gzipped,
// which the oauth4webapi functions the SDK needs (8,410 B on their own) leave no room for; see
// `npm run size` and README "Size". Until that is settled, this ceiling sits just above today's
// 14,927 B so that any growth fails here and has to be argued for.
const CEILING_GZIP_BYTES = 15_000;

test('dist/spa-oauth.iife.js stays under its gzipped size ceiling', () => {
  const { gzipped } = measure();
  expect(gzipped).toBeLessThanOrEqual(CEILING_GZIP_BYTES);
});
