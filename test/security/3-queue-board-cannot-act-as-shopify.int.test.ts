// Issue 13, item 3: the queue board cannot act as Shopify.
// Bull Board sits behind the support token. Writable, it let anyone holding that token add a
// `shop/redact` job to the webhook queue (erasing any shop) or fake order jobs (tagging real customers).
// Now: the board is read-only (every method but GET/HEAD refused, Bull Board's read-only mode on), the
// webhook consumer processes only jobs that carry a body sealed by POST /webhooks and Shopify's HMAC
// over it — verified again as on the endpoint (https://shopify.dev/docs/apps/build/webhooks/delivery-structure:
// the HMAC is over the raw body with the app's client secret) — and queued bodies (names, e-mails)
// are neither readable on the board nor in Redis.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startDashboardFixture, SHOP_A, SUPPORT_TOKEN, type DashboardFixture } from '../web/fixture.ts';
import { createApp } from '../../web/app.ts';
import { dashboardMounts } from '../../web/mounts.ts';
import { startWebhookConsumer, type WebhookConsumer } from '../../webhooks/consumer.ts';
import { webhookHmac } from '../../webhooks/verify-hmac.ts';
import { keyringFrom } from '../../src/deps.ts';
import { Keyring } from '../../src/shopify/token-crypto.ts';
import { webhookSealAad } from '../../jobs/queues.ts';
import { testLogger } from '../support/test-services.ts';
import { RecordingInstallation } from '../webhooks/support.ts';
import { shopScope } from '../../src/profiles/shard-keys.ts';

const basic = `Basic ${Buffer.from(`support:${SUPPORT_TOKEN}`).toString('base64')}`;
const EMAIL = 'grace.hopper@example.com';

