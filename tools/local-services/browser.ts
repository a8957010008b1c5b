// The browser tests (dashboard, HTML report, screenshots) drive Debian's Chromium with playwright-core;
// a test tool's own browser download is not possible here. `services:up` installs the package when it is
// missing and it can (root with apt-get), so a fresh machine runs those tests instead of skipping them.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

export const CHROMIUM = '/usr/bin/chromium';

const aptInstall = (): boolean =>
  spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;

/** A line for services:up: Chromium found, installed now, or what to do (the browser tests skip without it). */
export function ensureChromium(): string {
  if (existsSync(CHROMIUM)) return `Chromium ${CHROMIUM}`;
  const how = 'the browser tests skip until it is installed: `sudo apt-get install -y chromium` (Debian/Ubuntu)';
  if (process.getuid?.() !== 0 || spawnSync('apt-get', ['--version']).status !== 0) return `Chromium not found at ${CHROMIUM}; ${how}`;
  if (!aptInstall()) {
    spawnSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'] });
    aptInstall();
  }
  return existsSync(CHROMIUM) ? `Chromium ${CHROMIUM} (installed now with apt-get)` : `Chromium could not be installed with apt-get; ${how}`;
}
