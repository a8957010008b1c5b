import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, SHOP, customerGid, NOW } from './helpers.ts';
import type { Harness } from './helpers.ts';

describe('simulator GraphQL queries', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    h.sim.seedSynthetic(SHOP, { customers: 600, seed: 11 });
  });
  after(() => h.sim.close());

  it('rejects a query with an unknown field, with no data and a cost extension', async () => {
    const { status, body } = await h.gql('{ customers(first: 5) { nodes { id emailAddress } } }');
    assert.equal(status, 200);
    assert.equal(body.data, undefined);
    assert.match(body.errors?.[0]?.message ?? '', /Cannot query field "emailAddress" on type "Customer"/);
    assert.ok(body.extensions?.cost);
  });

  it('rejects a syntax error and a wrong argument type', async () => {
    const syntax = await h.gql('{ customers(first: 5) { nodes { id }');
    assert.match(syntax.body.errors?.[0]?.message ?? '', /Syntax Error/);
    const badArg = await h.gql('{ customers(first: "five") { nodes { id } } }');
    assert.match(badArg.body.errors?.[0]?.message ?? '', /Int cannot represent/);
  });

  it('requires first or last and caps page size at 250', async () => {
    const none = await h.gql('{ customers { nodes { id } } }');
    assert.equal(none.body.errors?.[0]?.message, 'you must provide one of first or last');
    const big = await h.gql('{ customers(first: 251) { nodes { id } } }');
    assert.match(big.body.errors?.[0]?.message ?? '', /between 0 and 250/);
  });

  it('pages through every customer exactly once with cursors', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const { body } = await h.gql('query($after: String) { customers(first: 250, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }', { after });
      const conn = body.data?.customers as { edges: Array<{ cursor: string; node: { id: string } }>; pageInfo: { hasNextPage: boolean; endCursor: string } };
      seen.push(...conn.edges.map((e) => e.node.id));
      pages++;
      if (!conn.pageInfo.hasNextPage) break;
      assert.equal(conn.pageInfo.endCursor, conn.edges.at(-1)?.cursor);
      after = conn.pageInfo.endCursor;
      h.clock.advance(10_000); // let the bucket refill between pages
    }
    assert.equal(pages, 3);
    assert.equal(seen.length, 600);
    assert.equal(new Set(seen).size, 600);
    const expected = h.sim.listCustomers(SHOP).map((c) => customerGid(c.id));
    assert.deepEqual(seen, expected);
  });

  it('pages backwards with last/before and reverse', async () => {
    const { body } = await h.gql('{ customers(first: 3, reverse: true) { nodes { legacyResourceId } } }');
    const ids = h.sim.listCustomers(SHOP).map((c) => c.id);
    assert.deepEqual((body.data?.customers as { nodes: Array<{ legacyResourceId: string }> }).nodes.map((n) => n.legacyResourceId), ids.slice(-3).reverse());
    const last = await h.gql('{ customers(last: 2) { nodes { legacyResourceId } pageInfo { hasPreviousPage hasNextPage } } }');
    const conn = last.body.data?.customers as { nodes: Array<{ legacyResourceId: string }>; pageInfo: { hasPreviousPage: boolean; hasNextPage: boolean } };
    assert.deepEqual(conn.nodes.map((n) => n.legacyResourceId), ids.slice(-2));
    assert.equal(conn.pageInfo.hasPreviousPage, true);
  });

  it('filters customers by updated_at, tag and id like Shopify search syntax', async () => {
    const all = h.sim.listCustomers(SHOP);
    const cutoff = NOW - 30 * 86_400_000;
    const iso = new Date(cutoff).toISOString().replace('.000Z', 'Z');
    const { body } = await h.gql(`{ customersCount(query: "updated_at:>'${iso}'") { count precision } }`);
    const expected = all.filter((c) => Math.floor(c.updatedAt / 1000) > Math.floor(cutoff / 1000)).length;
    assert.ok(expected > 0 && expected < all.length);
    assert.deepEqual(body.data?.customersCount, { count: expected, precision: 'EXACT' });

    const tagged = await h.gql('{ customers(first: 250, query: "tag:wholesale") { nodes { tags } } }');
    const nodes = (tagged.body.data?.customers as { nodes: Array<{ tags: string[] }> }).nodes;
    assert.equal(nodes.length, all.filter((c) => c.tags.includes('wholesale')).length);
    assert.ok(nodes.every((n) => n.tags.includes('wholesale')));

    const target = all[42]!;
    const byId = await h.gql(`{ customers(first: 5, query: "id:${target.id}") { nodes { legacyResourceId } } }`);
    assert.deepEqual((byId.body.data?.customers as { nodes: unknown[] }).nodes, [{ legacyResourceId: target.id }]);
    const range = await h.gql(`{ customersCount(query: "id:>=${target.id} AND -tag:wholesale") { count } }`);
    assert.equal((range.body.data?.customersCount as { count: number }).count, all.slice(42).filter((c) => !c.tags.includes('wholesale')).length);
  });

  it('warns about unknown search fields instead of filtering on them', async () => {
    const { body } = await h.gql('{ customers(first: 1, query: "colour:blue") { nodes { id } } }');
    assert.equal((body.data?.customers as { nodes: unknown[] }).nodes.length, 1);
    assert.deepEqual(body.extensions?.search, [{ path: ['customers'], query: 'colour:blue', warnings: [{ field: 'colour', message: 'Invalid search field for this query.' }] }]);
  });

  it('serves customer(id), node(id) and Shopify scalar shapes', async () => {
    const c = h.sim.listCustomers(SHOP).find((x) => x.orderIds.length > 0)!;
    const { body } = await h.gql('query($id: ID!) { customer(id: $id) { id legacyResourceId numberOfOrders amountSpent { amount currencyCode } createdAt } node(id: $id) { __typename id } }', { id: customerGid(c.id) });
    const cust = body.data?.customer as Record<string, unknown>;
    assert.equal(cust.id, customerGid(c.id));
    assert.equal(cust.legacyResourceId, c.id);
    assert.equal(cust.numberOfOrders, String(c.orderIds.length));
    assert.match((cust.amountSpent as { amount: string }).amount, /^\d+\.\d{2}$/);
    assert.match(String(cust.createdAt), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assert.deepEqual(body.data?.node, { __typename: 'Customer', id: customerGid(c.id) });
  });

  it('answers shop and currentAppInstallation', async () => {
    const { body } = await h.gql('{ shop { myshopifyDomain ianaTimezone currencyCode plan { displayName } } currentAppInstallation { accessScopes { handle } } }');
    assert.deepEqual(body.data?.shop, { myshopifyDomain: SHOP, ianaTimezone: 'America/New_York', currencyCode: 'USD', plan: { displayName: 'Shopify' } });
    assert.deepEqual((body.data?.currentAppInstallation as { accessScopes: Array<{ handle: string }> }).accessScopes.map((s) => s.handle), ['read_customers', 'write_customers', 'read_orders']);
  });

  it('returns 401 with Shopify\'s body for an unknown token', async () => {
    const { status, body } = await h.gql('{ shop { id } }', {}, { token: 'shpat_nope' });
    assert.equal(status, 401);
    assert.deepEqual(body, { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' });
  });

  it('accepts the shop named in the path and rejects a token of another shop', async () => {
    const ok = await fetch(`${h.sim.url}/shops/${SHOP}/admin/api/2026-10/graphql.json`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-shopify-access-token': h.token }, body: JSON.stringify({ query: '{ shop { id } }' }) });
    assert.equal(ok.status, 200);
    h.sim.createShop({ domain: 'other.myshopify.com' });
    const wrong = await fetch(`${h.sim.url}/shops/other.myshopify.com/admin/api/2026-10/graphql.json`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-shopify-access-token': h.token }, body: JSON.stringify({ query: '{ shop { id } }' }) });
    assert.equal(wrong.status, 401);
    const viaHeader = await fetch(h.sim.graphqlUrl(), { method: 'POST', headers: { 'content-type': 'application/json', 'x-shopify-access-token': h.token, 'x-shopify-shop-domain': 'other.myshopify.com' }, body: JSON.stringify({ query: '{ shop { id } }' }) });
    assert.equal(viaHeader.status, 401);
  });

  it('denies customers without read_customers with ACCESS_DENIED', async () => {
    h.sim.createShop({ domain: 'orders-only.myshopify.com', scopes: ['read_orders'] });
    const { accessToken } = h.sim.installApp({ shop: 'orders-only.myshopify.com', apiKey: 'k2', apiSecret: 's2' });
    const { body } = await h.gql('{ customers(first: 1) { nodes { id } } }', {}, { token: accessToken });
    assert.equal(body.errors?.[0]?.extensions?.code, 'ACCESS_DENIED');
    assert.deepEqual(body.errors?.[0]?.path, ['customers']);
  });
});
