// Several processes behind a real load balancer, on loopback: N web processes (`web/main.ts`, queued
// webhook ingest) and M workers (`jobs/main.ts`) behind HAProxy (deploy/haproxy/haproxy.cfg, health
// checks on /health), on a private durable redis-server (or the local Redis Cluster) and FerretDB.
//   npm run stack:scaled [-- --webs 2] [--workers 3] [--duration 10] [--connections 32] [--redis-cluster] [--json]
//     ingest benchmark through HAProxy: HTTP+HMAC only (wrong signatures, as `bench:ingest --reject`),
//     then the full path with durable queueing at 0.8× that rate with the webhook consumers paused
//     (target p99 < 50 ms), then unthrottled while processing; every accepted delivery must be stored
//     (0 lost) and the workers' recompute backlog drained. CPU ms per request per process role.
//   npm run stack:scaled -- --chaos [--deliveries 2000]
//     signed deliveries retried until answered 200 (as Shopify retries), one web process SIGKILLed
//     half-way: HAProxy routes around it; 0 lost.
//   node scripts/stack-scaled.ts --ci [--deliveries 1000]   (`npm test`)
//     counts, not rates: wrong signatures refused, signed deliveries (some twice) stored once, the
//     queues drained, then the chaos run; 2 web processes and 3 workers. Skipped, not failed, where
//     HAProxy is neither installed nor installable (not root).
// Bounded: every phase has a time limit; processes and data are removed at the end.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import mongoose from 'mongoose';
import { ShopStore } from '../src/profiles/shop-store.ts';
import { keyPrefix } from '../src/redis.ts';
import { QUEUE } from '../jobs/queues.ts';
import { freePort, startPrivateFerretdb, startPrivateRedis, tempBase, type PrivateServer } from '../tools/local-services/private-servers.ts';
import { ensureHaproxy, startHaproxy, type Haproxy } from '../tools/haproxy/haproxy.ts';
import { clusterUp } from '../tools/redis-cluster/cluster.ts';
import { runBench, runChaos, runSuite, type LoadContext } from './stack-scaled-load.ts';
import { pollUntil } from '../tools/poll.ts';
import { deleteKeysUnder } from '../tools/redis-cleanup.ts';

const ROOT = resolve(import.meta.dirname, '..');
const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : def;
};
const WEBS = Number(arg('webs', '2'));
const WORKERS = Number(arg('workers', '3'));
const DURATION = Number(arg('duration', '10'));
const CONNECTIONS = Number(arg('connections', '32'));
const JSON_OUT = process.argv.includes('--json');
const CHAOS = process.argv.includes('--chaos');
const CI = process.argv.includes('--ci');
const DELIVERIES = Number(arg('deliveries', CI ? '1000' : '2000'));
const CLUSTER = process.argv.includes('--redis-cluster');
const SHOP = 'scaled.myshopify.com';
const SECRET = 'scaled-secret-' + randomBytes(8).toString('hex');
const RUN = `scaled_${randomBytes(4).toString('hex')}`;
const log = (s: string) => { if (!JSON_OUT) console.error(s); };

interface Services { redisUrl: string; clusterNodes?: string; mongoUri: string; pids(): Record<string, Array<number | undefined>>; stop(): Promise<void> }

async function startServices(dir: string): Promise<Services> {
  const own: PrivateServer[] = [];
  const ferret = await startPrivateFerretdb(dir);
  own.push(ferret);
  let redisUrl = 'redis://127.0.0.1:7000';
  let clusterNodes: string | undefined;
  let redisPid = (): number | undefined => undefined;
  if (CLUSTER) {
    clusterNodes = (await clusterUp(Number(process.env.REDIS_CLUSTER_BASE_PORT ?? 7000))).nodes;
  } else {
    const redis = await startPrivateRedis(dir, { durable: true });
    own.push(redis);
    redisUrl = redis.url;
    redisPid = () => redis.pid();
  }
  return {
    redisUrl, ...(clusterNodes ? { clusterNodes } : {}), mongoUri: `${ferret.url}/${RUN}`,
    pids: () => ({ redis: [redisPid()], ferretdb: [ferret.pid()] }),
    async stop() { for (const s of own) await s.stop(); },
  };
}

function appEnv(s: Services): NodeJS.ProcessEnv {
  return {
    ...process.env, NODE_ENV: 'production', HOST: '127.0.0.1', MONGODB_URI: s.mongoUri, REDIS_URL: s.redisUrl,
    ...(s.clusterNodes ? { REDIS_CLUSTER_NODES: s.clusterNodes } : {}), QUEUE_PREFIX: RUN, WEBHOOK_MODE: 'queued',
    SHOPIFY_API_KEY: 'scaled-key', SHOPIFY_API_SECRET: SECRET, SHOPIFY_APP_URL: 'https://scaled.example.com', ENCRYPTION_KEY: '33'.repeat(32),
    SHOPIFY_API_ORIGIN: '', SUPPORT_TOKEN: 's'.repeat(32), LOG_LEVEL: 'error', DEMO_MODE: '',
  };
}

