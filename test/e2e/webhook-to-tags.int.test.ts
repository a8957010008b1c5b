import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LocalStack } from '../../scripts/local-stack.ts';
import { openE2eStack, type E2eStack } from './stack.ts';
import { segment } from '../../jobs/engine.ts';
import { pollUntil } from '../../tools/poll.ts';

const SHOP = 'e2e-store.myshopify.com';
const AS_OF = Date.parse('2026-11-20T00:00:00Z');
const HOUR = 3_600_000;

const until = <T>(what: string, check: () => T | Promise<T>, timeoutMs = 60_000) => pollUntil(what, check, { timeoutMs });

describe('end to end through the Shopify simulator', () => {
  let e2e: E2eStack;
  let stack: LocalStack;

  before(async () => {
    e2e = await openE2eStack(import.meta.url, { asOf: AS_OF, seed: 11, env: { BULK_MUTATION_THRESHOLD: '20' } });
    stack = e2e.stack;
    stack.sim.createShop({ domain: SHOP, plan: 'plus', scopes: ['read_customers', 'write_customers', 'read_orders', 'read_all_orders'], timezone: 'UTC' });
    stack.sim.seedSynthetic(SHOP, { customers: 40, seed: 5, asOf: AS_OF - 2 * HOUR, maxOrdersPerCustomer: 6 });
    await stack.install(SHOP);
    const job = await stack.runtime.enqueue.resyncShop(SHOP, 'install');
    await stack.waitFor(job);
    await stack.idle();
  });
  after(async () => { await e2e?.close(); });

  it('answers /health when MongoDB and Redis answer', async () => {
    const res = await fetch(`${stack.appUrl}/health`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { ok: true, mongo: true, redis: true });
  });

  it('tags every customer after the backfill exactly as its stored profile says, merchant tags kept', async () => {
    const customers = stack.sim.listCustomers(SHOP);
    let withMerchantTags = 0;
    let tagged = 0;
    for (const c of customers) {
      const profile = await stack.deps.stores.profiles.get(SHOP, c.id);
      const ours = c.tags.filter((t) => t.startsWith('seg:')).sort();
      assert.deepEqual(ours, profile?.tagsDesired ?? [], `customer ${c.id}`);
      if (ours.length > 0) tagged++;
      if (c.tags.some((t) => !t.startsWith('seg:'))) withMerchantTags++;
    }
    assert.ok(withMerchantTags > 0, 'the seed gives some customers merchant tags');
    assert.equal(customers.length, 40);
    assert.equal(tagged, customers.length, 'every customer carries our tags (at least a loyalty group or Prospects)');
  });

  it('a signed orders/create webhook leads to the customer’s new tags on the simulator, merchant tags intact', async () => {
    const target = stack.sim.listCustomers(SHOP).find((c) => c.tags.includes('seg:one-time-buyer') && c.tags.some((t) => !t.startsWith('seg:')))
      ?? stack.sim.listCustomers(SHOP).find((c) => c.tags.includes('seg:one-time-buyer'))!;
    const merchantTags = target.tags.filter((t) => !t.startsWith('seg:')).sort();
    stack.sim.createOrder(SHOP, { customerId: target.id, createdAt: AS_OF - HOUR, financialStatus: 'paid', totalPrice: '42.00', lineItems: [{ quantity: 1, price: '42.00', sku: 'E2E-1' }] });
    const tags = await until('new tags on the simulator', () => {
      const t = stack.sim.getCustomer(SHOP, target.id)!.tags;
      return t.includes('seg:loyal-customer') ? t : undefined;
    });
    assert.ok(!tags.includes('seg:one-time-buyer'));
    assert.deepEqual(tags.filter((t) => !t.startsWith('seg:')).sort(), merchantTags);
    const events = await stack.deps.stores.events.forCustomer(SHOP, target.id);
    assert.ok(events.some((e) => e.segment === 'loyal-customer' && e.change === 'entered'));
  });

  it('duplicated, reordered and late webhooks give the same final tags as a from-scratch recompute', async () => {
    stack.sim.setWebhookBehaviour({ duplicateRate: 0.5, reorderWindowMs: 300, lateRate: 0.3, lateDelayMs: 800 });
    const ids = stack.sim.listCustomers(SHOP).slice(0, 6).map((c) => c.id);
    for (const [i, id] of ids.entries()) {
      const o = stack.sim.createOrder(SHOP, { customerId: id, createdAt: AS_OF - (3 + i) * HOUR, financialStatus: 'paid', totalPrice: `${20 + i}.00` });
      if (i % 2 === 0) stack.sim.refundOrder(SHOP, o.id, { amount: '5.00' });
      if (i === 3) stack.sim.cancelOrder(SHOP, o.id);
    }
    await stack.sim.webhooksIdle();
    await stack.idle();
    const live = new Map(ids.map((id) => [id, stack.sim.getCustomer(SHOP, id)!.tags.filter((t) => t.startsWith('seg:')).sort()]));
    assert.ok(stack.sim.stats(SHOP).webhooks.duplicated > 0, 'some deliveries were duplicated');
    for (const [id, tags] of live) assert.ok(tags.length > 0, `customer ${id} carries our tags`);

    // From scratch: the stored orders equal the simulator's final orders, and segmenting them with no
    // history (same calibration and as-of) gives the tags that the webhook path left on the simulator.
    const ctx = stack.runtime.context;
    const calibration = (await ctx.calibrations.current(SHOP))!;
    const settings = (await ctx.shops.get(SHOP))!.settings;
    for (const id of ids) {
      const stored = await ctx.orders.forCustomer(SHOP, id);
      const simOrders = stack.sim.listOrders(SHOP, { customerId: id });
      assert.deepEqual(stored.map((o) => o.id).sort(), simOrders.map((o) => o.id).sort(), `orders of ${id}`);
      const fresh = segment({ customerId: id, orders: stored }, calibration.calibration, settings, AS_OF, null);
      assert.deepEqual(live.get(id), [...fresh.tags].sort(), `customer ${id}`);
    }
  });
});
