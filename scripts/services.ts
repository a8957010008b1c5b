// Makes sure a real Redis and a real MongoDB-compatible server answer, starting them if needed.
//   node scripts/services.ts up|down|status
// Preference order — Redis: REDIS_URL if it answers, else redis-server from PATH (no persistence).
// MongoDB: MONGODB_URI if it answers, else mongod from PATH, else FerretDB 1.24.2 (SQLite backend),
// built once into .tools/bin with the Go toolchain if it is not on PATH. Idempotent; `down` stops only
// what `up` started (tracked by pid files in .services/).
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join, resolve } from 'node:path';
import { serviceUrls } from '../src/config.ts';

const ROOT = resolve(import.meta.dirname, '..');
const STATE = join(ROOT, '.services');
const TOOLS = join(ROOT, '.tools');
const FERRETDB_VERSION = 'v1.24.2';

interface Endpoint { host: string; port: number; local: boolean }

function endpoint(url: string, defaultPort: number): Endpoint {
  const u = new URL(url.replace(/^mongodb(\+srv)?:/, 'http:').replace(/^rediss?:/, 'http:'));
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return { host, port: u.port ? Number(u.port) : defaultPort, local: ['127.0.0.1', 'localhost', '::1'].includes(host) };
}

/** True when something accepts TCP connections there. */
function tcpOpen(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((done) => {
    const s = createConnection({ host, port });
    const finish = (ok: boolean) => { s.destroy(); done(ok); };
    s.setTimeout(timeoutMs, () => finish(false));
    s.once('connect', () => finish(true));
    s.once('error', () => finish(false));
  });
}

async function redisAnswers(url: string): Promise<boolean> {
  const { Redis } = await import('ioredis');
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => null });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

async function mongoAnswers(uri: string): Promise<string | null> {
  const { MongoClient } = await import('mongodb');
  const c = new MongoClient(uri, { serverSelectionTimeoutMS: 1500, connectTimeoutMS: 1500 });
  try {
    await c.connect();
    const info = await c.db('admin').command({ buildInfo: 1 });
    const ferret = info.ferretdb ? ` (FerretDB ${String(info.ferretdb.version ?? '')})` : '';
    return `MongoDB ${String(info.version)}${ferret}`;
  } catch {
    return null;
  } finally {
    await c.close().catch(() => undefined);
  }
}

async function waitFor(check: () => Promise<unknown>, what: string, timeoutMs: number, log?: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  const tail = log && existsSync(log) ? `\n--- last lines of ${log} ---\n${readFileSync(log, 'utf8').split('\n').slice(-15).join('\n')}` : '';
  throw new Error(`${what} did not answer within ${timeoutMs / 1000}s${tail}`);
}

function which(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function pidFile(name: string): string { return join(STATE, `${name}.pid`); }

function ourPid(name: string): number | null {
  const f = pidFile(name);
  if (!existsSync(f)) return null;
  const pid = Number(readFileSync(f, 'utf8').trim());
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    rmSync(f, { force: true });
    return null;
  }
}

function startDetached(name: string, cmd: string, args: string[]): void {
  mkdirSync(STATE, { recursive: true });
  const log = join(STATE, `${name}.log`);
  const fd = openSync(log, 'a');
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd], cwd: STATE });
  child.unref();
  if (!child.pid) throw new Error(`could not start ${cmd}`);
  writeFileSync(pidFile(name), String(child.pid));
}

