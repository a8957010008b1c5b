// `npm run demo` — the whole product on one machine, on built-in defaults:
//   services (Redis, MongoDB-compatible) → Shopify simulator seeded with the CDNOW log → the app (web +
//   worker in-process) → install on the simulated store → backfill through a bulk query → segments →
//   tags written back → live signed order webhooks, printing customers moving between segments.
// Flags: --orders <file> --format cdnow|shopify  --as-of YYYY-MM-DD  --once  --json  --live-seconds N
//        --orders-per-second N  --port N  --keep (keep the demo database and keys afterwards)
//        --token-lifetime 5s (expiring offline tokens live that long on the simulator: refreshes happen
//        mid-backfill and mid-tag-sync). Non-expiring tokens are always refused, as from 2027-01-01.
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { serviceUrls } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { DAY_MS, asOfAfterLastOrder, asOfFromDate } from '../src/segments/index.ts';
import { streamShopifyOrders } from '../src/importers/shopify-orders-csv.ts';
import { startLocalStack, type LocalStack } from './local-stack.ts';
import { AuthStats } from '../src/shopify/offline-tokens.ts';
import { CDNOW_SAMPLE } from '../tools/cdnow-data.ts';
import { seededRng } from '../tools/seeded-random.ts';
import { sendDemoSignals } from './demo-signals.ts';
import { thresholdsOf } from '../jobs/engine.ts';
import { deleteKeysUnder } from '../tools/redis-cleanup.ts';

const ROOT = resolve(import.meta.dirname, '..');
// The default store is the CDNOW log's published 1/10 sample (2,357 customers, 6,919 orders): the
// whole product runs in well under a minute on FerretDB. The full log (23,570 customers) is one flag
// away: --orders data/cdnow/CDNOW_master.txt (tens of minutes on FerretDB 1.x, whose
// SQLite backend scans whole collections; see docs/benchmarks.md).
const DEFAULT_ORDERS = CDNOW_SAMPLE;
const SHOP = 'demo-store.myshopify.com';

const { values } = parseArgs({
  options: {
    orders: { type: 'string' }, format: { type: 'string' }, 'as-of': { type: 'string' },
    once: { type: 'boolean', default: false }, json: { type: 'boolean', default: false },
    'live-seconds': { type: 'string', default: '20' }, 'orders-per-second': { type: 'string', default: '5' },
    port: { type: 'string' }, keep: { type: 'boolean', default: false }, help: { type: 'boolean', default: false },
    'token-lifetime': { type: 'string' },
  },
});
if (values.help) {
  console.log('usage: npm run demo -- [--orders <file> --format cdnow|shopify] [--as-of YYYY-MM-DD] [--once] [--json] [--live-seconds N] [--orders-per-second N] [--port N] [--keep] [--token-lifetime 5s]');
  process.exit(0);
}
const tokenLifetimeMs = values['token-lifetime'] === undefined ? undefined : parseDuration(values['token-lifetime']);
if (tokenLifetimeMs !== undefined && (tokenLifetimeMs === null || tokenLifetimeMs < 1000)) fail(`--token-lifetime must be a duration of at least 1s (5s, 1500ms, 2m), got "${values['token-lifetime']}"`);
const ordersFile = resolve(values.orders ?? DEFAULT_ORDERS);
const format = values.format ?? 'cdnow';
if (format !== 'cdnow' && format !== 'shopify') fail(`unknown --format "${format}": use cdnow or shopify`);
if (!existsSync(ordersFile)) fail(`orders file not found: ${ordersFile}`);
if (!values.orders) console.error(`[demo] store: the CDNOW sample (${ordersFile}); --orders <file> for another log`);
// --as-of means what it means to `segments analyze` (the end of that UTC day); without it, a log is
// segmented as of the end of its last order's day, analyze's rule too: both tools give the same counts on
// the same file (a historic log is not judged from today).
const asOfText = values['as-of'];
const asOf = asOfText !== undefined ? asOfFromDate(asOfText) ?? fail(`--as-of must be a date like 1998-06-30, got "${asOfText}"`) : await endOfLastOrderDay();

