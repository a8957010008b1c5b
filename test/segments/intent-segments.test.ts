import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { calibrateShop } from '../../src/segments/calibrate-shop.ts';
import { segmentCustomer } from '../../src/segments/segment-customer.ts';
import type { CustomerSegmentation } from '../../src/segments/segment-customer.ts';
import type { CustomerInput } from '../../src/segments/types.ts';
import { AS_OF, customer, daysAgo, defaultShopSettings, order, settingsWith } from './fixtures.ts';

const s = defaultShopSettings;
const family = (p: CustomerSegmentation, f: string): string[] => p.memberships.filter((m) => m.family === f).map((m) => m.segment);
const explanation = (p: CustomerSegmentation, seg: string): string => p.memberships.find((m) => m.segment === seg)!.explanation;

/** A customer whose orders carry `items` units of product `product` each. */
function buyer(id: string, days: number[], items: number, product = 'p1'): CustomerInput {
  return { customerId: id, orders: days.map((d) => order({ customerId: id, at: daysAgo(d), lineItems: [{ productId: product, variantId: null, sku: null, quantity: items }] })) };
}

const base: CustomerInput[] = Array.from({ length: 40 }, (_, i) => customer(`b${i}`, [300 - i, 200 - i]));

describe('intent segments', () => {
  it('Abandoned Cart: an unfinished checkout within 7 days and no order since, with its products; an order takes them out', () => {
    const cal = calibrateShop(base, s, AS_OF);
    const checkout = { at: daysAgo(2), products: ['111', '222'] };
    const p = segmentCustomer(customer('a', [100], 5000, { engagement: { checkout } }), cal, s, AS_OF);
    assert.deepEqual(family(p, 'intent'), ['abandoned-cart']);
    assert.equal(explanation(p, 'abandoned-cart'), 'Abandoned Cart: checkout started on 2026-11-18 (within 7 days), no order since: 111, 222');
    // An order after the checkout: out.
    assert.deepEqual(family(segmentCustomer(customer('a', [100, 1], 5000, { engagement: { checkout } }), cal, s, AS_OF), 'intent'), []);
    // Older than the window: out; the window is a setting.
    const old = { engagement: { checkout: { at: daysAgo(9), products: ['111'] } } };
    assert.deepEqual(family(segmentCustomer(customer('a', [100], 5000, old), cal, s, AS_OF), 'intent'), []);
    assert.deepEqual(family(segmentCustomer(customer('a', [100], 5000, old), cal, settingsWith({ intent: { abandonedCartDays: 14 } }), AS_OF), 'intent'), ['abandoned-cart']);
    // nextChangeAt: the day the window lapses.
    assert.equal(new Date(p.nextChangeAt!).toISOString().slice(0, 10) <= '2026-11-26', true);
  });

  it('Curious Prospect: visited within 30 days, never bought; Undecided Prospect: cart or checkout within 90 days, never bought', () => {
    const cal = calibrateShop(base, s, AS_OF);
    const visitor = { customerId: 'v', orders: [], engagement: { lastVisitAt: daysAgo(10) } };
    assert.deepEqual(family(segmentCustomer(visitor, cal, s, AS_OF), 'intent'), ['curious-prospect']);
    assert.deepEqual(family(segmentCustomer({ ...visitor, engagement: { lastVisitAt: daysAgo(40) } }, cal, s, AS_OF), 'intent'), []);
    const carted = { customerId: 'c', orders: [], engagement: { lastVisitAt: daysAgo(50), lastCartAt: daysAgo(50) } };
    assert.deepEqual(family(segmentCustomer(carted, cal, s, AS_OF), 'intent'), ['undecided-prospect']);
    // A buyer is neither.
    assert.deepEqual(family(segmentCustomer(customer('x', [300], 5000, { engagement: { lastVisitAt: daysAgo(1), lastCartAt: daysAgo(1) } }), cal, s, AS_OF), 'intent'), []);
    // The family can be switched off.
    assert.deepEqual(family(segmentCustomer(visitor, cal, settingsWith({ families: { intent: false } }), AS_OF), 'intent'), []);
  });
});

