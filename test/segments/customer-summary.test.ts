import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { calibrateFromSummaries } from '../../src/segments/calibrate-shop.ts';
import { summarizeAll, summarizeCustomer, SummaryCompactor } from '../../src/segments/customer-summary.ts';
import type { CustomerInput } from '../../src/segments/types.ts';
import { syntheticShop } from '../../tools/synthetic-shop.ts';
import { AS_OF, settingsWith } from './fixtures.ts';

const settings = settingsWith({});
// Product ids as a database read gives them: a new string per order line, not one shared per product.
const shop: CustomerInput[] = [...syntheticShop({ customers: 1500, seed: 5, asOf: AS_OF })].map((c) => ({
  ...c,
  orders: c.orders.map((o) => ({ ...o, lineItems: o.lineItems.map((li) => ({ ...li, productId: li.productId === null ? null : (JSON.parse(JSON.stringify(`gid://shopify/Product/${li.productId}`)) as string) })) })),
}));

describe('SummaryCompactor (a whole-shop pass holds a million summaries)', () => {
  it('changes no value of any summary, and the calibration fitted to them is the same', () => {
    const plain = shop.map((c) => summarizeCustomer(c, settings, AS_OF));
    const compact = summarizeAll(shop, settings, AS_OF);
    assert.deepEqual(compact, plain);
    assert.ok(plain.some((s) => s.products.length > 1 && s.dayList.length > 2), 'the shop has repeat buyers of several products');
    assert.deepEqual(calibrateFromSummaries(compact, settings, AS_OF), calibrateFromSummaries(plain, settings, AS_OF));
  });

  it('compacts the summary it is given (no copy: a million copies would double the memory it saves)', () => {
    const compactor = new SummaryCompactor();
    const s = summarizeCustomer(shop.find((c) => c.orders.length > 2)!, settings, AS_OF);
    const before = structuredClone(s);
    assert.equal(compactor.compact(s), s);
    assert.deepEqual(s, before);
  });

  it('reports progress with the running count', () => {
    const counts: number[] = [];
    summarizeAll(shop.slice(0, 3), settings, AS_OF, (n) => counts.push(n));
    assert.deepEqual(counts, [1, 2, 3]);
  });
});
