import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { CDNOW_CUSTOMER_ID_BASE, MERCHANT_TAGS } from '../../tools/shopify-simulator/index.ts';
import { currentTotalMinor, totalMinor } from '../../tools/shopify-simulator/store.ts';
import { syntheticShop } from '../../tools/synthetic-shop.ts';
import { CDNOW_MASTER } from '../../tools/cdnow-data.ts';
import { startHarness, SHOP } from './helpers.ts';
import type { Harness } from './helpers.ts';

const CDNOW = CDNOW_MASTER;

async function firstRows(limitCustomers: number): Promise<Array<{ id: number; value: number; qty: number }>> {
  const rows: Array<{ id: number; value: number; qty: number }> = [];
  for await (const line of createInterface({ input: createReadStream(CDNOW) })) {
    const p = line.trim().split(/\s+/);
    if (!/^\d+$/.test(p[0] ?? '')) continue;
    if (Number(p[0]) > limitCustomers) break;
    rows.push({ id: Number(p[0]), qty: Number(p[2]), value: Math.round(Number(p[3]) * 100) });
  }
  return rows;
}

describe('simulator seeding', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.sim.close());

  it('maps CDNOW customers and rows to Shopify customers and orders with exact totals', async () => {
    const rows = await firstRows(200);
    const res = await h.sim.seedFromCdnow(SHOP, CDNOW, { limit: 200, asOf: Date.parse('2026-11-01T00:00:00Z') });
    assert.deepEqual(res, { customers: 200, orders: rows.length });
    const c1 = h.sim.getCustomer(SHOP, String(CDNOW_CUSTOMER_ID_BASE + 1))!;
    assert.ok(c1);
    const orders = h.sim.listOrders(SHOP);
    assert.equal(orders.reduce((s, o) => s + totalMinor(o), 0), rows.reduce((s, r) => s + r.value, 0));
    assert.equal(orders.reduce((s, o) => s + o.lineItems.reduce((q, li) => q + li.quantity, 0), 0), rows.reduce((s, r) => s + Math.max(1, r.qty), 0));
    const last = Math.max(...orders.map((o) => o.createdAt));
    assert.ok(last < Date.parse('2026-11-01T00:00:00Z') && last > Date.parse('2026-10-01T00:00:00Z'), 'history shifted to end at asOf');
    const tagged = h.sim.listCustomers(SHOP).filter((c) => c.tags.length > 0);
    assert.ok(tagged.length > 10 && tagged.every((c) => c.tags.every((t) => MERCHANT_TAGS.includes(t))));
  });

  it('generates the same synthetic shop from the same seed', async () => {
    const a = 'seed-a.myshopify.com';
    const b = 'seed-b.myshopify.com';
    h.sim.createShop({ domain: a });
    h.sim.createShop({ domain: b });
    const asOf = Date.parse('2026-11-01T00:00:00Z');
    h.sim.seedSynthetic(a, { customers: 200, seed: 99, asOf });
    h.sim.seedSynthetic(b, { customers: 200, seed: 99, asOf });
    const shape = (d: string): unknown => h.sim.listCustomers(d).map((c) => [c.tags, c.createdAt, h.sim.listOrders(d, { customerId: c.id }).map((o) => [o.createdAt, totalMinor(o), o.financialStatus])]);
    assert.deepEqual(shape(a), shape(b));
    assert.ok(h.sim.listOrders(a).length > 100);
  });

  it('maps the project\'s BG/NBD generator onto the shop with exact totals', () => {
    const d = 'bgnbd.myshopify.com';
    h.sim.createShop({ domain: d, scopes: ['read_customers', 'read_orders', 'read_all_orders'] });
    const asOf = Date.parse('2026-11-01T00:00:00Z');
    const res = h.sim.seedSynthetic(d, { customers: 300, seed: 12, asOf, model: 'bgnbd' });
    const source = [...syntheticShop({ customers: 300, seed: 12, asOf })].flatMap((c) => c.orders);
    assert.deepEqual(res, { customers: 300, orders: source.length });
    const orders = h.sim.listOrders(d);
    assert.equal(orders.reduce((s, o) => s + totalMinor(o), 0), source.reduce((s, o) => s + o.grossMinor, 0));
    assert.equal(orders.reduce((s, o) => s + currentTotalMinor(o), 0), source.reduce((s, o) => s + o.netMinor, 0));
    assert.equal(orders.filter((o) => o.cancelledAt !== null).length, source.filter((o) => o.cancelledAt !== null).length);
    assert.equal(orders.filter((o) => o.test).length, source.filter((o) => o.test).length);
  });
});
