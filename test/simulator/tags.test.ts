import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, startReceiver, SHOP, customerGid } from './helpers.ts';
import type { Harness, WebhookReceiver } from './helpers.ts';

const WRITE = `mutation Write($id: ID!, $add: [String!]!, $remove: [String!]!) {
  add: tagsAdd(id: $id, tags: $add) { node { id } userErrors { field message } }
  remove: tagsRemove(id: $id, tags: $remove) { node { id } userErrors { field message } }
}`;

describe('simulator tagsAdd / tagsRemove', () => {
  let h: Harness;
  let hooks: WebhookReceiver;
  before(async () => {
    hooks = await startReceiver();
    h = await startHarness({ webhookAddress: hooks.url });
  });
  after(async () => {
    await h.sim.close();
    await hooks.close();
  });

  it('adds and removes in one request through aliases and keeps merchant tags', async () => {
    const c = h.sim.createCustomer(SHOP, { tags: ['wholesale', 'seg:old'] });
    const { body } = await h.gql(WRITE, { id: customerGid(c.id), add: ['seg:vip', 'seg:active'], remove: ['seg:old'] });
    assert.deepEqual(body.data, {
      add: { node: { id: customerGid(c.id) }, userErrors: [] },
      remove: { node: { id: customerGid(c.id) }, userErrors: [] },
    });
    assert.deepEqual(h.sim.getCustomer(SHOP, c.id)?.tags, ['seg:active', 'seg:vip', 'wholesale']);
    assert.equal(body.extensions?.cost.requestedQueryCost, 20);
  });

  it('treats tags case-insensitively and splits comma-separated input', async () => {
    const c = h.sim.createCustomer(SHOP, { tags: ['VIP'] });
    await h.gql(WRITE, { id: customerGid(c.id), add: ['vip', 'a, b'], remove: [] });
    assert.deepEqual(h.sim.getCustomer(SHOP, c.id)?.tags, ['a', 'b', 'VIP']);
    await h.gql(WRITE, { id: customerGid(c.id), add: [], remove: ['vip'] });
    assert.deepEqual(h.sim.getCustomer(SHOP, c.id)?.tags, ['a', 'b']);
  });

  it('bumps updatedAt and sends customers/update only when tags really change', async () => {
    const c = h.sim.createCustomer(SHOP, {});
    await h.sim.webhooksIdle();
    const before = hooks.received.length;
    h.clock.advance(60_000);
    await h.gql(WRITE, { id: customerGid(c.id), add: ['seg:new'], remove: [] });
    assert.equal(h.sim.getCustomer(SHOP, c.id)?.updatedAt, h.clock.now());
    await h.gql(WRITE, { id: customerGid(c.id), add: ['seg:new'], remove: ['absent'] });
    await h.sim.webhooksIdle();
    const updates = hooks.received.slice(before).filter((w) => w.headers['x-shopify-topic'] === 'customers/update');
    assert.equal(updates.length, 1);
    assert.equal((JSON.parse(updates[0]!.body) as { tags: string }).tags, 'seg:new');
  });

  it('reports a userError for a customer that does not exist', async () => {
    const { body } = await h.gql(WRITE, { id: customerGid('999'), add: ['x'], remove: [] });
    assert.deepEqual(body.data?.add, { node: null, userErrors: [{ field: ['id'], message: 'Customer does not exist' }] });
  });
});
