// The long-lived local servers that `npm run services:up` starts when nothing answers (and `down` stops):
// Redis — REDIS_URL if it answers, else redis-server from PATH (no persistence). MongoDB — MONGODB_URI
// if it answers, else mongod from PATH, else the project's FerretDB build (tools/ferretdb). Idempotent;
// what was started is tracked by pid files in .services/, so `down` stops only that.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pollUntil } from '../poll.ts';
import { FERRETDB_SQLITE_PARAMS, ferretdbBinary, readIf, which } from '../ferretdb/build.ts';
import { ferretdbBackendArgs, ferretdbHandler } from './postgres.ts';
import { endpoint, mongoAnswers, redactUri, redisAnswers, tcpOpen, type Endpoint } from './probe.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const STATE = join(ROOT, '.services');
export type SharedServer = 'redis' | 'mongo';

async function waitFor(check: () => Promise<unknown>, what: string, timeoutMs: number, log?: string): Promise<void> {
  const tail = () => (log && existsSync(log) ? `--- last lines of ${log} ---\n${readFileSync(log, 'utf8').split('\n').slice(-15).join('\n')}` : '');
  await pollUntil(what, check, { timeoutMs, intervalMs: 200, detail: tail });
}

function pidFile(name: SharedServer): string { return join(STATE, `${name}.pid`); }

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pid of the server services:up started under that name, if it still runs. */
export function ourPid(name: SharedServer): number | null {
  const f = pidFile(name);
  if (!existsSync(f)) return null;
  const pid = Number(readFileSync(f, 'utf8').trim());
  if (alive(pid)) return pid;
  rmSync(f, { force: true });
  return null;
}

function startDetached(name: SharedServer, cmd: string, args: string[]): void {
  mkdirSync(STATE, { recursive: true });
  const log = join(STATE, `${name}.log`);
  const fd = openSync(log, 'a');
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd], cwd: STATE });
  child.unref();
  if (!child.pid) throw new Error(`could not start ${cmd}`);
  writeFileSync(pidFile(name), String(child.pid));
}

/** Stops what services:up started under that name (never a server it found running). */
export function stop(name: SharedServer): string {
  const pid = ourPid(name);
  if (!pid) return `${name}: nothing started by services:up`;
  process.kill(pid, 'SIGTERM');
  rmSync(pidFile(name), { force: true });
  return `${name}: stopped pid ${pid}`;
}

export async function redisUp(url: string): Promise<string> {
  if (await redisAnswers(url)) return ourPid('redis') ? `${url} (started by services:up)` : `${url} (already running)`;
  const ep = endpoint(url, 6379);
  if (!ep.local) throw new Error(`Redis at ${url} does not answer. Fix REDIS_URL or start that server.`);
  const bin = which('redis-server');
  if (!bin) {
    throw new Error(`Redis does not answer at ${url} and redis-server is not installed.\n` +
      `  Install it (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis), or set REDIS_URL,\n` +
      `  or run 'docker compose up -d' with the compose.yaml in this repository.`);
  }
  if (await tcpOpen(ep.host, ep.port)) throw new Error(`port ${ep.port} is taken by something that is not Redis; set REDIS_URL`);
  startDetached('redis', bin, ['--bind', ep.host, '--port', String(ep.port), '--save', '', '--appendonly', 'no', '--daemonize', 'no']);
  await waitFor(() => redisAnswers(url), `redis-server on ${ep.host}:${ep.port}`, 15000, join(STATE, 'redis.log'));
  return `${url} (redis-server started, pid ${ourPid('redis')})`;
}

/** Our FerretDB from an older build (before a patch or version change): restart it on the new one. */
async function restartIfStale(uri: string): Promise<string | null> {
  if (!ourPid('mongo') || !which('go')) return null;
  const bin = ferretdbBinary();
  if (readIf(join(STATE, 'mongo.build')) === readIf(`${bin}.build`)) return null;
  const ep = endpoint(uri, 27017);
  console.error(`[services] restarting FerretDB on the new build (${readIf(`${bin}.build`)})`);
  const pid = ourPid('mongo')!;
  stop('mongo');
  await waitFor(async () => !(await tcpOpen(ep.host, ep.port)) && !alive(pid), 'the old FerretDB to exit', 15000, join(STATE, 'mongo.log'));
  await startFerretdb(ep);
  return `${redactUri(uri)} — ${await mongoAnswers(uri)} (restarted on the new build, pid ${ourPid('mongo')})`;
}

