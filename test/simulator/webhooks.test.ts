import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { shopifyHmac } from '../../tools/shopify-simulator/index.ts';
import { defaultRetryDelays } from '../../tools/shopify-simulator/webhook-delivery.ts';
import { startHarness, startReceiver, SHOP, API_KEY, API_SECRET } from './helpers.ts';
import type { Harness, WebhookReceiver } from './helpers.ts';

describe('simulator webhook delivery', () => {
  let h: Harness;
  let hooks: WebhookReceiver;
  beforeEach(async () => {
    hooks = await startReceiver();
    h = await startHarness({ webhookAddress: hooks.url, sim: { webhooks: { retryDelaysMs: [5, 10, 20], maxAttempts: 4 } } });
  });
  afterEach(async () => {
    await h.sim.close();
    await hooks.close();
  });

  it('signs with Shopify\'s published test vector', () => {
    assert.equal(shopifyHmac('{"foo": "bar"}', 'test_secret_key'), 'B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=');
  });

  it('retries over 4 hours by default with doubling waits', () => {
    const delays = defaultRetryDelays(8);
    assert.equal(delays.length, 7);
    assert.ok(Math.abs(delays.reduce((a, b) => a + b, 0) - 4 * 3600 * 1000) < 10);
    assert.ok(delays.every((d, i) => i === 0 || Math.abs(d - 2 * delays[i - 1]!) <= 2), 'each wait doubles (to the millisecond)');
  });

  it('delivers orders/create with every Shopify header and a REST-shaped payload', async () => {
    const c = h.sim.createCustomer(SHOP, { tags: ['wholesale'] });
    const o = h.sim.createOrder(SHOP, { customerId: c.id, lineItems: [{ quantity: 2, price: '12.50', sku: 'A-1', productId: '8000000000001' }], discountCodes: [{ code: 'TEN', amount: '5.00' }] });
    await h.sim.webhooksIdle();
    const topics = hooks.received.map((w) => String(w.headers['x-shopify-topic'])).sort();
    assert.deepEqual(topics, ['customers/create', 'orders/create', 'orders/paid']);
    const w = hooks.received.find((x) => x.headers['x-shopify-topic'] === 'orders/create')!;
    assert.equal(w.headers['x-shopify-hmac-sha256'], shopifyHmac(w.body, API_SECRET));
    assert.equal(w.headers['x-shopify-shop-domain'], SHOP);
    assert.equal(w.headers['x-shopify-api-version'], '2026-10');
    assert.match(String(w.headers['x-shopify-webhook-id']), /^[0-9a-f-]{36}$/);
    assert.match(String(w.headers['x-shopify-event-id']), /^[0-9a-f-]{36}$/);
    assert.match(String(w.headers['x-shopify-triggered-at']), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.ok(w.body.includes(`"id":${o.id},`), 'ids are JSON numbers on the wire');
    const p = JSON.parse(w.body) as Record<string, unknown>;
    assert.equal(p.admin_graphql_api_id, `gid://shopify/Order/${o.id}`);
    assert.equal(p.total_price, '20.00');
    assert.equal(p.current_total_price, '20.00');
    assert.equal(p.total_discounts, '5.00');
    assert.deepEqual(p.total_price_set, { shop_money: { amount: '20.00', currency_code: 'USD' }, presentment_money: { amount: '20.00', currency_code: 'USD' } });
    assert.equal(p.financial_status, 'paid');
    assert.equal(p.currency, 'USD');
    assert.deepEqual(p.discount_codes, [{ code: 'TEN', amount: '5.00', type: 'fixed_amount' }]);
    assert.equal((p.customer as { id: number; tags: string }).id, Number(c.id));
    assert.equal((p.customer as { tags: string }).tags, 'wholesale');
    assert.equal((p.line_items as Array<{ price: string; quantity: number; sku: string }>)[0]?.price, '12.50');
    assert.match(String(p.created_at), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}-0[45]:00$/, 'shop-local offset (America/New_York)');
    assert.deepEqual(p.refunds, []);
  });

  it('keeps ids past 2^53 exact on the wire', async () => {
    h.sim.createCustomer(SHOP, { id: '9007199254740993' });
    await h.sim.webhooksIdle();
    assert.ok(hooks.received[0]!.body.startsWith('{"id":9007199254740993,'));
  });

  it('emits refunds/create and orders/updated with fresh updated_at and current totals', async () => {
    const c = h.sim.createCustomer(SHOP);
    const o = h.sim.createOrder(SHOP, { customerId: c.id, totalPrice: '30.00' });
    const createdUpdatedAt = o.updatedAt;
    h.clock.advance(5000);
    h.sim.refundOrder(SHOP, o.id, { amount: '10.00' });
    await h.sim.webhooksIdle();
    const refund = hooks.received.find((w) => w.headers['x-shopify-topic'] === 'refunds/create')!;
    assert.equal((JSON.parse(refund.body) as { order_id: number }).order_id, Number(o.id));
    const updated = JSON.parse(hooks.received.find((w) => w.headers['x-shopify-topic'] === 'orders/updated')!.body) as Record<string, unknown>;
    assert.equal(updated.current_total_price, '20.00');
    assert.equal(updated.total_price, '30.00');
    assert.equal(updated.financial_status, 'partially_refunded');
    assert.ok(Date.parse(String(updated.updated_at)) > createdUpdatedAt);
    h.sim.cancelOrder(SHOP, o.id);
    await h.sim.webhooksIdle();
    const cancelled = JSON.parse(hooks.received.find((w) => w.headers['x-shopify-topic'] === 'orders/cancelled')!.body) as Record<string, unknown>;
    assert.equal(cancelled.current_total_price, '0.00');
    assert.equal(cancelled.financial_status, 'refunded');
    assert.notEqual(cancelled.cancelled_at, null);
  });

  it('retries a failing endpoint with the same webhook id until it answers 2xx', async () => {
    hooks.respond = (_req, i) => (i < 2 ? 500 : 200);
    h.sim.createCustomer(SHOP);
    await h.sim.webhooksIdle();
    assert.equal(hooks.received.length, 3);
    assert.equal(new Set(hooks.received.map((w) => w.headers['x-shopify-webhook-id'])).size, 1);
    const [log] = h.sim.webhookLog(SHOP);
    assert.equal(log?.state, 'delivered');
    assert.deepEqual(log?.attempts.map((a) => a.status), [500, 500, 200]);
    const stats = h.sim.stats(SHOP).webhooks;
    assert.equal(stats.retried, 2);
    assert.equal(stats.delivered, 1);
  });

  it('gives up after maxAttempts and treats redirects as failures', async () => {
    hooks.respond = () => 302;
    h.sim.createCustomer(SHOP);
    await h.sim.webhooksIdle();
    assert.equal(hooks.received.length, 4);
    assert.equal(h.sim.webhookLog(SHOP)[0]?.state, 'failed');
    assert.equal(h.sim.stats(SHOP).webhooks.failed, 1);
  });

  it('duplicates deliveries at the configured rate with the same webhook id', async () => {
    h.sim.setWebhookBehaviour({ duplicateRate: 1 });
    h.sim.createCustomer(SHOP);
    await h.sim.webhooksIdle();
    assert.equal(hooks.received.length, 2);
    assert.equal(hooks.received[0]!.headers['x-shopify-webhook-id'], hooks.received[1]!.headers['x-shopify-webhook-id']);
    assert.equal(hooks.received[0]!.body, hooks.received[1]!.body);
    assert.equal(h.sim.stats(SHOP).webhooks.duplicated, 1);
  });

  it('can send a duplicate as a new delivery of the same event (new webhook id, same event id)', async () => {
    h.sim.setWebhookBehaviour({ duplicateRate: 1, duplicateAsNewDelivery: true });
    h.sim.createCustomer(SHOP);
    await h.sim.webhooksIdle();
    assert.equal(hooks.received.length, 2);
    assert.notEqual(hooks.received[0]!.headers['x-shopify-webhook-id'], hooks.received[1]!.headers['x-shopify-webhook-id']);
    assert.equal(hooks.received[0]!.headers['x-shopify-event-id'], hooks.received[1]!.headers['x-shopify-event-id']);
    assert.equal(hooks.received[0]!.body, hooks.received[1]!.body);
  });

  it('delivers app/scopes_update with the previous and current grant when the merchant approves scopes', async () => {
    h.sim.updateGrantedScopes(SHOP, API_KEY, ['read_customers', 'write_customers', 'read_orders', 'read_all_orders']);
    await h.sim.webhooksIdle();
    const w = hooks.received.find((r) => r.headers['x-shopify-topic'] === 'app/scopes_update');
    const p = JSON.parse(w!.body) as { previous: string[]; current: string[]; updated_at: string; shop_id: number };
    assert.deepEqual(p.previous, ['read_customers', 'write_customers', 'read_orders']);
    assert.deepEqual(p.current, ['read_customers', 'write_customers', 'read_orders', 'read_all_orders']);
    assert.ok(!Number.isNaN(Date.parse(p.updated_at)) && typeof p.shop_id === 'number');
    const { body } = await h.gql('{ currentAppInstallation { accessScopes { handle } } }');
    assert.ok(JSON.stringify(body.data).includes('read_all_orders'), 'the new grant is what the API reports');
  });

  it('reorders deliveries inside the reorder window (seeded)', async () => {
    h.sim.setWebhookBehaviour({ reorderWindowMs: 200 });
    const c = h.sim.createCustomer(SHOP);
    const orders = Array.from({ length: 12 }, () => h.sim.createOrder(SHOP, { customerId: c.id, financialStatus: 'pending' }).id);
    await h.sim.webhooksIdle();
    const arrived = hooks.received.filter((w) => w.headers['x-shopify-topic'] === 'orders/create').map((w) => String((JSON.parse(w.body) as { id: number }).id));
    assert.deepEqual([...arrived].sort(), [...orders].sort());
    assert.notDeepEqual(arrived, orders);
  });

  it('keeps signing with the previous secret during a rotation\'s grace period', async () => {
    h.sim.rotateAppSecret('sim-api-key', 'new-secret', { graceMs: 60_000 });
    h.sim.createCustomer(SHOP);
    await h.sim.webhooksIdle();
    h.clock.advance(60_000);
    h.sim.createCustomer(SHOP);
    await h.sim.webhooksIdle();
    const [during, after] = hooks.received;
    assert.equal(during!.headers['x-shopify-hmac-sha256'], shopifyHmac(during!.body, API_SECRET));
    assert.equal(after!.headers['x-shopify-hmac-sha256'], shopifyHmac(after!.body, 'new-secret'));
  });

  it('stops delivering on close()', async () => {
    h.sim.setWebhookBehaviour({ lateRate: 1, lateDelayMs: 60_000 });
    h.sim.createCustomer(SHOP);
    await h.sim.close();
    assert.equal(hooks.received.length, 0);
    assert.equal(h.sim.webhookLog(SHOP)[0]?.state, 'stopped');
  });

  it('sends compliance and app/uninstalled topics', async () => {
    const c = h.sim.createCustomer(SHOP);
    h.sim.createOrder(SHOP, { customerId: c.id });
    h.sim.sendComplianceWebhook(SHOP, 'customers/redact', { customerId: c.id });
    h.sim.sendComplianceWebhook(SHOP, 'shop/redact');
    h.sim.uninstallApp(SHOP, 'sim-api-key');
    await h.sim.webhooksIdle();
    const byTopic = new Map(hooks.received.map((w) => [String(w.headers['x-shopify-topic']), JSON.parse(w.body) as Record<string, unknown>]));
    const redact = byTopic.get('customers/redact')!;
    assert.equal(redact.shop_domain, SHOP);
    assert.deepEqual(redact.customer, { id: Number(c.id), email: null, phone: null });
    assert.equal((redact.orders_to_redact as number[]).length, 1);
    assert.deepEqual(Object.keys(byTopic.get('shop/redact')!), ['shop_id', 'shop_domain']);
    assert.equal(byTopic.get('app/uninstalled')!.myshopify_domain, SHOP);
    const { status } = await h.gql('{ shop { id } }');
    assert.equal(status, 401, 'the token is revoked on uninstall');
  });
});
