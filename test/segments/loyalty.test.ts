import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyzeShop } from '../../src/segments/analyze-shop.ts';
import { calibrateShop } from '../../src/segments/calibrate-shop.ts';
import { loyaltyGroup } from '../../src/segments/loyalty-groups.ts';
import { adaptiveLoyaltyThresholds } from '../../src/segments/loyalty-thresholds.ts';
import type { LoyaltyThresholds } from '../../src/segments/loyalty-thresholds.ts';
import { segmentCustomer } from '../../src/segments/segment-customer.ts';
import { AS_OF, customer, defaultShopSettings, settingsWith } from './fixtures.ts';

const asc = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
const T: LoyaltyThresholds = { frequentMinOrders: 4, vipMinOrders: 9, vipMinSpendMinor: 148_000, date: '2026-11-20', buyers: 100, repeatBuyers: 40 };

describe('adaptive loyalty thresholds', () => {
  it('move with the customer base: "frequent" meant 3+ orders in March and 4+ in November', () => {
    const march = [...Array(60).fill(1), ...Array(20).fill(2), ...Array(15).fill(3), ...Array(5).fill(6)];
    const november = [...Array(50).fill(1), ...Array(10).fill(2), ...Array(10).fill(3), ...Array(20).fill(4), ...Array(10).fill(8)];
    const spend = Array.from({ length: 100 }, (_, i) => (i + 1) * 1000);
    const m = adaptiveLoyaltyThresholds(asc(march), spend, defaultShopSettings, 20_500);
    const n = adaptiveLoyaltyThresholds(asc(november), spend, defaultShopSettings, 20_740);
    assert.equal(m.frequentMinOrders, 3);
    assert.equal(n.frequentMinOrders, 4);
    assert.equal(m.date, '2026-02-16');
    assert.equal(n.vipMinOrders, 8);
    assert.equal(n.vipMinSpendMinor, 90_000);
  });

  it('stay ordered: 2 < frequent ≤ VIP orders, for any customer base', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ orders: fc.integer({ min: 1, max: 40 }), spend: fc.integer({ min: 1, max: 1e7 }) }), { minLength: 1, maxLength: 200 }), (buyers) => {
        const t = adaptiveLoyaltyThresholds(asc(buyers.map((b) => b.orders)), asc(buyers.map((b) => b.spend)), defaultShopSettings, 20_000);
        assert.ok(t.frequentMinOrders > 2);
        assert.ok(t.vipMinOrders >= t.frequentMinOrders);
        assert.ok(t.vipMinSpendMinor >= 1);
      }),
      { seed: 3, numRuns: 300 },
    );
  });
});

describe('adaptive thresholds are monotone', () => {
  const base = fc.array(fc.record({ orders: fc.integer({ min: 1, max: 40 }), spend: fc.integer({ min: 1, max: 1e7 }) }), { minLength: 1, maxLength: 150 });

  it('in the percentile settings: a higher percentile never gives a lower threshold', () => {
    fc.assert(
      fc.property(base, fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (buyers, p1, p2) => {
        const [lo, hi] = p1 <= p2 ? [p1, p2] : [p2, p1];
        const orders = asc(buyers.map((b) => b.orders));
        const spend = asc(buyers.map((b) => b.spend));
        const at = (p: number) => adaptiveLoyaltyThresholds(orders, spend, settingsWith({ loyalty: { frequentOrdersPercentile: p, vipOrdersPercentile: p, vipSpendPercentile: p } }), 20_000);
        const a = at(lo);
        const b = at(hi);
        assert.ok(a.frequentMinOrders <= b.frequentMinOrders && a.vipMinOrders <= b.vipMinOrders && a.vipMinSpendMinor <= b.vipMinSpendMinor);
      }),
      { seed: 5, numRuns: 200 },
    );
  });

  // (Not when one-time buyers become repeat buyers: a new 2-order repeat buyer rightly lowers the
  // typical repeat order count.)
  it('in the data: when repeat buyers order more and everyone spends more, no threshold goes down', () => {
    fc.assert(
      fc.property(base, fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 100_000 }), (buyers, moreOrders, moreSpend) => {
        const t = (bs: typeof buyers) => adaptiveLoyaltyThresholds(asc(bs.map((b) => b.orders)), asc(bs.map((b) => b.spend)), defaultShopSettings, 20_000);
        const before = t(buyers);
        const after = t(buyers.map((b) => ({ orders: b.orders >= 2 ? b.orders + moreOrders : b.orders, spend: b.spend + moreSpend })));
        assert.ok(before.frequentMinOrders <= after.frequentMinOrders && before.vipMinOrders <= after.vipMinOrders && before.vipMinSpendMinor <= after.vipMinSpendMinor);
      }),
      { seed: 6, numRuns: 200 },
    );
  });
});

