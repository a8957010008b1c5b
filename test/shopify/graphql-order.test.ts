import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseGraphqlLineItem, normaliseGraphqlOrder, type GraphqlOrderNode } from '../../src/shopify/graphql-order.ts';
import type { OrderLineItem } from '../../src/segments/types.ts';

/** The normalised order; fails the test when the node was refused. */
function orderOf(node: GraphqlOrderNode, items: OrderLineItem[], customerId: string | null) {
  const r = normaliseGraphqlOrder(node, items, customerId);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r.order;
}

describe('normaliseGraphqlOrder', () => {
  it('maps a bulk-query order to the engine contract', () => {
    const items = [normaliseGraphqlLineItem({ quantity: 3, sku: '', product: { id: 'gid://shopify/Product/9007199254740993' }, variant: null })];
    const o = orderOf({
      id: 'gid://shopify/Order/9007199254740995', createdAt: '2026-01-02T03:04:05Z', processedAt: '2026-01-02T03:00:00Z',
      updatedAt: '2026-02-01T00:00:00Z', cancelledAt: null, test: false, displayFinancialStatus: 'PARTIALLY_REFUNDED',
      currentTotalPriceSet: { shopMoney: { amount: '7.5', currencyCode: 'EUR' } }, totalPriceSet: { shopMoney: { amount: '12.50', currencyCode: 'EUR' } },
      discountCodes: ['X'], sourceName: 'pos', tags: [' a ', ''], customer: null,
    }, items, '7100000000001');
    assert.deepEqual(o, {
      id: '9007199254740995', customerId: '7100000000001', createdAt: Date.parse('2026-01-02T03:04:05Z'), processedAt: Date.parse('2026-01-02T03:00:00Z'),
      cancelledAt: null, updatedAt: Date.parse('2026-02-01T00:00:00Z'), test: false, financialStatus: 'partially_refunded',
      netMinor: 750, grossMinor: 1250, currency: 'EUR', discountCodes: ['X'], sourceName: 'pos', tags: ['a'], b2b: false,
      lineItems: [{ productId: '9007199254740993', variantId: null, sku: null, quantity: 3 }],
    });
  });

  it('prefers the order customer over the parent id, flags B2B and unknown statuses', () => {
    const o = orderOf({
      id: 'gid://shopify/Order/1', createdAt: '2026-01-02T03:04:05Z', displayFinancialStatus: 'SOMETHING_NEW',
      totalPriceSet: { shopMoney: { amount: '1000', currencyCode: 'JPY' } }, customer: { id: 'gid://shopify/Customer/77' },
      purchasingEntity: { company: { id: 'gid://shopify/Company/1' } },
    }, [], '5');
    assert.equal(o.customerId, '77');
    assert.equal(o.b2b, true);
    assert.equal(o.financialStatus, 'unknown');
    assert.equal(o.netMinor, 1000);
    assert.equal(o.processedAt, o.createdAt);
  });

  it('refuses an order without a date or with an amount it cannot read, so the backfill can count it as skipped', () => {
    const noDate = normaliseGraphqlOrder({ id: 'gid://shopify/Order/1', createdAt: 'nope', totalPriceSet: { shopMoney: { amount: '1', currencyCode: 'USD' } } }, [], null);
    assert.deepEqual(noDate, { ok: false, reason: 'invalid order node: createdAt is not a date' });
    const badAmount = normaliseGraphqlOrder({ id: 'gid://shopify/Order/1', createdAt: '2026-01-02T03:04:05Z', totalPriceSet: { shopMoney: { amount: '1,5', currencyCode: 'USD' } } }, [], null);
    assert.deepEqual(badAmount, { ok: false, reason: 'invalid order node: not a decimal amount: "1,5"' });
  });
});
