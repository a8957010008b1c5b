// The load of `npm run stack:scaled` (scripts/stack-scaled.ts): the ingest benchmark through HAProxy
// and the chaos run that kills a web process mid-run.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
  /** Process ids by role (web, worker, haproxy, redis, ferretdb), for the CPU each phase cost them. */
  pids?: () => Record<string, Array<number | undefined>>;
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); 0 when unreadable. */
function cpuSecondsOf(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    // Fields after the command name (which may contain spaces): utime and stime are the 12th and 13th.
    const rest = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(rest[11]) + Number(rest[12])) / 100;
  } catch {
    return 0;
  }
}

function cpuByRole(c: LoadContext): Record<string, number> {
  const out: Record<string, number> = { loadgen: process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6 };
  for (const [role, pids] of Object.entries(c.pids?.() ?? {})) out[role] = pids.reduce<number>((a, p) => a + cpuSecondsOf(p), 0);
  return out;
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

export interface Phase { name: string; rps: number; p50: number; p99: number; max: number; answered: number; errors: number; cpuMsPerRequest: Record<string, number> }

async function load(c: LoadContext, name: string, o: { reject: boolean; rate?: number }): Promise<Phase> {
  const cpu0 = cpuByRole(c);
  const r = await autocannon({
    url: `${c.url}/webhooks`, connections: c.connections, duration: c.durationS, timeout: 5, ...(o.rate ? { overallRate: o.rate } : {}),
    requests: [{ method: 'POST', setupRequest: (req) => ({ ...req, ...signedOrder(c.shop, o.reject ? `${c.secret}-wrong` : c.secret, c.run) }) }],
  });
  const answered = o.reject ? (r.statusCodeStats?.['401']?.count ?? 0) : r['2xx'];
  const wrong = o.reject ? r['2xx'] + r.non2xx - answered : r.non2xx;
  // Where the CPU went: milliseconds per request of each role (the load generator included).
  const cpu1 = cpuByRole(c);
  const total = Math.max(1, r.requests.total);
  const cpuMsPerRequest = Object.fromEntries(Object.keys(cpu1).map((k) => [k, Math.round(((cpu1[k]! - (cpu0[k] ?? 0)) * 1000 / total) * 1000) / 1000]));
  const phase = { name, rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max, answered, errors: r.errors + r.timeouts + wrong, cpuMsPerRequest };
  c.log(`  ${name}: ${phase.rps} req/s, p50 ${phase.p50} ms, p99 ${phase.p99} ms, errors ${phase.errors}; CPU ms/request ${JSON.stringify(cpuMsPerRequest)}`);
  return phase;
}

/** The named queue in every partition (the app's default count: 1 on one server, 6 on a cluster), on one connection. */
function partitionedQueues(c: LoadContext, names: readonly string[]): { queues: Queue[]; close(): Promise<void> } {
  const conn = createRedis(c.redis, { maxRetriesPerRequest: null });
  const prefixes = partitionPrefixes(c.queuePrefix, defaultPartitions(Boolean(c.redis.REDIS_CLUSTER_NODES)));
  const queues = prefixes.flatMap((prefix) => names.map((n) => new Queue(n, { connection: conn, prefix })));
  return { queues, async close() { await Promise.all(queues.map((q) => q.close())); conn.disconnect(); } };
}

/**
 * The webhook consumers (in the web processes) stop taking deliveries while `during` runs (BullMQ
 * Queue.pause: accepted deliveries still go to Redis, durably). On this machine the consumers' MongoDB
 * work and the workers' recomputes share the two cores with the ingest; in production they run on
 * other cores (and MongoDB on other machines). This isolates the ingest path, what Shopify waits for.
 */
async function withConsumersPaused<T>(c: LoadContext, during: () => Promise<T>): Promise<T> {
  const { queues, close } = partitionedQueues(c, [QUEUE.webhook]);
  await Promise.all(queues.map((q) => q.pause()));
  try {
    return await during();
  } finally {
    await Promise.all(queues.map((q) => q.resume()));
    await close();
  }
}

/** Waits until the webhook and recompute queues have nothing waiting, active, prioritised or delayed: seconds. */
async function drainSeconds(c: LoadContext, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  const { queues, close } = partitionedQueues(c, [QUEUE.webhook, QUEUE.recompute]);
  try {
    await pollUntil('the webhook and recompute queues to drain', async () => {
      const counts = await Promise.all(queues.map((q) => q.getJobCounts('waiting', 'active', 'prioritized')));
      return counts.every((k) => (k.waiting ?? 0) + (k.active ?? 0) + (k.prioritized ?? 0) === 0);
    }, { timeoutMs, intervalMs: 250 });
  } finally {
    await close();
  }
  return Math.round((performance.now() - t0) / 100) / 10;
}

const storedOrders = (c: LoadContext): Promise<number> => c.mongo.db!.collection('order_owners').countDocuments();

/**
 * HTTP+HMAC only (every signature wrong: 401 before any database or queue) at full speed; then the
 * full ingest path (verify, seal, durable enqueue: 200) at 0.8× that rate while the consumers are paused
 * (the target: what Shopify waits for), the backlog drained; then the full path unthrottled while the
 * consumers and workers process (what this one machine does as a whole), drained; every accepted
 * delivery must be stored.
 */
export async function runBench(c: LoadContext): Promise<Record<string, unknown> & { pass: boolean }> {
  await autocannon({ url: `${c.url}/webhooks`, connections: 4, duration: 3, requests: [{ method: 'POST', setupRequest: (req) => ({ ...req, ...signedOrder(c.shop, `${c.secret}-wrong`, c.run) }) }] });
  const reject = await load(c, 'HTTP+HMAC only (401)', { reject: true });
  const rate = Math.round(reject.rps * 0.8);
  const full = await withConsumersPaused(c, () => load(c, `full ingest path at 0.8× = ${rate} req/s (consumers paused)`, { reject: false, rate }));
  const drainPausedS = await drainSeconds(c, 600_000);
  const fullMax = await load(c, 'full path, unthrottled, while processing', { reject: false });
  const drainS = await drainSeconds(c, 600_000);
  const stored = await storedOrders(c);
  const accepted = fullMax.answered + full.answered;
  const lost = accepted - stored;
  const pass = full.rps >= rate * 0.95 && full.p99 < 50 && full.errors === 0 && lost <= 0;
  const processedPerS = Math.round(full.answered / Math.max(drainPausedS, 0.1));
  c.log(`  stored ${stored} of ${accepted} accepted orders; the paused backlog drained in ${drainPausedS} s (${processedPerS}/s), the last ${drainS} s after its load`);
  return {
    mode: 'bench', reject, full, ratio: Math.round((full.rps / reject.rps) * 100) / 100, fullMax, fullMaxRatio: Math.round((fullMax.rps / reject.rps) * 100) / 100,
    accepted, stored, lost: Math.max(0, lost), drainPausedS, processedPerS, drainAfterLoadS: drainS, pass,
  };
}

/** A delivery as a test sends it: signed, with its webhook id. */
type Delivery = { body: string; headers: Record<string, string> };

/**
 * Sends `deliveries` to HAProxy, `senders` at a time; a delivery that is not answered 200 (connection
 * reset by a killed process, 5xx) is sent again after a pause, as Shopify retries it. `beforeEach` runs
 * before the i-th delivery is first sent (the chaos run kills a web process there). Answers by status.
 */
async function deliverAll(c: LoadContext, deliveries: Delivery[], o: { retry: boolean; beforeEach?: (i: number) => void }): Promise<{ statuses: Record<number, number>; retries: number }> {
  const statuses: Record<number, number> = {};
  let next = 0;
  let retries = 0;
  const sender = async () => {
    for (let i = next++; i < deliveries.length; i = next++) {
      o.beforeEach?.(i);
      const d = deliveries[i]!;
      for (let attempt = 0; ; attempt++) {
        const status = await fetch(`${c.url}/webhooks`, { method: 'POST', headers: d.headers, body: d.body, signal: AbortSignal.timeout(10_000) }).then((r) => r.status, () => 0);
        if (status === 200 || !o.retry) { statuses[status] = (statuses[status] ?? 0) + 1; break; }
        retries++;
        if (attempt > 50) throw new Error('a delivery was refused 50 times in a row');
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  };
  await Promise.all(Array.from({ length: c.connections }, sender));
  return { statuses, retries };
}

/**
 * `count` new signed deliveries retried until answered 200 (as Shopify retries); when half have been
 * sent, the first web process is SIGKILLed: HAProxy's retries and health check route around it.
 */
export async function runChaos(c: LoadContext, count: number): Promise<Record<string, unknown> & { pass: boolean }> {
  const before = await storedOrders(c);
  let killed = false;
  const deliveries = Array.from({ length: count }, () => signedOrder(c.shop, c.secret, c.run));
  const { retries } = await deliverAll(c, deliveries, {
    retry: true,
    beforeEach: (i) => { if (!killed && i >= count / 2) { killed = true; c.webs[0]!.kill('SIGKILL'); c.log('  web1 SIGKILLed'); } },
  });
  // A delivery the killed process had taken from the queue is released when its lock expires (30 s).
  const drainS = await drainSeconds(c, 300_000);
  const stored = (await storedOrders(c)) - before;
  c.log(`  sent ${count} deliveries (${retries} retries), stored ${stored}; drained ${drainS} s after the load`);
  return { mode: 'chaos: one web process SIGKILLed mid-run', killed, sent: count, retries, stored, lost: count - stored, drainAfterLoadS: drainS, pass: killed && stored === count };
}

/**
 * What `npm test` runs through HAProxy (`stack:scaled --ci`): counts, never rates. Every wrong
 * signature refused (401, nothing queued); every signed delivery accepted (200) and its order stored
 * once, a fifth of them delivered twice (Shopify redelivers: the same webhook id); the queues drained
 * by the workers; then the chaos run. Pass: 0 lost, 0 wrong answers.
 */
export async function runSuite(c: LoadContext, count: number): Promise<Record<string, unknown> & { pass: boolean }> {
  const forged = Array.from({ length: count / 5 }, () => signedOrder(c.shop, `${c.secret}-wrong`, c.run));
  const wrong = await deliverAll(c, forged, { retry: false });
  const signed = Array.from({ length: count }, () => signedOrder(c.shop, c.secret, c.run));
  const withRedeliveries = [...signed, ...signed.slice(0, count / 5)];
  const accepted = await deliverAll(c, withRedeliveries, { retry: false });
  const drainS = await drainSeconds(c, 300_000);
  const stored = await storedOrders(c);
  c.log(`  wrong signatures ${JSON.stringify(wrong.statuses)}, signed ${JSON.stringify(accepted.statuses)}; stored ${stored} of ${count} orders, drained ${drainS} s after the load`);
  const ingest = {
    refused: wrong.statuses[401] ?? 0, accepted: accepted.statuses[200] ?? 0, wrongAnswers: forged.length - (wrong.statuses[401] ?? 0) + (withRedeliveries.length - (accepted.statuses[200] ?? 0)),
    stored, lost: count - stored, drainAfterLoadS: drainS,
  };
  const chaos = await runChaos(c, count);
  return { mode: 'suite', ingest, chaos, pass: ingest.wrongAnswers === 0 && ingest.lost === 0 && chaos.pass };
}
