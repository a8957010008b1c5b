// Abandoned checkouts read during a resync (src/shopify/abandoned-checkouts.ts) against the simulator's
// abandonedCheckouts connection and the real engagement store: paged, filtered by updated_at, kept as the
// checkout webhooks keep them (time and product ids only), guests dropped, completed ones and ones an
// order followed cleared, a date never moved back, and a refusal reported instead of thrown.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, API_KEY, SHOP, NOW } from '../simulator/helpers.ts';
import type { Harness } from '../simulator/helpers.ts';
import { AdminGraphqlClient } from '../../src/shopify/admin-graphql-client.ts';
import { createAdminFetch } from '../../src/shopify/admin-fetch.ts';
import { ABANDONED_CHECKOUTS_QUERY, backfillAbandonedCheckouts } from '../../src/shopify/abandoned-checkouts.ts';
import { EngagementStore } from '../../src/profiles/engagement-store.ts';
import { seedCheckout } from '../../tools/shopify-simulator/checkouts.ts';
import { openTestServices, testLogger, type TestServices } from '../support/test-services.ts';
import type { NormalizedOrder } from '../../src/segments/types.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('abandoned checkouts in the resync', () => {
  let h: Harness;
  let s: TestServices;
  let engagement: EngagementStore;
  let client: AdminGraphqlClient;
  let pages = 0;
  const ordersOf = new Map<string, number[]>();
  const orders = {
    forCustomers: async (_shop: string, ids: readonly string[]) => new Map(ids.map((id) => [id, (ordersOf.get(id) ?? []).map((createdAt) => ({ createdAt }) as NormalizedOrder)])),
  };
  const run = (since = new Date(NOW - 90 * DAY)) => backfillAbandonedCheckouts({ client, engagement, orders, since, now: () => new Date(NOW) });

  before(async () => {
    h = await startHarness();
    s = await openTestServices(import.meta.url);
    engagement = new EngagementStore(s.mongo);
    const fetchFn = createAdminFetch(h.sim.url);
    client = new AdminGraphqlClient({ shop: SHOP, accessToken: h.token, apiVersion: '2026-10', logger: testLogger, fetch: (url, init) => { if (String(init?.body).includes('AppAbandonedCheckouts')) pages++; return fetchFn(url, init); } });
  });
  after(async () => { await h.sim.close(); await s.close(); });

  it('asks for a page within the single-query cost limit', async () => {
    const r = await h.gql(ABANDONED_CHECKOUTS_QUERY, { after: null, query: null });
    const cost = (r.body.extensions as { cost: { requestedQueryCost: number } }).cost.requestedQueryCost;
    assert.ok(cost <= 1000, `requested cost ${cost}`);
  });

  it('keeps time and products of unfinished checkouts, pages through all, drops guests, clears completed and ordered ones', async () => {
    const sim = h.sim.simulator;
    const customers = Array.from({ length: 23 }, () => h.sim.createCustomer(SHOP, {}).id);
    customers.forEach((id, i) => seedCheckout(sim, SHOP, { customerId: id, lines: [{ productId: String(700 + i), quantity: 1 }, { productId: '699', quantity: 2 }, { productId: String(700 + i), quantity: 1 }], at: NOW - (i + 2) * HOUR }));
    seedCheckout(sim, SHOP, { customerId: null, lines: [{ productId: '1', quantity: 1 }], at: NOW - HOUR });
    const done = h.sim.createCustomer(SHOP, {}).id;
    seedCheckout(sim, SHOP, { customerId: done, lines: [{ productId: '2', quantity: 1 }], at: NOW - 5 * HOUR, completedAt: NOW - 4 * HOUR });
    seedCheckout(sim, SHOP, { customerId: customers[0]!, lines: [{ productId: '3', quantity: 1 }], at: NOW - 200 * DAY });
    ordersOf.set(customers[1]!, [NOW - 30 * DAY, NOW - HOUR]); // an order after the checkout (NOW − 3 h)
    ordersOf.set(customers[2]!, [NOW - 30 * DAY]); // only before it

    pages = 0;
    const r = await run();
    assert.deepEqual(r, { read: 25, kept: 23, completed: 1, guests: 1, followedByOrder: 1, error: null });
    assert.equal(pages, 3, '25 checkouts, 10 a page');
    assert.deepEqual((await engagement.forCustomer(SHOP, customers[0]!))?.checkout, { at: NOW - 2 * HOUR, products: ['700', '699'] }, 'the 200-day-old one is outside the window');
    assert.equal((await engagement.forCustomer(SHOP, customers[0]!))?.lastCartAt, NOW - 2 * HOUR);
    assert.equal((await engagement.forCustomer(SHOP, customers[1]!))?.checkout, null, 'the later order cleared it');
    assert.deepEqual((await engagement.forCustomer(SHOP, customers[2]!))?.checkout, { at: NOW - 4 * HOUR, products: ['702', '699'] }, 'an earlier order does not');
    assert.equal(await engagement.forCustomer(SHOP, done), null, 'a completed checkout stores nothing');
    const raw = JSON.stringify(await s.shardAudit.unaudited(() => s.mongo.db!.collection('customer_engagement').find({}).toArray()));
    assert.ok(!/recover|http|price|@/i.test(raw), 'no recovery URL, price or e-mail stored');
  });

  it('never moves a date back: a newer checkout from the webhooks stays; a second pass changes nothing', async () => {
    const id = h.sim.createCustomer(SHOP, {}).id;
    seedCheckout(h.sim.simulator, SHOP, { customerId: id, lines: [{ productId: '11', quantity: 1 }], at: NOW - 10 * HOUR });
    await engagement.recordCheckout(SHOP, { customerId: id, token: 'webhook-token', at: new Date(NOW - HOUR), productIds: ['12'] }, new Date(NOW));
    await run();
    await run();
    assert.deepEqual((await engagement.forCustomer(SHOP, id))?.checkout, { at: NOW - HOUR, products: ['12'] });
  });

  it('reports a refusal (no read_orders) instead of failing the resync', async () => {
    h.sim.updateGrantedScopes(SHOP, API_KEY, ['read_customers']);
    const r = await run();
    assert.equal(r.read, 0);
    assert.match(r.error ?? '', /read_orders/);
  });
});
