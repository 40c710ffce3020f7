import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { REPO_ROOT } from '../../fixtures/stack.mjs';

export interface Started {
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** Resolves with its exit code once it has exited. */
  exited: Promise<number | null>;
}

/**
 * Runs `command` in the repository (detached: its own process group, so a test can signal the
 * group as a terminal would) and resolves once its output matches `ready`.
 */
export async function startProcess(command: string, args: string[], ready: RegExp): Promise<Started> {
  const child = spawn(command, args, { cwd: REPO_ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      if (ready.test(text)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`${command} exited (${code}) before it was ready:\n${text}`)));
  });
  return { child, output: () => text, exited };
}

/** Ends whatever is left of the process group (cleanup after a failed test). */
export function killGroup(started: Started | undefined) {
  if (!started) return;
  try {
    process.kill(-started.child.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** True while any process of its process group is alive. */
export function groupIsRunning(started: Started): boolean {
  try {
    process.kill(-started.child.pid!, 0);
    return true;
  } catch {
    return false;
  }
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
