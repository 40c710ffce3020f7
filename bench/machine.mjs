// What the figures were measured on.
import os from 'node:os';

export function describeMachine(browserVersion) {
  return {
    cpuModel: os.cpus()[0]?.model?.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    chromium: browserVersion,
    date: new Date().toISOString(),
  };
}
