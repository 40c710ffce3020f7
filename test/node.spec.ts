import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';

// Outside a browser: imports, client creation and a React server render, each in its own Node
// process. A process that does not exit by itself (a port or timer left open) fails the test by
// its timeout; nothing here waits on the clock.

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runNode(script: string): Promise<Run> {
  const file = fileURLToPath(new URL(`./node/${script}`, import.meta.url));
  return new Promise((resolve) => {
    execFile(process.execPath, [file], (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

test('importing spa-oauth, spa-oauth/react and spa-oauth/vue touches no browser global', async () => {
  const run = await runNode('import-globals.mjs');
  expect(run.stderr).toBe('');
  expect(JSON.parse(run.stdout)).toEqual([]);
});

test('createOAuthClient() outside a browser rejects with unsupported_environment, and the process exits', async () => {
  const run = await runNode('create-client.mjs');
  expect(run.code).toBe(0);
  expect(run.stderr).toBe('');
  const error = JSON.parse(run.stdout);
  expect(error).toMatchObject({ name: 'OAuthError', code: 'unsupported_environment' });
  expect(error.message).toContain('create the client in the browser');
});

test('renderToString of <OAuthProvider> renders loading (RequireAuth its fallback), and the process exits', async () => {
  const run = await runNode('render-react.mjs');
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(run.stdout).toContain('<p id="status">loading</p>');
  expect(run.stdout).toContain('<p id="fallback">wait</p>');
  expect(run.stdout).not.toContain('secret');
});
