// MongoDB sharding by shop (src/profiles/shard-keys.ts, docs/ARCHITECTURE.md "Sharding by shop"):
// every integration test runs under the shard-targeting audit (test/support/shard-audit.ts), which
// fails the file on a query that would scatter-gather. This file shows the audit itself: the stores'
// whole-shop and point queries pass, a deliberately shop-less query is caught.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openTestServices, type TestServices } from '../support/test-services.ts';
import { isShopTargeted } from '../support/shard-audit.ts';
import { makeStores } from '../webhooks/support.ts';
import type { WebhookStores } from '../../webhooks/types.ts';
import { ensureIndexes } from '../../src/deps.ts';
import { eraseCustomerData, eraseShopData } from '../../src/profiles/shop-data-eraser.ts';
import { SHARD_KEYS, shopIdRange } from '../../src/profiles/shard-keys.ts';

const SHOP = 'sharded.myshopify.com';

describe('shard targeting: the classifier', () => {
  it('accepts the shop through each kind of shard key and rejects filters without it', () => {
    assert.equal(isShopTargeted('customer_profiles', { _id: `${SHOP}/1` }), true);
    assert.equal(isShopTargeted('customer_profiles', { _id: { $in: [`${SHOP}/1`, `${SHOP}/2`] } }), true);
    assert.equal(isShopTargeted('customer_profiles', { _id: shopIdRange(SHOP), shop: SHOP }), true);
    assert.equal(isShopTargeted('customer_profiles', { shop: SHOP }), false, 'the shop field is not the shard key here');
    assert.equal(isShopTargeted('customer_profiles', { _id: { $in: [`${SHOP}/1`, 'other.myshopify.com/2'] } }), false, 'two shops');
    assert.equal(isShopTargeted('customer_profiles', { _id: { $gte: `${SHOP}/` } }), false, 'open range');
    assert.equal(isShopTargeted('calibration_heads', { _id: SHOP }), true);
    assert.equal(isShopTargeted('segment_events', { shop: SHOP, at: { $gte: new Date(0) } }), true);
    assert.equal(isShopTargeted('segment_events', { customerId: '1' }), false);
    assert.equal(isShopTargeted('calibrations', { _id: 'abc' }), false);
    assert.equal(isShopTargeted('webhook_deliveries', { receivedAt: { $lt: new Date(0) } }), true, 'declared cross-shop sweep');
    assert.equal(isShopTargeted('webhook_deliveries', { topic: 'x' }), false);
    assert.equal(isShopTargeted('shops', {}), true, 'unsharded');
    assert.ok(Object.keys(SHARD_KEYS).length >= 10);
  });
});

describe('shard targeting: the audit on real queries', () => {
  let s: TestServices;
  let st: WebhookStores;
  before(async () => {
    s = await openTestServices(import.meta.url);
    st = makeStores(s.mongo);
    await ensureIndexes(st);
  });
  after(async () => { await s.close(); });

  it('the stores\' point and whole-shop queries and the erasure are all shop-targeted', async () => {
    await st.orders.upsert(SHOP, {
      id: '1', customerId: 'c1', createdAt: 1_000, processedAt: 2_000, cancelledAt: null, updatedAt: 3_000, test: false,
      financialStatus: 'paid', netMinor: 100, grossMinor: 100, currency: 'USD', discountCodes: [], sourceName: 'web', tags: [],
      b2b: false, lineItems: [],
    });
    await st.orders.reconcileMoves(SHOP);
    await eraseCustomerData(s.mongo, st.profiles, SHOP, 'c1');
    await eraseShopData(s.mongo, SHOP);
    assert.deepEqual(s.shardAudit.violations, []);
  });

  it('a deliberately shop-less query is recorded and would fail the file', async () => {
    await s.mongo.collection('customer_profiles').find({ customerId: 'c1' }).toArray();
    await s.mongo.collection('order_books').deleteMany({ shop: SHOP });
    assert.deepEqual(s.shardAudit.violations.map((v) => `${v.command} ${v.collection}`), ['find customer_profiles', 'delete order_books']);
    assert.throws(() => s.shardAudit.assertClean(), /2 quer\(ies\) on sharded collections without the shop/);
    s.shardAudit.violations.length = 0; // shown; the file itself must still close cleanly
  });
});
