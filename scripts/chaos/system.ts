// The system under test for the chaos run, and the hands that break it: a private redis-server (AOF,
// fsync always) and a private FerretDB on spare loopback ports (never the shared 6379/27017), the Shopify
// simulator and the web app (web/app.ts, queued ingest) in this process, workers as child processes
// (`node jobs/main.ts`, as `npm run start:worker`). Every await on the system is bounded: a hang is
// reported, never waited out.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import express from 'express';
import type { Queue } from 'bullmq';
import { loadConfig } from '../../src/config.ts';
import { createDeps, type Deps } from '../../src/deps.ts';
import { createLogger } from '../../src/logger.ts';
import { createShopifyApi } from '../../src/shopify/shopify-api.ts';
import { installFromSessionToken } from '../../src/shopify/install.ts';
import { createJobRuntime, type JobRuntime } from '../../jobs/runtime.ts';
import type { Queues } from '../../jobs/enqueue.ts';
import { QUEUE } from '../../jobs/queues.ts';
import { createShopifyPort } from '../../jobs/shopify-port.ts';
import { createApp } from '../../web/app.ts';
import { startWebhookIngest, type WebhookIngest } from '../../web/webhook-ingest.ts';
import { startShopifySimulator, type ShopifySimulator } from '../../tools/shopify-simulator/index.ts';
import { startPrivateFerretdb, startPrivateRedis, tempBase, type PrivateServer } from '../../tools/local-services/private-servers.ts';
import { seededRng, uniformInt } from '../../tools/seeded-random.ts';
import { startChaosCluster } from './cluster.ts';
import { defaultPartitions, keyPrefix, ShopKeys } from '../../src/redis.ts';
import type { Timeline } from './faults.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
export const DAY = 86_400_000;
export const SHOP = 'chaos.myshopify.com';
export const API_KEY = 'chaos-app';
const API_SECRET = 'chaos-secret-0123456789';
/** The engine's fixed as-of for the whole run. */
export const ASOF = Date.UTC(2026, 10, 20);

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function bounded<T>(p: Promise<T>, ms: number, label: string, fallback: T, log: (s: string) => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((r) => { timer = setTimeout(() => { log(`${label}: no answer within ${ms} ms`); r(fallback); }, ms); });
  try {
    return await Promise.race([p.catch(() => fallback), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function rssMbOf(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

const sortedKey = (tags: readonly string[]) => JSON.stringify([...tags].sort());

interface WorkerProc { child: ChildProcess; killedByUs: boolean }
/** A child killed by a signal has exitCode null too: check both. */
const alive = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;

const liveWorkers = new Set<ChildProcess>();
process.on('exit', () => { for (const c of liveWorkers) c.kill('SIGKILL'); });

/** Tags Shopify reported (customers/update) that differed from the desired ones while the app's state said "applied". */
export interface DriftSeen {
  at: number;
  customerId: string;
  reported: string[];
  desired: string[];
  onShopify: string[];
  /** Shopify really carried other app tags than the desired ones: a lost write the drift check repaired. */
  lost: boolean;
}

export interface SystemCounters {
  workerKills: number; workerKillsMidJob: number; redisRestarts: number; mongoRestarts: number;
  unhandledRejections: number; workerCrashes: number; peakWeb: number; peakWorkers: number;
}

/** Deliberate bugs the self-test plants in the workers (preloaded with `node --import`). */
export type InjectedBug = 'lost-tag-write';
const BUG_MODULES: Record<InjectedBug, string> = { 'lost-tag-write': './scripts/chaos/inject-lost-tag-write.ts' };
/** Customers whose tag writes the planted bug loses. */
const BUG_VICTIMS = 3;

export interface SystemOptions {
  customers: number;
  injectBug?: InjectedBug;
  workers: number;
  seed: number;
  /** Lifetime of the expiring offline access tokens during the run (token-expiry fault). */
  tokenLifetimeMs: number;
  log: (line: string) => void;
  timeline: Timeline;
  /** Problems seen along the way (crashes, unhandled rejections), for the report. */
  examples: string[];
}

/** Self-test: picks the bug's victims (seeded), tells the workers and puts the bug on the timeline. */
function plantBug(o: SystemOptions, sim: ShopifySimulator, env: Record<string, string>): void {
  const ids = sim.listCustomers(SHOP).map((c) => c.id);
  const rng = seededRng(o.seed ^ 0xb06);
  const victims = new Set<string>();
  while (victims.size < Math.min(BUG_VICTIMS, ids.length)) victims.add(ids[uniformInt(rng, 0, ids.length - 1)]!);
  env.CHAOS_BUG_CUSTOMERS = [...victims].join(',');
  o.timeline.mark(`injected bug ${o.injectBug}: the workers acknowledge tag writes of customers ${[...victims].join(', ')} without sending them`, [...victims]);
  o.log(`injected bug ${o.injectBug}: customers ${[...victims].join(', ')}`);
}

export class ChaosSystem {
  readonly sim: ShopifySimulator;
  readonly deps: Deps;
  readonly runtime: JobRuntime;
  /** The shop's queue partition (jobs/enqueue.ts queuesFor): all of the one shop's jobs are there. */
  readonly queues: Queues;
  /** Every queue of every partition, labelled `queue` (one partition) or `p<k>/queue`. */
  readonly allQueues: ReadonlyArray<[string, Queue]>;
  readonly counters: SystemCounters = { workerKills: 0, workerKillsMidJob: 0, redisRestarts: 0, mongoRestarts: 0, unhandledRejections: 0, workerCrashes: 0, peakWeb: 0, peakWorkers: 0 };
  /** What the webhook endpoint answered while a server was down, by "server: status". */
  readonly outageStatuses: Record<string, number> = {};
  readonly drift: DriftSeen[] = [];
  /** Each customer's merchant (non-app) tags as seeded. */
  readonly merchantTags: Map<string, string[]>;
  readonly log: (line: string) => void;
  /** The shop's tag prefix (its stored settings, read once installed). */
  tagPrefix = '';
  private readonly o: SystemOptions;
  private readonly redisServer: PrivateServer;
  private readonly ferretServer: PrivateServer;
  private readonly workerEnv: Record<string, string>;
  private readonly workers: WorkerProc[] = [];
  private readonly dir: string;
  private outage: string | null = null;
  private stopping = false;
  private sampler: NodeJS.Timeout | null = null;

  private constructor(o: SystemOptions, parts: { sim: ShopifySimulator; deps: Deps; runtime: JobRuntime; redis: PrivateServer; ferret: PrivateServer; env: Record<string, string>; dir: string }) {
    this.o = o;
    this.log = o.log;
    this.sim = parts.sim;
    this.deps = parts.deps;
    this.runtime = parts.runtime;
    this.queues = parts.runtime.queuesFor(SHOP);
    const { partitions } = parts.runtime;
    this.allQueues = partitions.flatMap((p, k) => (Object.entries(p) as Array<[string, Queue]>).map(([name, q]): [string, Queue] => [partitions.length > 1 ? `p${k}/${name}` : name, q]));
    this.redisServer = parts.redis;
    this.ferretServer = parts.ferret;
    this.workerEnv = parts.env;
    this.dir = parts.dir;
    this.merchantTags = new Map(parts.sim.listCustomers(SHOP).map((c) => [c.id, [...c.tags].sort()]));
  }

  /** Starts everything; `cleanup` collects what to stop, so a failed start leaves nothing running. */
  static async start(o: SystemOptions, cleanup: Array<() => Promise<void>>): Promise<ChaosSystem> {
    const base = tempBase('chaos-', true);
    cleanup.push(async () => { if (!process.env.CHAOS_KEEP) base.remove(); });
    // --redis-cluster: scripts/chaos/cluster.ts; its fault kills the master of the shop's partition (QUEUE_PREFIX chaos, 6 partitions).
    const cluster = process.env.CHAOS_REDIS_CLUSTER ? await startChaosCluster(o.log, new ShopKeys(keyPrefix('chaos', true), defaultPartitions(true)).of(SHOP)) : null;
    const [redis, ferret] = await Promise.all([cluster?.server ?? startPrivateRedis(base.dir, { durable: true }), startPrivateFerretdb(base.dir)]);
    cleanup.push(async () => { for (const s of cluster ? [ferret] : [redis, ferret]) await s.stop().catch(() => undefined); });
    o.log(`private redis :${redis.port}, FerretDB :${ferret.port}, data in ${base.dir}`);

    const sim = await startShopifySimulator({
      seed: o.seed,
      webhooks: {
        concurrency: 16, timeoutMs: 5000, maxAttempts: 30, retryDelaysMs: [200, 500, 1000, 2000, 4000],
        duplicateRate: 0.2, reorderWindowMs: 1500, lateRate: 0.05, lateDelayMs: 8000,
      },
    });
    cleanup.push(() => bounded(sim.close(), 10_000, 'closing the simulator', undefined, o.log));
    sim.createShop({ domain: SHOP, plan: 'standard', scopes: ['read_customers', 'write_customers', 'read_orders', 'read_all_orders'], timezone: 'UTC', currency: 'USD', name: 'Chaos' });
    sim.seedSynthetic(SHOP, { customers: o.customers, seed: o.seed, asOf: ASOF - DAY, maxOrdersPerCustomer: 4 });

    const env: Record<string, string> = {
      NODE_ENV: 'test', SHOPIFY_API_KEY: API_KEY, SHOPIFY_API_SECRET: API_SECRET, SHOPIFY_APP_URL: 'https://chaos.example.com',
      SHOPIFY_API_ORIGIN: sim.url, ENCRYPTION_KEY: '33'.repeat(32), SUPPORT_TOKEN: 'c'.repeat(32),
      MONGODB_URI: `${ferret.url}/chaos`, REDIS_URL: redis.url, ...(cluster ? { REDIS_CLUSTER_NODES: cluster.nodes } : {}), QUEUE_PREFIX: 'chaos', LOG_LEVEL: 'warn', WORKER_CONCURRENCY: '4',
      // The run's fixed day reaches the workers: jobs they queue or a scheduler fires (nightly
      // recalibration 03:00, recency sweep 04:30 UTC) without an as-of would otherwise use the wall clock.
      ENGINE_AS_OF: new Date(ASOF).toISOString(),
      // A SIGKILLed worker's jobs resume within 10–20 s instead of 30–60 s (same recovery path: BullMQ's stalled check).
      JOB_LOCK_MS: '10000',
    };
    if (o.injectBug) plantBug(o, sim, env);
    const appLog = createWriteStream(join(base.dir, 'app.log'));
    cleanup.push(async () => { appLog.end(); });
    const deps = await createDeps(loadConfig(env), { logger: createLogger({ level: 'warn', destination: appLog, name: 'chaos-web' }), now: () => ASOF });
    cleanup.push(() => bounded(deps.close(), 10_000, 'closing connections', undefined, o.log));
    const runtime = createJobRuntime(deps, { shopify: createShopifyPort(deps), asOf: ASOF });
    cleanup.push(() => bounded(runtime.close(), 10_000, 'closing the queues', undefined, o.log));
    const system = new ChaosSystem(o, { sim, deps, runtime, redis, ferret, env, dir: base.dir });
    system.watchTagDrift();
    await system.serveApp(cleanup);
    cleanup.push(() => system.stopWorkers());
    system.tagPrefix = (await deps.stores.shops.effective(SHOP)).settings.tagPrefix;
    // As an install through the admin does (web/admin/install-on-first-use.ts): the nightly recalibration.
    await runtime.enqueue.scheduleShop(SHOP, 'UTC');
    for (let i = 0; i < o.workers; i++) system.startWorker();
    system.sampler = setInterval(() => system.sample(), 1000);
    cleanup.push(async () => { if (system.sampler) clearInterval(system.sampler); });
    return system;
  }

  /**
   * Every drift the app's drift check reports is checked against the simulator at that moment: if
   * Shopify really carries other app tags than the desired ones, a write was lost and only the drift
   * check repaired it — a failure of the run. Otherwise the report was an old delivery (harmless).
   */
  private watchTagDrift(): void {
    const enqueue = this.runtime.enqueue;
    const observe = enqueue.observeTags.bind(enqueue);
    enqueue.observeTags = async (shop, customerId, appTags) => {
      const seen = await observe(shop, customerId, appTags);
      if (seen.outcome === 'drift') {
        const onShopify = this.appTagsOnShopify(customerId);
        const lost = sortedKey(onShopify) !== sortedKey(seen.desired);
        this.drift.push({ at: Date.now(), customerId, reported: [...appTags].sort(), desired: seen.desired, onShopify, lost });
        if (lost) this.o.timeline.mark(`drift check: customer ${customerId} carries ${onShopify.join(' ') || '(no app tags)'} on Shopify, state said ${seen.desired.join(' ') || '(none)'} applied`, [customerId]);
      }
      return seen;
    };
  }

  /** The app's tags the simulator's customer carries now (the shop's tag prefix), sorted. */
  appTagsOnShopify(customerId: string): string[] {
    const prefix = this.tagPrefix.toLowerCase();
    return (this.sim.getCustomer(SHOP, customerId)?.tags ?? []).filter((t) => t.toLowerCase().startsWith(prefix)).sort();
  }

  private async serveApp(cleanup: Array<() => Promise<void>>): Promise<void> {
    const { deps, runtime, sim } = this;
    // Queued ingest (the default WEBHOOK_MODE): this process accepts deliveries into Redis and stores them.
    const ingest: WebhookIngest = startWebhookIngest(deps, runtime);
    cleanup.push(() => bounded(ingest.close(), 10_000, 'closing the webhook consumer', undefined, this.log));
    const app = createApp({ deps, effects: runtime.enqueue, ...ingest.app });
    // Requests that arrive while a server is down, and what they are finally answered.
    const outer = express();
    outer.use((_req, res, next) => {
      const during = this.outage;
      if (during) res.on('close', () => { const k = `${during}: ${res.writableFinished ? res.statusCode : 'no answer (client gave up)'}`; this.outageStatuses[k] = (this.outageStatuses[k] ?? 0) + 1; });
      next();
    });
    outer.use(app);
    const server = await new Promise<Server>((ok) => { const s = outer.listen(0, '127.0.0.1', () => ok(s)); });
    cleanup.push(async () => { server.closeAllConnections(); await bounded(new Promise<void>((r) => server.close(() => r())), 10_000, 'closing the web server', undefined, this.log); });
    const appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // Install through token exchange: an expiring offline token that lives tokenLifetimeMs (token-expiry
    // fault: refreshed by every process under the shop's lock; non-expiring tokens refused, as from 2027-01-01).
    sim.setAuthBehaviour({ refuseNonExpiring: true, accessTokenLifetimeMs: this.o.tokenLifetimeMs });
    sim.registerApp({ apiKey: API_KEY, apiSecret: API_SECRET, webhookAddress: `${appUrl}/webhooks`, apiVersion: '2026-10' });
    await installFromSessionToken({ shopify: createShopifyApi(deps.config, deps.logger), sessions: deps.stores.sessions, shops: deps.stores.shops, logger: deps.logger }, SHOP, sim.mintSessionToken(SHOP, { apiKey: API_KEY }));
  }

  private startWorker(): WorkerProc {
    const logFile = join(this.dir, `worker-${this.workers.length}.log`);
    const out: WriteStream = createWriteStream(logFile);
    const preload = this.o.injectBug ? ['--import', BUG_MODULES[this.o.injectBug]] : [];
    const child = spawn(process.execPath, [...preload, 'jobs/main.ts'], { cwd: ROOT, env: { ...process.env, ...this.workerEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.pipe(out);
    child.stderr!.pipe(out);
    const w: WorkerProc = { child, killedByUs: false };
    liveWorkers.add(child);
    child.once('exit', (code, signal) => {
      liveWorkers.delete(child);
      if (w.killedByUs || this.stopping) return;
      this.counters.workerCrashes++;
      // Why it died: the last lines it wrote (its log goes with the temp directory).
      out.end(() => {
        const tail = readFileSync(logFile, 'utf8').trim().split('\n').slice(-6).map((l) => l.slice(0, 400)).join(' | ');
        this.o.examples.push(`worker ${child.pid} exited by itself (${code ?? signal}): ${tail}`);
      });
    });
    this.workers.push(w);
    return w;
  }

  private async stopWorkers(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.workers.filter((w) => alive(w.child)).map((w) => new Promise<void>((r) => {
      w.killedByUs = true;
      const t = setTimeout(() => { w.child.kill('SIGKILL'); }, 10_000);
      w.child.once('exit', () => { clearTimeout(t); r(); });
      w.child.kill('SIGTERM');
    })));
  }

  sample(): void {
    const c = this.counters;
    c.peakWeb = Math.max(c.peakWeb, Math.round(process.memoryUsage().rss / 1024 / 1024));
    for (const w of this.workers) if (alive(w.child)) c.peakWorkers = Math.max(c.peakWorkers, rssMbOf(w.child.pid));
  }

  stopSampling(): void {
    if (this.sampler) clearInterval(this.sampler);
    this.sampler = null;
    this.sample();
  }

  // ---- faults ------------------------------------------------------------------------------------

  private async outageOf(name: 'redis' | 'mongo', server: PrivateServer): Promise<void> {
    this.outage = name;
    this.log(`SIGKILL ${name === 'redis' ? 'redis-server (AOF, fsync always)' : 'FerretDB'}, restart`);
    this.o.timeline.mark(`${name} SIGKILLed`);
    await server.stop(true);
    await sleep(1500);
    await server.start();
    this.o.timeline.mark(`${name} up again`);
    this.outage = null;
  }

  async restartRedis(): Promise<void> {
    await this.outageOf('redis', this.redisServer);
    this.counters.redisRestarts++;
  }

  async restartMongo(): Promise<void> {
    await this.outageOf('mongo', this.ferretServer);
    this.counters.mongoRestarts++;
  }

  /** Waits (bounded) until a job is active, then SIGKILLs a worker: its jobs stall and must be recovered. */
  async killWorkerMidJob(): Promise<void> {
    let active: Array<{ queue: string; id: string; customerId?: string }> = [];
    for (let i = 0; i < 50 && active.length === 0; i++) {
      active = await this.activeJobs();
      if (active.length === 0) await sleep(100);
    }
    const victim = this.workers.find((w) => alive(w.child) && !w.killedByUs);
    if (!victim) return;
    victim.killedByUs = true;
    victim.child.kill('SIGKILL');
    const jobs = active.map((j) => `${j.queue} ${j.id}${j.customerId ? ` (customer ${j.customerId})` : ''}`).join(', ');
    this.o.timeline.mark(`worker ${victim.child.pid} SIGKILLed; jobs active on the workers: ${jobs || 'none'}`, active.flatMap((j) => (j.customerId ? [j.customerId] : [])));
    this.counters.workerKills++;
    if (active.length > 0) this.counters.workerKillsMidJob++;
    this.log(`SIGKILL worker ${victim.child.pid} (${active.length} job(s) active)`);
    await sleep(500);
    this.startWorker();
  }

  /**
   * The daily schedulers' next jobs (nightly recalibration, recency sweep, delivery cleanup) run now
   * instead of at their hour: their data carries no as-of, so they run on the worker's clock
   * (ENGINE_AS_OF, the run's fixed day); on the wall clock they would segment for another day.
   */
  async fireSchedules(): Promise<void> {
    const fired: string[] = [];
    // The shop's nightly recalibration is in its partition, the global sweeps in partition 0.
    for (const q of this.allQueues.map(([, x]) => x).filter((x) => x.name === QUEUE.recalibrate || x.name === QUEUE.maintenance)) {
      const delayed = await q.getDelayed(0, 100).catch(() => []);
      for (const j of delayed.filter((x) => x.repeatJobKey)) {
        await j.promote().then(() => fired.push(j.name), (err: Error) => this.log(`promoting ${j.name}: ${err.message}`));
      }
    }
    this.o.timeline.mark(`scheduled jobs fired now: ${fired.join(', ') || 'none found'}`);
    this.log(`scheduled jobs fired: ${fired.join(', ') || 'none found'}`);
  }

  private async activeJobs(): Promise<Array<{ queue: string; id: string; customerId?: string }>> {
    const out: Array<{ queue: string; id: string; customerId?: string }> = [];
    for (const q of [this.queues.recompute, this.queues.syncTags] as Queue[]) {
      for (const j of await q.getActive().catch(() => [])) {
        const customerId = (j.data as { customerId?: string }).customerId;
        out.push({ queue: q.name, id: String(j.id), ...(customerId ? { customerId } : {}) });
      }
    }
    return out;
  }

  // ---- drained ----------------------------------------------------------------------------------

  private async busy(): Promise<number> {
    const perQueue = await Promise.all(this.allQueues.map(async ([, q]) => {
      const [c, delayed] = await Promise.all([q.getJobCounts('waiting', 'active', 'prioritized', 'waiting-children'), q.getDelayed(0, 1000)]);
      // Delayed = retries in backoff (busy) or the next run of a daily job scheduler (not busy).
      return Object.values(c).reduce((a, b) => a + b, 0) + delayed.filter((j) => !j.repeatJobKey && !String(j.id).startsWith('repeat:')).length;
    }));
    return perQueue.reduce((a, b) => a + b, 0);
  }

  async progressLine(what: string): Promise<string> {
    const counts: Record<string, string> = {};
    for (const [k, q] of this.allQueues) {
      const c = await bounded(q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed'), 5000, `${k} counts`, {} as Record<string, number>, this.log);
      counts[k] = Object.entries(c).filter(([, v]) => v > 0).map(([kk, v]) => `${kk} ${v}`).join(', ') || 'idle';
    }
    const tags = await bounded(this.deps.stores.profiles.countPending(SHOP), 5000, 'pending tags', -1, this.log);
    return `${what}: webhooks pending ${this.sim.stats(SHOP).webhooks.pending}, jobs ${JSON.stringify(counts)}, tags pending ${tags}`;
  }

  /**
   * Drained = no delivery pending, no job anywhere, no tag change pending — three checks in a row
   * spanning at least a second (polled every 250 ms: a delivery or job hands over to the next before
   * it leaves, so a quiet moment between them is not seen as drained).
   */
  async drain(what: string, left: () => number): Promise<boolean> {
    let stable = 0;
    let quietSince = 0;
    let lastReport = Date.now();
    while (left() > 0) {
      await Promise.race([this.sim.webhooksIdle(), sleep(500)]);
      if (left() <= 0) break;
      const n = this.sim.stats(SHOP).webhooks.pending === 0 ? await bounded(this.busy(), 10_000, 'queue counts', 1, this.log) : 1;
      const pending = n === 0 ? await bounded(this.deps.stores.profiles.countPending(SHOP), 10_000, 'pending tag count', 1, this.log) : 1;
      if (n === 0 && pending === 0) {
        if (stable++ === 0) quietSince = Date.now();
      } else stable = 0;
      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        this.log(await this.progressLine(what));
      }
      if (stable >= 3 && Date.now() - quietSince >= 1000) return true;
      await sleep(250);
    }
    // Why not: what is still queued, and whether the shop's token was given up (its work then waits for the merchant).
    const shop = await bounded(this.deps.stores.shops.get(SHOP), 5000, 'shop state', null, this.log);
    const reauth = shop?.needsReauthAt ? `; the shop needs re-authentication since ${new Date(shop.needsReauthAt).toISOString().slice(11, 23)}: ${shop.needsReauthReason ?? '?'}` : '';
    this.o.timeline.mark(`${await this.progressLine(`${what}: not drained before the time limit`)}${reauth}`);
    this.log(`${what}: not drained before the time limit${reauth}`);
    return false;
  }
}
