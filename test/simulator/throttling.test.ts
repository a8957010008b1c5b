import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, SHOP, API_KEY } from './helpers.ts';
import type { Harness } from './helpers.ts';

const PAGE = '{ customers(first: 250) { nodes { id tags } } }'; // 2 + 250 × 1 = 252 points requested

describe('simulator query cost and leaky bucket', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ plan: 'standard' });
    h.sim.seedSynthetic(SHOP, { customers: 50, seed: 1 });
  });
  after(() => h.sim.close());

  it('prices a connection as 2 + first × item and charges only what came back', async () => {
    const { body } = await h.gql(PAGE);
    assert.equal(body.extensions?.cost.requestedQueryCost, 252);
    assert.equal(body.extensions?.cost.actualQueryCost, 52);
    assert.deepEqual(body.extensions?.cost.throttleStatus, { maximumAvailable: 2000, currentlyAvailable: 1948, restoreRate: 100 });
  });

  it('answers THROTTLED with Shopify\'s exact shape when the bucket is short, and restores over time', async () => {
    h.sim.drainBucket(SHOP);
    const res = await fetch(h.sim.graphqlUrl(), { method: 'POST', headers: { 'content-type': 'application/json', 'x-shopify-access-token': h.token }, body: JSON.stringify({ query: PAGE }) });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' } }],
      extensions: { cost: { requestedQueryCost: 252, actualQueryCost: null, throttleStatus: { maximumAvailable: 2000, currentlyAvailable: 0, restoreRate: 100 } } },
    });
    h.clock.advance(2519); // 251.9 points: still short
    assert.equal((await h.gql(PAGE)).body.errors?.[0]?.message, 'Throttled');
    h.clock.advance(1); // 252 points
    const ok = await h.gql(PAGE);
    assert.equal(ok.body.errors, undefined);
    assert.equal(ok.body.extensions?.cost.throttleStatus.currentlyAvailable, 200);
    assert.equal(h.sim.stats(SHOP).throttled, 2);
  });

  it('keeps a drained bucket empty until the next request, then refills from there', async () => {
    h.sim.drainBucket(SHOP);
    h.clock.advance(60_000); // time passing before the app's next request does not refill it
    const first = await h.gql('{ shop { id } }');
    assert.equal(first.body.errors?.[0]?.extensions?.code, 'THROTTLED');
    assert.equal(first.body.extensions?.cost.throttleStatus.currentlyAvailable, 0);
    h.clock.advance(10);
    assert.equal((await h.gql('{ shop { id } }')).body.errors, undefined);
  });

  it('never fills the bucket past its size', () => {
    h.clock.advance(3600_000);
    assert.deepEqual(h.sim.bucket(SHOP, API_KEY), { maximumAvailable: 2000, currentlyAvailable: 2000, restoreRate: 100 });
  });

  it('charges mutations 10 points each', async () => {
    const c = h.sim.listCustomers(SHOP)[0]!;
    const { body } = await h.gql('mutation($id: ID!) { a: tagsAdd(id: $id, tags: ["x"]) { userErrors { message } } b: tagsAdd(id: $id, tags: ["y"]) { userErrors { message } } c: tagsRemove(id: $id, tags: ["x"]) { userErrors { message } } }', { id: `gid://shopify/Customer/${c.id}` });
    assert.equal(body.extensions?.cost.requestedQueryCost, 30);
    assert.equal(body.extensions?.cost.actualQueryCost, 30);
  });

  it('refuses a single query over 1000 points with MAX_COST_EXCEEDED', async () => {
    const { body } = await h.gql('{ customers(first: 250) { nodes { orders(first: 10) { nodes { id } } } } }');
    assert.equal(body.errors?.[0]?.extensions?.code, 'MAX_COST_EXCEEDED');
    assert.equal(body.extensions?.cost.requestedQueryCost, 2 + 250 * (1 + 2 + 10));
  });

  it('throttles every request while hard throttling is forced', async () => {
    h.sim.setFaults(SHOP, { throttle: true });
    const { body } = await h.gql('{ shop { id } }');
    assert.equal(body.errors?.[0]?.extensions?.code, 'THROTTLED');
    h.sim.setFaults(SHOP, { throttle: false });
    const after = await h.gql('{ shop { id } }');
    assert.equal(after.body.errors, undefined);
  });

  it('throttles exactly the next N requests when asked, whatever the bucket holds', async () => {
    h.sim.setFaults(SHOP, { throttleNext: 2 });
    const codes: unknown[] = [];
    for (let i = 0; i < 3; i++) codes.push((await h.gql('{ shop { id } }')).body.errors?.[0]?.extensions?.code ?? 'ok');
    assert.deepEqual(codes, ['THROTTLED', 'THROTTLED', 'ok']);
  });

  it('uses the plan\'s restore rate and a bucket 20 times as large', async () => {
    for (const [plan, rate] of [['advanced', 200], ['plus', 1000], ['enterprise', 2000]] as const) {
      const domain = `${plan}-shop.myshopify.com`;
      h.sim.createShop({ domain, plan });
      h.sim.installApp({ shop: domain, apiKey: API_KEY, apiSecret: 'x' });
      assert.deepEqual(h.sim.bucket(domain, API_KEY), { maximumAvailable: rate * 20, currentlyAvailable: rate * 20, restoreRate: rate });
    }
  });

  it('injects seeded 5xx responses and counts them', async () => {
    h.sim.setFaults(SHOP, { errorRate: 1, errorStatus: 503 });
    const res = await fetch(h.sim.graphqlUrl(), { method: 'POST', headers: { 'content-type': 'application/json', 'x-shopify-access-token': h.token }, body: JSON.stringify({ query: '{ shop { id } }' }) });
    assert.equal(res.status, 503);
    await res.arrayBuffer();
    h.sim.setFaults(SHOP, { errorRate: 0.5 });
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await fetch(h.sim.graphqlUrl(), { method: 'POST', headers: { 'content-type': 'application/json', 'x-shopify-access-token': h.token }, body: JSON.stringify({ query: '{ shop { id } }' }) });
      statuses.push(r.status);
      await r.arrayBuffer();
    }
    h.sim.setFaults(SHOP, { errorRate: 0 });
    const failures = statuses.filter((s) => s === 503).length;
    assert.ok(failures > 0 && failures < 20);
    assert.equal(h.sim.stats(SHOP).injected5xx, 1 + failures);
  });
});
