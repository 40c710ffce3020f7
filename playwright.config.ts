import { defineConfig, devices } from '@playwright/test';
import { chromiumLaunchOptions } from './test/chromium.mjs';
import type { EngineOptions } from './test/engines/fixtures';

// The cross-engine scenarios (test/engines/) run in every project, each engine through its own
// driver; everything else is Chromium only. One worker: one browser at a time.
const ENGINE_SPECS = 'test/engines';

export default defineConfig<EngineOptions>({
  testDir: 'test',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  reporter: [['list'], ['json', { outputFile: 'test-results/report.json' }]],
  use: {
    headless: true,
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        launchOptions: chromiumLaunchOptions,
        engine: 'chromium',
      },
    },
    { name: 'firefox', testDir: ENGINE_SPECS, use: { engine: 'firefox' } },
    { name: 'webkit', testDir: ENGINE_SPECS, use: { engine: 'webkit' } },
  ],
});
