import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { orderExclusionReason } from '../../src/segments/order-eligibility.ts';
import { summarizeCustomer } from '../../src/segments/customer-summary.ts';
import { AS_OF, daysAgo, defaultShopSettings, order, settingsWith } from './fixtures.ts';

const d = defaultShopSettings;

describe('which orders count', () => {
  it('counts a normal paid order', () => {
    assert.equal(orderExclusionReason(order(), d, AS_OF), null);
  });

  it('never counts test, cancelled, voided or fully refunded orders by default', () => {
    assert.equal(orderExclusionReason(order({ test: true }), d, AS_OF), 'test');
    assert.equal(orderExclusionReason(order({ cancelledAt: daysAgo(5) }), d, AS_OF), 'cancelled');
    assert.equal(orderExclusionReason(order({ financialStatus: 'voided' }), d, AS_OF), 'voided');
    assert.equal(orderExclusionReason(order({ financialStatus: 'refunded', netMinor: 0 }), d, AS_OF), 'refunded');
  });

  it('counts an order cancelled only after asOf', () => {
    assert.equal(orderExclusionReason(order({ cancelledAt: AS_OF + 1000 }), d, AS_OF), null);
  });

  it('ignores orders placed after asOf', () => {
    assert.equal(orderExclusionReason(order({ at: AS_OF + 1 }), d, AS_OF), 'after-as-of');
  });

  it('excludes zero-value orders by default, and counts them when switched off', () => {
    const free = order({ netMinor: 0, grossMinor: 0 });
    assert.equal(orderExclusionReason(free, d, AS_OF), 'zero-value');
    assert.equal(orderExclusionReason(free, settingsWith({ orderExclusions: { zeroValue: false } }), AS_OF), null);
  });

  it('applies the optional POS, draft, B2B and order-tag exclusions only when switched on', () => {
    const pos = order({ sourceName: 'pos' });
    const draft = order({ sourceName: 'shopify_draft_order' });
    const b2b = order({ b2b: true });
    const tagged = order({ tags: ['Wholesale'] });
    for (const o of [pos, draft, b2b, tagged]) assert.equal(orderExclusionReason(o, d, AS_OF), null);
    const strict = settingsWith({ orderExclusions: { pos: true, draft: true, b2b: true, tag: 'wholesale' } });
    assert.equal(orderExclusionReason(pos, strict, AS_OF), 'pos');
    assert.equal(orderExclusionReason(draft, strict, AS_OF), 'draft');
    assert.equal(orderExclusionReason(b2b, strict, AS_OF), 'b2b');
    assert.equal(orderExclusionReason(tagged, strict, AS_OF), 'excluded-tag');
  });

  it('lets partial refunds reduce the monetary value', () => {
    const s = summarizeCustomer(
      { customerId: 'c1', orders: [order({ financialStatus: 'partially_refunded', grossMinor: 10_000, netMinor: 7_550 }), order({ netMinor: 1_001, at: daysAgo(3) })] },
      d,
      AS_OF,
    );
    assert.equal(s.orders, 2);
    assert.equal(s.spendMinor, 8_551);
  });

  it('treats same-day orders as one purchase day, and sums money exactly', () => {
    const s = summarizeCustomer(
      { customerId: 'c1', orders: [order({ at: daysAgo(20) }), order({ at: daysAgo(20) + 3_600_000, netMinor: 10 }), order({ at: daysAgo(2), netMinor: 20 })] },
      d,
      AS_OF,
    );
    assert.equal(s.orders, 3);
    assert.equal(s.purchaseDays, 2);
    assert.equal(s.repeatSpendMinor, 20);
    assert.equal(s.spendMinor, 5_030);
  });
});
