// Webhook ingest while a big shop previews settings in a loop (issue 13 item 4): the settings dry run is
// a job in a worker, so the web process that ingests every shop's webhooks is not the one recalibrating
// the big shop. Loopback only, bounded: a private redis-server and FerretDB on spare ports, the real web
// app (`node web/main.ts`) and a worker (`node jobs/main.ts`) as child processes; everything removed at
// the end.
//   node scripts/bench-preview-ingest.ts [--customers 100000] [--rate 200] [--duration 20] [--preview-timeout 900] [--json]
// Phase 1: webhooks at --rate for --duration s (small shop), nothing else. Phase 2: the same while the
// big shop's merchant previews settings in a loop (POST /api/settings/preview with other settings each
// time, so never the kept result; polled to completion). Reported: p50/p99 of webhook answers in each phase, previews completed.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import autocannon from 'autocannon';
import mongoose from 'mongoose';
import { Session } from '@shopify/shopify-api';
import { ShopStore } from '../src/profiles/shop-store.ts';
import { OrderStore } from '../src/profiles/order-store.ts';
import { MongoSessionStore } from '../src/profiles/session-store.ts';
import type { NormalizedOrder } from '../src/segments/types.ts';
import { webhookHmac } from '../webhooks/verify-hmac.ts';
import { signSessionToken } from '../web/admin/session-token.ts';
import { freePort, startPrivateFerretdb, startPrivateRedis, tempBase, type PrivateServer } from '../tools/local-services/private-servers.ts';

const ROOT = resolve(import.meta.dirname, '..');
const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : def;
};
const CUSTOMERS = Number(arg('customers', '100000'));
const RATE = Number(arg('rate', '200'));
const DURATION = Number(arg('duration', '20'));
const JSON_OUT = process.argv.includes('--json');
/** A preview still running this long after it started is abandoned (the run stays bounded). */
const PREVIEW_TIMEOUT_MS = Number(arg('preview-timeout', '900')) * 1000;
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

async function waitHealthy(url: string, child: ChildProcess): Promise<void> {
  for (const until = Date.now() + 60_000; Date.now() < until;) {
    if (child.exitCode !== null) throw new Error(`web exited with ${child.exitCode}`);
    if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('web did not become healthy');
}

async function main(): Promise<void> {
  const base = tempBase('bench-preview-', true);
  const servers: PrivateServer[] = [];
  const [redis, ferret] = await Promise.all([startPrivateRedis(base.dir, { durable: true }), startPrivateFerretdb(base.dir)]);
  servers.push(redis, ferret);
  const dbUri = `${ferret.url}/${RUN}`;
  const mongo = await mongoose.createConnection(dbUri).asPromise();
  const children: ChildProcess[] = [];
  process.once('exit', () => { for (const c of children) c.kill('SIGKILL'); });
  const out: Record<string, unknown> = { customers: CUSTOMERS, rate: RATE, durationS: DURATION, machine: 'shared 2-core VM, other agents building and testing: figures are pessimistic' };
  try {
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

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = {
      ...process.env, NODE_ENV: 'production', PORT: String(port), HOST: '127.0.0.1', MONGODB_URI: dbUri, REDIS_URL: redis.url, QUEUE_PREFIX: RUN,
      SHOPIFY_API_KEY: KEY, SHOPIFY_API_SECRET: SECRET, SHOPIFY_APP_URL: 'https://bench.example.com', ENCRYPTION_KEY, SUPPORT_TOKEN: 'b'.repeat(32),
      LOG_LEVEL: 'warn', SHOPIFY_API_ORIGIN: '', DEMO_MODE: '', WORKER_CONCURRENCY: '2',
    };
    const web = spawn(process.execPath, ['web/main.ts'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env });
    const worker = spawn(process.execPath, ['jobs/main.ts', '--queues', 'settings-preview,recompute-customer'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env });
    children.push(web, worker);
    await waitHealthy(url, web);
    const probe = delivery();
    const pr = await fetch(`${url}/webhooks`, { method: 'POST', headers: probe.headers, body: probe.body });
    if (pr.status !== 200) throw new Error(`probe delivery answered ${pr.status}: ${await pr.text()}`);
    await autocannon({ url: `${url}/webhooks`, connections: 4, duration: 3, overallRate: RATE, requests: [{ method: 'POST', setupRequest: (req) => ({ ...req, ...delivery() }) }] });

    log(`phase 1: ${RATE} webhooks/s for ${DURATION} s, no preview`);
    out.withoutPreviews = await ingest(url);
    log(`  ${JSON.stringify(out.withoutPreviews)}`);

    // Phase 2: the big shop's merchant previews in a loop (each time other settings: never the kept result).
    let stop = false;
    let measuring = false;
    let activeDuringWindow = false;
    const previews: number[] = [];
    const token = () => signSessionToken(BIG, { apiKey: KEY, apiSecret: SECRET, ttlSeconds: 60 });
    let loopError: Error | null = null;
    const loop = (async () => {
      for (let i = 0; !stop; i++) {
        const t = performance.now();
        const auth = { authorization: `Bearer ${await token()}`, 'content-type': 'application/json' };
        const start = await fetch(`${url}/api/settings/preview`, { method: 'POST', headers: auth, body: JSON.stringify({ settings: { behaviour: { dormantDays: 100 + i } } }) });
        let job = (await start.json()) as { jobId: string; state: string };
        // The preview under way when the measurement ends is followed to its end (bounded), so its
        // duration is known and it is sure it ran during the window.
        while (job.state !== 'completed' && job.state !== 'failed' && performance.now() - t < PREVIEW_TIMEOUT_MS) {
          await new Promise((r) => setTimeout(r, 500));
          const poll = { authorization: `Bearer ${await token()}` };
          job = (await (await fetch(`${url}/api/settings/preview/${job.jobId}`, { headers: poll })).json()) as typeof job;
          if (measuring) activeDuringWindow ||= job.state === 'active';
        }
        if (job.state === 'completed') previews.push(Math.round(performance.now() - t));
        if (job.state === 'failed') throw new Error(`preview failed: ${JSON.stringify(job)}`);
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
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((r) => { const t = setTimeout(() => { c.kill('SIGKILL'); r(undefined); }, 15_000); c.once('exit', () => { clearTimeout(t); r(undefined); }); })));
    await mongo.dropDatabase().catch(() => undefined);
    await mongo.close();
    for (const s of servers) await s.stop();
    base.remove();
  }
  if (JSON_OUT) console.log(JSON.stringify(out, null, 2));
  else {
    const a = out.withoutPreviews as { p50: number; p99: number; achievedRps: number; errors: number };
    const b = out.withPreviews as typeof a;
    console.log('\n| webhooks | achieved req/s | p50 ms | p99 ms | errors |');
    console.log('|---|---:|---:|---:|---:|');
    console.log(`| alone | ${a.achievedRps} | ${a.p50} | ${a.p99} | ${a.errors} |`);
    console.log(`| while a ${CUSTOMERS.toLocaleString('en-US')}-customer shop previews in a loop | ${b.achievedRps} | ${b.p50} | ${b.p99} | ${b.errors} |`);
    console.log(`\npreview job active during the window: ${String(out.previewActiveDuringWindow)}; previews completed: ${String(out.previewsCompleted)} (${(out.previewMs as number[]).map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')})`);
  }
}

await main();
