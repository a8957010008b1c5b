// Issue 13, item 1: a signed body is not a licence for any topic.
// Shopify's HMAC covers the raw body only; X-Shopify-Topic, -Shop-Domain, -Webhook-Id, -Event-Id and
// -Triggered-At are unsigned headers (https://shopify.dev/docs/apps/build/webhooks/delivery-structure).
// Whoever captured one signed delivery can resend its body under any topic, shop and fresh ids. What
// must hold: every topic's payload schema refuses every other topic's payload; a shop named inside the
// payload must be the header's; a delivery triggered outside Shopify's retry window (8 tries over 4 h,
// https://shopify.dev/changelog/updates-to-webhook-retry-mechanism) is refused; one event id acts once
// (https://shopify.dev/docs/apps/build/webhooks/ignore-duplicates); shop/redact erases nothing while the
// shop is installed (Shopify sends it 48 h after an uninstall,
// https://shopify.dev/docs/apps/build/compliance/privacy-law-compliance); app/uninstalled is confirmed
// with the Admin API before the token goes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Session } from '@shopify/shopify-api';
import { openTestServices, testLogger, type TestServices } from '../support/test-services.ts';
import { sendWebhook, startWebhookServer, type WebhookServer } from '../webhooks/support.ts';
import { HANDLED_TOPICS } from '../../webhooks/router.ts';
import { MongoSessionStore } from '../../src/profiles/session-store.ts';
import { installationProbe } from '../../src/shopify/installation-probe.ts';
import { createAdminFetch } from '../../src/shopify/admin-fetch.ts';
import { startShopifySimulator } from '../../tools/shopify-simulator/index.ts';
import { shopScope } from '../../src/profiles/shard-keys.ts';

const SECRET = 'current-secret';
const INSTALLED = 'shop-a.myshopify.com';
const GONE = 'gone.myshopify.com';

/** One realistic payload per distinct payload shape (shapes as on shopify.dev's webhook reference). */
function samples(shop: string): Record<string, object> {
  const customer = { id: 7001, email: 'ada@example.com', first_name: 'Ada', created_at: '2026-11-01T10:00:00Z', updated_at: '2026-11-01T10:00:00Z', tags: 'vip', admin_graphql_api_id: 'gid://shopify/Customer/7001' };
  return {
    'orders/create': {
      id: 9001, admin_graphql_api_id: 'gid://shopify/Order/9001', created_at: '2026-11-01T10:00:00Z', updated_at: '2026-11-01T10:00:00Z',
      currency: 'USD', total_price: '10.00', financial_status: 'paid', email: 'ada@example.com', tags: '', customer, line_items: [],
    },
    'orders/delete': { id: 9001 },
    'refunds/create': { id: 3001, order_id: 9001, admin_graphql_api_id: 'gid://shopify/Refund/3001', created_at: '2026-11-02T10:00:00Z', refund_line_items: [], transactions: [] },
    'customers/update': { ...customer, state: 'enabled', currency: 'USD', addresses: [], default_address: null },
    'customers/delete': { id: 7001, phone: null, addresses: [], tax_exemptions: [], email_marketing_consent: null, sms_marketing_consent: null, admin_graphql_api_id: 'gid://shopify/Customer/7001' },
    'app/uninstalled': { id: 55, name: 'Shop', email: 'owner@example.com', domain: shop, myshopify_domain: shop, iana_timezone: 'UTC', currency: 'USD', plan_name: 'basic', created_at: '2024-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z' },
    'app/scopes_update': { id: 77, previous: ['read_orders'], current: ['read_orders', 'read_all_orders'], updated_at: '2026-11-01T10:00:00Z', shop_id: 55 },
    'bulk_operations/finish': { admin_graphql_api_id: 'gid://shopify/BulkOperation/1', completed_at: null, created_at: '2026-11-01T10:00:00Z', error_code: null, status: 'completed', type: 'query' },
    'customers/data_request': { shop_id: 55, shop_domain: shop, orders_requested: [9001], customer: { id: 7001, email: 'ada@example.com', phone: null }, data_request: { id: 42 } },
    'customers/redact': { shop_id: 55, shop_domain: shop, customer: { id: 7001, email: 'ada@example.com', phone: null }, orders_to_redact: [9001] },
    'shop/redact': { shop_id: 55, shop_domain: shop },
    'checkouts/create': {
      id: 31001, token: 'b7f3c2', cart_token: 'c9d1', created_at: '2026-11-01T10:00:00Z', updated_at: '2026-11-01T10:05:00Z', completed_at: null,
      abandoned_checkout_url: `https://${shop}/55/checkouts/b7f3c2/recover`, email: 'ada@example.com', customer, line_items: [{ product_id: 632910392, variant_id: 1, quantity: 1 }],
    },
  };
}