async function until<T>(what: string, fn: () => Promise<T | null | false | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('security 3: the queue board cannot act as Shopify', () => {
  let f: DashboardFixture;
  let server: Server;
  let url: string;
  let consumer: WebhookConsumer | null = null;
  const orderCount = () => f.deps.mongo.db!.collection('order_books').countDocuments(shopScope('order_books', SHOP_A));
  const startConsumer = () => {
    consumer = startWebhookConsumer(
      { stores: f.deps.stores, connection: f.deps.mongo, effects: f.rt.enqueue, logger: testLogger, installation: new RecordingInstallation() },
      { connection: f.deps.newRedis(), prefix: f.rt.prefix, concurrency: 2, keyring: keyringFrom(f.config), secrets: { current: f.config.SHOPIFY_API_SECRET } },
    );
  };

  before(async () => {
    f = await startDashboardFixture(import.meta.url, { customersA: 5 });
    // The app as production runs it: queued ingest (WEBHOOK_MODE=queued) and the support mount.
    const app = createApp({ deps: f.deps, effects: f.rt.enqueue, inbox: f.rt.enqueue, inlineLimit: 0, mounts: dashboardMounts(f.ports, { config: f.config, redis: f.deps.redis, logger: testLogger }) });
    server = await new Promise((r) => { const s = app.listen(0, '127.0.0.1', () => r(s)); });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await consumer?.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await f.close();
  });

  it('the board refuses to add, retry, clean, promote, edit or empty anything (405), and says it is read-only', async () => {
    const before = await f.rt.queues.webhook.count();
    const attempts: Array<[string, string, unknown]> = [
      ['POST', '/support/queues/api/queues/webhook/add', { name: 'webhook', data: { shop: SHOP_A, topic: 'shop/redact', webhookId: 'evil', body: JSON.stringify({ shop_id: 1, shop_domain: SHOP_A }), receivedAt: Date.now() } }],
      ['POST', '/support/queues/api/queues/recompute-customer/add', { name: 'recompute-customer', data: { shop: SHOP_A, customerId: '9000001', reason: 'webhook' } }],
      ['PUT', '/support/queues/api/queues/webhook/retry/failed', {}],
      ['PUT', '/support/queues/api/queues/webhook/clean/completed', {}],
      ['PUT', '/support/queues/api/queues/webhook/promote', {}],
      ['PUT', '/support/queues/api/queues/webhook/empty', {}],
      ['PATCH', '/support/queues/api/queues/webhook/1/update-data', { data: {} }],
      ['DELETE', '/support/queues/api/queues/webhook/obliterate', {}],
    ];
    for (const [method, path, body] of attempts) {
      const res = await fetch(url + path, { method, headers: { Authorization: basic, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal(res.status, 405, `${method} ${path}`);
    }
    assert.equal(await f.rt.queues.webhook.count(), before, 'no job added');
    assert.equal(await f.rt.queues.recompute.count(), 0, 'no recompute added');
    const list = (await (await fetch(`${url}/support/queues/api/queues`, { headers: { Authorization: basic } })).json()) as { queues: Array<{ name: string; readOnlyMode: boolean }> };
    assert.ok(list.queues.length >= 6);
    assert.ok(list.queues.every((q) => q.readOnlyMode), 'every queue read-only on the board');
  });

  it('a queued delivery keeps no readable body: not on the board, not in Redis; the consumer still processes it', async () => {
    const body = JSON.stringify({ id: 8_100_001, admin_graphql_api_id: 'gid://shopify/Order/8100001', created_at: '2026-11-10T10:00:00Z', updated_at: '2026-11-10T10:00:00Z', currency: 'USD', total_price: '12.00', financial_status: 'paid', email: EMAIL, customer: { id: 8_200_001, email: EMAIL, first_name: 'Grace' }, line_items: [] });
    const res = await fetch(`${url}/webhooks`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-shopify-topic': 'orders/create', 'x-shopify-shop-domain': SHOP_A, 'x-shopify-webhook-id': 'sealed-1', 'x-shopify-hmac-sha256': webhookHmac(body, f.config.SHOPIFY_API_SECRET) }, body });
    assert.deepEqual(await res.json(), { ok: true, queued: true });
    const board = await (await fetch(`${url}/support/queues/api/queues?activeQueue=webhook&status=waiting&page=1&jobsPerPage=50`, { headers: { Authorization: basic } })).text();
    assert.match(board, /sealed-1/, 'the board lists the delivery');
    assert.match(board, /\(sealed\)/);
    assert.ok(!board.includes(EMAIL) && !board.includes('Grace'), 'no personal data on the board');
    const [job] = await f.rt.queues.webhook.getWaiting();
    const raw = JSON.stringify(await f.deps.redis.hgetall(`${f.rt.prefix}:webhook:${job!.id}`));
    assert.ok(!raw.includes(EMAIL) && !raw.includes('Grace'), 'no personal data in Redis');
    startConsumer();
    await until('the order stored by the consumer', () => f.deps.stores.orders.get(SHOP_A, '8100001'));
  });

  it('the consumer refuses jobs it did not get from POST /webhooks: no sealed body, a foreign key, a bad HMAC', async () => {
    if (!consumer) startConsumer();
    const before = await orderCount();
    const redact = JSON.stringify({ shop_id: 1, shop_domain: SHOP_A });
    const head = { shop: SHOP_A, topic: 'shop/redact', webhookId: 'forged', eventId: null, triggeredAt: null, customerIds: [], receivedAt: Date.now(), arrivedAt: Date.now() };
    const forged = [
      // The old, unsealed shape (what a writable board or a Redis client could add).
      { ...head, webhookId: 'forged-plain', body: redact },
      // Sealed with a key that is not ours, with the right HMAC.
      (() => { const h = { ...head, webhookId: 'forged-key', hmac: webhookHmac(redact, f.config.SHOPIFY_API_SECRET) }; return { ...h, bodySealed: new Keyring(Buffer.alloc(32, 99)).seal(redact, webhookSealAad(h)), bytes: redact.length }; })(),
      // Sealed with our key (an insider copying a job), but the HMAC is not Shopify's.
      (() => { const h = { ...head, webhookId: 'forged-hmac', hmac: webhookHmac(redact, 'not-the-app-secret') }; return { ...h, bodySealed: keyringFrom(f.config).seal(redact, webhookSealAad(h)), bytes: redact.length }; })(),
    ];
    const ids: string[] = [];
    for (const data of forged) ids.push((await f.rt.queues.webhook.add('webhook', data as never, { attempts: 3 })).id!);
    for (const id of ids) {
      await until(`job ${id} refused`, async () => (await (await f.rt.queues.webhook.getJob(id))?.getState()) === 'failed');
      const job = await f.rt.queues.webhook.getJob(id);
      assert.match(job!.failedReason, /refused/);
      assert.equal(job!.attemptsMade, 1, 'refused for good, not retried');
    }
    assert.ok(await f.deps.stores.shops.isInstalled(SHOP_A), 'shop untouched');
    assert.equal(await orderCount(), before, 'no order erased');
  });
});
