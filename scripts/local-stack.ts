// The whole product on one machine, for the demo, the freshness benchmark and the end-to-end tests:
// the Shopify simulator, the web app (webhooks on /webhooks) and a worker in-process, wired through
// the same composition root as production (src/deps.ts + jobs/runtime.ts).
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig, type Config } from '../src/config.ts';
import { createDeps, depsFromConnection, type Deps } from '../src/deps.ts';
import type { Logger } from '../src/logger.ts';
import { createShopifyApi } from '../src/shopify/shopify-api.ts';
import { installFromSessionToken } from '../src/shopify/install.ts';
import { createJobRuntime, type JobRuntime } from '../jobs/runtime.ts';
import { createShopifyPort } from '../jobs/shopify-port.ts';
import { QUEUE } from '../jobs/queues.ts';
import { createApp } from '../web/app.ts';
import { startWebhookIngest } from '../web/webhook-ingest.ts';
import { installOnFirstUse } from '../web/admin/install-on-first-use.ts';
import { dashboardMounts } from '../web/mounts.ts';
import { dashboardPortsFrom } from '../web/ports.ts';
import { startShopifySimulator, type ShopifySimulator, type SimulatorOptions } from '../tools/shopify-simulator/index.ts';
import type { Connection } from 'mongoose';
import type { Job } from 'bullmq';
import { pollUntil } from '../tools/poll.ts';

export interface LocalStackOptions {
  logger: Logger;
  /** Engine as-of for every job (the demo's data ends in 1998). */
  asOf: number;
  env?: Record<string, string>;
  /** Use this MongoDB connection (tests) instead of opening one on `dbName`. */
  mongo?: Connection;
  dbName?: string;
  simulator?: SimulatorOptions;
  workerConcurrency?: number;
  /** Run a worker in this process (default). false: separate `jobs/main.ts` processes serve the queues (bench:scale). */
  inProcessWorker?: boolean;
  /** Bulk operation polling fallback (ms). */
  pollIntervalMs?: number;
  /** The shop the dashboard shows without a session token (demo mode). */
  demoShop?: string;
  /** Port of the web app (default: a random free one). */
  port?: number;
  /**
   * The web app runs in a process of its own at this URL (bench:scale: `web/main.ts`, started by the
   * caller once the simulator's URL is known): no web server or webhook ingest in this process.
   */
  webUrl?: string;
  /** Lifetime of the simulator's expiring offline access tokens (default Shopify's 60 minutes). */
  tokenLifetimeMs?: number;
}

export interface LocalStack {
  sim: ShopifySimulator;
  deps: Deps;
  runtime: JobRuntime;
  appUrl: string;
  config: Config;
  /** Registers the app with the simulator and installs it on `shop` through token exchange. */
  install(shop: string): Promise<void>;
  /** Resolves when no job is waiting, prioritized or active in any queue (delayed = schedules, ignored). */
  idle(timeoutMs?: number): Promise<void>;
  /** Waits for one job to finish, in the queue it was added to (throws if it failed). */
  waitFor(job: QueuedJob, timeoutMs?: number): Promise<unknown>;
  close(): Promise<void>;
}

/** The app's configuration against the simulator: demo mode, fresh secrets, the caller's overrides. */
function localConfig(o: LocalStackOptions, simUrl: string): Config {
  return loadConfig({
    NODE_ENV: 'development',
    SHOPIFY_API_KEY: 'demo-api-key',
    SHOPIFY_API_SECRET: randomBytes(24).toString('hex'),
    SHOPIFY_APP_URL: 'http://127.0.0.1:3000',
    SHOPIFY_API_ORIGIN: simUrl,
    ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    SUPPORT_TOKEN: randomBytes(24).toString('hex'),
    DEMO_MODE: 'true',
    LOG_LEVEL: 'warn',
    ...(o.workerConcurrency ? { WORKER_CONCURRENCY: String(o.workerConcurrency) } : {}),
    // The ingest mode and its concurrency can be tried from the environment (demo, benchmarks).
    ...Object.fromEntries(['WEBHOOK_MODE', 'WEBHOOK_CONCURRENCY'].flatMap((k) => (process.env[k] ? [[k, process.env[k]]] : []))),
    ...o.env,
  });
}

/** Resolves when no job is waiting, prioritized or active in any queue. */
async function queuesIdle(runtime: JobRuntime, timeoutMs: number): Promise<void> {
  let counts: unknown;
  await pollUntil('the queues to be idle', async () => {
    const c = await Promise.all(runtime.partitions.flatMap((p) => Object.values(p)).map((q) => q.getJobCounts('waiting', 'prioritized', 'active')));
    counts = c;
    return c.every((x) => Object.values(x).every((n) => n === 0));
  }, { timeoutMs, detail: () => `counts: ${JSON.stringify(counts)}` });
}

/** A job as `add` returns it: its id, and the queue it is in (each partition numbers its jobs itself). */
type QueuedJob = Pick<Job, 'id' | 'queueQualifiedName'>;

