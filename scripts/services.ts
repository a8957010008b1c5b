// Makes sure a real Redis and a real MongoDB-compatible server answer, starting them if needed.
//   node scripts/services.ts up|down|status
// Preference order — Redis: REDIS_URL if it answers, else redis-server from PATH (no persistence).
// MongoDB: MONGODB_URI if it answers, else mongod from PATH, else FerretDB 1.24.2 (SQLite backend),
// built once into .tools/bin with the Go toolchain if it is not on PATH. Idempotent; `down` stops only
// what `up` started (tracked by pid files in .services/).
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join, resolve } from 'node:path';
import { serviceUrls } from '../src/config.ts';
import { pollUntil } from '../tools/poll.ts';

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
  const tail = () => (log && existsSync(log) ? `--- last lines of ${log} ---\n${readFileSync(log, 'utf8').split('\n').slice(-15).join('\n')}` : '');
  await pollUntil(what, check, { timeoutMs, intervalMs: 200, detail: tail });
}

function which(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function pidFile(name: string): string { return join(STATE, `${name}.pid`); }

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

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

/**
 * FerretDB 1.24's SQLite backend pushes a filter on `_id` down as `_ferretdb_sjson->'$._id' = ?`, but
 * creates its unique `_id_` index on the expression `_ferretdb_sjson->"_id"`. SQLite uses an expression
 * index only for the identical expression, so every lookup by `_id` scanned the whole table (measured
 * on 50,000 documents: 11 ms per read, 136 ms per update). The one-line patch below writes the
 * pushdown with the index's own spelling (`->'_id'` means `$._id` in SQLite's JSON operators): 0.8 ms
 * per read, 1.5 ms per update, same results. The app keys its hot collections by `_id` for this.
 */
const FERRETDB_PATCH = {
  file: 'internal/backends/sqlite/metadata/metadata.go',
  from: `IDColumn = DefaultColumn + "->'$._id'"`,
  to: `IDColumn = DefaultColumn + "->'_id'"`,
};

/** Identifies a build: the wrapper's sources, pinned modules and the patch. */
function ferretdbBuildStamp(): string {
  const h = createHash('sha256');
  for (const f of ['main.go', 'go.mod', 'go.sum']) h.update(readFileSync(join(ROOT, 'tools', 'ferretdb', f)));
  h.update(JSON.stringify(FERRETDB_PATCH));
  return `${FERRETDB_VERSION}-${h.digest('hex').slice(0, 16)}`;
}

const readIf = (file: string): string | null => (existsSync(file) ? readFileSync(file, 'utf8').trim() : null);

/** The project's FerretDB build in .tools/bin, (re)built from tools/ferretdb when stale; else one on PATH. */
export function ferretdbBinary(): string {
  const local = join(TOOLS, 'bin', 'ferretdb');
  const stamp = ferretdbBuildStamp();
  if (existsSync(local) && readIf(`${local}.build`) === stamp) return local;
  if (!which('go')) {
    if (existsSync(local)) return local;
    const onPath = which('ferretdb');
    if (onPath) return onPath;
    throw new Error('No MongoDB-compatible server found: MONGODB_URI does not answer, mongod is not installed and Go is not available to build FerretDB.\n' +
      '  Options: set MONGODB_URI to a MongoDB 6+ server (or Atlas); install MongoDB (mongod on PATH);\n' +
      `  install Go 1.24+ and re-run (FerretDB ${FERRETDB_VERSION} is then built automatically); or 'docker compose up -d' with compose.yaml.`);
  }
  // tools/ferretdb wraps FerretDB's embeddable package, pinned in its go.mod/go.sum: a plain
  // `go install .../cmd/ferretdb@v1.24.2` builds a binary that panics at start (missing version.txt).
  // The module is copied out of the (read-only, checksum-verified) module cache, patched, and used
  // through a generated go.mod with a replace directive; the committed go.mod stays untouched.
  console.error(`[services] building FerretDB ${FERRETDB_VERSION} (patched: _id index use) into .tools/bin (first run only, a few minutes)…`);
  const t0 = Date.now();
  const cwd = join(ROOT, 'tools', 'ferretdb');
  const env = { ...process.env, GOFLAGS: '-buildvcs=false -mod=readonly', GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'local' };
  const mod = JSON.parse(execFileSync('go', ['mod', 'download', '-json', `github.com/FerretDB/FerretDB@${FERRETDB_VERSION}`], { cwd, env }).toString()) as { Dir?: string; Error?: string };
  if (!mod.Dir) throw new Error(`go mod download FerretDB ${FERRETDB_VERSION} failed: ${mod.Error ?? 'no directory'}`);
  const src = join(TOOLS, 'ferretdb-src');
  if (existsSync(src)) execFileSync('chmod', ['-R', 'u+w', src]);
  rmSync(src, { recursive: true, force: true });
  cpSync(mod.Dir, src, { recursive: true });
  execFileSync('chmod', ['-R', 'u+w', src]);
  const target = join(src, FERRETDB_PATCH.file);
  const original = readFileSync(target, 'utf8');
  if (!original.includes(FERRETDB_PATCH.from)) throw new Error(`FerretDB patch does not apply: ${FERRETDB_PATCH.file} has no ${FERRETDB_PATCH.from}`);
  writeFileSync(target, original.replace(FERRETDB_PATCH.from, FERRETDB_PATCH.to));
  const modDir = join(TOOLS, 'ferretdb-mod');
  mkdirSync(modDir, { recursive: true });
  writeFileSync(join(modDir, 'go.mod'), `${readFileSync(join(cwd, 'go.mod'), 'utf8')}\nreplace github.com/FerretDB/FerretDB => ${src}\n`);
  writeFileSync(join(modDir, 'go.sum'), readFileSync(join(cwd, 'go.sum')));
  mkdirSync(join(TOOLS, 'bin'), { recursive: true });
  execFileSync('go', ['build', `-modfile=${join(modDir, 'go.mod')}`, '-o', local, '.'], { cwd, env, stdio: 'inherit' });
  writeFileSync(`${local}.build`, stamp);
  console.error(`[services] FerretDB built in ${((Date.now() - t0) / 1000).toFixed(0)}s`);
  return local;
}

/** SQLite settings for FerretDB's data directory URL: WAL (FerretDB's default) with synchronous=NORMAL,
 * SQLite's recommended pairing for WAL — durable across process crashes (kill -9), only an OS crash can
 * lose the last commits; 2.3x the bulk write rate of the default FULL here. Test and demo data only. */
export const FERRETDB_SQLITE_PARAMS = '?_pragma=synchronous(normal)';

async function mongoUp(uri: string): Promise<string> {
  const version = await mongoAnswers(uri);
  if (version && ourPid('mongo') && which('go')) {
    // Our FerretDB from an older build (before a patch or version change): restart it on the new one.
    const bin = ferretdbBinary();
    if (readIf(join(STATE, 'mongo.build')) !== readIf(`${bin}.build`)) {
      const ep = endpoint(uri, 27017);
      console.error(`[services] restarting FerretDB on the new build (${readIf(`${bin}.build`)})`);
      const pid = ourPid('mongo')!;
      stop('mongo');
      await waitFor(async () => !(await tcpOpen(ep.host, ep.port)) && !alive(pid), 'the old FerretDB to exit', 15000, join(STATE, 'mongo.log'));
      await startFerretdb(ep);
      return `${redactUri(uri)} — ${await mongoAnswers(uri)} (restarted on the new build, pid ${ourPid('mongo')})`;
    }
  }
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
      '--handler=sqlite', `--sqlite-url=file:${dataDir}/${FERRETDB_SQLITE_PARAMS}`, `--listen-addr=${ep.host}:${ep.port}`,
      '--telemetry=disable', '--debug-addr=-', '--log-level=warn',
    ]);
    try {
      await waitFor(() => mongoAnswers(uri), `FerretDB on ${ep.host}:${ep.port}`, 30000, log);
      writeFileSync(join(STATE, 'mongo.build'), readIf(`${bin}.build`) ?? 'unknown');
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
  // `--redis-cluster`: also the local 6-node Redis Cluster (tools/redis-cluster/cluster.ts, up|down|status).
  if (process.argv.includes('--redis-cluster')) await import('../tools/redis-cluster/cluster.ts').then((c) => c.clusterCommand(cmd));
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

// Run as a script (not when imported by the chaos suite for ferretdbBinary()).
if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) main().catch((err: unknown) => {
  console.error(`[services] ${(err as Error).message}`);
  process.exit(1);
});
