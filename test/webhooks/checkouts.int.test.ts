// checkouts/create and checkouts/update (webhooks/checkouts.ts): the last unfinished checkout per
// customer (products and time, nothing personal), cleared when the checkout completes; guests dropped.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openTestServices, type TestServices } from '../support/test-services.ts';
import { sendWebhook, startWebhookServer, type WebhookServer } from './support.ts';

const SHOP = 'shop-a.myshopify.com';
const checkout = (over: Record<string, unknown> = {}) => ({
  id: 31001, token: 'tok-1', cart_token: 'cart-1', created_at: '2026-11-18T10:00:00Z', updated_at: '2026-11-18T10:05:00Z', completed_at: null,
  abandoned_checkout_url: `https://${SHOP}/55/checkouts/tok-1/recover`, email: 'ada@example.com',
  billing_address: { address1: '1 Main St', city: 'Springfield' }, customer: { id: 7001, email: 'ada@example.com' },
  line_items: [{ product_id: 111, variant_id: 1, quantity: 2 }, { product_id: 222, variant_id: 2, quantity: 1 }, { product_id: 111, variant_id: 3, quantity: 1 }],
  ...over,
});

describe('checkout webhooks', () => {
  let s: TestServices;
  let w: WebhookServer;
  before(async () => {
    s = await openTestServices(import.meta.url);
    w = await startWebhookServer(s.mongo, { current: 'current-secret' });
    await w.stores.shops.markInstalled(SHOP, { scopes: ['read_orders'] }, new Date());
  });
  after(async () => { await w.close(); await s.close(); });

  it('keeps the unfinished checkout (products, time) and nothing personal; a completed checkout clears it', async () => {
    const r = await sendWebhook(w.url, JSON.stringify(checkout()), { topic: 'checkouts/create', shop: SHOP });
    assert.equal(r.json.ok, true);
    const e = await w.stores.engagement.forCustomer(SHOP, '7001');
    assert.deepEqual(e?.checkout, { at: Date.parse('2026-11-18T10:05:00Z'), products: ['111', '222'] });
    assert.equal(e?.lastCartAt, Date.parse('2026-11-18T10:00:00Z'));
    const raw = JSON.stringify(await s.shardAudit.unaudited(() => s.mongo.db!.collection('customer_engagement').find({}).toArray()));
    for (const personal of ['ada@example.com', 'Main St', 'recover']) assert.ok(!raw.includes(personal), personal);
    assert.ok(w.effects.calls.includes(`recompute ${SHOP} 7001`));
    // A replay of an older update does not move it back.
    await sendWebhook(w.url, JSON.stringify(checkout({ updated_at: '2026-11-18T09:00:00Z', line_items: [{ product_id: 999, quantity: 1 }] })), { topic: 'checkouts/update', shop: SHOP });
    assert.deepEqual((await w.stores.engagement.forCustomer(SHOP, '7001'))?.checkout?.products, ['111', '222']);
    await sendWebhook(w.url, JSON.stringify(checkout({ updated_at: '2026-11-18T10:20:00Z', completed_at: '2026-11-18T10:20:00Z' })), { topic: 'checkouts/update', shop: SHOP });
    assert.equal((await w.stores.engagement.forCustomer(SHOP, '7001'))?.checkout, null);
    const status = await w.stores.signalSources.status(SHOP);
    assert.ok(status.find((x) => x.source === 'checkouts')!.lastDeliveryAt);
  });

  it('drops and counts guest checkouts; refuses a payload that is not a checkout', async () => {
    const r = await sendWebhook(w.url, JSON.stringify(checkout({ customer: null })), { topic: 'checkouts/create', shop: SHOP });
    assert.equal(r.json.ok, true);
    const st = (await w.stores.signalSources.status(SHOP)).find((x) => x.source === 'checkouts')!;
    assert.equal(st.dropped, 1);
    assert.equal(st.lastDropReason, 'guest checkout');
    const { abandoned_checkout_url: _gone, ...noUrl } = checkout();
    const bad = await sendWebhook(w.url, JSON.stringify(noUrl), { topic: 'checkouts/create', shop: SHOP });
    assert.equal(bad.json.deadLetter, true);
  });
});
