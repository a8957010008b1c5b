// Runs Debian's HAProxy with the repository's config (deploy/haproxy/haproxy.cfg) on loopback, for
// `npm run stack:scaled`. Installs the package when it is missing and we run as root; otherwise says
// exactly what to run.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export const HAPROXY_CFG = resolve(import.meta.dirname, '../../deploy/haproxy/haproxy.cfg');
/** The `server webN "${WEBN}"` lines in haproxy.cfg. */
const WEB_SLOTS = 2;

export function ensureHaproxy(log: (s: string) => void): void {
  if (spawnSync('haproxy', ['-v']).status === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error('haproxy is not installed. Install Debian\'s package as root: `sudo apt-get install -y haproxy`, then run this again.');
  }
  log('[haproxy] not installed: apt-get install -y haproxy');
  const r = spawnSync('apt-get', ['install', '-y', 'haproxy'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.status !== 0 || spawnSync('haproxy', ['-v']).status !== 0) {
    throw new Error('apt-get install -y haproxy failed (try `apt-get update` first, as root)');
  }
}

export interface Haproxy {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Checks the config, then starts HAProxy in the foreground (-db) on `port`, in front of `webs` (host:port). */
export async function startHaproxy(port: number, webs: string[]): Promise<Haproxy> {
  if (webs.length < 1 || webs.length > WEB_SLOTS) throw new Error(`haproxy.cfg lists ${WEB_SLOTS} web servers; got ${webs.length}`);
  // Fewer processes than the config's server lines: the last one fills the rest (same process, one pool).
  const slots = Array.from({ length: WEB_SLOTS }, (_, i) => webs[Math.min(i, webs.length - 1)]!);
  const env = { ...process.env, LB_BIND: `127.0.0.1:${port}`, ...Object.fromEntries(slots.map((w, i) => [`WEB${i + 1}`, w])) };
  const check = spawnSync('haproxy', ['-c', '-q', '-f', HAPROXY_CFG], { env, encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`haproxy -c rejected ${HAPROXY_CFG}: ${check.stderr || check.stdout}`);
  const child = spawn('haproxy', ['-db', '-f', HAPROXY_CFG], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  for (const until = Date.now() + 10_000; ; await new Promise((r) => setTimeout(r, 200))) {
    if (child.exitCode !== null) throw new Error(`haproxy exited with ${child.exitCode}`);
    if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) break;
    if (Date.now() > until) throw new Error('haproxy: no healthy web process behind it after 10 s');
  }
  return {
    url,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => { const t = setTimeout(() => { child.kill('SIGKILL'); r(undefined); }, 5000); child.once('exit', () => { clearTimeout(t); r(undefined); }); });
    },
  };
}