/** Topics that share one payload shape (Shopify sends the same resource under each). */
const FAMILY: Record<string, string[]> = {
  'orders/create': ['orders/create', 'orders/updated', 'orders/paid', 'orders/cancelled'],
  'customers/update': ['customers/create', 'customers/update'],
  'checkouts/create': ['checkouts/create', 'checkouts/update'],
};
const familyOf = (topic: string) => FAMILY[topic] ?? [topic];
/** Topics handled for a shop that is no longer installed; the others are tried on the installed shop. */
const NEEDS_NO_INSTALL = new Set(['customers/delete', 'app/uninstalled', 'customers/data_request', 'customers/redact', 'shop/redact']);

describe('security 1: a signed body is not a licence for any topic', () => {
  let s: TestServices;
  let w: WebhookServer;
  let n = 0;
  const send = (body: object | string, topic: string, shop: string, extra: { eventId?: string; triggeredAt?: string; webhookId?: string } = {}) =>
    sendWebhook(w.url, typeof body === 'string' ? body : JSON.stringify(body), { topic, shop, webhookId: extra.webhookId ?? `sec1-${++n}`, ...extra });
  const footprint = async () => s.shardAudit.unaudited(() => Promise.all(['order_books', 'order_owners', 'shops', 'shopify_sessions', 'customer_data_requests', 'customer_engagement'].map((c) => s.mongo.db!.collection(c).countDocuments())));

  before(async () => {
    s = await openTestServices(import.meta.url);
    w = await startWebhookServer(s.mongo, { current: SECRET });
    await w.stores.shops.markInstalled(INSTALLED, { scopes: ['read_orders'] }, new Date());
    await w.stores.shops.markInstalled(GONE, { scopes: ['read_orders'] }, new Date('2026-01-01T00:00:00Z'));
    await w.stores.shops.markUninstalled(GONE, new Date('2026-02-01T00:00:00Z'));
    for (const shop of [INSTALLED, GONE]) {
      await w.stores.orders.upsert(shop, { id: '9001', customerId: '7001', createdAt: 1, processedAt: 1, cancelledAt: null, updatedAt: 1, test: false, financialStatus: 'paid', netMinor: 1000, grossMinor: 1000, currency: 'USD', discountCodes: [], sourceName: null, tags: [], b2b: false, lineItems: [] });
      await w.stores.sessions.storeSession(new Session({ id: `offline_${shop}`, shop, state: '', isOnline: false, accessToken: `shpat_${shop}` }));
    }
  });
  after(async () => { await w.close(); await s.close(); });

  it('every topic refuses every other topic\'s signed payload (dead letter, no effect, nothing erased)', async () => {
    const before = await footprint();
    const pairs: string[] = [];
    for (const from of Object.keys(samples(INSTALLED))) {
      for (const as of HANDLED_TOPICS) {
        if (familyOf(from).includes(as)) continue;
        const shop = NEEDS_NO_INSTALL.has(as) ? GONE : INSTALLED;
        const r = await send(samples(shop)[from]!, as, shop);
        assert.equal(r.status, 200, `${from} as ${as}`);
        assert.equal(r.json.deadLetter, true, `${from} payload accepted as ${as}`);
        pairs.push(`${from}→${as}`);
      }
    }
    assert.ok(pairs.length >= 100, `${pairs.length} cross-topic pairs tried`);
    assert.deepEqual(w.effects.calls, [], 'no recompute, deletion, uninstall or erasure happened');
    assert.deepEqual(w.installation.probed, [], 'no app/uninstalled got as far as asking Shopify');
    assert.deepEqual(await footprint(), before);
    // Each sample is accepted under its own topic (the schemas are not simply refusing everything).
    for (const topic of ['orders/create', 'refunds/create', 'customers/update', 'bulk_operations/finish', 'orders/delete', 'checkouts/create']) {
      const r = await send(topic === 'orders/delete' ? { id: 9999 } : samples(INSTALLED)[topic]!, topic, INSTALLED);
      assert.equal(r.json.deadLetter, undefined, `${topic} under its own topic`);
    }
  });

  it('a shop named in the payload must be the shop header\'s', async () => {
    for (const topic of ['customers/redact', 'customers/data_request', 'shop/redact', 'app/uninstalled']) {
      const r = await send(samples(INSTALLED)[topic]!, topic, GONE);
      assert.equal(r.json.deadLetter, true, topic);
    }
    const [dl] = await w.stores.deadLetters.list(GONE, 1);
    assert.match(dl?.reason ?? '', /another shop/);
    assert.equal(await s.mongo.db!.collection('order_books').countDocuments(shopScope('order_books', GONE)), 1, 'nothing of the named shop erased');
  });

  it('a delivery triggered outside Shopify\'s 4 h retry window (or in the future) is a dead letter; a fresh one is processed', async () => {
    const order = (id: number) => ({ ...samples(INSTALLED)['orders/create']!, id, admin_graphql_api_id: `gid://shopify/Order/${id}` });
    const old = await send(order(9101), 'orders/create', INSTALLED, { triggeredAt: new Date(Date.now() - 5 * 3600_000).toISOString() });
    assert.equal(old.json.deadLetter, true);
    const future = await send(order(9102), 'orders/create', INSTALLED, { triggeredAt: new Date(Date.now() + 3600_000).toISOString() });
    assert.equal(future.json.deadLetter, true);
    const garbled = await send(order(9103), 'orders/create', INSTALLED, { triggeredAt: 'yesterday' });
    assert.equal(garbled.json.deadLetter, true);
    const fresh = await send(order(9104), 'orders/create', INSTALLED, { triggeredAt: new Date(Date.now() - 3 * 3600_000).toISOString() });
    assert.equal(fresh.json.deadLetter, undefined);
    assert.equal(await w.stores.orders.get(INSTALLED, '9101'), null);
    assert.equal(await w.stores.orders.get(INSTALLED, '9102'), null);
    assert.ok(await w.stores.orders.get(INSTALLED, '9104'));
    assert.match((await w.stores.deadLetters.list(INSTALLED, 50)).map((d) => d.reason).join('\n'), /retry window/);
  });

  it('the same X-Shopify-Event-Id acts once, even under a fresh webhook id', async () => {
    w.effects.calls = [];
    const body = { ...samples(INSTALLED)['customers/update']!, id: 7301, admin_graphql_api_id: 'gid://shopify/Customer/7301' };
    const first = await send(body, 'customers/update', INSTALLED, { eventId: 'evt-7301', webhookId: 'wh-a' });
    const again = await send(body, 'customers/update', INSTALLED, { eventId: 'evt-7301', webhookId: 'wh-b' });
    assert.equal(first.json.ok, true);
    assert.equal(again.json.duplicate, true);
    assert.equal(w.effects.calls.filter((c) => c === `recompute ${INSTALLED} 7301`).length, 1);
  });

  it('shop/redact for an installed (or reinstalled) shop erases nothing and leaves a dead letter', async () => {
    w.effects.calls = [];
    const r = await send(samples(INSTALLED)['shop/redact']!, 'shop/redact', INSTALLED);
    assert.equal(r.json.deadLetter, true);
    assert.ok(await w.stores.orders.get(INSTALLED, '9001'), 'orders kept');
    assert.ok(await w.stores.sessions.loadOfflineSession(INSTALLED), 'token kept');
    assert.deepEqual(w.effects.calls, []);
    assert.match((await w.stores.deadLetters.list(INSTALLED, 1))[0]?.reason ?? '', /installed/);
  });

  it('app/uninstalled is refused while the stored token still works; honoured once Shopify refuses it', async () => {
    w.installation.state = 'active';
    const refused = await send(samples(INSTALLED)['app/uninstalled']!, 'app/uninstalled', INSTALLED);
    assert.equal(refused.json.deadLetter, true);
    assert.equal(await w.stores.shops.isInstalled(INSTALLED), true);
    assert.ok(await w.stores.sessions.loadOfflineSession(INSTALLED), 'token kept');
    w.installation.state = 'revoked';
    const honoured = await send(samples(INSTALLED)['app/uninstalled']!, 'app/uninstalled', INSTALLED);
    assert.equal(honoured.json.ok, true);
    assert.equal(await w.stores.shops.isInstalled(INSTALLED), false);
    assert.equal(await w.stores.sessions.loadOfflineSession(INSTALLED), undefined);
    assert.deepEqual(w.installation.probed, [INSTALLED, INSTALLED]);
  });

  it('the Admin API probe: active while installed, revoked after the uninstall, no-token without a session', async () => {
    const sim = await startShopifySimulator({ seed: 13 });
    try {
      const shop = 'probe.myshopify.com';
      sim.createShop({ domain: shop, scopes: ['read_customers'] });
      const app = { apiKey: 'probe-key', apiSecret: 'probe-secret' };
      sim.registerApp(app);
      const { accessToken } = sim.installApp({ ...app, shop });
      const sessions = new MongoSessionStore(s.mongo, Buffer.alloc(32, 8));
      await sessions.storeSession(new Session({ id: `offline_${shop}`, shop, state: '', isOnline: false, accessToken }));
      const probe = installationProbe({ sessions, fetch: createAdminFetch(sim.url), apiVersion: '2026-10', logger: testLogger });
      assert.equal(await probe.probe(shop), 'active');
      sim.uninstallApp(shop, app.apiKey);
      assert.equal(await probe.probe(shop), 'revoked');
      assert.equal(await probe.probe('never.myshopify.com'), 'no-token');
    } finally {
      await sim.close();
    }
  });
});