async function redisUp(url: string): Promise<string> {
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

/** Finds ferretdb on PATH or in .tools/bin, or builds it there from tools/ferretdb (Go module proxy). */
function ferretdbBinary(): string {
  const onPath = which('ferretdb');
  if (onPath) return onPath;
  const local = join(TOOLS, 'bin', 'ferretdb');
  if (existsSync(local)) return local;
  if (!which('go')) {
    throw new Error('No MongoDB-compatible server found: MONGODB_URI does not answer, mongod is not installed and Go is not available to build FerretDB.\n' +
      '  Options: set MONGODB_URI to a MongoDB 6+ server (or Atlas); install MongoDB (mongod on PATH);\n' +
      `  install Go 1.24+ and re-run (FerretDB ${FERRETDB_VERSION} is then built automatically); or 'docker compose up -d' with compose.yaml.`);
  }
  // tools/ferretdb wraps FerretDB's embeddable package, pinned in its go.mod/go.sum: a plain
  // `go install .../cmd/ferretdb@v1.24.2` builds a binary that panics at start (missing version.txt).
  console.error(`[services] building FerretDB ${FERRETDB_VERSION} into .tools/bin (first run only, a few minutes)…`);
  const t0 = Date.now();
  const env = { ...process.env, GOFLAGS: '-buildvcs=false -mod=readonly', GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'local' };
  execFileSync('go', ['build', '-o', local, '.'], { cwd: join(ROOT, 'tools', 'ferretdb'), env, stdio: 'inherit' });
  console.error(`[services] FerretDB built in ${((Date.now() - t0) / 1000).toFixed(0)}s`);
  return local;
}

async function mongoUp(uri: string): Promise<string> {
  const version = await mongoAnswers(uri);
  if (version) return `${redactUri(uri)} — ${version}${ourPid('mongo') ? ' (started by services:up)' : ' (already running)'}`;
  const ep = endpoint(uri, 27017);
  if (!ep.local) throw new Error(`MongoDB at ${redactUri(uri)} does not answer. Fix MONGODB_URI or start that server.`);
  if (await tcpOpen(ep.host, ep.port)) throw new Error(`port ${ep.port} is taken by something that does not speak MongoDB; set MONGODB_URI`);
  const mongod = which('mongod');
  if (mongod) {
    const dbPath = join(STATE, 'mongod');
    mkdirSync(dbPath, { recursive: true });
    startDetached('mongo', mongod, ['--bind_ip', ep.host, '--port', String(ep.port), '--dbpath', dbPath]);
  } else {
    await startFerretdb(ep);
    return `${redactUri(uri)} — ${await mongoAnswers(uri)} (started, pid ${ourPid('mongo')})`;
  }
  await waitFor(() => mongoAnswers(uri), `MongoDB-compatible server on ${ep.host}:${ep.port}`, 30000, join(STATE, 'mongo.log'));
  return `${redactUri(uri)} — ${await mongoAnswers(uri)} (started, pid ${ourPid('mongo')})`;
}

/**
 * Starts FerretDB on the project-local SQLite state. Its state holds only test and demo databases:
 * when a crash left it unreadable (FerretDB refuses to start on a damaged file), the state is moved
 * aside to .services/ferretdb.damaged-<time> and FerretDB starts on a fresh one.
 */
async function startFerretdb(ep: Endpoint): Promise<void> {
  const bin = ferretdbBinary();
  const dataDir = join(STATE, 'ferretdb');
  const log = join(STATE, 'mongo.log');
  const uri = `mongodb://${ep.host}:${ep.port}/`;
  for (let attempt = 1; ; attempt++) {
    mkdirSync(dataDir, { recursive: true });
    startDetached('mongo', bin, [
      '--handler=sqlite', `--sqlite-url=file:${dataDir}/`, `--listen-addr=${ep.host}:${ep.port}`,
      '--telemetry=disable', '--debug-addr=-', '--log-level=warn',
    ]);
    try {
      await waitFor(() => mongoAnswers(uri), `FerretDB on ${ep.host}:${ep.port}`, 30000, log);
      return;
    } catch (err) {
      const pid = ourPid('mongo');
      if (pid) process.kill(pid, 'SIGKILL');
      rmSync(pidFile('mongo'), { force: true });
      if (attempt > 1) throw err;
      const aside = `${dataDir}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      renameSync(dataDir, aside);
      console.error(`[services] FerretDB did not start on its existing state; moved it to ${aside} and starting fresh`);
    }
  }
}

function redactUri(uri: string): string { return uri.replace(/\/\/[^@/]*@/, '//***@'); }

function stop(name: string): string {
  const pid = ourPid(name);
  if (!pid) return `${name}: nothing started by services:up`;
  process.kill(pid, 'SIGTERM');
  rmSync(pidFile(name), { force: true });
  return `${name}: stopped pid ${pid}`;
}

async function main(): Promise<void> {
  const cmd = process.argv[2] ?? 'status';
  const { mongodbUri, redisUrl } = serviceUrls();
  if (cmd === 'up') {
    const results = await Promise.allSettled([redisUp(redisUrl), mongoUp(mongodbUri)]);
    const [r, m] = results;
    for (const [label, res] of [['Redis  ', r], ['MongoDB', m]] as const) {
      if (res?.status === 'fulfilled') console.log(`[services] ${label} ${res.value}`);
      else console.error(`[services] ${label} FAILED: ${(res?.reason as Error)?.message}`);
    }
    if (results.some((x) => x.status === 'rejected')) process.exit(1);
    // The fault-injection suites (test/proof, scripts/chaos.ts) start private FerretDB servers that
    // they can kill and restart, so the binary is needed even when a MongoDB server already answers.
    if (which('go')) {
      try {
        ferretdbBinary();
      } catch (err) {
        console.error(`[services] FerretDB could not be built (the chaos and outage suites need it): ${(err as Error).message}`);
      }
    }
  } else if (cmd === 'down') {
    console.log(`[services] ${stop('redis')}`);
    console.log(`[services] ${stop('mongo')}`);
  } else if (cmd === 'status') {
    const [redisOk, mongoVersion] = await Promise.all([redisAnswers(redisUrl), mongoAnswers(mongodbUri)]);
    const who = (name: string) => (ourPid(name) ? `started by services:up, pid ${ourPid(name)}` : 'not started by us');
    console.log(`Redis    ${redisUrl}: ${redisOk ? 'answering' : 'NOT answering'} (${who('redis')})`);
    console.log(`MongoDB  ${redactUri(mongodbUri)}: ${mongoVersion ? `answering, ${mongoVersion}` : 'NOT answering'} (${who('mongo')})`);
    const ferret = which('ferretdb') ?? (existsSync(join(TOOLS, 'bin', 'ferretdb')) ? join(TOOLS, 'bin', 'ferretdb') : null);
    console.log(`FerretDB binary: ${ferret ?? 'not built yet (built on first services:up when no MongoDB answers)'}`);
    if (!redisOk || !mongoVersion) process.exitCode = 1;
  } else {
    console.error('usage: node scripts/services.ts up|down|status');
    process.exit(2);
  }
}

main().catch((err: unknown) => {
  console.error(`[services] ${(err as Error).message}`);
  process.exit(1);
});
