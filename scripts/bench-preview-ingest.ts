// Webhook ingest while a big shop previews settings in a loop (issue 13 item 4): the settings dry run is
// a job in a worker, so the web process that ingests every shop's webhooks is not the one recalibrating
// the big shop. Loopback only, bounded: a private redis-server and FerretDB on spare ports, the real web
// app (`node web/main.ts`) and a worker (`node jobs/main.ts`) as child processes; everything removed at
// the end.
//   node scripts/bench-preview-ingest.ts [--customers 100000] [--rate 200] [--duration 20] [--preview-timeout 900] [--json]
// Phase 1: webhooks at --rate for --duration s (small shop), nothing else. Phase 2: the same while the
// big shop's merchant previews settings in a loop (POST /api/settings/preview with other settings each
// time, so never the kept result; polled to completion). Reported: p50/p99 of webhook answers in each phase, previews completed.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import mongoose from 'mongoose';
import { Session } from '@shopify/shopify-api';
import { ShopStore } from '../src/profiles/shop-store.ts';
import { OrderStore } from '../src/profiles/order-store.ts';
import { MongoSessionStore } from '../src/profiles/session-store.ts';
import type { NormalizedOrder } from '../src/segments/types.ts';
import { webhookHmac } from '../webhooks/verify-hmac.ts';
import { signSessionToken } from '../web/admin/session-token.ts';
import { benchAppEnv, spawnApp, stopChildren, waitHealthy } from './bench-app.ts';
import { freePort, startPrivateFerretdb, startPrivateRedis, tempBase, type PrivateServer } from '../tools/local-services/private-servers.ts';

const { values: args } = parseArgs({ options: {
  customers: { type: 'string', default: '100000' }, rate: { type: 'string', default: '200' }, duration: { type: 'string', default: '20' },
  'preview-timeout': { type: 'string', default: '900' }, json: { type: 'boolean', default: false },
} });
const CUSTOMERS = Number(args.customers);
const RATE = Number(args.rate);
const DURATION = Number(args.duration);
const JSON_OUT = args.json;
/** A preview still running this long after it started is abandoned (the run stays bounded). */
const PREVIEW_TIMEOUT_MS = Number(args['preview-timeout']) * 1000;
const log = (s: string) => { if (!JSON_OUT) console.error(s); };

const BIG = 'bench-big.myshopify.com';
const SMALL = 'bench-small.myshopify.com';
const KEY = 'bench-key';
const SECRET = 'bench-secret-' + randomBytes(8).toString('hex');
const ENCRYPTION_KEY = '33'.repeat(32);
const RUN = `bench_preview_${randomBytes(4).toString('hex')}`;
const DAY = 86_400_000;
const AS_OF = Date.parse('2026-11-20T00:00:00Z');

/** Seeded orders for `n` customers (1–4 orders each over two years). */
function* bigShopOrders(n: number): Generator<NormalizedOrder[]> {
  let x = 42;
  const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 4_294_967_296);
  let batch: NormalizedOrder[] = [];
  let id = 1;
  for (let c = 1; c <= n; c++) {
    const count = 1 + Math.floor(rnd() * rnd() * 4);
    for (let k = 0; k < count; k++) {
      const at = AS_OF - Math.floor(rnd() * 700 + 1) * DAY;
      const minor = 1000 + Math.floor(rnd() * 20_000);
      batch.push({
        id: String(id++), customerId: String(5_000_000 + c), createdAt: at, processedAt: at, cancelledAt: null, updatedAt: at, test: false,
        financialStatus: 'paid', netMinor: minor, grossMinor: minor, currency: 'USD', discountCodes: [], sourceName: 'web', tags: [], b2b: false,
        lineItems: [{ productId: '1', variantId: '11', sku: 'SKU-1', quantity: 1 }],
      });
    }
    if (batch.length >= 2000) { yield batch; batch = []; }
  }
  if (batch.length) yield batch;
}