describe('behaviour additions', () => {
  it('Bulk Buyer and One-item Buyer: items per order in the top / bottom share of repeat buyers', () => {
    const shop = [...Array.from({ length: 10 }, (_, i) => buyer(`one${i}`, [200, 100], 1)), ...Array.from({ length: 30 }, (_, i) => buyer(`mid${i}`, [200, 100], 3)), ...Array.from({ length: 10 }, (_, i) => buyer(`bulk${i}`, [200, 100], 12))];
    const cal = calibrateShop(shop, s, AS_OF);
    assert.equal(cal.signals!.oneItemMaxItemsPerOrder, 1);
    assert.equal(cal.signals!.bulkMinItemsPerOrder, 12);
    const bulk = segmentCustomer(shop[45]!, cal, s, AS_OF);
    assert.ok(family(bulk, 'behaviour').includes('bulk-buyer'));
    assert.match(explanation(bulk, 'bulk-buyer'), /^Bulk Buyer: 12\.0 items per order ≥ 12\.0 \(top 20% of repeat buyers/);
    assert.ok(family(segmentCustomer(shop[0]!, cal, s, AS_OF), 'behaviour').includes('one-item-buyer'));
    const mid = family(segmentCustomer(shop[20]!, cal, s, AS_OF), 'behaviour');
    assert.ok(!mid.includes('bulk-buyer') && !mid.includes('one-item-buyer'));
    // One order is not enough (itemsMinOrders 2).
    assert.ok(!family(segmentCustomer(buyer('single', [50], 40), cal, s, AS_OF), 'behaviour').includes('bulk-buyer'));
  });

  it('no Bulk Buyers when every repeat buyer buys the same number of items', () => {
    const shop = Array.from({ length: 20 }, (_, i) => buyer(`s${i}`, [200, 100], 2));
    const cal = calibrateShop(shop, s, AS_OF);
    assert.equal(cal.signals!.bulkMinItemsPerOrder, null);
    assert.ok(!family(segmentCustomer(shop[0]!, cal, s, AS_OF), 'behaviour').includes('bulk-buyer'));
  });

  it('Trend Follower: at least half of the datable products bought within 30 days of their first sale in the shop', () => {
    // The shop opens 400 days ago with p-old; p-new launches 100 days ago (its first sale).
    const opener = buyer('opener', [400, 390], 1, 'p-old');
    const launcher = buyer('launcher', [100], 1, 'p-new');
    const early = { customerId: 'early', orders: [order({ customerId: 'early', at: daysAgo(390), lineItems: [{ productId: 'p-old', variantId: null, sku: null, quantity: 1 }] }), order({ customerId: 'early', at: daysAgo(90), lineItems: [{ productId: 'p-new', variantId: null, sku: null, quantity: 1 }] })] };
    const late = { customerId: 'late', orders: [order({ customerId: 'late', at: daysAgo(390), lineItems: [{ productId: 'p-old', variantId: null, sku: null, quantity: 1 }] }), order({ customerId: 'late', at: daysAgo(20), lineItems: [{ productId: 'p-new', variantId: null, sku: null, quantity: 1 }] })] };
    const shop = [opener, launcher, early, late];
    const cal = calibrateShop(shop, s, AS_OF);
    assert.deepEqual(cal.signals!.productLaunchDays.map(([k]) => k), ['p-new']);
    const p = segmentCustomer(early, cal, s, AS_OF);
    assert.ok(family(p, 'behaviour').includes('trend-follower'));
    assert.match(explanation(p, 'trend-follower'), /^Trend Follower: 1 of 1 product bought within 30 days of the product's first sale/);
    assert.ok(!family(segmentCustomer(late, cal, s, AS_OF), 'behaviour').includes('trend-follower'));
    // The launcher has one order: below trendMinOrders.
    assert.ok(!family(segmentCustomer(launcher, cal, s, AS_OF), 'behaviour').includes('trend-follower'));
  });

  it('a calibration stored before these segments (no signals) segments without them', () => {
    const cal = calibrateShop(base, s, AS_OF);
    delete cal.signals;
    assert.ok(segmentCustomer(base[0]!, cal, s, AS_OF).memberships.length > 0);
  });
});
