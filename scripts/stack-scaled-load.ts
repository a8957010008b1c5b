// The load of `npm run stack:scaled` (scripts/stack-scaled.ts): the ingest benchmark through HAProxy
// and the chaos run that kills a web process mid-run.
import type { ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import type mongoose from 'mongoose';
import { Queue } from 'bullmq';
import { createRedis, defaultPartitions, partitionPrefixes, type RedisTarget } from '../src/redis.ts';
import { QUEUE } from '../jobs/queues.ts';
import { webhookHmac } from '../webhooks/verify-hmac.ts';
import { pollUntil } from '../tools/poll.ts';

export interface LoadContext {
  url: string;
  shop: string;
  secret: string;
  run: string;
  durationS: number;
  connections: number;
  log: (s: string) => void;
  mongo: mongoose.Connection;
  redis: RedisTarget;
  queuePrefix: string;
  webs: ChildProcess[];
}

const CUSTOMERS = 2000;
let seq = 0;

/** A signed orders/create delivery (~1.5 KB with the personal fields Shopify sends) with a new order id. */
export function signedOrder(shop: string, secret: string, run: string, n = ++seq): { body: string; headers: Record<string, string> } {
  const orderId = 7_000_000_000_000 + n;
  const customerId = 8_000_000_000_000 + (n % CUSTOMERS);
  const at = new Date(Date.UTC(2026, 10, 1) + (n % 86_400) * 1000).toISOString();
  const body = JSON.stringify({
    id: orderId, admin_graphql_api_id: `gid://shopify/Order/${orderId}`, created_at: at, processed_at: at, updated_at: at, cancelled_at: null,
    financial_status: 'paid', test: false, currency: 'USD', total_price: '59.90', current_total_price: '59.90',
    total_price_set: { shop_money: { amount: '59.90', currency_code: 'USD' }, presentment_money: { amount: '59.90', currency_code: 'USD' } },
    discount_codes: [], source_name: 'web', tags: '', email: `c${customerId}@example.com`,
    customer: { id: customerId, email: `c${customerId}@example.com`, first_name: 'Scaled', last_name: 'Run', tags: '' },
    line_items: [{ id: orderId * 10 + 1, product_id: 632910392, variant_id: 808950810, sku: 'IPOD2008', quantity: 1, price: '59.90', title: 'IPod Nano' }],
    shipping_address: { first_name: 'Scaled', last_name: 'Run', address1: '1 Loop Road', city: 'Localhost', zip: '12345', country_code: 'US' },
  });
  return {
    body,
    headers: {
      'content-type': 'application/json', 'x-shopify-topic': 'orders/create', 'x-shopify-shop-domain': shop, 'x-shopify-api-version': '2026-10',
      'x-shopify-webhook-id': `scaled-${run}-${n}`, 'x-shopify-hmac-sha256': webhookHmac(body, secret),
    },
  };
}

export interface Phase { name: string; rps: number; p50: number; p99: number; max: number; answered: number; errors: number }

async function load(c: LoadContext, name: string, o: { reject: boolean; rate?: number }): Promise<Phase> {
  const r = await autocannon({
    url: `${c.url}/webhooks`, connections: c.connections, duration: c.durationS, timeout: 5, ...(o.rate ? { overallRate: o.rate } : {}),
    requests: [{ method: 'POST', setupRequest: (req) => ({ ...req, ...signedOrder(c.shop, o.reject ? `${c.secret}-wrong` : c.secret, c.run) }) }],
  });
  const answered = o.reject ? (r.statusCodeStats?.['401']?.count ?? 0) : r['2xx'];
  const wrong = o.reject ? r['2xx'] + r.non2xx - answered : r.non2xx;
  const phase = { name, rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max, answered, errors: r.errors + r.timeouts + wrong };
  c.log(`  ${name}: ${phase.rps} req/s, p50 ${phase.p50} ms, p99 ${phase.p99} ms, errors ${phase.errors}`);
  return phase;
}

/** Waits until the webhook and recompute queues have nothing waiting, active, prioritised or delayed: seconds. */
async function drainSeconds(c: LoadContext, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  const conn = createRedis(c.redis, { maxRetriesPerRequest: null });
  // Every queue partition (the app's default count: 1 on one server, 6 on a cluster).
  const prefixes = partitionPrefixes(c.queuePrefix, defaultPartitions(Boolean(c.redis.REDIS_CLUSTER_NODES)));
  const queues = prefixes.flatMap((prefix) => [QUEUE.webhook, QUEUE.recompute].map((n) => new Queue(n, { connection: conn, prefix })));
  try {
    await pollUntil('the webhook and recompute queues to drain', async () => {
      const counts = await Promise.all(queues.map((q) => q.getJobCounts('waiting', 'active', 'prioritized')));
      return counts.every((k) => (k.waiting ?? 0) + (k.active ?? 0) + (k.prioritized ?? 0) === 0);
    }, { timeoutMs, intervalMs: 250 });
  } finally {
    await Promise.all(queues.map((q) => q.close()));
    conn.disconnect();
  }
  return Math.round((performance.now() - t0) / 100) / 10;
}

const storedOrders = (c: LoadContext): Promise<number> => c.mongo.db!.collection('order_owners').countDocuments();

/**
 * HTTP+HMAC only (every signature wrong: 401 before any database or queue) at full speed, then the
 * full path (verify, seal, durable enqueue: 200) at full speed and at 0.8× the HMAC-only rate.
 */
export async function runBench(c: LoadContext): Promise<Record<string, unknown> & { pass: boolean }> {
  await autocannon({ url: `${c.url}/webhooks`, connections: 4, duration: 3, requests: [{ method: 'POST', setupRequest: (req) => ({ ...req, ...signedOrder(c.shop, `${c.secret}-wrong`, c.run) }) }] });
  const reject = await load(c, 'HTTP+HMAC only (401)', { reject: true });
  const fullMax = await load(c, 'full path, unthrottled', { reject: false });
  await drainSeconds(c, 300_000);
  const rate = Math.round(reject.rps * 0.8);
  const before = await storedOrders(c);
  const full = await load(c, `full path at 0.8× = ${rate} req/s`, { reject: false, rate });
  const drainS = await drainSeconds(c, 300_000);
  const stored = await storedOrders(c);
  const accepted = fullMax.answered + full.answered;
  const lost = accepted - stored;
  const pass = full.rps >= rate * 0.95 && full.p99 < 50 && full.errors === 0 && lost <= 0;
  c.log(`  stored ${stored} of ${accepted} accepted orders (${before} before the paced phase); backlog drained ${drainS} s after the load`);
  return { mode: 'bench', reject, fullMax, full, ratio: Math.round((full.rps / reject.rps) * 100) / 100, fullMaxRatio: Math.round((fullMax.rps / reject.rps) * 100) / 100, accepted, stored, lost: Math.max(0, lost), drainAfterLoadS: drainS, pass };
}

/**
 * `senders` loops each send signed deliveries one after another for the duration; a delivery that is
 * not answered 200 (connection reset by the killed process, 5xx) is sent again after a pause, as
 * Shopify retries it. Half-way, the first web process is SIGKILLed.
 */
export async function runChaos(c: LoadContext): Promise<Record<string, unknown> & { pass: boolean }> {
  const until = Date.now() + c.durationS * 1000;
  const killAt = Date.now() + (c.durationS * 1000) / 2;
  let sent = 0;
  let retries = 0;
  let killed = false;
  const sender = async () => {
    while (Date.now() < until) {
      const d = signedOrder(c.shop, c.secret, c.run);
      sent++;
      for (let attempt = 0; ; attempt++) {
        if (!killed && Date.now() >= killAt) { killed = true; c.webs[0]!.kill('SIGKILL'); c.log('  web1 SIGKILLed'); }
        const ok = await fetch(`${c.url}/webhooks`, { method: 'POST', headers: d.headers, body: d.body, signal: AbortSignal.timeout(10_000) }).then((r) => r.status === 200, () => false);
        if (ok) break;
        retries++;
        if (attempt > 50) throw new Error('a delivery was refused 50 times in a row');
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  };
  await Promise.all(Array.from({ length: c.connections }, sender));
  // A delivery the killed process had taken from the queue is released when its lock expires (30 s).
  const drainS = await drainSeconds(c, 300_000);
  const stored = await storedOrders(c);
  c.log(`  sent ${sent} deliveries (${retries} retries), stored ${stored}; drained ${drainS} s after the load`);
  return { mode: 'chaos: one web process SIGKILLed mid-run', killed, sent, retries, stored, lost: sent - stored, drainAfterLoadS: drainS, pass: killed && stored === sent };
}