let seq = 0;
function delivery(): { body: string; headers: Record<string, string> } {
  seq++;
  const orderId = 7_000_000_000_000 + seq;
  const customerId = 8_000_000_000_000 + (seq % 500);
  const at = new Date(Date.UTC(2026, 10, 1) + (seq % 86_400) * 1000).toISOString();
  const body = JSON.stringify({
    id: orderId, admin_graphql_api_id: `gid://shopify/Order/${orderId}`, created_at: at, updated_at: at, currency: 'USD', total_price: '59.90',
    financial_status: 'paid', email: `c${customerId}@example.com`, customer: { id: customerId, email: `c${customerId}@example.com` },
    line_items: [{ product_id: 632910392, variant_id: 808950810, sku: 'IPOD2008', quantity: 1 }],
  });
  return {
    body,
    headers: {
      'content-type': 'application/json', 'x-shopify-topic': 'orders/create', 'x-shopify-shop-domain': SMALL, 'x-shopify-api-version': '2026-10',
      'x-shopify-webhook-id': `bench-${RUN}-${seq}`, 'x-shopify-triggered-at': new Date().toISOString(), 'x-shopify-hmac-sha256': webhookHmac(body, SECRET),
    },
  };
}

async function ingest(url: string): Promise<{ achievedRps: number; p50: number; p99: number; max: number; errors: number }> {
  const r = await autocannon({
    url: `${url}/webhooks`, connections: 32, duration: DURATION, overallRate: RATE, timeout: 5,
    requests: [{ method: 'POST', setupRequest: (req) => ({ ...req, ...delivery() }) }],
  });
  return { achievedRps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max, errors: r.errors + r.non2xx + r.timeouts };
}

/** Both shops installed; the big one with a renewable offline token and CUSTOMERS customers' orders. */
async function seedShops(mongo: mongoose.Connection, out: Record<string, unknown>): Promise<void> {
  const shops = new ShopStore(mongo);
  for (const shop of [BIG, SMALL]) await shops.markInstalled(shop, { scopes: ['read_orders', 'read_customers', 'write_customers'], timezone: 'UTC', currency: 'USD' }, new Date());
  // The big shop holds a renewable offline token, so the admin API does not try a token exchange.
  await new MongoSessionStore(mongo, Buffer.from(ENCRYPTION_KEY, 'hex')).storeSession(new Session({
    id: `offline_${BIG}`, shop: BIG, state: '', isOnline: false, accessToken: 'shpat_bench', refreshToken: 'shprt_bench',
    expires: new Date(Date.now() + 86_400_000), refreshTokenExpires: new Date(Date.now() + 30 * 86_400_000),
  }));
  const orders = new OrderStore(mongo);
  const t0 = performance.now();
  let seeded = 0;
  for (const batch of bigShopOrders(CUSTOMERS)) { await orders.upsertMany(BIG, batch); seeded += batch.length; }
  out.seedSeconds = Math.round((performance.now() - t0) / 1000);
  out.orders = seeded;
  log(`${BIG}: ${CUSTOMERS} customers, ${seeded} orders seeded in ${out.seedSeconds} s`);
}

/** The web app and a worker for previews; answers once the web app stores a probe delivery, warmed up. */
async function startApp(dbUri: string, redisUrl: string, children: ChildProcess[]): Promise<string> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = benchAppEnv({ port, mongodbUri: dbUri, redisUrl, queuePrefix: RUN, apiKey: KEY, apiSecret: SECRET, encryptionKey: ENCRYPTION_KEY, extra: { WORKER_CONCURRENCY: '2' } });
  const web = spawnApp(['web/main.ts'], env);
  const worker = spawnApp(['jobs/main.ts', '--queues', 'settings-preview,recompute-customer'], env);
  children.push(web, worker);
  await waitHealthy(url, web, 60_000);
  const probe = delivery();
  const pr = await fetch(`${url}/webhooks`, { method: 'POST', headers: probe.headers, body: probe.body });
  if (pr.status !== 200) throw new Error(`probe delivery answered ${pr.status}: ${await pr.text()}`);
  await autocannon({ url: `${url}/webhooks`, connections: 4, duration: 3, overallRate: RATE, requests: [{ method: 'POST', setupRequest: (req) => ({ ...req, ...delivery() }) }] });
  return url;
}

