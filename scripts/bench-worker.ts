// Worker throughput benchmark.
//  1. Recomputes per second: N customers' orders in a private FerretDB, the shop calibrated, N
//     recompute-customer jobs queued on a private Redis; then 1 and 2 worker processes
//     (`node jobs/main.ts --queues recompute-customer`, as `npm run start:worker`) drain them.
//  2. Tag writes per second against the Shopify simulator on each plan (restore rate 100/200/1000/2000
//     points/s), through the app's cost-aware client (src/shopify), bucket emptied first so the
//     steady state is measured; compared with the theoretical limit restore rate ÷ 10 points per write.
//   node scripts/bench-worker.ts [--customers 2000] [--concurrency 8] [--tag-seconds 12] [--plans standard,advanced,plus,enterprise] [--only recompute|tags] [--json]
// Bounded: fixed job counts, a time limit per phase; everything it starts is stopped at the end.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.ts';
import { createDeps } from '../src/deps.ts';
import { createLogger } from '../src/logger.ts';
import { AdminGraphqlClient } from '../src/shopify/admin-graphql-client.ts';
import { createAdminFetch } from '../src/shopify/admin-fetch.ts';
import { writeTagChanges, type CustomerTagChange } from '../src/shopify/tag-writer.ts';
import type { NormalizedOrder } from '../src/segments/types.ts';
import { syntheticShop } from '../tools/synthetic-shop.ts';
import { createJobRuntime } from '../jobs/runtime.ts';
import { recalibrateShop } from '../jobs/recalibrate-shop.ts';
import { startShopifySimulator } from '../tools/shopify-simulator/index.ts';
import { startPrivateFerretdb, startPrivateRedis, tempBase } from '../tools/local-services/private-servers.ts';
import { pollUntil } from '../tools/poll.ts';

const ROOT = resolve(import.meta.dirname, '..');
const { values: args } = parseArgs({ options: {
  customers: { type: 'string', default: '2000' }, concurrency: { type: 'string', default: '8' },
  'tag-seconds': { type: 'string', default: '12' }, plans: { type: 'string', default: 'standard,advanced,plus,enterprise' },
  only: { type: 'string', default: 'all' }, json: { type: 'boolean', default: false },
} });
const CUSTOMERS = Number(args.customers);
const CONCURRENCY = Number(args.concurrency);
const TAG_SECONDS = Number(args['tag-seconds']);
const PLANS = args.plans.split(',') as Array<'standard' | 'advanced' | 'plus' | 'enterprise'>;
const RESTORE = { standard: 100, advanced: 200, plus: 1000, enterprise: 2000 } as const;
const POINTS_PER_WRITE = 10; // one tagsAdd root field
const JSON_OUT = args.json;
const log = (s: string) => { if (!JSON_OUT) console.error(s); };
const ASOF = Date.UTC(2026, 10, 20);
const SHOP = 'bench-worker.myshopify.com';

async function recomputeThroughput(): Promise<Array<{ workers: number; jobs: number; seconds: number; perSecond: number; perWorkerPerSecond: number }>> {
  const base = tempBase('bench-worker-', true);
  const [redis, ferret] = await Promise.all([startPrivateRedis(base.dir), startPrivateFerretdb(base.dir)]);
  const env: Record<string, string> = {
    NODE_ENV: 'test', SHOPIFY_API_KEY: 'k', SHOPIFY_API_SECRET: 'bench-secret', SHOPIFY_APP_URL: 'https://bench.example.com', ENCRYPTION_KEY: '44'.repeat(32),
    SUPPORT_TOKEN: 'w'.repeat(32), MONGODB_URI: `${ferret.url}/bench`, REDIS_URL: redis.url, QUEUE_PREFIX: 'benchw', LOG_LEVEL: 'warn', WORKER_CONCURRENCY: String(CONCURRENCY),
  };
  const deps = await createDeps(loadConfig(env), { logger: createLogger({ level: 'warn' }), now: () => ASOF });
  const rt = createJobRuntime(deps, { shopify: { writeTags: async () => ({ written: [], gone: [], failed: [] }), backfill: async () => ({ customers: 0, orders: 0 }), customerTags: async () => ({ tags: [], complete: true }), installationState: async () => 'no-token' as const }, asOf: ASOF });
  const children: ChildProcess[] = [];
  process.on('exit', () => { for (const c of children) c.kill('SIGKILL'); });
  const results = [];
  try {
    await deps.stores.shops.markInstalled(SHOP, { scopes: ['read_orders'], timezone: 'UTC', currency: 'USD' }, new Date(ASOF));
    const ids: string[] = [];
    let batch: NormalizedOrder[] = [];
    for (const c of syntheticShop({ customers: CUSTOMERS, seed: 11, asOf: ASOF })) {
      ids.push(c.customerId);
      batch.push(...c.orders);
      if (batch.length >= 2000) { await deps.stores.orders.upsertMany(SHOP, batch); batch = []; }
    }
    if (batch.length) await deps.stores.orders.upsertMany(SHOP, batch);
    log(`seeded ${ids.length} customers; calibrating`);
    await recalibrateShop(rt.context, { shop: SHOP, reason: 'support', asOf: ASOF });
    for (const workersN of [1, 2]) {
      for (const id of ids) await rt.enqueue.recomputeCustomer(SHOP, id, 'support');
      const t0 = performance.now();
      for (let i = 0; i < workersN; i++) {
        children.push(spawn(process.execPath, ['jobs/main.ts', '--queues', 'recompute-customer'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] }));
      }
      await pollUntil('the recompute queue to drain', async () => Object.values(await rt.queuesFor(SHOP).recompute.getJobCounts('waiting', 'active', 'prioritized', 'delayed')).every((n) => n === 0), { timeoutMs: 300_000, intervalMs: 200 });
      const seconds = (performance.now() - t0) / 1000;
      for (const c of children.splice(0)) {
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGTERM');
        await exited;
      }
      const perSecond = Math.round(ids.length / seconds);
      results.push({ workers: workersN, jobs: ids.length, seconds: Math.round(seconds * 10) / 10, perSecond, perWorkerPerSecond: Math.round(perSecond / workersN) });
      log(`  ${workersN} worker(s) × concurrency ${CONCURRENCY}: ${ids.length} recomputes in ${seconds.toFixed(1)} s (incl. process start) → ${perSecond}/s`);
    }
  } finally {
    for (const c of children) c.kill('SIGKILL');
    await rt.close();
    await deps.close();
    await redis.stop();
    await ferret.stop();
    base.remove();
  }
  return results;
}

