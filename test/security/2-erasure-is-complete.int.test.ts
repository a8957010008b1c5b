// Issue 13, item 2: erasure is complete.
// Shopify's mandatory compliance topics (https://shopify.dev/docs/apps/build/compliance/privacy-law-compliance):
// after customers/redact nothing about that customer may remain, after shop/redact nothing about that
// shop. A customer is seeded through every path that keeps data — order webhooks carrying their e-mail
// (queued ingest), customers/update with tags, recompute, tag sync, an engagement signal, dead letters
// of both kinds (order naming the customer, customers/* naming them at the top level), a data request,
// a failed job, a queued delivery still waiting, a tag-echo marker — then redacted, and every MongoDB
// collection and every Redis key of the install is scanned for the customer's id and e-mail: 0 left.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AS_OF, DAY, startDashboardFixture, SHOP_A, SHOP_B, SUPPORT_TOKEN, type DashboardFixture } from '../web/fixture.ts';
import { createApp } from '../../web/app.ts';
import { dashboardMounts } from '../../web/mounts.ts';
import { startWebhookConsumer, type WebhookConsumer } from '../../webhooks/consumer.ts';
import { webhookHmac } from '../../webhooks/verify-hmac.ts';
import { keyringFrom } from '../../src/deps.ts';
import { runMaintenance } from '../../jobs/maintenance.ts';
import { testLogger } from '../support/test-services.ts';
import { RecordingInstallation } from '../webhooks/support.ts';
import { keyPatterns, scanKeys } from '../../src/redis.ts';

const C = '4917305550123';
const EMAIL = 'c.redact-me@example.org';
const OTHER = '9000001';