export async function mongoUp(uri: string): Promise<string> {
  const version = await mongoAnswers(uri);
  if (version) return (await restartIfStale(uri)) ?? `${redactUri(uri)} — ${version}${ourPid('mongo') ? ' (started by services:up)' : ' (already running)'}`;
  const ep = endpoint(uri, 27017);
  if (!ep.local) throw new Error(`MongoDB at ${redactUri(uri)} does not answer. Fix MONGODB_URI or start that server.`);
  if (await tcpOpen(ep.host, ep.port)) throw new Error(`port ${ep.port} is taken by something that does not speak MongoDB; set MONGODB_URI`);
  const mongod = which('mongod');
  if (!mongod) {
    await startFerretdb(ep);
    return `${redactUri(uri)} — ${await mongoAnswers(uri)} (started on ${startedHandler()}, pid ${ourPid('mongo')})`;
  }
  const dbPath = join(STATE, 'mongod');
  mkdirSync(dbPath, { recursive: true });
  startDetached('mongo', mongod, ['--bind_ip', ep.host, '--port', String(ep.port), '--dbpath', dbPath]);
  await waitFor(() => mongoAnswers(uri), `MongoDB-compatible server on ${ep.host}:${ep.port}`, 30000, join(STATE, 'mongo.log'));
  return `${redactUri(uri)} — ${await mongoAnswers(uri)} (started, pid ${ourPid('mongo')})`;
}

/** True: services:up puts FerretDB on PostgreSQL when one answers (see docs/benchmarks.md, backends). */
export const PREFER_POSTGRES = false;

/**
 * Starts FerretDB on PostgreSQL (database `ferretdb_<port>`) when one answers, else on the
 * project-local SQLite state. The SQLite state holds only test and demo databases: when a crash left
 * it unreadable (FerretDB refuses to start on a damaged file), it is moved aside to
 * .services/ferretdb.damaged-<time> and FerretDB starts on a fresh one.
 */
async function startFerretdb(ep: Endpoint): Promise<void> {
  const bin = ferretdbBinary();
  const dataDir = join(STATE, 'ferretdb');
  const log = join(STATE, 'mongo.log');
  const uri = `mongodb://${ep.host}:${ep.port}/`;
  const handler = ferretdbHandler(PREFER_POSTGRES);
  for (let attempt = 1; ; attempt++) {
    mkdirSync(dataDir, { recursive: true });
    startDetached('mongo', bin, [
      ...ferretdbBackendArgs(handler, `file:${dataDir}/${FERRETDB_SQLITE_PARAMS}`, `ferretdb_${ep.port}`),
      `--listen-addr=${ep.host}:${ep.port}`, '--telemetry=disable', '--debug-addr=-', '--log-level=warn',
    ]);
    try {
      await waitFor(() => mongoAnswers(uri), `FerretDB (${handler}) on ${ep.host}:${ep.port}`, 30000, log);
      writeFileSync(join(STATE, 'mongo.build'), readIf(`${bin}.build`) ?? 'unknown');
      writeFileSync(join(STATE, 'mongo.handler'), handler);
      return;
    } catch (err) {
      const pid = ourPid('mongo');
      if (pid) process.kill(pid, 'SIGKILL');
      rmSync(pidFile('mongo'), { force: true });
      if (attempt > 1 || handler === 'postgresql') throw err;
      const aside = `${dataDir}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      renameSync(dataDir, aside);
      console.error(`[services] FerretDB did not start on its existing state; moved it to ${aside} and starting fresh`);
    }
  }
}

/** The backend of the FerretDB services:up started ('sqlite' or 'postgresql'), if it did. */
export function startedHandler(): string | null {
  return ourPid('mongo') ? readIf(join(STATE, 'mongo.handler')) : null;
}

/** The FerretDB binary status shows: one on PATH or the project's build, if any. */
export function ferretdbFound(): string | null {
  const local = join(ROOT, '.tools', 'bin', 'ferretdb');
  return which('ferretdb') ?? (existsSync(local) ? local : null);
}
