// Backfill of ≥ 10,000 customers through a bulk query on the simulator, streamed into MongoDB.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startShopifySimulator, type ShopifySimulator } from '../../tools/shopify-simulator/index.ts';
import { openTestServices, testLogger, type TestServices } from '../support/test-services.ts';
import { createAdminFetch } from '../../src/shopify/admin-fetch.ts';
import { AdminGraphqlClient } from '../../src/shopify/admin-graphql-client.ts';
import { backfillShopOrders, type BackfillProgress } from '../../src/shopify/bulk-backfill.ts';
import { OrderStore } from '../../src/profiles/order-store.ts';

const KEY = 'bf-key';

// Live heap (after a full GC) is what "bounded memory" means; heapUsed alone also counts garbage.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const liveHeap = () => { gc(); return process.memoryUsage().heapUsed; };
const SECRET = 'bf-secret';

describe('bulk backfill', () => {
  let s: TestServices;
  let sim: ShopifySimulator;
  let orders: OrderStore;

  before(async () => {
    s = await openTestServices(import.meta.url);
    sim = await startShopifySimulator({ seed: 9 });
    orders = new OrderStore(s.mongo);
    await orders.init();
  });
  after(async () => { await sim?.close(); await s?.close(); });

  function clientFor(shop: string, scopes: string[]): AdminGraphqlClient {
    sim.createShop({ domain: shop, plan: 'plus', scopes, timezone: 'UTC', currency: 'USD', name: shop });
    const { accessToken } = sim.installApp({ shop, apiKey: KEY, apiSecret: SECRET, webhookAddress: 'http://127.0.0.1:9/none', webhookTopics: [] });
    return new AdminGraphqlClient({ shop, accessToken, apiVersion: '2026-10', fetch: createAdminFetch(sim.url), logger: testLogger });
  }

  it('streams 10,000 customers with their orders and line items into the order store', async () => {
    const shop = 'big.myshopify.com';
    const client = clientFor(shop, ['read_customers', 'write_customers', 'read_orders', 'read_all_orders']);
    const seeded = sim.seedSynthetic(shop, { customers: 10_000, seed: 21 });
    const expectedLineItems = sim.listOrders(shop).reduce((n, o) => n + o.lineItems.length, 0);

    const progress: BackfillProgress[] = [];
    const baseline = liveHeap();
    const samples: number[] = [];
    let peakUsed = baseline;
    const started = performance.now();
    const timer = setInterval(() => { peakUsed = Math.max(peakUsed, process.memoryUsage().heapUsed); }, 5);
    const report = await backfillShopOrders({
      client, fetch: createAdminFetch(sim.url), orders, batchSize: 500, pollIntervalMs: 100, progressEvery: 1000,
      onProgress: (p) => { if (p.phase === 'downloading' && p.orders > 0) samples.push(liveHeap()); progress.push(p); },
    });
    clearInterval(timer);
    const firstRunS = Math.round((performance.now() - started) / 1000);
    const peak = Math.max(...samples);

    assert.equal(report.readAllOrders, true);
    assert.equal(report.notice, null);
    assert.equal(report.customers, 10_000);
    assert.equal(report.orders, seeded.orders);
    assert.equal(report.lineItems, expectedLineItems);
    assert.equal(report.skipped, 0);
    assert.equal(await orders.countOrders(shop), seeded.orders);
    assert.ok(progress.filter((p) => p.phase === 'downloading').length > 2, 'progress reported while streaming');
    assert.equal(progress.at(-1)?.phase, 'done');

    // Spot-check one customer's orders against the simulator.
    const someone = sim.listOrders(shop).find((o) => o.lineItems.length > 1)!;
    const stored = await orders.get(shop, someone.id);
    assert.equal(stored?.customerId, someone.customerId);
    assert.equal(stored?.lineItems.length, someone.lineItems.length);

    const mb = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10;
    console.log(`# backfill: ${report.customers} customers, ${report.orders} orders, ${report.lineItems} line items, file ${mb(report.bytes)} MB; ` +
      `live heap ${mb(baseline)} MB before, peak ${mb(peak)} MB while streaming (+${mb(peak - baseline)} MB; samples ${samples.map((x) => mb(x - baseline)).join(', ')}); ` +
      `peak heapUsed incl. garbage ${mb(peakUsed)} MB; ${firstRunS} s`);
    // A sanity bound only (the figures are a benchmark's business: docs/benchmarks.md): holding the
    // parsed file would cost several times its size, streaming keeps the live heap's growth well below it.
    assert.ok(samples.length >= 5);
    assert.ok(peak - baseline < 2 * report.bytes, `live heap grew ${mb(peak - baseline)} MB for a ${mb(report.bytes)} MB file`);
  });

  it('reports a missing read_all_orders instead of silently using 60 days; a re-run writes nothing', async () => {
    const shop = 'recent-only.myshopify.com';
    const client = clientFor(shop, ['read_customers', 'write_customers', 'read_orders']);
    sim.seedSynthetic(shop, { customers: 300, seed: 4 });
    const report = await backfillShopOrders({ client, fetch: createAdminFetch(sim.url), orders, pollIntervalMs: 100 });
    assert.equal(report.readAllOrders, false);
    assert.match(report.notice ?? '', /read_all_orders/);
    assert.ok(report.written > 0);
    const cutoff = Date.now() - 61 * 24 * 60 * 60 * 1000;
    let older = 0;
    for await (const c of orders.customersOf(shop)) older += c.orders.filter((o) => o.createdAt < cutoff).length;
    assert.equal(older, 0, 'only the last 60 days were readable');

    const again = await backfillShopOrders({ client, fetch: createAdminFetch(sim.url), orders, pollIntervalMs: 100 });
    assert.equal(again.orders, report.orders);
    assert.deepEqual([again.written, again.stale], [0, report.orders]);
    assert.equal(await orders.countOrders(shop), report.orders);
  });

  /** `orders` with its writes instrumented: how many run at once (both kinds), and a slow, optionally failing upsertMany. */
  function instrumented(failAt = 0) {
    const w = { running: 0, most: 0, calls: 0 };
    const store = Object.create(orders) as OrderStore;
    const track = async <T>(run: () => Promise<T>): Promise<T> => {
      w.running++;
      w.most = Math.max(w.most, w.running);
      try { return await run(); } finally { w.running--; }
    };
    store.registerCustomers = (s2, ids) => track(() => orders.registerCustomers(s2, ids));
    store.upsertMany = (s2, batch) => track(async () => {
      w.calls++;
      await new Promise((r) => setTimeout(r, 20));
      if (w.calls === failAt) throw new Error(`write ${failAt} failed`);
      return orders.upsertMany(s2, batch);
    });
    return { store, w };
  }

  it('parses the next batch while one is written, one write at a time; a failed write fails the backfill with nothing left running', async () => {
    const shop = 'failing.myshopify.com';
    const client = clientFor(shop, ['read_customers', 'write_customers', 'read_orders', 'read_all_orders']);
    sim.seedSynthetic(shop, { customers: 600, seed: 22 });
    const { store, w } = instrumented(3);
    // Progress is reported as orders are parsed: some of it while a write runs (the overlap).
    let parsedWhileWriting = 0;
    await assert.rejects(backfillShopOrders({
      client, fetch: createAdminFetch(sim.url), orders: store, batchSize: 100, pollIntervalMs: 50, progressEvery: 1,
      onProgress: (p) => { if (p.phase === 'downloading' && w.running > 0) parsedWhileWriting++; },
    }), /write 3 failed/);
    assert.ok(parsedWhileWriting > 0, 'orders parsed while a batch was being written');
    assert.equal(w.most, 1, 'writes never overlap');
    assert.equal(w.running, 0, 'no write still running once the backfill has failed');
    assert.equal(w.calls, 3, 'no write begins after the failed one');
  });

  it('a download that fails while a batch is being written waits for that write before failing', async () => {
    const shop = 'broken-download.myshopify.com';
    const client = clientFor(shop, ['read_customers', 'write_customers', 'read_orders', 'read_all_orders']);
    sim.seedSynthetic(shop, { customers: 600, seed: 23 });
    const { store, w } = instrumented();
    let reports = 0;
    await assert.rejects(backfillShopOrders({
      client, fetch: createAdminFetch(sim.url), orders: store, batchSize: 100, pollIntervalMs: 50, progressEvery: 1,
      // The reader fails (here its progress callback) at a moment a write is in flight.
      onProgress: (p) => { if (p.phase === 'downloading' && w.running > 0 && ++reports === 5) throw new Error('reader failed'); },
    }), /reader failed/);
    assert.equal(reports, 5);
    assert.equal(w.running, 0, 'the write in flight finished before the backfill failed');
  });
});
