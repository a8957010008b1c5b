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

  it('streams a synthetic shop: the same from the same seed, orders generated on read, changes kept', () => {
    const asOf = Date.parse('2026-11-01T00:00:00Z');
    for (const d of ['stream-a.myshopify.com', 'stream-b.myshopify.com']) {
      h.sim.createShop({ domain: d });
      const seeded = h.sim.seedSynthetic(d, { customers: 300, seed: 7, asOf, model: 'streamed', meanOrdersPerCustomer: 3, maxOrdersPerCustomer: 12 });
      assert.equal(seeded.customers, 300);
      assert.equal(h.sim.listOrders(d).length, seeded.orders);
    }
    const [a, b] = ['stream-a.myshopify.com', 'stream-b.myshopify.com'];
    const shape = (d: string): unknown => h.sim.listCustomers(d).map((c) => [c.id, c.tags, c.createdAt, c.updatedAt, c.orderIds.map((id) => {
      const o = h.sim.getOrder(d, id)!;
      return [o.id, o.customerId, o.createdAt, o.updatedAt, currentTotalMinor(o), o.financialStatus, o.lineItems.map((li) => li.id)];
    })]);
    assert.deepEqual(shape(a), shape(b));
    const orders = h.sim.listOrders(a);
    assert.ok(orders.length > 500, `${orders.length} orders`);
    assert.equal(new Set(orders.map((o) => o.id)).size, orders.length, 'order ids are unique');
    assert.equal(new Set(orders.flatMap((o) => o.lineItems.map((li) => li.id))).size, orders.reduce((n, o) => n + o.lineItems.length, 0), 'line item ids are unique');
    for (const c of h.sim.listCustomers(a)) {
      assert.ok(c.orderIds.every((id) => h.sim.getOrder(a, id)?.customerId === c.id));
      assert.ok(c.updatedAt >= Math.max(c.createdAt, ...c.orderIds.map((id) => h.sim.getOrder(a, id)!.updatedAt)));
    }
    // A change made through the simulator stays, although the order is generated again on every read.
    const some = orders[10]!;
    h.sim.updateOrder(a, some.id, { tags: ['gift'] });
    assert.deepEqual(h.sim.getOrder(a, some.id)?.tags, ['gift']);
    assert.deepEqual(h.sim.listOrders(a).find((o) => o.id === some.id)?.tags, ['gift']);
    h.sim.deleteOrder(a, orders[11]!.id);
    assert.equal(h.sim.getOrder(a, orders[11]!.id), undefined);
    assert.equal(h.sim.listOrders(a).length, orders.length - 1);
    const buyer = h.sim.listCustomers(a)[0]!;
    const added = h.sim.createOrder(a, { customerId: buyer.id, totalPrice: '12.00' });
    assert.equal(h.sim.getCustomer(a, buyer.id)?.orderIds.at(-1), added.id);
    assert.equal(h.sim.listOrders(a).length, orders.length);
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
