import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseRestOrder } from '../../webhooks/order-normaliser.ts';
import { parseJsonKeepingBigIds } from '../../webhooks/parse-json-ids.ts';

export const sampleOrderJson = `{
  "id": 9007199254740993123,
  "admin_graphql_api_id": "gid://shopify/Order/9007199254740993123",
  "created_at": "2026-11-20T10:00:00+01:00",
  "processed_at": "2026-11-20T09:59:00+01:00",
  "updated_at": "2026-11-21T08:00:00Z",
  "cancelled_at": null,
  "financial_status": "partially_refunded",
  "test": false,
  "currency": "EUR",
  "presentment_currency": "USD",
  "total_price": "120.30",
  "total_price_set": {"shop_money": {"amount": "120.30", "currency_code": "EUR"}, "presentment_money": {"amount": "130.00", "currency_code": "USD"}},
  "current_total_price": "100.29",
  "current_total_price_set": {"shop_money": {"amount": "100.29", "currency_code": "EUR"}, "presentment_money": {"amount": "110.00", "currency_code": "USD"}},
  "discount_codes": [{"code": "WELCOME10", "amount": "10.00", "type": "percentage"}],
  "source_name": "web",
  "tags": " gift, wholesale ,,",
  "email": "someone@example.com",
  "customer": {"id": 9007199254740995555, "email": "someone@example.com", "first_name": "Ada"},
  "line_items": [
    {"id": 1, "product_id": 632910392, "variant_id": 9007199254740997777, "sku": "IPOD2008", "quantity": 2},
    {"id": 2, "product_id": null, "variant_id": null, "sku": "", "quantity": 1}
  ]
}`;

describe('normaliseRestOrder', () => {
  it('maps a REST order to the engine contract with exact ids and minor units', () => {
    const r = normaliseRestOrder(parseJsonKeepingBigIds(sampleOrderJson));
    assert.ok(r.ok, !r.ok ? r.reason : '');
    assert.deepEqual(r.order, {
      id: '9007199254740993123',
      customerId: '9007199254740995555',
      createdAt: Date.parse('2026-11-20T09:00:00Z'),
      processedAt: Date.parse('2026-11-20T08:59:00Z'),
      cancelledAt: null,
      updatedAt: Date.parse('2026-11-21T08:00:00Z'),
      test: false,
      financialStatus: 'partially_refunded',
      netMinor: 10029,
      grossMinor: 12030,
      currency: 'EUR',
      discountCodes: ['WELCOME10'],
      sourceName: 'web',
      tags: ['gift', 'wholesale'],
      b2b: false,
      lineItems: [
        { productId: '632910392', variantId: '9007199254740997777', sku: 'IPOD2008', quantity: 2 },
        { productId: null, variantId: null, sku: null, quantity: 1 },
      ],
    });
  });

  it('keeps ids beyond 2^53 exact, and refuses rounded ones from a plain JSON.parse', () => {
    const plain = normaliseRestOrder(JSON.parse(sampleOrderJson));
    assert.equal(plain.ok, false, 'an unsafe number id is rejected rather than stored rounded');
    const exact = normaliseRestOrder(parseJsonKeepingBigIds(sampleOrderJson));
    assert.ok(exact.ok);
    assert.equal(exact.order.id, '9007199254740993123');
  });

  it('marks B2B orders, guest orders and unknown financial statuses', () => {
    const o = parseJsonKeepingBigIds(sampleOrderJson) as Record<string, unknown>;
    const r = normaliseRestOrder({ ...o, id: 1, admin_graphql_api_id: 'gid://shopify/Order/1', customer: null, company: { id: 77, location_id: 5 }, financial_status: 'weird' });
    assert.ok(r.ok);
    assert.equal(r.order.customerId, null);
    assert.equal(r.order.b2b, true);
    assert.equal(r.order.financialStatus, 'unknown');
  });

  it('rejects payloads that are not orders, with a reason', () => {
    for (const bad of [null, {}, { id: 'x', created_at: '2026-01-01T00:00:00Z' }, { ...(parseJsonKeepingBigIds(sampleOrderJson) as object), total_price: 'free', total_price_set: null }]) {
      const r = normaliseRestOrder(bad);
      assert.equal(r.ok, false);
      assert.match(!r.ok ? r.reason : '', /invalid order payload/);
    }
  });
});
