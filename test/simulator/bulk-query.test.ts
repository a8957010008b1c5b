import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { startHarness, startReceiver, SHOP } from './helpers.ts';
import type { Harness, WebhookReceiver } from './helpers.ts';

const CUSTOMERS = 10_500;
const BULK = `{
  customers {
    edges { node {
      id tags updatedAt amountSpent { amount currencyCode }
      orders { edges { node {
        id createdAt currentTotalPriceSet { shopMoney { amount currencyCode } }
        lineItems { edges { node { quantity sku } } }
      } } }
    } }
  }
}`;
const RUN = 'mutation($q: String!) { bulkOperationRunQuery(query: $q) { bulkOperation { id status } userErrors { field message code } } }';
const STATUS = 'query($id: ID!) { node(id: $id) { ... on BulkOperation { id status errorCode objectCount rootObjectCount fileSize url partialDataUrl type } } }';

async function waitDone(h: Harness, id: string): Promise<Record<string, unknown>> {
  await h.sim.waitForBulkOperation(SHOP, id);
  const { body } = await h.gql(STATUS, { id });
  return body.data?.node as Record<string, unknown>;
}

describe('simulator bulkOperationRunQuery', () => {
  let h: Harness;
  let hooks: WebhookReceiver;
  before(async () => {
    hooks = await startReceiver();
    h = await startHarness({ scopes: ['read_customers', 'write_customers', 'read_orders', 'read_all_orders'], webhookAddress: hooks.url });
    h.sim.seedSynthetic(SHOP, { customers: CUSTOMERS, seed: 5 });
  });
  after(async () => {
    await h.sim.close();
    await hooks.close();
  });

  it(`streams ${CUSTOMERS} customers with orders and line items as JSONL, children after their parent`, async () => {
    const { body } = await h.gql(RUN, { q: BULK });
    const created = (body.data?.bulkOperationRunQuery as { bulkOperation: { id: string; status: string }; userErrors: unknown[] });
    assert.deepEqual(created.userErrors, []);
    assert.equal(created.bulkOperation.status, 'CREATED');
    const op = await waitDone(h, created.bulkOperation.id);
    assert.equal(op.status, 'COMPLETED');
    assert.equal(op.type, 'QUERY');
    assert.equal(op.rootObjectCount, String(CUSTOMERS));

    const res = await fetch(String(op.url));
    assert.equal(res.status, 200);
    const lines = createInterface({ input: Readable.fromWeb(res.body as never) });
    const seenParents = new Set<string>();
    let customers = 0;
    let orders = 0;
    let items = 0;
    let total = 0;
    let lastCustomer = '';
    for await (const line of lines) {
      total++;
      const obj = JSON.parse(line) as { id?: string; __parentId?: string; quantity?: number };
      if (obj.id?.startsWith('gid://shopify/Customer/')) {
        assert.equal(obj.__parentId, undefined);
        customers++;
        lastCustomer = obj.id;
      } else if (obj.id?.startsWith('gid://shopify/Order/')) {
        // An order follows its own customer's line (no other customer in between).
        assert.equal(obj.__parentId, lastCustomer);
        orders++;
      } else {
        assert.equal(typeof obj.quantity, 'number');
        assert.ok(obj.__parentId && seenParents.has(obj.__parentId), 'line item after its order');
        items++;
      }
      if (obj.id) seenParents.add(obj.id);
    }
    const all = h.sim.listOrders(SHOP);
    assert.equal(customers, CUSTOMERS);
    assert.equal(orders, all.length);
    assert.equal(items, all.reduce((s, o) => s + o.lineItems.length, 0));
    assert.equal(op.objectCount, String(total));
    assert.ok(Number(op.fileSize) > 0);
  });

  it('sends bulk_operations/finish with Shopify\'s payload', async () => {
    await h.sim.webhooksIdle();
    const finish = hooks.received.filter((w) => w.headers['x-shopify-topic'] === 'bulk_operations/finish');
    assert.equal(finish.length, 1);
    const payload = JSON.parse(finish[0]!.body) as Record<string, unknown>;
    assert.deepEqual(Object.keys(payload).sort(), ['admin_graphql_api_id', 'completed_at', 'created_at', 'error_code', 'status', 'type']);
    assert.equal(payload.status, 'completed');
    assert.equal(payload.type, 'query');
    assert.equal(payload.error_code, null);
    assert.match(String(payload.admin_graphql_api_id), /^gid:\/\/shopify\/BulkOperation\/\d+$/);
  });

  it('applies the inner query filter and currentBulkOperation reports the latest', async () => {
    const { body } = await h.gql(RUN, { q: '{ customers(query: "tag:staff") { edges { node { id tags } } } }' });
    const id = (body.data?.bulkOperationRunQuery as { bulkOperation: { id: string } }).bulkOperation.id;
    const op = await waitDone(h, id);
    const text = await (await fetch(String(op.url))).text();
    const rows = text.trim().split('\n').map((l) => JSON.parse(l) as { tags: string[] });
    assert.equal(rows.length, h.sim.listCustomers(SHOP).filter((c) => c.tags.includes('staff')).length);
    assert.ok(rows.every((r) => r.tags.includes('staff')));
    const current = await h.gql('{ currentBulkOperation { id status } }');
    assert.deepEqual(current.body.data?.currentBulkOperation, { id, status: 'COMPLETED' });
  });

  it('rejects bulk queries Shopify would reject', async () => {
    const tooDeep = await h.gql(RUN, { q: '{ customers { edges { node { orders { edges { node { lineItems { edges { node { id } } } } } } } } } orders { edges { node { id } } } }' });
    assert.equal((tooDeep.body.data?.bulkOperationRunQuery as { userErrors: Array<{ code: string }> }).userErrors[0]?.code, 'INVALID');
    const invalid = await h.gql(RUN, { q: '{ customers { edges { node { nope } } } }' });
    assert.match((invalid.body.data?.bulkOperationRunQuery as { userErrors: Array<{ message: string }> }).userErrors[0]?.message ?? '', /Cannot query field "nope"/);
  });

  it('allows five concurrent bulk queries from API 2026-01 and one per type before', async () => {
    const q = '{ customers { edges { node { id } } } }';
    h.sim.setFaults(SHOP, { holdBulk: true }); // nothing finishes while we count
    const results: string[] = [];
    for (let i = 0; i < 6; i++) {
      const { body } = await h.gql(RUN, { q });
      const r = body.data?.bulkOperationRunQuery as { bulkOperation: { id: string } | null; userErrors: Array<{ code: string }> };
      results.push(r.bulkOperation ? 'ok' : r.userErrors[0]!.code);
    }
    assert.deepEqual(results, ['ok', 'ok', 'ok', 'ok', 'ok', 'LIMIT_REACHED']);
    const old = await h.gql(RUN, { q }, { version: '2025-10' });
    assert.equal((old.body.data?.bulkOperationRunQuery as { userErrors: Array<{ code: string }> }).userErrors[0]?.code, 'OPERATION_IN_PROGRESS');
    h.sim.setFaults(SHOP, { holdBulk: false });
  });
});
