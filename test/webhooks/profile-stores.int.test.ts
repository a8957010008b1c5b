// The MongoDB stores behind webhooks and install, on the MongoDB-compatible server.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Session } from '@shopify/shopify-api';
import { openTestServices, type TestServices } from '../support/test-services.ts';
import { makeStores } from './support.ts';
import type { WebhookStores } from '../../webhooks/types.ts';
import type { NormalizedOrder } from '../../src/segments/types.ts';
import { MongoSessionStore } from '../../src/profiles/session-store.ts';
import { eraseCustomerData, eraseShopData } from '../../src/profiles/shop-data-eraser.ts';
import { TokenDecryptionError } from '../../src/shopify/token-crypto.ts';
import { ensureIndexes } from '../../src/deps.ts';
import { shopScope } from '../../src/profiles/shard-keys.ts';
import { CustomerProfileStore, OBSOLETE_PROFILE_INDEXES, type ProfileUpdate } from '../../src/profiles/customer-profile-store.ts';
import { DataRequestStore } from '../../src/profiles/data-request-store.ts';

const SHOP = 'stores.myshopify.com';
const order = (id: string, customerId: string | null, updatedAt: number, netMinor = 100): NormalizedOrder => ({
  id, customerId, createdAt: 1_000, processedAt: 2_000, cancelledAt: null, updatedAt, test: false, financialStatus: 'paid',
  netMinor, grossMinor: netMinor, currency: 'USD', discountCodes: [], sourceName: 'web', tags: [], b2b: false,
  lineItems: [{ productId: '1', variantId: null, sku: null, quantity: 1 }],
});

