// A local Redis Cluster of the machine's own redis-server: 6 nodes on loopback (3 masters, 3 replicas),
// data under .tools/redis-cluster/<port>. For `npm run services:cluster`, `npm run test:cluster` and the
// chaos run's cluster mode; never for production (there: your provider's cluster, REDIS_CLUSTER_NODES).
//   node tools/redis-cluster/cluster.ts up|down|status [--base-port 7000]
// Created with `redis-cli --cluster create … --cluster-replicas 1`
// (https://redis.io/docs/latest/operate/oss_and_stack/management/scaling/, "Create a Redis Cluster").
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const NODES = 6;
const ROOT = resolve(import.meta.dirname, '../../.tools/redis-cluster');

export interface LocalCluster {
  ports: number[];
  /** REDIS_CLUSTER_NODES for the app. */
  nodes: string;
}

const portsFrom = (base: number): number[] => Array.from({ length: NODES }, (_, i) => base + i);
const cli = (port: number, ...args: string[]) => spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8', timeout: 5000 });

/** `cluster info` of one node as a map, or null when the node does not answer. */
export function clusterInfo(port: number): Record<string, string> | null {
  const r = cli(port, 'cluster', 'info');
  if (r.status !== 0 || !r.stdout.includes('cluster_state')) return null;
  return Object.fromEntries(r.stdout.split(/\r?\n/).filter((l) => l.includes(':')).map((l) => l.split(':', 2) as [string, string]));
}

/** The node's role and its master's port (replicas), from `role`. */
export function roleOf(port: number): { role: 'master' | 'slave' | null; masterPort: number | null } {
  const lines = cli(port, 'role').stdout?.split(/\r?\n/) ?? [];
  const role = lines[0] === 'master' || lines[0] === 'slave' ? lines[0] : null;
  return { role, masterPort: role === 'slave' ? Number(lines[2]) : null };
}

function requireRedis(): void {
  for (const bin of ['redis-server', 'redis-cli']) {
    if (spawnSync(bin, ['--version']).status !== 0) {
      throw new Error(`${bin} not found: install Debian's redis-server package (apt-get install -y redis-server) to run a local Redis Cluster`);
    }
  }
}

/** Starts one node (no-op when it answers); a restarted node rejoins the cluster from its nodes.conf. */
export function startNode(port: number): void {
  const dir = join(ROOT, String(port));
  mkdirSync(dir, { recursive: true });
  if (cli(port, 'ping').stdout?.trim() === 'PONG') return;
  execFileSync('redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--protected-mode', 'yes', '--daemonize', 'yes',
    '--dir', dir, '--pidfile', join(dir, 'redis.pid'), '--logfile', join(dir, 'redis.log'),
    '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf',
    // A failed master is replaced by its replica after ~2 s (the default 15 s is for real networks).
    '--cluster-node-timeout', '2000',
    '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '',
  ]);
}

/** The pid of a node (its pid file), or null. */
export function pidOf(port: number): number | null {
  const f = join(ROOT, String(port), 'redis.pid');
  return existsSync(f) ? Number(readFileSync(f, 'utf8').trim()) || null : null;
}

/** The port of the master serving `key`'s slot, asked of the node on `askPort`. */
export function masterOfKey(askPort: number, key: string): number {
  const slot = Number(cli(askPort, 'cluster', 'keyslot', key).stdout.trim());
  for (const line of cli(askPort, 'cluster', 'nodes').stdout.split('\n')) {
    const f = line.split(' ');
    if (!f[2]?.includes('master') || f[2].includes('fail')) continue;
    for (const range of f.slice(8)) {
      const [a, b = a] = range.split('-').map(Number);
      if (slot >= a! && slot <= b!) return Number(f[1]!.split(':')[1]!.split('@')[0]);
    }
  }
  throw new Error(`no master serves slot ${slot} of ${key}`);
}

export async function waitFor(what: string, ok: () => boolean, ms: number): Promise<void> {
  for (const until = Date.now() + ms; !ok(); await new Promise((r) => setTimeout(r, 200))) {
    if (Date.now() > until) throw new Error(`redis cluster: timed out waiting for ${what}`);
  }
}

/** Starts the 6 nodes (idempotent) and creates the cluster on first use; resolves when its state is ok. */
export async function clusterUp(base = 7000): Promise<LocalCluster> {
  requireRedis();
  const ports = portsFrom(base);
  for (const p of ports) startNode(p);
  await waitFor('the nodes to answer PING', () => ports.every((p) => cli(p, 'ping').stdout?.trim() === 'PONG'), 15_000);
  if (clusterInfo(ports[0]!)?.cluster_state !== 'ok' && clusterInfo(ports[0]!)?.cluster_known_nodes === '1') {
    const r = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`redis-cli --cluster create failed:\n${r.stdout}\n${r.stderr}`);
  }
  await waitFor('cluster_state:ok on every node', () => ports.every((p) => clusterInfo(p)?.cluster_state === 'ok'), 30_000);
  return { ports, nodes: ports.map((p) => `127.0.0.1:${p}`).join(',') };
}

/** Stops the nodes (SHUTDOWN NOSAVE; the pid file when a node does not answer). Keeps the data dirs. */
export function clusterDown(base = 7000): void {
  for (const p of portsFrom(base)) {
    if (cli(p, 'shutdown', 'nosave').status === 0) continue;
    const pidFile = join(ROOT, String(p), 'redis.pid');
    if (existsSync(pidFile)) {
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGTERM');
      } catch {
        // already gone
      }
    }
  }
}

export function clusterStatus(base = 7000): string {
  return portsFrom(base).map((p) => {
    const info = clusterInfo(p);
    const { role, masterPort } = roleOf(p);
    return info ? `127.0.0.1:${p} ${role}${masterPort ? ` of ${masterPort}` : ''} state=${info.cluster_state}` : `127.0.0.1:${p} down`;
  }).join('\n');
}

/** up | down | status, for this file's command line and `services:up|down|status -- --redis-cluster`. */
export async function clusterCommand(cmd: string, base = Number(process.env.REDIS_CLUSTER_BASE_PORT ?? 7000)): Promise<void> {
  if (cmd === 'up') {
    const c = await clusterUp(base);
    console.log(`[redis-cluster] up: REDIS_CLUSTER_NODES=${c.nodes}`);
  } else if (cmd === 'down') {
    clusterDown(base);
    console.log('[redis-cluster] stopped');
  } else if (cmd === 'status') {
    console.log(clusterStatus(base));
  } else {
    throw new Error('usage: node tools/redis-cluster/cluster.ts up|down|status [--base-port 7000]');
  }
}

if (import.meta.main) {
  const [cmd = 'status', ...rest] = process.argv.slice(2);
  const i = rest.indexOf('--base-port');
  await clusterCommand(cmd, i >= 0 ? Number(rest[i + 1]) : undefined).catch((err: unknown) => {
    console.error(`[redis-cluster] ${(err as Error).message}`);
    process.exit(1);
  });
}
