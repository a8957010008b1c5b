// What POST /webhooks does while Redis or the MongoDB-compatible server is down, against private
// servers (spare loopback ports, own data directories: the shared 6379/27017 are never touched).
// The chosen behaviour: nothing is acknowledged (2xx) before the order is stored AND its recompute is
// queued; during an outage the delivery is refused (5xx) or not answered within Shopify's 5 s, so
// Shopify retries it (8 times over 4 hours), and a retry after the outage is processed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { loadConfig } from '../../src/config.ts';
import { createDeps, type Deps } from '../../src/deps.ts';
import { createJobRuntime, type JobRuntime } from '../../jobs/runtime.ts';
import { dedupId } from '../../jobs/queues.ts';
import { createApp } from '../../web/app.ts';
import type { WebhookEffects } from '../../webhooks/effects.ts';
import { webhookHmac } from '../../webhooks/verify-hmac.ts';
import { testLogger } from '../support/test-services.ts';
import { startPrivateFerretdb, startPrivateRedis, tempBase, type PrivateServer } from '../../tools/local-services/private-servers.ts';

const SHOP = 'outage.myshopify.com';
const SECRET = 'outage-secret';
const SHOPIFY_TIMEOUT_MS = 5000;

describe('proof: webhooks while Redis or MongoDB is down', () => {
  const base = tempBase('proof-outage-', true);
  let redis: PrivateServer;
  let mongo: PrivateServer;
  let deps: Deps;
  let rt: JobRuntime;
  let server: Server;
  let url: string;
  /** The effects the app gets: the real Enqueuer, with an optional hook run just before it. */
  let beforeEnqueue: (() => Promise<void>) | null = null;

  before(async () => {
    [redis, mongo] = await Promise.all([startPrivateRedis(base.dir), startPrivateFerretdb(base.dir)]);
    const config = loadConfig({
      NODE_ENV: 'test', SHOPIFY_API_KEY: 'k', SHOPIFY_API_SECRET: SECRET, SHOPIFY_APP_URL: 'https://outage.example.com', ENCRYPTION_KEY: '55'.repeat(32),
      SUPPORT_TOKEN: 'o'.repeat(32), MONGODB_URI: `${mongo.url}/outage`, REDIS_URL: redis.url, QUEUE_PREFIX: 'outage', LOG_LEVEL: 'silent',
    });
    deps = await createDeps(config, { logger: testLogger });
    rt = createJobRuntime(deps, { shopify: { writeTags: async () => ({ written: [], gone: [], failed: [] }), backfill: async () => ({ customers: 0, orders: 0 }), customerTags: async () => ({ tags: [], complete: true }), installationState: async () => 'no-token' as const } });
    const effects: WebhookEffects = {
      recomputeCustomer: async (shop, customerId) => { const hook = beforeEnqueue; beforeEnqueue = null; if (hook) await hook(); return rt.enqueue.recomputeCustomer(shop, customerId); },
      customerChanged: (shop, id) => rt.enqueue.customerChanged(shop, id),
      customerTagsObserved: (shop, id, tags) => rt.enqueue.customerTagsObserved(shop, id, tags),
      tagEchoPrefix: (shop, id) => rt.enqueue.tagEchoPrefix(shop, id),
      customerDeleted: (shop, id) => rt.enqueue.customerDeleted(shop, id),
      shopUninstalled: (shop) => rt.enqueue.shopUninstalled(shop),
      readAllOrdersGranted: (shop) => rt.enqueue.readAllOrdersGranted(shop),
      shopErased: (shop) => rt.enqueue.shopErased(shop),
      bulkOperationFinished: (shop, p) => rt.enqueue.bulkOperationFinished(shop, p),
    };
    server = await new Promise((ok) => { const s = createApp({ deps, effects }).listen(0, '127.0.0.1', () => ok(s)); });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;
    await deps.stores.shops.markInstalled(SHOP, { scopes: ['read_orders'], timezone: 'UTC', currency: 'USD' }, new Date());
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await rt.close();
    await deps.close();
    await redis.stop();
    await mongo.stop();
    base.remove();
  });

  const body = (orderId: number, customerId: number) =>
    JSON.stringify({ id: orderId, created_at: '2026-11-10T10:00:00Z', updated_at: '2026-11-10T10:00:00Z', currency: 'USD', total_price: '10.00', financial_status: 'paid', customer: { id: customerId }, line_items: [] });

  /** One delivery attempt as Shopify makes it: no answer within 5 s counts as a failure. */
  async function deliver(b: string, webhookId: string): Promise<number | 'timeout'> {
    try {
      const res = await fetch(url, {
        method: 'POST',
        signal: AbortSignal.timeout(SHOPIFY_TIMEOUT_MS),
        headers: { 'content-type': 'application/json', 'x-shopify-topic': 'orders/create', 'x-shopify-shop-domain': SHOP, 'x-shopify-webhook-id': webhookId, 'x-shopify-api-version': '2026-10', 'x-shopify-hmac-sha256': webhookHmac(b, SECRET) },
        body: b,
      });
      await res.arrayBuffer();
      return res.status;
    } catch {
      return 'timeout';
    }
  }

  const queued = async (customerId: number) => Boolean(await rt.queuesFor(SHOP).recompute.getDeduplicationJobId(dedupId.recompute(SHOP, String(customerId))));

  it('Redis down: the delivery is not acknowledged in time; after the restart the retry leaves the order stored and its recompute queued', async (t) => {
    await redis.stop(true);
    const during = await deliver(body(5001, 6001), 'wh-redis-1');
    t.diagnostic(`answer while Redis is down: ${during}`);
    assert.notEqual(during, 200, 'no 2xx while the recompute cannot be queued');
    await redis.start();
    // The first attempt is still in flight on the server (its enqueue waited for Redis); Shopify retries
    // minutes later, so let it finish first. (A retry racing it can be answered `duplicate` while the
    // first attempt may still fail: the claim-before-processing gap described in reliability.md.)
    for (let i = 0; i < 100 && !(await queued(6001)); i++) await new Promise((r) => setTimeout(r, 100));
    let after: number | 'timeout' = 'timeout';
    for (let i = 0; i < 10 && after !== 200; i++) after = await deliver(body(5001, 6001), 'wh-redis-1');
    assert.equal(after, 200);
    assert.ok(await deps.stores.orders.get(SHOP, '5001'), 'order stored');
    assert.ok(await queued(6001), 'recompute queued');
  });

  it('MongoDB down: refused (5xx) or not answered in time, and the retry after the restart is processed, not taken for a duplicate', async (t) => {
    await mongo.stop(true);
    const during = await deliver(body(5002, 6002), 'wh-mongo-1');
    t.diagnostic(`answer while MongoDB is down: ${during}`);
    assert.notEqual(during, 200);
    await mongo.start();
    let after: number | 'timeout' = 'timeout';
    for (let i = 0; i < 10 && after !== 200; i++) after = await deliver(body(5002, 6002), 'wh-mongo-1');
    assert.equal(after, 200);
    assert.ok(await deps.stores.orders.get(SHOP, '5002'), 'order stored');
    assert.ok(await queued(6002), 'recompute queued');
  });

  it('both down mid-request: the retry is still processed (a delivery is recorded only after it succeeded)', async (t) => {
    // The order is stored; then, just before its recompute is queued, both servers die (SIGKILL).
    beforeEnqueue = async () => {
      await Promise.all([mongo.stop(true), redis.stop(true)]);
    };
    const during = await deliver(body(5003, 6003), 'wh-both-1');
    t.diagnostic(`answer while both are down: ${during}`);
    assert.notEqual(during, 200);
    assert.equal(beforeEnqueue, null, 'the outage happened inside the request');
    await Promise.all([mongo.start(), redis.start()]);
    // As above: let the first attempt (waiting on Redis) settle before Shopify's retry.
    for (let i = 0; i < 100 && !(await queued(6003)); i++) await new Promise((r) => setTimeout(r, 100));
    let after: number | 'timeout' = 'timeout';
    for (let i = 0; i < 10 && after !== 200; i++) after = await deliver(body(5003, 6003), 'wh-both-1');
    assert.equal(after, 200);
    assert.ok(await deps.stores.orders.get(SHOP, '5003'), 'order stored');
    assert.ok(await queued(6003), 'the retry must queue the recompute that the failed attempt could not');
  });
});
