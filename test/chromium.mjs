// How the tests, the bench and the demo screenshots launch Chromium: a system Chromium
// (CHROMIUM_PATH, else Debian's /usr/bin/chromium), or without one Playwright's own build
// (`npx playwright install chromium`). The flags keep it quiet on a machine without internet.
import { existsSync } from 'node:fs';

export const chromiumLaunchOptions = {
  executablePath: process.env.CHROMIUM_PATH || (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined),
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};
