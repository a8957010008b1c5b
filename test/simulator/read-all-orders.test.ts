import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, SHOP, NOW, customerGid } from './helpers.ts';
import type { Harness } from './helpers.ts';

const DAY = 86_400_000;

describe('simulator read_all_orders 60-day rule', () => {
  let h: Harness;
  let customerId = '';
  const FULL = 'full.myshopify.com';
  let fullToken = '';
  before(async () => {
    h = await startHarness();
    h.sim.createShop({ domain: FULL, scopes: ['read_customers', 'write_customers', 'read_orders', 'read_all_orders'] });
    fullToken = h.sim.installApp({ shop: FULL, apiKey: 'k-full', apiSecret: 's' }).accessToken;
    for (const shop of [SHOP, FULL]) {
      const c = h.sim.createCustomer(shop, { id: '7300000000001', createdAt: NOW - 400 * DAY });
      customerId = c.id;
      for (const age of [300, 61, 59, 1]) h.sim.createOrder(shop, { customerId: c.id, createdAt: NOW - age * DAY });
    }
  });
  after(() => h.sim.close());

  it('hides orders older than 60 days without read_all_orders, in lists, nested connections and node()', async () => {
    const { body } = await h.gql('query($id: ID!) { orders(first: 10) { nodes { id } } customer(id: $id) { numberOfOrders orders(first: 10) { nodes { id } } } }', { id: customerGid(customerId) });
    assert.equal((body.data?.orders as { nodes: unknown[] }).nodes.length, 2);
    const cust = body.data?.customer as { numberOfOrders: string; orders: { nodes: unknown[] } };
    assert.equal(cust.orders.nodes.length, 2);
    assert.equal(cust.numberOfOrders, '4', 'the count still includes old orders, as on Shopify');
    const old = h.sim.listOrders(SHOP)[0]!;
    const node = await h.gql('query($id: ID!) { node(id: $id) { id } }', { id: `gid://shopify/Order/${old.id}` });
    assert.equal(node.body.data?.node, null);
  });

  it('shows every order with read_all_orders', async () => {
    const { body } = await h.gql('{ orders(first: 10) { nodes { id } } }', {}, { token: fullToken });
    assert.equal((body.data?.orders as { nodes: unknown[] }).nodes.length, 4);
  });

  it('applies the rule to bulk queries too', async () => {
    const { body } = await h.gql('mutation { bulkOperationRunQuery(query: "{ orders { edges { node { id } } } }") { bulkOperation { id } userErrors { message } } }');
    const id = (body.data?.bulkOperationRunQuery as { bulkOperation: { id: string } }).bulkOperation.id;
    const op = await h.sim.waitForBulkOperation(SHOP, id);
    assert.equal(op.objectCount, 2);
  });

  it('moves the window with the clock', async () => {
    h.clock.advance(2 * DAY);
    const { body } = await h.gql('{ ordersCount { count } }');
    assert.deepEqual(body.data?.ordersCount, { count: 1 });
  });
});
