// The live name read (src/shopify/customer-names.ts) against the simulator: Customer.displayName for an
// app approved for the Name field; for an app at level 1, Shopify's documented refusal — HTTP 200, the
// field null, "This app is not approved to access the Customer object. See …/customer_data for more
// details." in errors with the field's path (https://shopify.dev/docs/apps/launch/protected-customer-data)
// — which the read turns into 'not-approved' instead of a failure.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AdminGraphqlClient } from '../../src/shopify/admin-graphql-client.ts';
import { createAdminFetch } from '../../src/shopify/admin-fetch.ts';
import { ShopifyGraphqlError } from '../../src/shopify/errors.ts';
import { CUSTOMER_NAMES_QUERY, fetchCustomerNames, isProtectedDataRefusal } from '../../src/shopify/customer-names.ts';
import { FakeClock, startShopifySimulator, type ShopifySimulator } from '../../tools/shopify-simulator/index.ts';
import { testLogger } from '../support/test-services.ts';

const APPROVED = 'level-two.myshopify.com';
const LEVEL_ONE = 'level-one.myshopify.com';

describe('live customer names from Shopify', () => {
  let sim: ShopifySimulator;
  const tokens: Record<string, string> = {};
  const client = (shop: string) => new AdminGraphqlClient({ shop, accessToken: tokens[shop]!, apiVersion: '2026-10', fetch: createAdminFetch(sim.url), logger: testLogger });

  before(async () => {
    sim = await startShopifySimulator({ clock: new FakeClock(Date.parse('2026-11-01T12:00:00Z')), seed: 5 });
    for (const [shop, customerFields] of [[APPROVED, ['name']], [LEVEL_ONE, []]] as const) {
      sim.createShop({ domain: shop });
      sim.createCustomer(shop, { id: '501', firstName: 'Ada', lastName: 'Lovelace' });
      sim.createCustomer(shop, { id: '502', firstName: 'Grace' });
      sim.createCustomer(shop, { id: '503' });
      tokens[shop] = sim.installApp({ shop, apiKey: `key-${customerFields.length}`, apiSecret: 'secret', customerFields: [...customerFields] }).accessToken;
    }
  });
  after(() => sim.close());

  it('approved for names: display names by id; no name, unknown id → left out', async () => {
    assert.deepEqual(await fetchCustomerNames(client(APPROVED), ['501', '502', '503', '999']), { status: 'ok', names: { '501': 'Ada Lovelace', '502': 'Grace' } });
    assert.deepEqual(await fetchCustomerNames(client(APPROVED), []), { status: 'ok', names: {} });
  });

  it('level 1 only: the answer is the one shopify.dev shows, and the read says not-approved', async () => {
    const res = await fetch(`${sim.url}/shops/${LEVEL_ONE}/admin/api/2026-10/graphql.json`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-shopify-access-token': tokens[LEVEL_ONE]! },
      body: JSON.stringify({ query: CUSTOMER_NAMES_QUERY, variables: { ids: ['gid://shopify/Customer/501'] } }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { data: { nodes: unknown[] }; errors: Array<{ message: string; path: unknown[] }> };
    assert.deepEqual(body.data.nodes, [null]);
    assert.equal(body.errors.length, 1);
    assert.match(body.errors[0]!.message, /^This app is not approved to access the Customer object\. See https:\/\/partners\.shopify\.com\/\d+\/apps\/\d+\/customer_data for more details\.$/);
    assert.deepEqual(body.errors[0]!.path, ['nodes', 0, 'displayName']);
    assert.deepEqual(await fetchCustomerNames(client(LEVEL_ONE), ['501', '502']), { status: 'not-approved' });
  });

  it('other GraphQL errors are failures, not refusals; "•••" is no name; more than 250 ids are refused', async () => {
    assert.equal(isProtectedDataRefusal(new ShopifyGraphqlError('x', { shop: 's', errors: [{ message: 'Internal error' }] })), false);
    assert.equal(isProtectedDataRefusal(new ShopifyGraphqlError('x', { shop: 's', errors: [{ message: 'This app is not approved to use the firstName field.' }, { message: 'Throttled' }] })), false);
    assert.equal(isProtectedDataRefusal(new Error('This app is not approved to access the Customer object.')), false);
    const dots = { request: async () => ({ data: { nodes: [{ legacyResourceId: '7', displayName: '•••' }, { legacyResourceId: '8', displayName: 'Kim' }] }, cost: null }) } as unknown as AdminGraphqlClient;
    assert.deepEqual(await fetchCustomerNames(dots, ['7', '8']), { status: 'ok', names: { '8': 'Kim' } });
    await assert.rejects(fetchCustomerNames(dots, Array.from({ length: 251 }, (_, i) => String(i + 1))), RangeError);
  });
});