/** Polls the job's state: QueueEvents would miss a completion that happened before it subscribed. */
async function jobFinished(runtime: JobRuntime, added: QueuedJob, timeoutMs: number): Promise<unknown> {
  const q = runtime.partitions.flatMap((p) => Object.values(p)).find((x) => x.qualifiedName === added.queueQualifiedName);
  if (!q || !added.id) throw new Error(`no queue ${added.queueQualifiedName} for job ${added.id ?? '(no id)'}`);
  const jobId = added.id;
  let state = 'unknown';
  const job = await pollUntil(`${q.name} job ${jobId} to complete`, async () => {
    const j = await q.getJob(jobId);
    if (!j) throw new Error(`no job ${jobId} in ${q.name}`);
    state = await j.getState();
    if (state === 'failed') throw new Error(`${q.name} job ${jobId} failed: ${j.failedReason}`);
    return state === 'completed' && j;
  }, { timeoutMs, detail: () => `still ${state}` });
  // The job was read before its state: it may have completed in between, so read its result afresh.
  return ((await q.getJob(jobId)) ?? job).returnvalue as unknown;
}

/** No new requests; those in flight finish (forced after 5 s). */
async function closeServer(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), 5000);
    server.close(() => { clearTimeout(force); resolve(); });
    server.closeIdleConnections();
  });
}

/** The web app (webhooks, dashboard) in this process, on a loopback port. */
async function startWeb(o: LocalStackOptions, deps: Deps, runtime: JobRuntime, mounts: ReturnType<typeof dashboardMounts>) {
  const ingest = startWebhookIngest(deps, runtime);
  // Signals (pixel, clicks) are timed on the engine's clock, as the orders the demo replays are.
  const app = createApp({ deps, effects: runtime.enqueue, ...ingest.app, mounts, signalNow: () => o.asOf });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(o.port ?? 0, '127.0.0.1', () => resolve(s));
  });
  return { ingest, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

export async function startLocalStack(o: LocalStackOptions): Promise<LocalStack> {
  const sim = await startShopifySimulator(o.simulator ?? {});
  // As Shopify from 2027-01-01: Admin API calls with non-expiring offline tokens are refused. The app
  // asks for expiring tokens and renews them (src/shopify/offline-tokens.ts).
  sim.setAuthBehaviour({ refuseNonExpiring: true, ...(o.tokenLifetimeMs ? { accessTokenLifetimeMs: o.tokenLifetimeMs } : {}) });
  const config = localConfig(o, sim.url);
  const { SHOPIFY_API_KEY: apiKey, SHOPIFY_API_SECRET: apiSecret } = config;
  const deps = o.mongo
    ? await depsFromConnection(config, o.mongo, { logger: o.logger })
    : await createDeps(config, { logger: o.logger, ...(o.dbName ? { dbName: o.dbName } : {}) });
  const shopifyPort = createShopifyPort(deps, { pollIntervalMs: o.pollIntervalMs ?? 500 });
  const runtime = createJobRuntime(deps, { shopify: shopifyPort, asOf: o.asOf });
  if (o.inProcessWorker !== false) runtime.startWorkers();
  const shopifyApi = createShopifyApi(config, o.logger);
  // As in production (web/main.ts): a shop's first verified admin request installs it.
  const mounts = dashboardMounts(dashboardPortsFrom(deps, runtime, o.asOf), {
    config: deps.config, redis: deps.redis, logger: o.logger, ...(o.demoShop ? { demoShop: o.demoShop } : {}),
    onVerified: installOnFirstUse(deps, runtime, { shopify: shopifyApi }),
  });
  const web = o.webUrl ? null : await startWeb(o, deps, runtime, mounts);
  const appUrl = o.webUrl ?? web!.url;

  return {
    sim, deps, runtime, appUrl, config,
    async install(shop) {
      sim.registerApp({ apiKey, apiSecret, webhookAddress: `${appUrl}/webhooks` });
      const token = sim.mintSessionToken(shop, { apiKey, apiSecret });
      await installFromSessionToken({ shopify: shopifyApi, sessions: deps.stores.sessions, shops: deps.stores.shops, logger: o.logger }, shop, token);
      const state = await runtime.context.shops.get(shop);
      await runtime.enqueue.scheduleShop(shop, state?.timezone ?? 'UTC');
    },
    idle: (timeoutMs = 600_000) => queuesIdle(runtime, timeoutMs),
    waitFor: (job, timeoutMs = 600_000) => jobFinished(runtime, job, timeoutMs),
    async close() {
      // No new webhooks; requests in flight finish (bounded); then workers finish their jobs (they still
      // call the simulator's Admin API); then the simulator and the connections.
      await sim.stopWebhooks();
      if (web) {
        await closeServer(web.server);
        await web.ingest.close();
      }
      await runtime.close();
      await shopifyPort.close();
      await sim.close();
      await deps.close();
    },
  };
}

export { QUEUE };