describe('loyalty groups', () => {
  it('puts every buyer in exactly one group, nobody without orders, and counts add up to the buyers', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.integer({ min: 0, max: 700 }), { maxLength: 12 }), { minLength: 1, maxLength: 60 }), (shops) => {
        const customers = shops.map((days, i) => customer(`c${i}`, days, 1000 + i * 37));
        const cal = calibrateShop(customers, defaultShopSettings, AS_OF);
        const { counts } = analyzeShop(customers, defaultShopSettings, AS_OF);
        const sum = (f: keyof typeof counts): number => Object.values(counts[f]).reduce((x, y) => x + y, 0);
        assert.equal(sum('loyalty'), cal.buyers);
        assert.equal(sum('rfm'), customers.length);
        assert.equal(sum('churn'), cal.buyers);
        assert.equal(sum('value'), cal.buyers);
        for (const c of customers) {
          const p = segmentCustomer(c, cal, defaultShopSettings, AS_OF);
          const loyalty = p.memberships.filter((m) => m.family === 'loyalty');
          assert.equal(loyalty.length, p.metrics.orders > 0 ? 1 : 0);
        }
      }),
      { seed: 19, numRuns: 60 },
    );
  });

  it('ranks VIP above Frequent Buyer above Loyal Customer above One Time Buyer', () => {
    const s = defaultShopSettings;
    assert.equal(loyaltyGroup(1, 100, T, s, null)!.group, 'one-time-buyer');
    assert.equal(loyaltyGroup(2, 100, T, s, null)!.group, 'loyal-customer');
    assert.equal(loyaltyGroup(4, 100, T, s, null)!.group, 'frequent-buyer');
    assert.equal(loyaltyGroup(9, 147_999, T, s, null)!.group, 'frequent-buyer');
    assert.equal(loyaltyGroup(9, 148_000, T, s, null)!.group, 'vip');
    assert.equal(loyaltyGroup(0, 0, T, s, null), null);
  });

  it('keeps a VIP whose thresholds moved slightly past them (hysteresis), but not one far below', () => {
    const s = defaultShopSettings; // 1 order and 10% of money
    const held = loyaltyGroup(8, 140_000, T, s, 'vip')!;
    assert.deepEqual(held, { group: 'vip', heldByHysteresis: true });
    assert.equal(loyaltyGroup(8, 140_000, T, s, null)!.group, 'frequent-buyer');
    assert.equal(loyaltyGroup(7, 140_000, T, s, 'vip')!.group, 'frequent-buyer');
    assert.equal(loyaltyGroup(8, 120_000, T, s, 'vip')!.group, 'frequent-buyer');
    assert.equal(loyaltyGroup(3, 1_000, T, s, 'frequent-buyer')!.group, 'frequent-buyer');
    assert.equal(loyaltyGroup(2, 1_000, T, s, 'frequent-buyer')!.group, 'loyal-customer');
  });

  it('explains VIP membership with both thresholds and their date', () => {
    const customers = [
      ...Array.from({ length: 30 }, (_, i) => customer(`one${i}`, [100 + i], 2_000)),
      ...Array.from({ length: 20 }, (_, i) => customer(`rep${i}`, [10 + i, 200], 3_000)),
      customer('big', [1, 20, 40, 60, 80, 100, 120, 140, 160, 180, 200, 220, 240, 260], 16_500),
    ];
    const cal = calibrateShop(customers, defaultShopSettings, AS_OF);
    const p = segmentCustomer(customers[customers.length - 1]!, cal, defaultShopSettings, AS_OF);
    const vip = p.memberships.find((m) => m.family === 'loyalty')!;
    assert.equal(vip.segment, 'vip');
    assert.equal(vip.tag, 'seg:vip');
    assert.match(vip.explanation, /^VIP: 14 orders ≥ \d+ and \$2,310\.00 spent ≥ \$[\d,.]+, thresholds of 2026-11-20$/);
  });
});
