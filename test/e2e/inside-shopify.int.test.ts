// End to end, inside Shopify: install → native segments and the metafield definition; then one signed
// orders/create webhook moves a one-time buyer to Loyal Customer and the app leaves, on the simulator,
// the new tag, membership of the native segment (the simulator evaluates the segment's query), a Flow
// trigger call with the explanation, and the $app:segments metafield with the entry date. A trigger
// Shopify refuses is counted on the Sync page data, not retried.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LocalStack } from '../../scripts/local-stack.ts';
import { openE2eStack, type E2eStack } from './stack.ts';
import { pollUntil } from '../../tools/poll.ts';
import { shopSyncStatus } from '../../web/sync-status.ts';
import { SEGMENT_DEFINITIONS } from '../../src/segments/tags.ts';

const SHOP = 'inside-shopify.myshopify.com';
const AS_OF = Date.parse('2026-11-20T00:00:00Z');
const HOUR = 3_600_000;
const until = <T>(what: string, check: () => T | Promise<T>) => pollUntil(what, check, { timeoutMs: 60_000 });

describe('end to end inside Shopify: native segments, Flow trigger, customer metafield', () => {
  let e2e: E2eStack;
  let stack: LocalStack;

  before(async () => {
    e2e = await openE2eStack(import.meta.url, { asOf: AS_OF, seed: 17, env: { BULK_MUTATION_THRESHOLD: '1000' } });
    stack = e2e.stack;
    stack.sim.createShop({ domain: SHOP, plan: 'plus', scopes: ['read_customers', 'write_customers', 'read_orders', 'read_all_orders'], timezone: 'UTC' });
    stack.sim.seedSynthetic(SHOP, { customers: 30, seed: 9, asOf: AS_OF - 2 * HOUR, maxOrdersPerCustomer: 4 });
    await stack.install(SHOP);
    await stack.deps.stores.shops.updateSettings(SHOP, { shopify: { flowSegments: ['loyal-customer', 'one-time-buyer'] } }, new Date(AS_OF));
    const job = await stack.runtime.enqueue.resyncShop(SHOP, 'install');
    await stack.waitFor(job);
    await stack.idle();
  });
  after(async () => { await e2e?.close(); });

  it('keeps one native segment per enabled segment, on our tag, and the metafield definition; no Flow call for the first computation', async () => {
    const objects = stack.sim.shopifyObjects(SHOP);
    const loyal = objects.segments().find((s) => s.name === 'Loyal Customer — Customer Segments app');
    assert.equal(loyal?.query, "customer_tags CONTAINS 'seg:loyal-customer'");
    assert.equal(objects.segments().length, SEGMENT_DEFINITIONS.length, 'every segment of the six families');
    const members = objects.members(loyal!.id)!;
    const tagged = stack.sim.listCustomers(SHOP).filter((c) => c.tags.includes('seg:loyal-customer')).map((c) => c.id);
    assert.deepEqual(members.sort(), tagged.sort());
    assert.equal(objects.metafieldDefinitions().length, 1);
    assert.equal(objects.metafieldCount(), 30, 'every customer got the metafield with its tags');
    assert.equal(objects.flowCalls().length, 0);
  });

  it('an order webhook leads to the tag, native segment membership, a Flow trigger with the why, and the metafield with the entry date', async () => {
    const objects = stack.sim.shopifyObjects(SHOP);
    objects.refuseFlowTrigger('customer-left-segment');
    const target = stack.sim.listCustomers(SHOP).find((c) => c.tags.includes('seg:one-time-buyer'))!;
    stack.sim.createOrder(SHOP, { customerId: target.id, createdAt: AS_OF - HOUR, financialStatus: 'paid', totalPrice: '42.00', lineItems: [{ quantity: 1, price: '42.00', sku: 'E2E-1' }] });
    await until('the tag on the simulator', () => stack.sim.getCustomer(SHOP, target.id)!.tags.includes('seg:loyal-customer'));
    await stack.sim.webhooksIdle();
    await stack.idle();

    const loyal = objects.segments().find((s) => s.name === 'Loyal Customer — Customer Segments app')!;
    assert.ok(objects.members(loyal.id)!.includes(target.id), 'member of the native segment by Shopify’s evaluation of its query');

    const calls = objects.flowCalls().filter((c) => String(c.payload.customer_id) === target.id);
    const entered = calls.find((c) => c.handle === 'customer-entered-segment');
    assert.ok(entered?.accepted, JSON.stringify(calls));
    assert.equal(entered.payload['Segment'], 'Loyal Customer');
    assert.equal(entered.payload['Previous segment'], 'One Time Buyer');
    assert.equal(entered.payload['Tag'], 'seg:loyal-customer');
    assert.match(String(entered.payload['Explanation']), /order/i);
    const left = calls.find((c) => c.handle === 'customer-left-segment');
    assert.equal(left?.accepted, false, 'Flow refused the disabled trigger');

    const mf = objects.customerMetafield(stack.config.SHOPIFY_API_KEY, target.id, '$app:segments', 'memberships');
    const value = JSON.parse(mf!.value) as { segments: Array<{ segment: string; since: string | null }> };
    assert.deepEqual(value.segments.find((s) => s.segment === 'loyal-customer')?.since, new Date(AS_OF).toISOString().slice(0, 10));
    assert.ok(!value.segments.some((s) => s.segment === 'one-time-buyer'));

    const status = await shopSyncStatus({ ...stack.deps.stores, enqueue: stack.runtime.enqueue }, SHOP, { failures: 5, remembered: null });
    assert.equal(status.flowTriggers?.sent, 1);
    assert.equal(status.flowTriggers?.refused, 1);
    assert.equal(status.flowTriggers?.pending, 0, 'the refused call is not retried');
    assert.match(status.flowTriggers?.lastRefusal ?? '', /not installed|not enabled/);
  });
});
