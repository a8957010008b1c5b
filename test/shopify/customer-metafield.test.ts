// The $app:segments customer metafield against the simulator: definition created once (TAKEN after),
// values with entry dates, calls of at most 25 (metafieldsSet's limit), a gone customer dropped without
// losing the rest of its atomic call, and the bulk path for large change sets.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, SHOP, API_KEY } from '../simulator/helpers.ts';
import type { Harness } from '../simulator/helpers.ts';
import { AdminGraphqlClient } from '../../src/shopify/admin-graphql-client.ts';
import { createAdminFetch } from '../../src/shopify/admin-fetch.ts';
import {
  ensureMetafieldDefinition, metafieldValueOf, METAFIELD_KEY, METAFIELD_NAMESPACE, writeMetafields, writeMetafieldsInBulk,
} from '../../src/shopify/customer-metafield.ts';
import { testLogger } from '../support/test-services.ts';

describe('customer metafield $app:segments', () => {
  let h: Harness;
  let client: AdminGraphqlClient;
  let calls = 0;
  before(async () => {
    h = await startHarness();
    const fetchFn = createAdminFetch(h.sim.url);
    client = new AdminGraphqlClient({ shop: SHOP, accessToken: h.token, apiVersion: '2026-10', logger: testLogger, fetch: (url, init) => { if (String(init?.body ?? '').includes('AppSegmentsMetafields(')) calls++; return fetchFn(url, init); } });
  });
  after(async () => { await h.sim.close(); });

  it('holds each membership with its entry date, churn, next order and 12-month value', () => {
    const v = metafieldValueOf({
      memberships: [{ family: 'loyalty', segment: 'vip', label: 'VIP', tag: 'seg:vip', explanation: 'x', since: Date.parse('2026-10-03T15:00:00Z') }],
      predictionsJson: JSON.stringify({ churnProbability: 0.123, predictedNextOrderAt: Date.parse('2026-12-24T00:00:00Z'), clv12mMinor: 12345 }),
    }, 'EUR');
    assert.deepEqual(v, {
      segments: [{ segment: 'vip', family: 'loyalty', label: 'VIP', tag: 'seg:vip', since: '2026-10-03' }],
      churnProbability: 0.12, predictedNextOrderDate: '2026-12-24', predictedValue12m: { amount: '123.45', currencyCode: 'EUR' },
    });
    assert.equal(metafieldValueOf({ memberships: [], predictionsJson: 'not json' }, 'JPY').churnProbability, null);
  });

  it('creates the definition once; a second call finds it taken and is fine', async () => {
    const first = await ensureMetafieldDefinition(client);
    assert.ok(first.ok && first.id);
    const again = await ensureMetafieldDefinition(client);
    assert.deepEqual(again, { ok: true, id: null, errors: [] });
    const defs = h.sim.shopifyObjects(SHOP).metafieldDefinitions();
    assert.equal(defs.length, 1);
    assert.equal(defs[0]!.namespace, `app--${API_KEY.replace(/\W/g, '')}--segments`);
  });

  it('writes in calls of 25; a customer deleted meanwhile is reported gone, the rest of its call still lands', async () => {
    const customers = Array.from({ length: 60 }, () => h.sim.createCustomer(SHOP, {}));
    h.sim.deleteCustomer(SHOP, customers[5]!.id);
    const writes = customers.map((c) => ({ customerId: c.id, value: JSON.stringify({ segments: [], id: c.id }) }));
    calls = 0;
    const r = await writeMetafields(client, writes);
    assert.equal(calls, 4, '25 + 25 + 10, and the first call once more without the gone customer');
    assert.deepEqual(r.gone, [customers[5]!.id]);
    assert.equal(r.written.length, 59);
    assert.equal(r.failed.length, 0);
    const mf = h.sim.shopifyObjects(SHOP).customerMetafield(API_KEY, customers[0]!.id, METAFIELD_NAMESPACE, METAFIELD_KEY);
    assert.equal(mf?.type, 'json');
    assert.deepEqual(JSON.parse(mf!.value), { segments: [], id: customers[0]!.id });
  });

  it('writes a large change set as one bulk mutation', async () => {
    const customers = Array.from({ length: 30 }, () => h.sim.createCustomer(SHOP, {}));
    const before = h.sim.stats(SHOP).bulkOperations.mutation;
    const r = await writeMetafieldsInBulk(client, customers.map((c) => ({ customerId: c.id, value: '{"bulk":true}' })), { fetch: createAdminFetch(h.sim.url), pollIntervalMs: 10 });
    assert.equal(r.written.length, 30);
    assert.equal(h.sim.stats(SHOP).bulkOperations.mutation, before + 1);
    assert.equal(h.sim.shopifyObjects(SHOP).customerMetafield(API_KEY, customers[29]!.id, METAFIELD_NAMESPACE, METAFIELD_KEY)?.value, '{"bulk":true}');
  });

  it('the simulator refuses more than 25 metafields in one call, as Shopify does', async () => {
    const c = h.sim.createCustomer(SHOP, {});
    const many = Array.from({ length: 26 }, (_, i) => ({ ownerId: `gid://shopify/Customer/${c.id}`, namespace: '$app:segments', key: `k${i}`, type: 'json', value: '{}' }));
    const res = await h.gql('mutation M($m: [MetafieldsSetInput!]!) { metafieldsSet(metafields: $m) { metafields { id } userErrors { code message } } }', { m: many });
    const payload = (res.body.data as { metafieldsSet: { userErrors: Array<{ code: string }> } }).metafieldsSet;
    assert.equal(payload.userErrors[0]?.code, 'LESS_THAN_OR_EQUAL_TO');
  });
});
