// The Shopify side against the simulator (tools/shopify-simulator): install by token exchange,
// webhook → stored order, tag write-back (merchant tags intact), THROTTLED, bulk mutation.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import express from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { startShopifySimulator, type ShopifySimulator } from '../../tools/shopify-simulator/index.ts';
import { openTestServices, testLogger, type TestServices } from '../support/test-services.ts';
import { createShopifyApi, type ShopifyContext } from '../../src/shopify/shopify-api.ts';
import { installFromSessionToken } from '../../src/shopify/install.ts';
import { AdminClients } from '../../src/shopify/admin-clients.ts';
import { AuthStats, OfflineTokens, ShopTokenLock, tokenGrantsFrom } from '../../src/shopify/offline-tokens.ts';
import { AdminGraphqlClient } from '../../src/shopify/admin-graphql-client.ts';
import { syncCustomerTags } from '../../src/shopify/tag-sync.ts';
import { writeTagChanges } from '../../src/shopify/tag-writer.ts';
import { BulkOperationSignals } from '../../src/shopify/bulk-operations.ts';
import { createWebhookRouter } from '../../webhooks/router.ts';
import { makeStores, RecordingEffects, RecordingInstallation } from '../webhooks/support.ts';
import type { WebhookStores } from '../../webhooks/types.ts';
import { ensureIndexes } from '../../src/deps.ts';

const SHOP = 'sim-shop.myshopify.com';
const KEY = 'sim-api-key';
const SECRET = 'sim-api-secret';
const PREFIX = 'seg:';