async function endOfLastOrderDay(): Promise<number> {
  const imported = format === 'cdnow'
    ? await (await import('../src/importers/cdnow.ts')).importCdnow(await cdnowMasterLayout(ordersFile))
    : await (await import('../src/importers/shopify-orders-csv.ts')).importShopifyOrdersCsv(ordersFile);
  if (imported.lastOrderAt === null) return Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() + 1);
  return asOfAfterLastOrder(imported.lastOrderAt);
}

/** '5s', '1500ms', '2m' or plain seconds → ms; null when unreadable. */
function parseDuration(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) return null;
  return Math.round(Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1000));
}

function fail(message: string): never {
  console.error(`demo: ${message}`);
  process.exit(2);
}
// Human-readable progress goes to stderr so `--json` keeps stdout clean.
const say = (m: string) => { if (!values.json) console.log(m); else console.error(m); };
const t0 = performance.now();
const timings: Record<string, number> = {};
let lap = t0;
const mark = (name: string) => { const now = performance.now(); timings[name] = Math.round(now - lap); lap = now; };

say('demo: making sure Redis and the MongoDB-compatible server run (scripts/services.ts up)…');
const up = spawnSync(process.execPath, [resolve(ROOT, 'scripts', 'services.ts'), 'up'], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
if (up.status !== 0) fail('could not start the services (see above)');
mark('services');

const run = randomBytes(4).toString('hex');
const dbName = `demo_${run}`;
const queuePrefix = `demo-${run}`;
const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', destination: process.stderr });
let stack: LocalStack | null = null;
let authStats: AuthStats;
const refreshesByPhase = { resync: 0, tagSync: 0 };

async function cleanup(): Promise<void> {
  if (!stack) return;
  const s = stack;
  stack = null;
  if (!values.keep) await s.deps.mongo.dropDatabase().catch(() => undefined);
  await s.close();
  if (!values.keep) await deleteKeysUnder(serviceUrls().redisUrl, queuePrefix);
}
let interrupted = false;
const onSignal = () => {
  if (interrupted) process.exit(1);
  interrupted = true;
  say('\ndemo: stopping…');
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

try {
  stack = await startLocalStack({
    logger, asOf, dbName, demoShop: SHOP, pollIntervalMs: 250, ...(tokenLifetimeMs ? { tokenLifetimeMs } : {}),
    env: { QUEUE_PREFIX: queuePrefix, ...(values.port ? { PORT: values.port } : {}) },
    ...(values.port ? { port: Number(values.port) } : {}),
  });
  const { sim, runtime } = stack;
  authStats = new AuthStats(stack.deps.redis, stack.deps.shopKeys);
  sim.createShop({ domain: SHOP, plan: 'advanced', scopes: ['read_customers', 'write_customers', 'read_orders', 'read_all_orders', 'write_pixels', 'read_customer_events'], timezone: 'America/New_York', currency: 'USD', name: 'Demo store' });
  say(`demo: seeding the simulated store from ${ordersFile} (${format})…`);
  const seeded = format === 'cdnow' ? await sim.seedFromCdnow(SHOP, await cdnowMasterLayout(ordersFile)) : await seedFromShopifyCsv(stack, ordersFile);
  mark('seed');
  say(`demo: ${seeded.customers} customers, ${seeded.orders} orders on the simulator; installing the app…`);
  await stack.install(SHOP);
  // The demo merchant enables the Flow triggers for a few segments (off by default: each call costs API budget).
  await stack.deps.stores.shops.updateSettings(SHOP, { shopify: { flowSegments: ['vip', 'loyal-customer', 'at-risk', 'churn-risk-high'] } }, new Date());
  mark('install');

  say('demo: resync — bulk query backfill, calibration, segments for everyone…');
  const job = await runtime.enqueue.resyncShop(SHOP, 'demo');
  let lastPercent = -1;
  const progress = setInterval(() => {
    void runtime.queuesFor(SHOP).resync.getJob(job.id!).then((j) => {
      const p = j?.progress as { percent?: number; phase?: string } | undefined;
      if (p?.percent !== undefined && p.percent !== lastPercent) {
        lastPercent = p.percent;
        say(`demo:   ${p.phase} ${p.percent}%`);
      }
    }, () => undefined);
  }, 1000);
  await stack.waitFor(job, 3_600_000).finally(() => clearInterval(progress));
  mark('resync');
  refreshesByPhase.resync = (await authStats.read(SHOP)).tokenRefreshes;
  say('demo: writing tags to the store (bulk mutation for large change sets)…');
  await stack.idle(3_600_000);
  mark('tagSync');
  refreshesByPhase.tagSync = (await authStats.read(SHOP)).tokenRefreshes - refreshesByPhase.resync;

  // Engagement signals (pixel visits, Klaviyo clicks, abandoned checkouts) through the real endpoints,
  // then a recalibration so the product launch among them is known (scripts/demo-signals.ts).
  const segmentsBeforeSignals = await stack.deps.stores.profiles.segmentCounts(SHOP);
  say('demo: signals — web-pixel visits (with and without consent), Klaviyo clicks, abandoned checkouts…');
  const signalReport = await sendDemoSignals(stack, SHOP, asOf);
  await runtime.enqueue.recalibrateShop(SHOP, 'support');
  await stack.idle(3_600_000);
  mark('signals');

  if (!values.once && !interrupted) await streamLiveOrders(stack, Number(values['live-seconds']), Number(values['orders-per-second']));

  const summary = { ...(await buildSummary(stack, seeded)), segmentsBeforeSignals, signals: { ...(await stack.deps.stores.engagement.countSignals(SHOP)), sent: signalReport } };
  if (values.json) console.log(JSON.stringify(summary, null, 2));
  else printSummary(summary);
  if (!values.once && !values.json && !interrupted) say(`\nDashboard: ${stack.appUrl}/app (demo mode, no login). Ctrl-C to stop.`);
  if (!values.once && !values.json) while (!interrupted) await new Promise((r) => setTimeout(r, 250));
} catch (err) {
  console.error('demo failed:', err instanceof Error ? err.stack ?? err.message : err);
  process.exitCode = 1;
} finally {
  await cleanup();
}

/**
 * CDNOW_sample.txt has an extra "sample index" column (id, index, date, CDs, value); the simulator's
 * seeder reads the master layout (id, date, CDs, value). Converts the sample to a temp master-layout file.
 */
async function cdnowMasterLayout(file: string): Promise<string> {
  const lines: string[] = [];
  let fiveColumns = false;
  for await (const line of createInterface({ input: createReadStream(file) })) {
    const f = line.trim().split(/\s+/);
    if (f.length === 5 && /^\d{8}$/.test(f[2]!)) fiveColumns = true;
    lines.push(f.length === 5 ? [f[0], f[2], f[3], f[4]].join(' ') : line);
  }
  if (!fiveColumns) return file;
  const dir = mkdtempSync(resolve(tmpdir(), 'demo-cdnow-'));
  const out = resolve(dir, 'orders.txt');
  writeFileSync(out, lines.join('\n') + '\n');
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return out;
}

async function seedFromShopifyCsv(s: LocalStack, file: string): Promise<{ customers: number; orders: number }> {
  // The simulator seeds CDNOW natively; a Shopify export is replayed through merchant actions before the
  // app is installed (no webhook address yet, so nothing is delivered).
  const customers = new Map<string, string>();
  let orders = 0;
  for await (const o of streamShopifyOrders(file)) {
    if (!o.customerId) continue;
    let simId = customers.get(o.customerId);
    if (!simId) {
      simId = s.sim.createCustomer(SHOP, { createdAt: o.createdAt }).id;
      customers.set(o.customerId, simId);
    }
    const rec = s.sim.createOrder(SHOP, {
      customerId: simId, createdAt: o.createdAt, processedAt: o.processedAt, currency: o.currency, test: o.test,
      financialStatus: o.financialStatus === 'unknown' ? 'paid' : o.financialStatus as 'paid',
      totalPrice: (o.grossMinor / 100).toFixed(2), sourceName: o.sourceName, tags: o.tags,
      discountCodes: o.discountCodes.map((code) => ({ code, amount: '0.00' })),
      lineItems: o.lineItems.map((li) => ({ quantity: li.quantity, price: '0.00', ...(li.sku ? { sku: li.sku } : {}) })),
    });
    if (o.cancelledAt) s.sim.cancelOrder(SHOP, rec.id);
    else if (o.netMinor < o.grossMinor) s.sim.refundOrder(SHOP, rec.id, { amount: ((o.grossMinor - o.netMinor) / 100).toFixed(2) });
    orders++;
  }
  return { customers: customers.size, orders };
}

async function streamLiveOrders(s: LocalStack, seconds: number, perSecond: number): Promise<void> {
  const { sim, deps } = s;
  const customers = sim.listCustomers(SHOP);
  const rng = seededRng(20260101);
  const rnd = () => rng.next();
  say(`\ndemo: live — ${perSecond} signed orders/create webhooks per second for ${seconds}s; customers moving between segments:`);
  const Events = deps.stores.events.model;
  let lastSeen = (await Events.findOne({ shop: SHOP }, { _id: 1 }).sort({ _id: -1 }).lean())?._id ?? null;
  const started = Date.now();
  let sent = 0;
  while (!interrupted && Date.now() - started < seconds * 1000) {
    for (let i = 0; i < perSecond; i++) {
      const c = customers[Math.floor(rnd() * customers.length)]!;
      const amount = (5 + rnd() * 60).toFixed(2);
      // Orders land within the last day before the as-of, so the engine (pinned to as-of) counts them.
      sim.createOrder(SHOP, { customerId: c.id, createdAt: asOf - Math.floor(rnd() * DAY_MS * 0.9) - 60_000, financialStatus: 'paid', totalPrice: amount, lineItems: [{ quantity: 1, price: amount, sku: 'LIVE-CD' }] });
      sent++;
    }
    await new Promise((r) => setTimeout(r, 1000));
    const fresh = await Events.find({ shop: SHOP, ...(lastSeen ? { _id: { $gt: lastSeen } } : {}) }).sort({ _id: 1 }).lean();
    if (fresh.length) lastSeen = fresh[fresh.length - 1]!._id;
    const byCustomer = new Map<string, { entered: string[]; left: string[] }>();
    for (const e of fresh) {
      const m = byCustomer.get(e.customerId) ?? { entered: [], left: [] };
      (e.change === 'entered' ? m.entered : m.left).push(e.tag);
      byCustomer.set(e.customerId, m);
    }
    for (const [id, m] of byCustomer) say(`  customer ${id}: ${m.left.length ? `left ${m.left.join(', ')}` : ''}${m.left.length && m.entered.length ? '; ' : ''}${m.entered.length ? `entered ${m.entered.join(', ')}` : ''}`);
  }
  await sim.webhooksIdle();
  await s.idle();
  timings.live = Date.now() - started;
  say(`demo: ${sent} live orders sent`);
}

async function buildSummary(s: LocalStack, seeded: { customers: number; orders: number }) {
  const { deps, sim } = s;
  const cal = await deps.stores.calibrations.current(SHOP);
  const thresholds = cal ? thresholdsOf(cal.calibration) : null;
  // Every customer on the simulator carries exactly the app tags of its stored profile.
  const profiles = new Map<string, string[]>();
  for await (const p of deps.stores.profiles.iterateShop(SHOP)) profiles.set(p.customerId, p.tagsDesired);
  let tagged = 0;
  let mismatched = 0;
  for (const c of sim.listCustomers(SHOP)) {
    const ours = c.tags.filter((t) => t.startsWith('seg:')).sort();
    if (ours.length) tagged++;
    if (JSON.stringify(ours) !== JSON.stringify([...(profiles.get(c.id) ?? [])].sort())) mismatched++;
  }
  const stats = sim.stats(SHOP);
  const segments = await deps.stores.profiles.segmentCounts(SHOP);
  return {
    asOf: new Date(asOf).toISOString().slice(0, 10),
    shop: SHOP,
    ordersFile, format,
    simulator: seeded,
    customers: profiles.size,
    orders: await deps.stores.orders.countOrders(SHOP),
    segments,
    thresholds: thresholds ? { loyalty: thresholds.loyalty, rfm: thresholds.rfm, valueTiers: thresholds.valueTiers, bigSpender: thresholds.bigSpender, date: thresholds.date } : null,
    models: thresholds?.models ?? null,
    tags: { customersTagged: tagged, mismatchedWithProfiles: mismatched },
    api: { calls: stats.apiCalls, pointsUsed: stats.pointsUsed, throttled: stats.throttled, bulkOperations: stats.bulkOperations },
    webhooks: stats.webhooks,
    // Inside Shopify (docs/shopify-integration.md): native segments kept, Flow trigger calls, customer metafields written.
    shopify: shopifyObjectsSummary(sim),
    // Expiring offline tokens: the app's renewals (all processes) and what the simulator saw.
    auth: {
      ...(await authStats.read(SHOP)),
      tokenLifetimeMs: tokenLifetimeMs ?? 3_600_000,
      refreshesDuring: refreshesByPhase,
      shopify: { refreshGrants: stats.auth.refreshes, expiredTokenCalls: stats.auth.expiredCalls, nonExpiringTokenCalls: stats.auth.nonExpiringCalls, exchangesNonExpiring: stats.auth.exchangesNonExpiring },
    },
    timingsMs: { ...timings, total: Math.round(performance.now() - t0) },
    dashboard: `${s.appUrl}/app`,
  };
}

function shopifyObjectsSummary(sim: LocalStack['sim']) {
  const o = sim.shopifyObjects(SHOP);
  const calls = o.flowCalls();
  return {
    segments: o.segments().filter((x) => x.name.includes(' — Customer Segments app')).length,
    flowTriggers: { calls: calls.length, accepted: calls.filter((c) => c.accepted).length, refused: calls.filter((c) => !c.accepted).length },
    metafieldsWritten: o.metafieldCount(),
  };
}

function printSummary(sm: Awaited<ReturnType<typeof buildSummary>>): void {
  console.log(`\n=== Segments of ${sm.shop} as of ${sm.asOf} — ${sm.customers} customers, ${sm.orders} orders ===`);
  for (const [family, segs] of Object.entries(sm.segments)) {
    console.log(`\n${family}`);
    for (const [seg, n] of Object.entries(segs).sort((a, b) => b[1] - a[1])) console.log(`  ${seg.padEnd(24)} ${String(n).padStart(7)}`);
  }
  console.log(`\nthresholds (${sm.thresholds?.date ?? '—'}): ${JSON.stringify(sm.thresholds?.loyalty)}`);
  const m = sm.models as { method?: string; bgnbd?: Record<string, number> | null } | null;
  if (m) console.log(`models: ${m.method}${m.bgnbd ? ` (BG/NBD r=${m.bgnbd.r?.toFixed(3)} alpha=${m.bgnbd.alpha?.toFixed(3)} a=${m.bgnbd.a?.toFixed(3)} b=${m.bgnbd.b?.toFixed(3)})` : ''}`);
  console.log(`tags: ${sm.tags.customersTagged} customers tagged, ${sm.tags.mismatchedWithProfiles} differ from their profile`);
  console.log(`tokens: ${sm.auth.tokenRefreshes} refreshes (resync ${sm.auth.refreshesDuring.resync}, tag sync ${sm.auth.refreshesDuring.tagSync}), ${sm.auth.reexchanges} re-exchanges, ${sm.auth.refreshFailures} refresh failures; ${sm.auth.shopify.nonExpiringTokenCalls} calls with a non-expiring token`);
  console.log(`inside Shopify: ${sm.shopify.segments} native segments, ${sm.shopify.flowTriggers.calls} Flow trigger calls (${sm.shopify.flowTriggers.refused} refused), ${sm.shopify.metafieldsWritten} customer metafields`);
  console.log(`Shopify API: ${sm.api.calls} calls, ${sm.api.pointsUsed} points, ${sm.api.throttled} throttled, bulk ${JSON.stringify(sm.api.bulkOperations)}`);
  console.log(`time (ms): ${Object.entries(sm.timingsMs).map(([k, v]) => `${k} ${v}`).join(', ')}`);
}