describe('profile stores', () => {
  let s: TestServices;
  let st: WebhookStores;
  before(async () => {
    s = await openTestServices(import.meta.url);
    st = makeStores(s.mongo);
    await ensureIndexes(st);
  });
  after(async () => { await s.close(); });

  it('order store: round-trips the engine contract and reports the replaced customer', async () => {
    const o = order('9007199254740993', 'c1', 5_000);
    assert.deepEqual(await st.orders.upsert(SHOP, o), { outcome: 'written', previousCustomerId: null });
    assert.deepEqual(await st.orders.get(SHOP, o.id), o);
    assert.deepEqual(await st.orders.upsert(SHOP, { ...o, customerId: 'c2', updatedAt: 6_000 }), { outcome: 'written', previousCustomerId: 'c1' });
    assert.equal((await st.orders.upsert(SHOP, { ...o, updatedAt: 4_000 })).outcome, 'stale');
    assert.equal((await st.orders.get(SHOP, o.id))?.customerId, 'c2');
  });

  it('order store: batch upsert inserts new orders, updates newer ones and skips stale ones', async () => {
    await st.orders.upsertMany(SHOP, [order('b1', 'c3', 10), order('b2', 'c3', 10)]);
    const r = await st.orders.upsertMany(SHOP, [order('b1', 'c3', 20, 777), order('b2', 'c3', 5, 555), order('b3', 'c3', 1)]);
    assert.deepEqual(r, { written: 2, stale: 1, existing: ['b1', 'b2'] });
    assert.equal((await st.orders.get(SHOP, 'b1'))?.netMinor, 777);
    assert.equal((await st.orders.get(SHOP, 'b2'))?.netMinor, 100);
    assert.deepEqual((await st.orders.listForCustomer(SHOP, 'c3')).map((x) => x.id).sort(), ['b1', 'b2', 'b3']);
  });

  it('order store: batch upsert of a new order twice in one batch keeps the newest (insert, then $max)', async () => {
    const r = await st.orders.upsertMany(SHOP, [order('d1', 'c9', 10, 100), order('d1', 'c9', 20, 200), order('d2', 'c9', 5)]);
    assert.deepEqual(r, { written: 3, stale: 0, existing: ['d1'] });
    assert.equal((await st.orders.get(SHOP, 'd1'))?.netMinor, 200);
    assert.deepEqual((await st.orders.listForCustomer(SHOP, 'c9')).map((x) => x.id).sort(), ['d1', 'd2']);
    // The next batch of the same customer finds its book: the orders are added to it, not replacing it.
    await st.orders.upsertMany(SHOP, [order('d3', 'c9', 5)]);
    assert.deepEqual((await st.orders.listForCustomer(SHOP, 'c9')).map((x) => x.id).sort(), ['d1', 'd2', 'd3']);
  });

  it('order store: an order that moved between two backfills leaves the old book, found among the candidates upsertMany names', async () => {
    const MOVES = 'moves.myshopify.com';
    const first = await st.orders.upsertMany(MOVES, [order('m1', 'cA', 10), order('m2', 'cA', 10)]);
    assert.deepEqual(first.existing, [], 'a first backfill: no order can have moved');
    // The second backfill: m1 now belongs to cB (a newer version), m2 unchanged.
    const second = await st.orders.upsertMany(MOVES, [order('m1', 'cB', 20), order('m2', 'cA', 10)]);
    assert.deepEqual([...second.existing].sort(), ['m1', 'm2']);
    const books = async () => {
      const out = new Map<string, string[]>();
      for await (const c of st.orders.customersOf(MOVES)) if (c.customerId === 'cA' || c.customerId === 'cB') out.set(c.customerId, c.orders.map((o) => o.id).sort());
      return out;
    };
    assert.deepEqual((await books()).get('cA'), ['m1', 'm2'], 'before reconciling, m1 is in both books');
    assert.equal(await st.orders.reconcileMoves(MOVES, []), 0, 'no candidates: nothing read, nothing fixed');
    assert.equal(await st.orders.reconcileMoves(MOVES, second.existing), 1);
    assert.deepEqual(Object.fromEntries(await books()), { cA: ['m2'], cB: ['m1'] });
    // The scan (no candidates given) finds the same owner and changes nothing more: idempotent.
    assert.equal(await st.orders.reconcileMoves(MOVES), 1);
    assert.deepEqual(Object.fromEntries(await books()), { cA: ['m2'], cB: ['m1'] });
  });

  it('order store: a webhook that moves an order between the backfill\'s owner write and its book write leaves no live copy in the old book', async () => {
    const RACE = 'race.myshopify.com';
    // The backfill has written the owner record of r1 (customer cA, version 10) and not yet cA's book.
    await st.orders.owners.collection.insertOne({ _id: `${RACE}/r1`, shop: RACE, customerId: ['cA'], ver: '000000000000010' } as never);
    // orders/updated: r1 now belongs to cB.
    assert.deepEqual(await st.orders.upsert(RACE, order('r1', 'cB', 20)), { outcome: 'written', previousCustomerId: 'cA' });
    // The backfill's book write of the older version arrives last.
    await st.orders.upsertMany(RACE, [order('r1', 'cA', 10), order('r2', 'cA', 10)]);
    const live = new Map<string, string[]>();
    for await (const c of st.orders.customersOf(RACE)) live.set(c.customerId, c.orders.map((o) => o.id).sort());
    assert.deepEqual(Object.fromEntries(live), { cA: ['r2'], cB: ['r1'] }, 'r1 counts for cB only, before any reconciliation');
  });

  it('profile store: replaceMany inserts new profiles and replaces one written meanwhile', async () => {
    const profiles = new CustomerProfileStore(s.mongo);
    const at = new Date('2026-11-20T00:00:00Z');
    const update = (tag: string): ProfileUpdate => ({
      memberships: [], tagsDesired: [tag], metrics: {}, predictions: {}, replenishment: [], nextChangeAt: null, asOf: at, computedAt: at, calibrationId: null,
    });
    await profiles.replaceMany(SHOP, [{ customerId: 'p1', update: update('seg:one'), previous: null }]);
    // 'p1' now exists although the caller read none (a recompute of its own wrote it): replaced, not lost.
    const saved = await profiles.replaceMany(SHOP, [
      { customerId: 'p1', update: update('seg:two'), previous: null },
      { customerId: 'p2', update: update('seg:three'), previous: null },
    ]);
    assert.equal(saved.size, 2);
    const docs = await profiles.getByIds(SHOP, ['p1', 'p2']);
    assert.deepEqual(docs.map((d) => [d.customerId, d.tagsDesired]).sort(), [['p1', ['seg:two']], ['p2', ['seg:three']]]);
  });

  it('profile store: start drops the index an earlier version declared on memberships, and no other', async () => {
    const profiles = new CustomerProfileStore(s.mongo);
    await profiles.init();
    await profiles.model.collection.createIndex({ shop: 1, 'memberships.family': 1, 'memberships.segment': 1 });
    await profiles.model.collection.createIndex({ shop: 1, computedAt: 1 }, { name: 'by_hand' });
    await profiles.init();
    const names = (await profiles.model.collection.indexes()).map((i) => i.name);
    assert.ok(!names.includes(OBSOLETE_PROFILE_INDEXES[0]!), names.join(', '));
    assert.ok(names.includes('by_hand') && names.includes('shop_1_nextChangeAt_1'), names.join(', '));
    await profiles.model.collection.dropIndex('by_hand');
  });

  it('data request: the customer\'s memberships come as data, from text or from an earlier version\'s array', async () => {
    const profiles = new CustomerProfileStore(s.mongo);
    const requests = new DataRequestStore(s.mongo);
    const m = { family: 'loyalty', segment: 'vip', label: 'VIP', tag: 'seg:vip', explanation: 'VIP: 9 orders', since: 1 };
    const at = new Date('2026-11-20T00:00:00Z');
    await profiles.model.collection.insertMany([
      { _id: `${SHOP}/dr1`, shop: SHOP, customerId: 'dr1', membershipsJson: JSON.stringify([m]), tagsDesired: ['seg:vip'], asOf: at, computedAt: at },
      { _id: `${SHOP}/dr2`, shop: SHOP, customerId: 'dr2', memberships: [m], tagsDesired: ['seg:vip'], asOf: at, computedAt: at },
    ] as never[]);
    for (const id of ['dr1', 'dr2']) {
      await requests.fulfil(SHOP, id, `req-${id}`, at);
      const record = await requests.get(SHOP, `req-${id}`);
      const [profile] = record!.data.customer_profiles as Array<{ memberships: unknown; membershipsJson?: string }>;
      assert.deepEqual(profile!.memberships, [m], id);
      assert.equal(profile!.membershipsJson, undefined, id);
    }
  });

  it('webhook deliveries: recorded once processed, per shop, idempotent, cleanup keeps the last 8 days', async () => {
    const now = new Date('2026-11-20T00:00:00Z');
    assert.equal(await st.deliveries.seen(SHOP, 'w1'), false, 'an unprocessed delivery is not seen, so a retry is processed');
    await st.deliveries.markDelivered(SHOP, 'w1', 'w1', 'orders/create', now);
    await st.deliveries.markDelivered(SHOP, 'w1', 'w1', 'orders/create', now);
    assert.equal(await st.deliveries.seen(SHOP, 'w1'), true);
    assert.equal(await s.shardAudit.unaudited(() => st.deliveries.model.countDocuments({ shop: SHOP, webhookId: 'w1' })), 1, 'a second record of the same delivery is ignored');
    assert.equal(await st.deliveries.seen('other.myshopify.com', 'w1'), false, 'ids are per shop');
    await st.deliveries.markDelivered(SHOP, 'old', 'old', 'orders/create', new Date('2026-11-01T00:00:00Z'));
    await st.deliveries.markDelivered(SHOP, 'week', 'week', 'orders/create', new Date('2026-11-13T00:00:00Z'));
    assert.equal(await st.deliveries.deleteExpiredDeliveries(now), 1);
    assert.equal(await st.deliveries.seen(SHOP, 'week'), true, 'a 7-day-old delivery is still deduplicated');
    assert.equal(await st.deliveries.seen(SHOP, 'old'), false);
  });

  it('shop store: install, uninstall, re-install keeps settings and records read_all_orders', async () => {
    const t0 = new Date('2026-11-01T00:00:00Z');
    await st.shops.markInstalled('s.myshopify.com', { scopes: ['read_orders', 'read_all_orders'], timezone: 'UTC', currency: 'EUR', plan: 'Basic' }, t0);
    await st.shops.updateSettings('s.myshopify.com', { tagPrefix: 'seg:' }, t0);
    assert.equal(await st.shops.isInstalled('s.myshopify.com'), true);
    assert.equal((await st.shops.get('s.myshopify.com'))?.hasReadAllOrders, true);
    await st.shops.markUninstalled('s.myshopify.com', new Date('2026-11-02T00:00:00Z'));
    assert.equal(await st.shops.isInstalled('s.myshopify.com'), false);
    assert.ok(!(await st.shops.listInstalled()).includes('s.myshopify.com'));
    const t2 = new Date('2026-11-03T00:00:00Z');
    await st.shops.markInstalled('s.myshopify.com', { scopes: ['read_orders'] }, t2);
    const doc = await st.shops.get('s.myshopify.com');
    assert.equal(doc?.installedAt?.toISOString(), t2.toISOString());
    assert.equal(doc?.uninstalledAt, null);
    assert.equal(doc?.hasReadAllOrders, false);
    assert.deepEqual(doc?.settings, { tagPrefix: 'seg:' });
    assert.equal(doc?.currency, 'EUR');
  });

  it('session store: tokens encrypted at rest, readable only with the key', async () => {
    await st.sessions.storeSession(new Session({ id: 'offline_x.myshopify.com', shop: 'x.myshopify.com', state: '', isOnline: false, scope: 'read_orders', accessToken: 'shpat_secret', refreshToken: 'shprt_secret', expires: new Date('2027-01-01T00:00:00Z') }));
    const raw = await s.mongo.db!.collection('shopify_sessions').findOne({ sessionId: 'offline_x.myshopify.com' });
    assert.ok(raw && !JSON.stringify(raw).includes('shpat_secret') && !JSON.stringify(raw).includes('shprt_secret'));
    const loaded = await st.sessions.loadOfflineSession('x.myshopify.com');
    assert.equal(loaded?.accessToken, 'shpat_secret');
    assert.equal(loaded?.refreshToken, 'shprt_secret');
    assert.equal(loaded?.expires?.toISOString(), '2027-01-01T00:00:00.000Z');
    assert.equal((await st.sessions.findSessionsByShop('x.myshopify.com')).length, 1);
    await assert.rejects(new MongoSessionStore(s.mongo, Buffer.alloc(32, 9)).loadSession('offline_x.myshopify.com'), TokenDecryptionError);
    assert.equal(await st.sessions.deleteShopSessions('x.myshopify.com'), 1);
    assert.equal(await st.sessions.loadSession('offline_x.myshopify.com'), undefined);
  });

  it('eraser: deletes a customer, or a shop, in every collection — including ones it does not know', async () => {
    const shop = 'erase.myshopify.com';
    const profiles = s.mongo.db!.collection('some_future_profiles');
    await profiles.insertMany([{ shop, customerId: 'k1', x: 1 }, { shop, customerId: 'k2', x: 2 }, { shop: 'keep.myshopify.com', customerId: 'k1' }]);
    await st.orders.upsert(shop, order('e1', 'k1', 1));
    await st.orders.upsert(shop, order('e2', 'k2', 1));
    await st.deadLetters.record({ shop, webhookId: 'd1', topic: 'orders/create', reason: 'x', customerId: 'k1', payload: {} }, new Date());
    const r = await eraseCustomerData(s.mongo, st.profiles, shop, 'k1');
    assert.deepEqual(r, { order_books: 1, order_owners: 1, some_future_profiles: 1, webhook_dead_letters: 1 });
    assert.equal(await profiles.countDocuments({ shop, customerId: 'k2' }), 1);
    await eraseShopData(s.mongo, shop);
    assert.equal(await profiles.countDocuments({ shop }), 0);
    assert.equal(await st.orders.books.countDocuments(shopScope('order_books', shop)), 0);
    assert.equal(await st.orders.owners.countDocuments(shopScope('order_owners', shop)), 0);
    assert.equal(await profiles.countDocuments({ shop: 'keep.myshopify.com' }), 1);
  });
});