describe('Shopify integration against the simulator', () => {
  let s: TestServices;
  let sim: ShopifySimulator;
  let ctx: ShopifyContext;
  let stores: WebhookStores;
  let clients: AdminClients;
  let server: Server;
  const effects = new RecordingEffects();
  const signals = new BulkOperationSignals();

  before(async () => {
    s = await openTestServices(import.meta.url);
    sim = await startShopifySimulator({ seed: 5, webhooks: { retryDelaysMs: [50, 100, 200], maxAttempts: 4 } });
    stores = makeStores(s.mongo);
    await ensureIndexes(stores);
    // The app's webhook endpoint, wired like production: bulk_operations/finish wakes bulk waiters.
    const app = express();
    effects.bulkOperationFinished = async (_shop, p) => { signals.notify(p.adminGraphqlApiId); effects.calls.push(`bulk ${p.adminGraphqlApiId}`); };
    app.use(createWebhookRouter({ stores, connection: s.mongo, effects, installation: new RecordingInstallation(), logger: testLogger, secrets: { current: SECRET } }));
    server = await new Promise((resolve) => { const srv = app.listen(0, '127.0.0.1', () => resolve(srv)); });
    const webhookAddress = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;

    sim.createShop({ domain: SHOP, plan: 'standard', scopes: ['read_customers', 'write_customers', 'read_orders'], timezone: 'America/New_York', currency: 'USD', name: 'Sim' });
    sim.seedSynthetic(SHOP, { customers: 60, seed: 3 });
    sim.registerApp({ apiKey: KEY, apiSecret: SECRET, webhookAddress });
    ctx = createShopifyApi({
      SHOPIFY_API_KEY: KEY, SHOPIFY_API_SECRET: SECRET, SHOPIFY_APP_URL: 'https://segments.example.com',
      SHOPIFY_API_VERSION: '2026-10', NODE_ENV: 'test', SHOPIFY_API_ORIGIN: sim.url,
    }, testLogger);
    const redis = s.redis();
    const tokens = new OfflineTokens({
      sessions: stores.sessions, shops: stores.shops, grants: tokenGrantsFrom(ctx), logger: testLogger,
      lock: new ShopTokenLock(redis, s.queuePrefix), stats: new AuthStats(redis, s.queuePrefix),
    });
    clients = new AdminClients({ tokens, fetch: ctx.fetch, apiVersion: ctx.apiVersion, logger: testLogger });
  });
  after(async () => {
    await sim?.close();
    await new Promise((r) => server?.close(r));
    await s?.close();
  });

  it('installs through token exchange: encrypted offline session, shop facts, missing read_all_orders noticed', async () => {
    const token = sim.mintSessionToken(SHOP, { apiKey: KEY });
    const r = await installFromSessionToken({ shopify: ctx, sessions: stores.sessions, shops: stores.shops, logger: testLogger }, SHOP, token);
    assert.ok(r.session.accessToken);
    assert.equal(r.hasReadAllOrders, false);
    const shop = await stores.shops.get(SHOP);
    assert.equal(shop?.timezone, 'America/New_York');
    assert.equal(shop?.currency, 'USD');
    assert.equal(shop?.hasReadAllOrders, false);
    assert.deepEqual(shop?.scopes, ['read_customers', 'read_orders', 'write_customers']);
    const raw = await stores.sessions.model.findOne({ shop: SHOP }).lean();
    assert.ok(raw?.accessTokenSealed?.startsWith('v2.'));
    assert.ok(!JSON.stringify(raw).includes(r.session.accessToken!), 'the token is not stored in clear');
    const loaded = await stores.sessions.loadOfflineSession(SHOP);
    assert.equal(loaded?.accessToken, r.session.accessToken);
  });

  it('receives a signed order webhook from the simulator and stores the order', async () => {
    const customer = sim.listCustomers(SHOP)[0]!;
    const order = sim.createOrder(SHOP, { customerId: customer.id, lineItems: [{ quantity: 2, price: '12.50', sku: 'A' }], financialStatus: 'paid' });
    await sim.webhooksIdle();
    const stored = await stores.orders.get(SHOP, order.id);
    assert.equal(stored?.customerId, customer.id);
    assert.equal(stored?.grossMinor, 2500);
    assert.ok(effects.calls.includes(`recompute ${SHOP} ${customer.id}`));
  });

  it('writes segment tags with merchant tags intact, and sends nothing when unchanged', async () => {
    const client = await clients.forShop(SHOP);
    const withMerchantTags = sim.listCustomers(SHOP).filter((c) => c.tags.length > 0).slice(0, 3);
    assert.ok(withMerchantTags.length === 3, 'the seed has customers with merchant tags');
    const [a, b, c] = withMerchantTags as [typeof withMerchantTags[0], typeof withMerchantTags[0], typeof withMerchantTags[0]];
    const merchant = new Map(withMerchantTags.map((x) => [x.id, [...x.tags]]));
    const opts = { prefix: PREFIX, bulkThreshold: 250, fetch: ctx.fetch };

    let report = await syncCustomerTags(client, [{ customerId: a.id, tags: ['seg:vip'] }, { customerId: b.id, tags: ['seg:new', 'seg:rfm-5'] }, { customerId: c.id, tags: [] }], opts);
    assert.equal(report.mode, 'per-customer');
    assert.deepEqual(report.results.map((r) => r.status), ['written', 'written']);
    assert.equal(report.unchanged, 1);
    assert.deepEqual(new Set(sim.getCustomer(SHOP, a.id)!.tags), new Set([...merchant.get(a.id)!, 'seg:vip']));

    const calls = sim.stats(SHOP).apiCalls;
    report = await syncCustomerTags(client, [{ customerId: a.id, tags: ['seg:loyal'] }, { customerId: b.id, tags: ['seg:new', 'seg:rfm-5'] }], opts);
    assert.equal(sim.stats(SHOP).apiCalls - calls, 3, 'the check for a bulk mutation of ours still running, one read + one write for the single changed customer');
    assert.equal(report.unchanged, 1);
    assert.deepEqual(report.results.map((r) => [r.customerId, r.status]), [[a.id, 'written']]);
    assert.deepEqual(new Set(sim.getCustomer(SHOP, a.id)!.tags), new Set([...merchant.get(a.id)!, 'seg:loyal']));
    assert.deepEqual(new Set(sim.getCustomer(SHOP, b.id)!.tags), new Set([...merchant.get(b.id)!, 'seg:new', 'seg:rfm-5']));
    for (const x of withMerchantTags) for (const t of merchant.get(x.id)!) assert.ok(sim.getCustomer(SHOP, x.id)!.tags.includes(t), `merchant tag ${t} kept`);
  });

  it('handles THROTTLED (bucket drained by someone else) without losing a write', async () => {
    const session = await stores.sessions.loadOfflineSession(SHOP);
    const client = new AdminGraphqlClient({ shop: SHOP, accessToken: session!.accessToken!, apiVersion: '2026-10', fetch: ctx.fetch, logger: testLogger, baseBackoffMs: 50 });
    const targets = sim.listCustomers(SHOP).slice(10, 16);
    sim.drainBucket(SHOP, KEY);
    const throttledBefore = sim.stats(SHOP).throttled;
    const results = await writeTagChanges(client, targets.map((c) => ({ customerId: c.id, add: ['seg:throttle-test'], remove: [] })), { concurrency: 3 });
    assert.ok(sim.stats(SHOP).throttled > throttledBefore, 'the simulator answered THROTTLED');
    assert.ok(client.throttledCount > 0);
    assert.deepEqual(results.map((r) => r.status), targets.map(() => 'written'));
    for (const c of targets) assert.ok(sim.getCustomer(SHOP, c.id)!.tags.includes('seg:throttle-test'));
  });

  it('writes a large change set through a bulk mutation, woken by bulk_operations/finish', async () => {
    const client = await clients.forShop(SHOP);
    const all = sim.listCustomers(SHOP);
    const merchant = new Map(all.map((c) => [c.id, c.tags.filter((t) => !t.startsWith(PREFIX))]));
    const desired = all.map((c, i) => ({ customerId: c.id, tags: [i % 2 ? 'seg:bulk-odd' : 'seg:bulk-even'] }));
    const bulkBefore = sim.stats(SHOP).bulkOperations.mutation;
    const report = await syncCustomerTags(client, desired, { prefix: PREFIX, bulkThreshold: 20, fetch: ctx.fetch, signals, pollIntervalMs: 30_000 });
    assert.equal(report.mode, 'bulk');
    assert.ok(sim.stats(SHOP).bulkOperations.mutation > bulkBefore);
    assert.equal(report.results.filter((r) => r.status === 'written').length, all.length);
    for (const [i, c] of all.entries()) {
      const tags = sim.getCustomer(SHOP, c.id)!.tags;
      const ours = tags.filter((t) => t.startsWith(PREFIX));
      assert.deepEqual(ours, [i % 2 ? 'seg:bulk-odd' : 'seg:bulk-even']);
      for (const t of merchant.get(c.id)!) assert.ok(tags.includes(t));
    }
    assert.ok(effects.calls.some((x) => x.startsWith('bulk gid://shopify/BulkOperation/')), 'completion came by webhook (the poll interval is 30 s)');
  });

  it('retries the lines of a bulk mutation that failed halfway (partial data)', async () => {
    const all = sim.listCustomers(SHOP).slice(0, 40);
    const session = await stores.sessions.loadOfflineSession(SHOP);
    let runs = 0;
    // Round 1 fails mid-file (simulator fault); the fault is cleared as round 2 is requested.
    const faultyFetch: typeof ctx.fetch = async (input, init) => {
      if (typeof init?.body === 'string' && init.body.includes('bulkOperationRunMutation')) {
        runs += 1;
        if (runs === 2) sim.setFaults(SHOP, { bulkFailure: null });
      }
      return ctx.fetch(input, init);
    };
    const client = new AdminGraphqlClient({ shop: SHOP, accessToken: session!.accessToken!, apiVersion: '2026-10', fetch: faultyFetch, logger: testLogger });
    sim.setFaults(SHOP, { bulkFailure: 'INTERNAL_SERVER_ERROR' });
    const report = await syncCustomerTags(client, all.map((c) => ({ customerId: c.id, tags: ['seg:after-failure'] })), { prefix: PREFIX, bulkThreshold: 10, fetch: ctx.fetch, signals, pollIntervalMs: 200 });
    assert.equal(report.mode, 'bulk');
    assert.ok(runs >= 3, `bulk runs: ${runs} (removals, additions failing, additions retried)`);
    assert.deepEqual(report.results.filter((r) => r.status !== 'written'), []);
    for (const c of all) assert.deepEqual(sim.getCustomer(SHOP, c.id)!.tags.filter((t) => t.startsWith(PREFIX)), ['seg:after-failure']);
  });
});