async function until<T>(what: string, fn: () => Promise<T | null | false | undefined | 0>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('security 2: erasure is complete', () => {
  let f: DashboardFixture;
  let queuedUrl: string;
  let inlineUrl: string;
  const servers: Server[] = [];
  let consumer: WebhookConsumer | null = null;
  let n = 0;

  const listen = async (app: ReturnType<typeof createApp>) => {
    const server: Server = await new Promise((r) => { const s = app.listen(0, '127.0.0.1', () => r(s)); });
    servers.push(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  const post = async (base: string, topic: string, shop: string, body: object) => {
    const raw = JSON.stringify(body);
    const webhookId = `sec2-${++n}`;
    const res = await fetch(`${base}/webhooks`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-shopify-topic': topic, 'x-shopify-shop-domain': shop, 'x-shopify-webhook-id': webhookId, 'x-shopify-hmac-sha256': webhookHmac(raw, f.config.SHOPIFY_API_SECRET) }, body: raw });
    assert.equal(res.status, 200, `${topic}: ${await res.text()}`);
    return webhookId;
  };
  const processed = (shop: string, webhookId: string) => until(`delivery ${webhookId}`, () => f.deps.stores.deliveries.seen(shop, webhookId));
  const startConsumer = () => {
    consumer = startWebhookConsumer(
      { stores: f.deps.stores, connection: f.deps.mongo, effects: f.rt.enqueue, logger: testLogger, installation: new RecordingInstallation() },
      { connection: f.deps.newRedis(), prefix: f.rt.partitionPrefixes, concurrency: 2, keyring: keyringFrom(f.config), secrets: { current: f.config.SHOPIFY_API_SECRET } },
    );
  };
  const idle = () => until('queues idle', async () => {
    const counts = await Promise.all(f.rt.partitions.flatMap((p) => [p.recompute, p.syncTags, p.recalibrate]).map((q) => q.getJobCounts('waiting', 'prioritized', 'active')));
    return counts.every((c) => Object.values(c).every((x) => x === 0));
  });

  /** Every place (collection or Redis key) where a needle occurs, with the count. */
  async function scan(needle: string): Promise<Record<string, number>> {
    const found: Record<string, number> = {};
    const count = (where: string, text: string) => {
      const k = text.split(needle).length - 1;
      if (k > 0) found[where] = (found[where] ?? 0) + k;
    };
    const db = f.deps.mongo.db!;
    // Reads every document of every collection on purpose: exempt from the shard-targeting audit.
    await f.s.shardAudit.unaudited(async () => {
      for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
        for (const doc of await db.collection(name).find({}).toArray()) count(`mongo:${name}`, JSON.stringify(doc));
      }
    });
    const redis = f.deps.redis;
    // The app's keys and every queue partition's (`{prefix-p<k>}` on a cluster).
    for (const pattern of keyPatterns(f.rt.prefix)) for await (const keys of scanKeys(redis, pattern)) {
      for (const key of keys) {
        const type = await redis.type(key);
        const value = type === 'string' ? await redis.get(key)
          : type === 'hash' ? await redis.hgetall(key)
          : type === 'set' ? await redis.smembers(key)
          : type === 'zset' ? await redis.zrange(key, 0, -1)
          : type === 'list' ? await redis.lrange(key, 0, -1)
          : type === 'stream' ? await redis.xrange(key, '-', '+')
          : null;
        const rest = key.startsWith(`${f.rt.prefix}:`) ? key.slice(f.rt.prefix.length + 1) : key.slice(key.indexOf('}') + 2);
        const where = `redis:${rest.replace(/:[^:]*\d{4,}[^:]*$/, ':…')}`;
        count(where, key + '\n' + JSON.stringify(value));
      }
    }
    return found;
  }

  before(async () => {
    f = await startDashboardFixture(import.meta.url, { customersA: 6 });
    const mounts = () => dashboardMounts(f.ports, { config: f.config, redis: f.deps.redis, logger: testLogger });
    queuedUrl = await listen(createApp({ deps: f.deps, effects: f.rt.enqueue, inbox: f.rt.enqueue, inlineLimit: 0, mounts: mounts() }));
    inlineUrl = await listen(createApp({ deps: f.deps, effects: f.rt.enqueue, mounts: mounts() }));
    f.rt.startWorkers({ concurrency: 2 });
    startConsumer();
  });
  after(async () => {
    await consumer?.close();
    for (const s of servers) { s.closeAllConnections(); await new Promise<void>((r) => s.close(() => r())); }
    await f.close();
  });

  const customer = { id: Number(C), email: EMAIL, first_name: 'Cora', last_name: 'Redact', phone: '+15550100', admin_graphql_api_id: `gid://shopify/Customer/${C}` };
  const order = (id: number, at: string) => ({
    id, admin_graphql_api_id: `gid://shopify/Order/${id}`, created_at: at, updated_at: at, currency: 'USD', total_price: '42.00', financial_status: 'paid',
    email: EMAIL, contact_email: EMAIL, customer, billing_address: { name: 'Cora Redact', address1: '1 Main St' }, line_items: [{ product_id: 1, variant_id: 11, sku: 'SKU-1', quantity: 1 }],
  });

  it('customers/redact leaves 0 occurrences of the customer\'s id and e-mail in MongoDB and Redis', async () => {
    // Orders (queued ingest, e-mail in the body) → recompute → profile, events, tag sync → tag state.
    for (const [id, at] of [[610_001, '2026-10-01T10:00:00Z'], [610_002, '2026-11-10T10:00:00Z']] as const) await processed(SHOP_A, await post(queuedUrl, 'orders/create', SHOP_A, order(id, at)));
    await until('the profile', () => f.deps.stores.profiles.get(SHOP_A, C));
    await idle();
    // customers/update with tags → observed tag state; two dead letters naming the customer.
    await processed(SHOP_A, await post(queuedUrl, 'customers/update', SHOP_A, { ...customer, created_at: '2026-01-01T00:00:00Z', updated_at: '2026-11-10T11:00:00Z', tags: 'seg:loyalty-new, vip' }));
    await processed(SHOP_A, await post(queuedUrl, 'customers/update', SHOP_A, { ...customer, tags: 'vip' }));
    await processed(SHOP_A, await post(queuedUrl, 'orders/create', SHOP_A, { ...order(610_003, '2026-11-11T10:00:00Z'), currency: 'DOLLARS' }));
    // A data request, an engagement signal (support API), a failed job, a tag-echo marker.
    await processed(SHOP_A, await post(queuedUrl, 'customers/data_request', SHOP_A, { shop_id: 1, shop_domain: SHOP_A, customer: { id: Number(C), email: EMAIL, phone: null }, orders_requested: [610_001], data_request: { id: 77 } }));
    const support = { Authorization: `Bearer ${SUPPORT_TOKEN}`, 'Content-Type': 'application/json' };
    assert.equal((await fetch(`${queuedUrl}/support/shops/${SHOP_A}/engagement`, { method: 'POST', headers: support, body: JSON.stringify({ signals: [{ customerId: C, emailClickAt: '2026-11-12T10:00:00Z' }] }) })).status, 202);
    await idle();
    await f.deps.stores.shops.markUninstalled(SHOP_A, new Date(AS_OF));
    await f.rt.enqueue.recomputeCustomer(SHOP_A, C, 'support');
    await until('a failed recompute', async () => (await f.rt.queuesFor(SHOP_A).recompute.getFailed()).some((j) => j.data.customerId === C));
    await f.deps.stores.shops.markInstalled(SHOP_A, { scopes: ['read_orders'] }, new Date(AS_OF));
    await f.rt.enqueue.expectTagEcho(SHOP_A, [C], 'seg:');
    // A delivery naming the customer still waiting in the queue (the consumer is stopped).
    await consumer!.close();
    consumer = null;
    await post(queuedUrl, 'orders/updated', SHOP_A, order(610_002, '2026-11-12T10:00:00Z'));

    // The data request record says what we hold, why, and until when.
    const dr = await fetch(`${queuedUrl}/support/shops/${SHOP_A}/customers/${C}/data-request`, { headers: support });
    assert.equal(dr.status, 200);
    const record = (await dr.json()) as { records: Array<{ expiresAt: string; createdAt: string; holdings: Array<{ collection: string; purpose: string; documents: unknown[] }> }> };
    const holdings = record.records[0]!.holdings;
    assert.ok(holdings.some((h) => h.collection === 'orders' && h.documents.length === 2 && /segmentation/.test(h.purpose)), JSON.stringify(holdings.map((h) => h.collection)));
    assert.ok(holdings.every((h) => h.purpose.length > 20));
    assert.equal(Date.parse(record.records[0]!.expiresAt) - Date.parse(record.records[0]!.createdAt), 30 * DAY);

    const beforeId = await scan(C);
    for (const where of ['mongo:order_books', 'mongo:customer_profiles', 'mongo:webhook_dead_letters', 'mongo:customer_data_requests', 'mongo:customer_engagement']) {
      assert.ok(beforeId[where], `seeded: the id is in ${where} (${JSON.stringify(beforeId)})`);
    }
    assert.ok(Object.keys(beforeId).some((k) => k.startsWith('redis:')), `seeded: the id is in Redis (${JSON.stringify(beforeId)})`);
    assert.deepEqual(await scan(EMAIL), {}, 'the e-mail is never stored, not even in a queued delivery');

    // Redaction (processed in the request: the consumer stays stopped, its queued copy must go too).
    const redact = await post(inlineUrl, 'customers/redact', SHOP_A, { shop_id: 1, shop_domain: SHOP_A, customer: { id: Number(C), email: EMAIL, phone: null }, orders_to_redact: [610_001, 610_002] });
    await processed(SHOP_A, redact);
    await idle();
    assert.deepEqual(await scan(C), {}, 'occurrences of the customer id after customers/redact');
    assert.deepEqual(await scan(EMAIL), {}, 'occurrences of the e-mail after customers/redact');
    assert.equal((await fetch(`${queuedUrl}/support/shops/${SHOP_A}/customers/${C}/data-request`, { headers: support })).status, 404);
    assert.ok(await f.deps.stores.profiles.get(SHOP_A, OTHER), 'other customers untouched');
  });

  it('dead letters and data-request records expire after 30 days (maintenance)', async () => {
    const dl = f.deps.stores.deadLetters;
    await dl.record({ shop: SHOP_A, webhookId: 'old', topic: 'orders/create', reason: 'x', customerId: OTHER, payload: {} }, new Date(AS_OF - 31 * DAY));
    await dl.record({ shop: SHOP_A, webhookId: 'recent', topic: 'orders/create', reason: 'x', customerId: OTHER, payload: {} }, new Date(AS_OF - 1 * DAY));
    await f.deps.stores.dataRequests.model.create({ shop: SHOP_A, customerId: OTHER, dataRequestId: 'old-dr', createdAt: new Date(AS_OF - 31 * DAY), dataJson: '{}' });
    const result = await runMaintenance(f.rt.context, { kind: 'cleanup-deliveries', olderThanDays: 7 });
    assert.deepEqual(result, { deleted: 0, deadLetters: 1, dataRequests: 1, pixelClients: 0 });
    assert.deepEqual((await dl.list(SHOP_A, 500)).map((d) => d.webhookId).filter((id) => id === 'old' || id === 'recent'), ['recent']);
  });

  it('shop/redact after an uninstall leaves nothing of the shop in MongoDB or Redis', async () => {
    if (!consumer) startConsumer();
    await processed(SHOP_B, await post(queuedUrl, 'orders/create', SHOP_B, { ...order(620_001, '2026-11-10T10:00:00Z'), customer: { ...customer, id: 9000002, admin_graphql_api_id: 'gid://shopify/Customer/9000002' } }));
    await f.rt.enqueue.syncTags(SHOP_B);
    await idle();
    assert.ok(Object.keys(await scan(SHOP_B)).length > 3, 'seeded');
    await post(inlineUrl, 'app/uninstalled', SHOP_B, { id: 2, domain: SHOP_B, myshopify_domain: SHOP_B });
    await post(inlineUrl, 'shop/redact', SHOP_B, { shop_id: 2, shop_domain: SHOP_B });
    await idle();
    assert.deepEqual(await scan(SHOP_B), {}, 'occurrences of the shop after shop/redact');
    assert.ok(await f.deps.stores.profiles.get(SHOP_A, OTHER), 'other shops untouched');
  });
});