interface Proc { name: string; child: ChildProcess; url?: string }

async function startProcesses(s: Services): Promise<Proc[]> {
  const procs: Proc[] = [];
  for (let i = 1; i <= WEBS; i++) {
    const port = await freePort();
    const child = spawn(process.execPath, ['web/main.ts'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env: { ...appEnv(s), PORT: String(port) } });
    procs.push({ name: `web${i}`, child, url: `127.0.0.1:${port}` });
  }
  for (let i = 1; i <= WORKERS; i++) {
    // Loopback only: the workers serve the recomputes and never the queues that call Shopify (tag writes).
    procs.push({ name: `worker${i}`, child: spawn(process.execPath, ['jobs/main.ts', '--queues', `${QUEUE.recompute},${QUEUE.maintenance}`], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env: appEnv(s) }) });
  }
  for (const p of procs.filter((x) => x.url)) {
    await pollUntil(`${p.name} healthy`, async () => {
      if (p.child.exitCode !== null) throw new Error(`${p.name} exited with ${p.child.exitCode}`);
      return fetch(`http://${p.url}/health`).then((r) => r.ok, () => false);
    }, { timeoutMs: 60_000, intervalMs: 250 });
  }
  return procs;
}

async function stopProcesses(procs: Proc[]): Promise<void> {
  await Promise.all(procs.map((p) => new Promise((r) => {
    if (p.child.exitCode !== null || p.child.signalCode !== null) return r(undefined);
    const t = setTimeout(() => { p.child.kill('SIGKILL'); r(undefined); }, 15_000);
    p.child.once('exit', () => { clearTimeout(t); r(undefined); });
    p.child.kill('SIGTERM');
  })));
}

/** The scaled stack's run (also `npm run bench:ingest -- --haproxy`). */
export async function main(): Promise<void> {
  try {
    ensureHaproxy(log);
  } catch (err) {
    if (!CI) throw err;
    console.error(`[stack:scaled] skipped: ${(err as Error).message}`);
    return;
  }
  const base = tempBase('stack-scaled-', true);
  const s = await startServices(base.dir);
  const mongo = await mongoose.createConnection(s.mongoUri).asPromise();
  let procs: Proc[] = [];
  let lb: Haproxy | null = null;
  try {
    await new ShopStore(mongo).markInstalled(SHOP, { scopes: ['read_orders', 'read_customers', 'write_customers'], timezone: 'UTC', currency: 'USD' }, new Date());
    procs = await startProcesses(s);
    lb = await startHaproxy(await freePort(), procs.filter((p) => p.url).map((p) => p.url!));
    log(`HAProxy ${lb.url} → ${WEBS} web, ${WORKERS} workers; redis ${s.clusterNodes ? `cluster ${s.clusterNodes}` : s.redisUrl}`);
    const ctx: LoadContext = {
      url: lb.url, shop: SHOP, secret: SECRET, run: RUN, durationS: DURATION, connections: CONNECTIONS, log, mongo,
      redis: { REDIS_URL: s.redisUrl, REDIS_CLUSTER_NODES: s.clusterNodes }, queuePrefix: keyPrefix(RUN, CLUSTER),
      webs: procs.filter((p) => p.url).map((p) => p.child),
      pids: () => ({
        web: procs.filter((p) => p.url).map((p) => p.child.pid), worker: procs.filter((p) => !p.url).map((p) => p.child.pid),
        haproxy: [lb?.child.pid], ...s.pids(),
      }),
    };
    const summary = { webs: WEBS, workers: WORKERS, redis: CLUSTER ? 'cluster (3 masters + 3 replicas)' : 'one redis-server (AOF, fsync always)', ...await (CI ? runSuite(ctx, DELIVERIES) : CHAOS ? runChaos(ctx, DELIVERIES) : runBench(ctx)) };
    if (JSON_OUT) console.log(JSON.stringify(summary, null, 2));
    else console.log(JSON.stringify(summary));
    process.exitCode = summary.pass ? 0 : 1;
  } finally {
    await lb?.stop();
    await stopProcesses(procs);
    await mongo.dropDatabase().catch(() => undefined);
    await mongo.close();
    await deleteKeysUnder(s.redisUrl, keyPrefix(RUN, CLUSTER), s.clusterNodes);
    await s.stop();
    base.remove();
  }
}

if (import.meta.main) await main();