async function tagWriteThroughput(): Promise<Array<{ plan: string; restoreRate: number; theoreticalPerSecond: number; measuredPerSecond: number; ofTheoretical: number; writes: number; throttledRetries: number }>> {
  const sim = await startShopifySimulator({ seed: 3 });
  const results = [];
  try {
    for (const plan of PLANS) {
      const shop = `bench-${plan}.myshopify.com`;
      sim.createShop({ domain: shop, plan, scopes: ['read_customers', 'write_customers', 'read_orders'], timezone: 'UTC', currency: 'USD' });
      const restore = RESTORE[plan];
      const theoretical = restore / POINTS_PER_WRITE;
      const writes = Math.ceil(theoretical * TAG_SECONDS);
      sim.seedSynthetic(shop, { customers: writes, seed: 5, asOf: ASOF, maxOrdersPerCustomer: 1 });
      const { accessToken } = sim.installApp({ shop, apiKey: `k-${plan}`, apiSecret: 's', webhookAddress: 'http://127.0.0.1:9/none', webhookTopics: [] });
      const client = new AdminGraphqlClient({ shop, accessToken, apiVersion: '2026-10', fetch: createAdminFetch(sim.url), logger: createLogger({ level: 'silent' }) });
      const changes: CustomerTagChange[] = sim.listCustomers(shop).slice(0, writes).map((c) => ({ customerId: c.id, add: ['seg:bench'], remove: [] }));
      // Empty bucket first: what is measured is the restore rate, not the initial burst.
      await writeTagChanges(client, changes.slice(0, 1));
      sim.drainBucket(shop, `k-${plan}`);
      const t0 = performance.now();
      const r = await writeTagChanges(client, changes.slice(1), { concurrency: 8 });
      const seconds = (performance.now() - t0) / 1000;
      const measured = Math.round((r.length / seconds) * 10) / 10;
      const stats = sim.stats(shop);
      results.push({ plan, restoreRate: restore, theoreticalPerSecond: theoretical, measuredPerSecond: measured, ofTheoretical: Math.round((measured / theoretical) * 100) / 100, writes: r.length, throttledRetries: stats.throttled });
      log(`  ${plan}: ${r.length} writes in ${seconds.toFixed(1)} s → ${measured}/s of ${theoretical}/s theoretical (${stats.throttled} THROTTLED answers)`);
    }
  } finally {
    await sim.close();
  }
  return results;
}

const only = args.only;
const recompute = only === 'tags' ? [] : await recomputeThroughput();
const tags = only === 'recompute' ? [] : await tagWriteThroughput();
const summary = { machine: 'shared 2-core VM under load from other engineers: figures are pessimistic', customers: CUSTOMERS, concurrency: CONCURRENCY, recompute, tags };
if (JSON_OUT) {
  console.log(JSON.stringify(summary, null, 2));
} else {
  console.log('\n| worker processes | recomputes | seconds | recomputes/s | per worker/s |');
  console.log('|---:|---:|---:|---:|---:|');
  for (const r of recompute) console.log(`| ${r.workers} | ${r.jobs} | ${r.seconds} | ${r.perSecond} | ${r.perWorkerPerSecond} |`);
  console.log('\n| plan | restore points/s | theoretical writes/s (÷ 10) | measured writes/s | of theoretical | THROTTLED answers |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const t of tags) console.log(`| ${t.plan} | ${t.restoreRate} | ${t.theoreticalPerSecond} | ${t.measuredPerSecond} | ${Math.round(t.ofTheoretical * 100)}% | ${t.throttledRetries} |`);
}
