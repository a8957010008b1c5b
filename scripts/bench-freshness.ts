// Freshness benchmark: webhook received → the customer's new tags visible on the simulator.
//   npx node scripts/bench-freshness.ts [--rate 200] [--seconds 10] [--customers 6000] [--timeout 600]
// A synthetic shop is backfilled and tagged first; then orders/create webhooks are sent at a steady
// rate, each for a different One Time Buyer, so each one must move that customer to Loyal Customer.
// Latency = first time the new tag is seen on the simulator (polled every 20 ms) − the moment the
// simulator delivered the webhook to the app. Loopback only; bounded by --seconds and --timeout.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { serviceUrls } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { startLocalStack } from './local-stack.ts';
import { deleteKeysUnder } from '../tools/redis-cleanup.ts';

const { values } = parseArgs({ options: {
  rate: { type: 'string', default: '200' }, seconds: { type: 'string', default: '10' },
  customers: { type: 'string', default: '6000' }, timeout: { type: 'string', default: '600' },
  concurrency: { type: 'string', default: '16' },
} });
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const SHOP = 'bench-store.myshopify.com';
const AS_OF = Date.parse('2026-11-20T00:00:00Z');
const run = randomBytes(4).toString('hex');
const prefix = `bench-${run}`;
const logger = createLogger({ level: 'warn', destination: process.stderr });

const stack = await startLocalStack({ logger, asOf: AS_OF, dbName: `bench_${run}`, env: { QUEUE_PREFIX: prefix }, pollIntervalMs: 250, workerConcurrency: Number(values.concurrency) });
try {
  const { sim, runtime } = stack;
  sim.createShop({ domain: SHOP, plan: 'plus', scopes: ['read_customers', 'write_customers', 'read_orders', 'read_all_orders'], timezone: 'UTC' });
  sim.seedSynthetic(SHOP, { customers: Number(values.customers), seed: 9, asOf: AS_OF - 86_400_000, maxOrdersPerCustomer: 4 });
  await stack.install(SHOP);
  const t0 = performance.now();
  const job = await runtime.enqueue.resyncShop(SHOP, 'support');
  await stack.waitFor(job, 3_600_000);
  await stack.idle(3_600_000);
  console.error(`setup: resync + tag sync of ${values.customers} customers in ${Math.round(performance.now() - t0)} ms`);

  const targets = sim.listCustomers(SHOP).filter((c) => c.tags.includes('seg:one-time-buyer'));
  const total = Math.min(Math.round(rate * seconds), targets.length);
  if (total < rate * seconds) console.error(`only ${targets.length} one-time buyers: sending ${total} orders`);
  const sentAt = new Map<string, number>();
  const seenAt = new Map<string, number>();
  const start = Date.now();
  let sent = 0;
  // Steady rate: every 10 ms, send what the schedule says should have been sent by now.
  const sender = setInterval(() => {
    const due = Math.min(total, Math.floor(((Date.now() - start) / 1000) * rate));
    while (sent < due) {
      const c = targets[sent++]!;
      sim.createOrder(SHOP, { customerId: c.id, createdAt: AS_OF - 3_600_000, financialStatus: 'paid', totalPrice: '30.00', lineItems: [{ quantity: 1, price: '30.00', sku: 'BENCH' }] });
      sentAt.set(c.id, Date.now());
    }
    if (sent >= total) clearInterval(sender);
  }, 10);
  const deadline = Date.now() + Number(values.timeout) * 1000;
  while (seenAt.size < total && Date.now() < deadline) {
    for (const id of sentAt.keys()) {
      if (seenAt.has(id)) continue;
      if (sim.getCustomer(SHOP, id)!.tags.includes('seg:loyal-customer')) seenAt.set(id, Date.now());
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  clearInterval(sender);
  // Received = the simulator's successful delivery of the orders/create webhook.
  const deliveredAt = new Map<string, number>();
  for (const d of sim.webhookLog(SHOP)) {
    if (d.topic !== 'orders/create') continue;
    const body = JSON.parse(d.body) as { customer?: { id?: number | string } };
    const ok = d.attempts.find((a) => a.status !== undefined && a.status >= 200 && a.status < 300);
    const id = String(body.customer?.id ?? '');
    if (ok && !deliveredAt.has(id)) deliveredAt.set(id, Date.parse(ok.at));
  }
  const lat = [...seenAt].map(([id, at]) => at - (deliveredAt.get(id) ?? sentAt.get(id)!)).sort((a, b) => a - b);
  const pct = (p: number) => lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]! : null;
  const sendSeconds = (Math.max(...sentAt.values()) - start) / 1000;
  const result = {
    rate, seconds, sent, achievedRate: Math.round(sent / Math.max(sendSeconds, 0.001)), tagged: seenAt.size, notTaggedBeforeTimeout: sent - seenAt.size,
    latencyMs: { p50: pct(0.5), p95: pct(0.95), max: lat.at(-1) ?? null },
    apiPoints: sim.stats(SHOP).pointsUsed, workerConcurrency: Number(values.concurrency),
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await stack.deps.mongo.dropDatabase().catch(() => undefined);
  await stack.close();
  await deleteKeysUnder(serviceUrls().redisUrl, prefix);
}
