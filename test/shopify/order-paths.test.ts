// One order, two ways in: the orders/* webhook (REST payload, webhooks/order-normaliser.ts) and the
// resync backfill (bulk query JSONL, src/shopify/graphql-order.ts). Both must give the engine the same
// NormalizedOrder — B2B through REST `company` / GraphQL `Order.purchasingEntity`, line items by
// `current_quantity` / `currentQuantity` (refunded units leave, fully refunded items drop out).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, startReceiver, SHOP } from '../simulator/helpers.ts';
import type { Harness, WebhookReceiver } from '../simulator/helpers.ts';
import { AdminGraphqlClient } from '../../src/shopify/admin-graphql-client.ts';
import { createAdminFetch } from '../../src/shopify/admin-fetch.ts';
import { backfillShopOrders } from '../../src/shopify/bulk-backfill.ts';
import type { OrderStore } from '../../src/profiles/order-store.ts';
import type { NormalizedOrder } from '../../src/segments/types.ts';
import { normaliseRestOrder } from '../../webhooks/order-normaliser.ts';
import { parseJsonKeepingBigIds } from '../../webhooks/parse-json-ids.ts';
import { testLogger } from '../support/test-services.ts';

describe('an order normalised from its webhook and from the backfill', () => {
  let h: Harness;
  let hooks: WebhookReceiver;
  const backfilled = new Map<string, NormalizedOrder>();
  let b2bId = '';
  let retailId = '';

  before(async () => {
    hooks = await startReceiver();
    h = await startHarness({ webhookAddress: hooks.url, scopes: ['read_customers', 'write_customers', 'read_orders', 'read_all_orders'] });
    const buyer = h.sim.createCustomer(SHOP, { tags: ['wholesale'] });
    const other = h.sim.createCustomer(SHOP);
    const b2b = h.sim.createOrder(SHOP, {
      customerId: buyer.id, company: { id: '9100000000001', locationId: '9200000000001' }, tags: ['b2b', 'net30'],
      lineItems: [{ quantity: 2, price: '10.00', sku: 'A', productId: '8000000000001', variantId: '44000000000001' }, { quantity: 1, price: '5.00', sku: 'B', productId: '8000000000002' }],
    });
    // The whole of item B goes back: it must leave the order's line items on both paths.
    h.sim.refundOrder(SHOP, b2b.id, { lineItems: [{ lineItemId: b2b.lineItems[1]!.id, quantity: 1 }] });
    const retail = h.sim.createOrder(SHOP, {
      customerId: other.id, discountCodes: [{ code: 'TEN', amount: '3.00' }],
      lineItems: [{ quantity: 3, price: '7.00', sku: 'C', productId: '8000000000003', variantId: '44000000000003' }],
    });
    // One of three units of C is refunded: currentQuantity 2.
    h.sim.refundOrder(SHOP, retail.id, { lineItems: [{ lineItemId: retail.lineItems[0]!.id, quantity: 1 }] });
    b2bId = b2b.id;
    retailId = retail.id;
    await h.sim.webhooksIdle();

    const client = new AdminGraphqlClient({ shop: SHOP, accessToken: h.token, apiVersion: '2026-10', fetch: createAdminFetch(h.sim.url), logger: testLogger });
    const orders = {
      upsertMany: async (_shop: string, batch: NormalizedOrder[]) => {
        for (const o of batch) backfilled.set(o.id, o);
        return { written: batch.length, stale: 0, existing: [] };
      },
      reconcileMoves: async () => undefined,
    } as unknown as OrderStore;
    await backfillShopOrders({ client, fetch: createAdminFetch(h.sim.url), orders, pollIntervalMs: 10 });
  });

  after(async () => {
    await h.sim.close();
    await hooks.close();
  });

  /** The newest orders/updated the app received for the order, normalised as the webhook path does. */
  function fromWebhook(orderId: string): NormalizedOrder {
    const bodies = hooks.received.filter((r) => r.headers['x-shopify-topic'] === 'orders/updated').map((r) => r.body);
    const body = bodies.filter((b) => String((parseJsonKeepingBigIds(b) as { id: unknown }).id) === orderId).at(-1);
    assert.ok(body, `no orders/updated for ${orderId}`);
    const r = normaliseRestOrder(parseJsonKeepingBigIds(body));
    assert.ok(r.ok, r.ok ? '' : r.reason);
    return r.order;
  }

  it('agrees on a B2B order whose refunded item dropped out', () => {
    const viaWebhook = fromWebhook(b2bId);
    assert.deepEqual(backfilled.get(b2bId), viaWebhook);
    assert.equal(viaWebhook.b2b, true);
    assert.deepEqual(viaWebhook.lineItems.map((li) => [li.sku, li.quantity]), [['A', 2]]);
  });

  it('agrees on a retail order counting the units still bought', () => {
    const viaWebhook = fromWebhook(retailId);
    assert.deepEqual(backfilled.get(retailId), viaWebhook);
    assert.equal(viaWebhook.b2b, false);
    assert.deepEqual(viaWebhook.lineItems.map((li) => [li.sku, li.quantity]), [['C', 2]]);
  });
});
