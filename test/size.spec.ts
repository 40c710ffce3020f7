import { expect, test } from '@playwright/test';
import { measure } from '../scripts/size.mjs';

// Size is deterministic, so unlike speed it belongs in a test. The target for the finished
// SDK is 12 KB gzipped; oauth4webapi alone is 8.2 KB of it and the SDK does not meet the target
// yet, so this ceiling stops growth while the gap is closed (see README, "Size").
const CEILING_GZIP_BYTES = 15 * 1024;

test('dist/spa-oauth.iife.js stays under its gzipped size ceiling', () => {
  const { gzipped } = measure();
  expect(gzipped).toBeLessThanOrEqual(CEILING_GZIP_BYTES);
});