/** One settings preview of the big shop, followed to its end (bounded); its duration when it completed. */
async function previewOnce(url: string, i: number, sawActive: () => void): Promise<number | null> {
  const token = () => signSessionToken(BIG, { apiKey: KEY, apiSecret: SECRET, ttlSeconds: 60 });
  const t = performance.now();
  const auth = { authorization: `Bearer ${await token()}`, 'content-type': 'application/json' };
  const start = await fetch(`${url}/api/settings/preview`, { method: 'POST', headers: auth, body: JSON.stringify({ settings: { behaviour: { dormantDays: 100 + i } } }) });
  let job = (await start.json()) as { jobId: string; state: string };
  while (job.state !== 'completed' && job.state !== 'failed' && performance.now() - t < PREVIEW_TIMEOUT_MS) {
    await new Promise((r) => setTimeout(r, 500));
    const poll = { authorization: `Bearer ${await token()}` };
    job = (await (await fetch(`${url}/api/settings/preview/${job.jobId}`, { headers: poll })).json()) as typeof job;
    if (job.state === 'active') sawActive();
  }
  if (job.state === 'failed') throw new Error(`preview failed: ${JSON.stringify(job)}`);
  return job.state === 'completed' ? Math.round(performance.now() - t) : null;
}

/** Phase 2: the big shop's merchant previews in a loop (each time other settings: never the kept result). */
async function ingestWhilePreviewing(url: string, out: Record<string, unknown>): Promise<void> {
  let stop = false;
  let measuring = false;
  let activeDuringWindow = false;
  const previews: number[] = [];
  let loopError: Error | null = null;
  // The preview under way when the measurement ends is followed to its end (bounded), so its
  // duration is known and it is sure it ran during the window.
  const loop = (async () => {
    for (let i = 0; !stop; i++) {
      const ms = await previewOnce(url, i, () => { if (measuring) activeDuringWindow = true; });
      if (ms !== null) previews.push(ms);
    }
  })().catch((err: Error) => { loopError = err; });
  // Let the first preview get going (the worker is loading the shop) before measuring.
  await new Promise((r) => setTimeout(r, 3000));
  log(`phase 2: ${RATE} webhooks/s for ${DURATION} s while ${BIG} previews in a loop`);
  measuring = true;
  out.withPreviews = await ingest(url);
  measuring = false;
  stop = true;
  await loop;
  if (loopError) throw loopError;
  out.previewsCompleted = previews.length;
  out.previewMs = previews;
  out.previewActiveDuringWindow = activeDuringWindow;
  log(`  ${JSON.stringify(out.withPreviews)}; previews completed ${previews.length} (${previews.join(', ')} ms)`);
}

function report(out: Record<string, unknown>): void {
  if (JSON_OUT) {
    console.log(JSON.stringify(out, null, 2));
    return;
  }
  const a = out.withoutPreviews as { p50: number; p99: number; achievedRps: number; errors: number };
  const b = out.withPreviews as typeof a;
  console.log('\n| webhooks | achieved req/s | p50 ms | p99 ms | errors |');
  console.log('|---|---:|---:|---:|---:|');
  console.log(`| alone | ${a.achievedRps} | ${a.p50} | ${a.p99} | ${a.errors} |`);
  console.log(`| while a ${CUSTOMERS.toLocaleString('en-US')}-customer shop previews in a loop | ${b.achievedRps} | ${b.p50} | ${b.p99} | ${b.errors} |`);
  console.log(`\npreview job active during the window: ${String(out.previewActiveDuringWindow)}; previews completed: ${String(out.previewsCompleted)} (${(out.previewMs as number[]).map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')})`);
}

async function main(): Promise<void> {
  const base = tempBase('bench-preview-', true);
  const [redis, ferret] = await Promise.all([startPrivateRedis(base.dir, { durable: true }), startPrivateFerretdb(base.dir)]);
  const servers: PrivateServer[] = [redis, ferret];
  const dbUri = `${ferret.url}/${RUN}`;
  const mongo = await mongoose.createConnection(dbUri).asPromise();
  const children: ChildProcess[] = [];
  process.once('exit', () => { for (const c of children) c.kill('SIGKILL'); });
  const out: Record<string, unknown> = { customers: CUSTOMERS, rate: RATE, durationS: DURATION, machine: 'shared 2-core VM, other agents building and testing: figures are pessimistic' };
  try {
    await seedShops(mongo, out);
    const url = await startApp(dbUri, redis.url, children);
    log(`phase 1: ${RATE} webhooks/s for ${DURATION} s, no preview`);
    out.withoutPreviews = await ingest(url);
    log(`  ${JSON.stringify(out.withoutPreviews)}`);
    await ingestWhilePreviewing(url, out);
  } finally {
    await stopChildren(children);
    await mongo.dropDatabase().catch(() => undefined);
    await mongo.close();
    for (const srv of servers) await srv.stop();
    base.remove();
  }
  report(out);
}

await main();
