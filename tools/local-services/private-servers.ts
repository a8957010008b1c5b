// Private (throwaway) Redis and FerretDB servers for the chaos suite, the benchmarks and the outage
// tests: each on a spare loopback port with its own data directory, so they can be restarted or killed without touching the shared
// servers on 6379/27017 that other test runs use. Every process started here is tracked and stopped
// by stopAll(); restart() keeps the data directory (Redis AOF, FerretDB SQLite files).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer, createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FERRETDB_SQLITE_PARAMS, ferretdbBinary } from '../ferretdb/build.ts';
import { dropPostgresDatabase, ferretdbBackendArgs, ferretdbHandler } from './postgres.ts';
import { pollUntil } from '../../tools/poll.ts';


// Servers started here never outlive this process, even when it crashes or is interrupted.
const live = new Set<ChildProcess>();
process.on('exit', () => { for (const c of live) c.kill('SIGKILL'); });

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => ok(port));
    });
  });
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = createConnection({ host: '127.0.0.1', port });
    const finish = (ok: boolean) => { s.destroy(); done(ok); };
    s.setTimeout(500, () => finish(false));
    s.once('connect', () => finish(true));
    s.once('error', () => finish(false));
  });
}

export async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  await pollUntil(what, () => check().catch(() => false), { timeoutMs });
}

export interface PrivateServer {
  name: string;
  port: number;
  url: string;
  dir: string;
  pid(): number | undefined;
  /** Stops (SIGTERM, or SIGKILL when `hard`) and waits for the exit. */
  stop(hard?: boolean): Promise<void>;
  start(): Promise<void>;
  restart(hard?: boolean): Promise<void>;
}

function managed(name: string, port: number, url: string, dir: string, cmd: string, args: string[], ready: () => Promise<boolean>): PrivateServer {
  let child: ChildProcess | null = null;
  const logFile = join(dir, `${name}.log`);
  const server: PrivateServer = {
    name, port, url, dir,
    pid: () => child?.pid,
    async start() {
      const fd = openSync(logFile, 'a');
      child = spawn(cmd, args, { cwd: dir, stdio: ['ignore', fd, fd] });
      const c = child;
      live.add(c);
      c.once('exit', () => { live.delete(c); if (child === c) child = null; });
      try {
        await waitUntil(async () => (await tcpOpen(port)) && (await ready()), `${name} on ${port}`, 30_000);
      } catch (err) {
        const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-10).join('\n') : '';
        throw new Error(`${(err as Error).message}\n${tail}`, { cause: err });
      }
    },
    async stop(hard = false) {
      const c = child;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise<void>((r) => c.once('exit', () => r()));
      c.kill(hard ? 'SIGKILL' : 'SIGTERM');
      const timer = setTimeout(() => c.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      await waitUntil(async () => !(await tcpOpen(port)), `${name} port ${port} to close`, 10_000);
    },
    async restart(hard = false) {
      await server.stop(hard);
      await server.start();
    },
  };
  return server;
}

async function redisPing(port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = createConnection({ host: '127.0.0.1', port });
    let got = '';
    s.setTimeout(1000, () => { s.destroy(); done(false); });
    s.once('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => { got += d.toString(); if (got.includes('\r\n')) { s.destroy(); done(got.startsWith('+PONG')); } });
    s.once('error', () => done(false));
  });
}

/**
 * A redis-server as production should run one under BullMQ: AOF on, fsync every write (a SIGKILL
 * loses nothing acknowledged), no eviction (BullMQ keys must never be evicted).
 */
export async function startPrivateRedis(base: string, opts: { durable?: boolean } = {}): Promise<PrivateServer> {
  const port = await freePort();
  const dir = join(base, 'redis');
  mkdirSync(dir, { recursive: true });
  const durable = opts.durable ?? true;
  const args = ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--save', '', '--maxmemory-policy', 'noeviction', '--daemonize', 'no',
    ...(durable ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'])];
  const s = managed('redis', port, `redis://127.0.0.1:${port}`, dir, 'redis-server', args, () => redisPing(port));
  await s.start();
  return s;
}

export async function startPrivateFerretdb(base: string): Promise<PrivateServer> {
  const port = await freePort();
  const dir = join(base, 'ferretdb');
  mkdirSync(dir, { recursive: true });
  // SQLite unless FERRETDB_HANDLER=postgresql (then a database of its own, dropped when this process exits).
  const handler = ferretdbHandler(false);
  const pgDatabase = `ferretdb_private_${port}`;
  if (handler === 'postgresql') process.on('exit', () => dropPostgresDatabase(pgDatabase));
  const backend = ferretdbBackendArgs(handler, `file:${dir}/${FERRETDB_SQLITE_PARAMS}`, pgDatabase);
  const args = [...backend, `--listen-addr=127.0.0.1:${port}`, '--telemetry=disable', '--debug-addr=-', '--log-level=error'];
  const s = managed('ferretdb', port, `mongodb://127.0.0.1:${port}`, dir, ferretdbBinary(), args, async () => true);
  await s.start();
  return s;
}

/**
 * A temporary data directory; in memory (/dev/shm) when `memory`. A process crash (SIGKILL) loses
 * nothing written there either — only a machine crash would — so restarts and kills stay faithful,
 * while the shared disk's fsync latency (which caps FerretDB's SQLite at ~70 writes/s here) is not
 * what the benchmark measures.
 */
export function tempBase(prefix: string, memory = false): { dir: string; remove(): void } {
  const parent = memory && existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const dir = mkdtempSync(join(parent, prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
